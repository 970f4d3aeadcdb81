"""Command line: a clean commit is judged here; anything else goes to the full CLI in _cli."""

from __future__ import annotations

import os
import sys

from aws_key_guard._disk import read_chunks
from aws_key_guard._probe import defaults_apply
from aws_key_guard._workers import failing
from aws_key_guard.detect import scan_chunks

# Every commit pays for this module's imports, and a clean commit should cost
# little more than Python's start-up. The full CLI (argparse, which imports re
# and gettext; the records, which import enum and typing; configuration, git
# intake and reports) is imported only when it can make a difference.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


# Loose secrets (no AWS context, no key ID in the file) judged here at most:
# enough for a crypto library's test vectors; a file with more goes to the
# full CLI, so a flood of them costs little twice.
_LOOSE_SECRETS = 64


def _everyday(args: Sequence[str]) -> bool:
    # Filenames only, not a push, and no configuration or baseline: the
    # defaults hold, and a file with no candidate has nothing to report.
    if any(arg.startswith('-') for arg in args):
        return False
    if os.environ.get('PRE_COMMIT_FROM_REF') or os.environ.get('PRE_COMMIT_TO_REF'):
        return False
    if os.environ.get('PRE_COMMIT_REMOTE_NAME'):  # a push that pre-commit gave no range for
        return False
    return defaults_apply()


def clean(filename: str) -> bool:
    """True if the file on disk holds nothing that could be a finding, whatever the settings."""
    try:
        found = scan_chunks(read_chunks(filename), limit=_LOOSE_SECRETS, lines=False)
    except Exception:  # ScanError, or a bug: the full CLI reports either in one line
        return False
    if not found:
        return True
    # Secret-shaped tokens with no AWS context and no key ID in the file are
    # not findings (test vectors, hashes in base64): the file is clean. Any
    # other candidate, or a flood of these, goes to the full CLI.
    from aws_key_guard.model import Kind

    return len(found) <= _LOOSE_SECRETS and all(
        c.kind is Kind.SECRET and not c.context for c in found
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(argv)
    except KeyboardInterrupt:
        # Ctrl-C: one line and the shell's code for SIGINT, not a traceback.
        sys.stderr.write('aws-key-guard: error: interrupted\n')
        return 130


def _run(argv: Sequence[str] | None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if _everyday(args):
        # The full CLI would print nothing for a clean file and exit 0, so
        # only the others go to it, in their order, to be scanned again.
        args = failing(args, clean)
        if not args:
            return 0
    from aws_key_guard._cli import main as run_cli

    return run_cli(args)


if __name__ == '__main__':
    raise SystemExit(main())
