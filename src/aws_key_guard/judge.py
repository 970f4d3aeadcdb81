"""One file's scan in, its findings out: pairing, the caps, and what is allowed and why."""

from __future__ import annotations

from aws_key_guard.allowlist import Rules
from aws_key_guard.allowlist import cover_values
from aws_key_guard.allowlist import sort_findings
from aws_key_guard.allowlist import split_builtins
from aws_key_guard.model import Allowed
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import blocks
from aws_key_guard.pairing import pair_candidates
from aws_key_guard.pipeline import MAX_CANDIDATES
from aws_key_guard.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

    from aws_key_guard.pipeline import FileScan


class Settings(Record):
    """Every option that changes a result, from the command line and configuration."""

    block_lone_key_ids: bool = False
    pair_window: int | None = None
    exclude_types: frozenset[str] = frozenset()  # identify tags, as pre-commit's exclude_types
    exclude: re.Pattern[str] | None = None  # searched in each path, from the configuration
    foreign_markers: bool = True
    rules: Rules = Rules()
    list_allowed: bool = False
    # The repository's top level from the current directory, and the way back:
    # paths in the baseline and those `exclude` is matched against start there.
    top: str = ''
    prefix: str = ''


class FileResult(Record):
    findings: list[Finding]  # what is reported
    allowed: list[Allowed]  # what was let through, and why


def repo_path(filename: str, settings: Settings) -> str:
    """A file named from the current directory, as named from the repository's top level."""
    if not settings.prefix:
        return filename
    import os  # below the top level only: a commit at the top costs no os

    return os.path.normpath(os.path.join(settings.prefix, filename)).replace(os.sep, '/')


def way_back(top: str) -> str:
    """The current directory as named from `top`, the repository's top level ('' if there)."""
    if not top:
        return ''
    import os

    return os.path.relpath('.', top)


def judge_file(scan: FileScan, path: str, settings: Settings) -> FileResult:
    """The findings of one scanned file, known at `path` (as baselines name it)."""
    if scan.error is not None:
        return FileResult([Finding(Code.UNSCANNABLE, 1, 1, reason=scan.error)], [])
    kept, builtins = split_builtins(scan.candidates)
    findings = pair_candidates(kept, window=settings.pair_window)
    # Markers still waiting for their line when the scan stopped cover nothing.
    covered = cover_values(scan.candidates, [m for m in scan.markers if not m.pending])
    findings, allowed = sort_findings(path, findings, covered, settings.rules)
    if scan.overflow is not None:
        reason = f'more than {MAX_CANDIDATES} key-shaped tokens, not scanned past here'
        findings.append(
            Finding(Code.UNSCANNABLE, scan.overflow.line, scan.overflow.col, reason=reason)
        )
    if scan.cut is not None:
        # Markers know their byte offset, not their line.
        reason = f'more than {MAX_CANDIDATES} allow markers, not scanned past byte {scan.cut}'
        findings.insert(0, Finding(Code.UNSCANNABLE, 1, 1, reason=reason))
    return FileResult(findings, builtins + allowed)


def exit_code(findings: Sequence[Finding], settings: Settings) -> int:
    """0 nothing blocking, 1 blocking findings, 2 a file that could not be scanned."""
    codes = {f.code for f in findings}
    if Code.UNSCANNABLE in codes:
        return 2
    return int(any(blocks(c, block_lone_key_ids=settings.block_lone_key_ids) for c in codes))
