"""The hook's entry: an everyday commit is judged from here; anything else goes to the full CLI.

Every commit pays for this module's imports, and a clean commit should cost
little more than Python's start-up. A commit with findings, when the
defaults hold and every name is a file, is judged and reported by `check`,
which imports only what the report needs. The full command line (argparse,
which imports re and gettext; configuration, git intake and the other
formats) is imported only when it can make a difference, and then takes over
the files scanned here as they are.
"""

from __future__ import annotations

import posix
import sys
from _stat import S_ISDIR

from aws_key_guard.pipeline import scan_files
from aws_key_guard.probe import defaults_apply
from aws_key_guard.system import getenv

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def _everyday(args: Sequence[str]) -> bool:
    # Filenames only, not a push, and no configuration or baseline: the
    # defaults hold, and a file with no candidate has nothing to report.
    if any(arg.startswith('-') for arg in args):
        return False
    if getenv('PRE_COMMIT_FROM_REF') or getenv('PRE_COMMIT_TO_REF'):
        return False
    if getenv('PRE_COMMIT_REMOTE_NAME'):  # a push that pre-commit gave no range for
        return False
    return defaults_apply()


def _is_directory(name: str) -> bool:
    try:
        return S_ISDIR(posix.lstat(name).st_mode)
    except OSError:
        return False  # the scan says why


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(argv)
    except KeyboardInterrupt:
        # Ctrl-C: one line and the shell's code for SIGINT, not a traceback.
        sys.stderr.write('aws-key-guard: error: interrupted\n')
        return 130


def _run(argv: Sequence[str] | None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    prescanned = None
    if _everyday(args):
        # The full CLI would print nothing for a clean file and exit 0.
        scans = list(zip(args, scan_files(args), strict=True))
        found = [name for name, scan in scans if scan is not None]
        if not found:
            return 0
        if not any(map(_is_directory, found)):
            # Files only, with the defaults: judged and reported as the full
            # CLI would, without its parser, configuration or git intake.
            from aws_key_guard.check import check_everyday

            return check_everyday(scans)
        # The full CLI expands the directories and takes the other scans as they are.
        prescanned = dict(scans)
    from aws_key_guard.cli import main as run_cli

    return run_cli(args, prescanned=prescanned)


if __name__ == '__main__':
    raise SystemExit(main())
