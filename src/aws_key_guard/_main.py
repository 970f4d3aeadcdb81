"""Command line: arguments in, findings on stdout, the exit code out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import BinaryIO
from typing import NamedTuple

from aws_key_guard import __version__
from aws_key_guard.allowlist import builtin_reason
from aws_key_guard.detect import scan_chunks
from aws_key_guard.intake import read_chunks
from aws_key_guard.model import Finding
from aws_key_guard.model import ScanError
from aws_key_guard.pairing import pair_candidates
from aws_key_guard.report import FORMATS
from aws_key_guard.report import Report

EPILOG = """\
exit codes:
  0  nothing blocking (lone key IDs, AKG003, only warn)
  1  blocking findings
  2  usage error, or a file that could not be scanned (AKG900)

--verify asks AWS STS whether each key pair is live and adds [live: ARN],
[rejected] or [unverified: reason] to its line; a pair blocks either way.

If a finding is a real key: deactivate and rotate it in IAM now; if it was
ever pushed, also purge it from the repository's history.
"""


class Settings(NamedTuple):
    block_lone_key_ids: bool = False
    pair_window: int | None = None


def scan_file(filename: str, settings: Settings) -> list[Finding]:
    """All findings for one file; an unreadable file is a single AKG900."""
    try:
        candidates = scan_chunks(read_chunks(filename))
    except ScanError as e:
        return [Finding('AKG900', 1, 1, reason=str(e))]
    kept = [c for c in candidates if builtin_reason(c) is None]
    return pair_candidates(kept, window=settings.pair_window)


def exit_code(findings: Sequence[Finding], settings: Settings) -> int:
    """0 nothing blocking, 1 blocking findings, 2 a file that could not be scanned."""
    codes = {f.code for f in findings}
    if 'AKG900' in codes:
        return 2
    if codes - {'AKG003'} or (codes and settings.block_lone_key_ids):
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='aws-key-guard',
        description='Find AWS access key IDs and secret access keys in files.',
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument('filenames', nargs='*', metavar='FILE', help='files to scan')
    parser.add_argument(
        '--block-lone-key-ids',
        action='store_true',
        help='make a key ID with no secret (AKG003) block, not just warn',
    )
    parser.add_argument(
        '--format',
        choices=FORMATS,
        default='text',
        help='text (default, one line per finding), json (one document), '
        'sarif (SARIF 2.1.0 for GitHub code scanning) or github (workflow annotations)',
    )
    parser.add_argument(
        '--output', metavar='FILE', help='write the report to FILE instead of standard output'
    )
    parser.add_argument(
        '--verify',
        action='store_true',
        help="ask AWS STS whether each key pair is live (needs 'aws-key-guard[verify]')",
    )
    parser.add_argument('--version', action='version', version=f'%(prog)s {__version__}')
    args = parser.parse_args(argv)
    settings = Settings(block_lone_key_ids=args.block_lone_key_ids)
    verifier = None
    if args.verify:
        # Only here: the hook's everyday path stays offline and free of botocore.
        from aws_key_guard.verify import Verifier

        try:
            verifier = Verifier()
        except ScanError as e:
            print(f'aws-key-guard: error: {e}', file=sys.stderr)
            return 2

    stream: BinaryIO = sys.stdout.buffer
    if args.output is not None:
        try:
            stream = open(args.output, 'wb')  # noqa: SIM115 -- closed once the report is done
        except OSError as e:
            print(f'aws-key-guard: error: {args.output}: {e.strerror}', file=sys.stderr)
            return 2
    report = Report(stream, args.format, block_lone_key_ids=settings.block_lone_key_ids)
    rc = 0
    for filename in args.filenames:
        findings = scan_file(filename, settings)
        if verifier is not None:
            findings = verifier.verify_findings(findings)
        report.add(filename, findings)
        rc = max(rc, exit_code(findings, settings))
    report.finish()
    if args.output is not None:
        stream.close()
    return rc


if __name__ == '__main__':
    raise SystemExit(main())
