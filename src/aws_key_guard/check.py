"""Scanned files judged and reported, one at a time, and the report's life: open, finish, fail.

Light to import: a blocked everyday commit comes here straight from the hook's
entry, without the command line's parser, configuration or git intake.
"""

from __future__ import annotations

import sys

from aws_key_guard.error import ScanError
from aws_key_guard.judge import Settings
from aws_key_guard.judge import exit_code
from aws_key_guard.judge import judge_file
from aws_key_guard.judge import repo_path
from aws_key_guard.judge import way_back
from aws_key_guard.model import Code
from aws_key_guard.pipeline import internal_error
from aws_key_guard.probe import top_level
from aws_key_guard.report import Report
from aws_key_guard.text import format_summary
from aws_key_guard.text import printable
from aws_key_guard.text import quote_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from typing import BinaryIO
    from typing import Final

    from aws_key_guard.model import Allowed
    from aws_key_guard.model import Finding
    from aws_key_guard.pipeline import FileScan
    from aws_key_guard.verify import Verifier

# Per file, at most this many findings are reported; stderr counts the rest.
MAX_SHOWN: Final = 1_000


class OutputError(ScanError):
    """The report could not be written (a full disk, a closed pipe): nothing more can show."""


def add_findings(
    report: Report, filename: str, findings: list[Finding], allowed: list[Allowed]
) -> None:
    """Report one file's lines and flush them; a failed write is an OutputError."""
    try:
        report.add(filename, findings, allowed)
        report.stream.flush()
    except OSError as e:
        raise OutputError(e.strerror) from None


def allowed_shown(allowed: list[Allowed], settings: Settings, commit: str | None) -> list[Allowed]:
    """The allowed values a report lists: none unless --list-allowed asks."""
    if not settings.list_allowed:
        return []
    return [
        a if a.finding is None else a._replace(finding=a.finding._replace(commit=commit))
        for a in allowed
    ]


def report_internal_error(error: str, filename: str | None = None) -> None:
    """One line on stderr for a bug, naming the file it struck."""
    name = b'' if filename is None else quote_name(filename) + b': '
    sys.stderr.buffer.write(b'aws-key-guard: error: ' + name + error.encode() + b'\n')
    sys.stderr.buffer.flush()


def print_error(message: str) -> None:
    """`aws-key-guard: error: ...` on stderr."""
    # Messages may quote names from arguments, configuration or git: kept on one line.
    print(f'aws-key-guard: error: {printable(message)}', file=sys.stderr)


def _capped(filename: str, findings: list[Finding]) -> list[Finding]:
    # Where scanning stopped must show even past the cap.
    shown = findings[:MAX_SHOWN] + [f for f in findings[MAX_SHOWN:] if f.code is Code.UNSCANNABLE]
    if len(findings) > len(shown):
        message = f': {len(findings) - len(shown)} more findings not shown'
        message += f' (at most {MAX_SHOWN} per file)\n'
        sys.stderr.buffer.write(b'aws-key-guard: ' + quote_name(filename) + message.encode())
        sys.stderr.buffer.flush()
    return shown


def check_file(
    filename: str,
    scan: FileScan,
    settings: Settings,
    report: Report,
    verifier: Verifier | None = None,
    *,
    commit: str | None = None,
    from_git: bool = False,
) -> int:
    """Judge, verify and report one scanned file (capped); its exit code."""
    # A file read from disk is named from the current directory; git names blobs.
    path = filename if from_git else repo_path(filename, settings)
    if not scan.members:
        return _check_one(filename, path, scan, settings, report, verifier, commit)
    rc = 0
    for member in scan.members:
        # An archive's members are named `archive!member` (see archive.py).
        inner = f'!{member.member}' if member.member else ''
        checked = _check_one(
            filename + inner, path + inner, member, settings, report, verifier, commit
        )
        rc = max(rc, checked)
    return rc


def _check_one(
    filename: str,
    path: str,
    scan: FileScan,
    settings: Settings,
    report: Report,
    verifier: Verifier | None,
    commit: str | None,
) -> int:
    # Fail closed on a bug: exit 2 and one line naming the file rather than a
    # traceback (which exits 1), and go on with the other files. Each file's
    # lines are written whole and flushed, so what the report holds stays valid.
    if scan.bug is not None:
        report_internal_error(scan.bug, filename)
        return 2
    try:
        result = judge_file(scan, path, settings)
        findings = [f._replace(commit=commit) for f in result.findings]
        rc = exit_code(findings, settings)
        report.tally(filename, findings)
        findings = _capped(filename, findings)
        if verifier is not None:
            findings = verifier.verify_findings(findings)
        add_findings(report, filename, findings, allowed_shown(result.allowed, settings, commit))
    except OutputError:
        raise
    except Exception as e:
        report_internal_error(internal_error(e), filename)
        return 2
    return rc


def check_everyday(scans: Iterable[tuple[str, FileScan | None]]) -> int:
    """The hook's everyday run: files on disk, scanned with every setting at its default."""
    top = top_level()
    settings = Settings(top=top, prefix=way_back(top))

    def check(report: Report) -> int:
        rc = 0
        for filename, scan in scans:
            if scan is not None:  # None: clean
                rc = max(rc, check_file(filename, scan, settings, report))
        return rc

    return run_report(None, 'text', check, block_lone_key_ids=False)


def run_report(
    output: str | None, fmt: str, check: Callable[[Report], int], *, block_lone_key_ids: bool
) -> int:
    """Open the report (standard output, or the file `output`), check into it, finish it."""
    if output is None and sys.stdout is None:
        # Started with no standard output at all (`>&-`): the report has nowhere to go.
        print('aws-key-guard: error: standard output is closed', file=sys.stderr)
        return 2
    stream: BinaryIO = sys.stdout.buffer
    if output is not None:
        try:
            stream = open(output, 'wb')  # noqa: SIM115 -- closed once the report is done
        except OSError as e:
            print_error(f'{output}: {e.strerror}')
            return 2
    report = Report(stream, fmt, block_lone_key_ids=block_lone_key_ids)
    try:
        rc = check(report)
    except OutputError as e:
        return _lost(output, stream, str(e))
    except ScanError as e:
        # git failed (not a repository, unknown revision) or a baseline could not be
        # written: what was found still counts.
        print_error(str(e))
        rc = 2
    return _finish(output, report, stream, rc)


def _finish(output: str | None, report: Report, stream: BinaryIO, rc: int) -> int:
    try:
        report.finish()
        if output is not None:
            stream.close()
    except OSError as e:
        return _lost(output, stream, e.strerror)
    except Exception as e:
        report_internal_error(internal_error(e))
        rc = 2
    if report.fmt == 'text' and report.blocking:
        # What to do next, once per run, after the lines (stdout is flushed).
        summary = format_summary(report.blocking, len(report.blocking_files))
        sys.stderr.buffer.write(summary)
        sys.stderr.buffer.flush()
    return rc


def _lost(output: str | None, stream: BinaryIO, reason: str | None) -> int:
    # What could not be written stays buffered; left there, it would fail
    # again at exit, with a second message and Python's own exit code.
    if output is None:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    else:
        import contextlib

        with contextlib.suppress(OSError):
            stream.close()
    where = 'standard output' if output is None else output
    print(f'aws-key-guard: error: cannot write the report to {where}: {reason}', file=sys.stderr)
    return 2
