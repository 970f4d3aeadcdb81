"""Pure filters for values known not to be live: built-ins, markers, fingerprints, baseline."""

from __future__ import annotations

from aws_key_guard.fingerprint import fingerprint
from aws_key_guard.model import Allowed
from aws_key_guard.model import Candidate
from aws_key_guard.model import Finding
from aws_key_guard.model import Kind
from aws_key_guard.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Mapping
    from collections.abc import Sequence
    from typing import Final

    from aws_key_guard.baseline import BaselineEntry
    from aws_key_guard.model import Marker

# AWS's documentation pairs, published in thousands of docs and tests.
DOC_EXAMPLE_SECRETS: Final = frozenset(
    (
        b'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        b'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    )
)
# Placeholders count up through the digits and the alphabet.
_SEQUENCE: Final = b'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'


def builtin_reason(candidate: Candidate) -> str | None:
    """Why a candidate is a documentation example or placeholder, or None."""
    token = bytes(candidate.token)
    if candidate.kind is Kind.SESSION_TOKEN:
        # AWS's sample tokens carry the word inside (`...wEXAMPLEtc764bNrC9...`).
        return 'AWS documentation example' if b'EXAMPLE' in token else None
    if candidate.kind is Kind.SECRET:
        if token in DOC_EXAMPLE_SECRETS or token.endswith(b'EXAMPLEKEY'):
            return 'AWS documentation example'
        return None
    body = token[4:]
    if token.endswith(b'EXAMPLE'):
        return 'AWS documentation example'
    if len(set(body)) == 1 or body in _SEQUENCE:
        return 'placeholder'
    return None


class Rules(Record):
    fingerprints: frozenset[str] = frozenset()
    config_file: str | None = None
    baseline: frozenset[BaselineEntry] = frozenset()
    baseline_file: str | None = None


def split_builtins(candidates: Iterable[Candidate]) -> tuple[list[Candidate], list[Allowed]]:
    """Candidates still in play, and the built-in examples and placeholders dropped."""
    kept: list[Candidate] = []
    allowed: list[Allowed] = []
    for c in candidates:
        reason = builtin_reason(c)
        if reason is None:
            kept.append(c)
        else:
            allowed.append(Allowed(c.line, c.col, f'built in: {reason}', candidate=c))
    return kept, allowed


def cover_values(
    candidates: Iterable[Candidate], markers: Iterable[Marker]
) -> dict[tuple[int, bytes], list[str]]:
    """The values markers cover, as (line, token), each with notes on its markers.

    A marker covers the values on its line only while they make one credential
    (at most one key ID and one secret); a line holding more needs a marker that
    names the values' fingerprints, so a key added beside an allowed one blocks.
    """
    by_line: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_line.setdefault(c.offset - c.col + 1, []).append(c)
    covered: dict[tuple[int, bytes], list[str]] = {}
    for marker in markers:
        on_line = by_line.get(marker.line_start, [])
        if marker.fingerprints:
            chosen = [c for c in on_line if fingerprint(c.token) in marker.fingerprints]
        elif max(sum(c.kind is kind for c in on_line) for kind in Kind) <= 1:
            chosen = on_line
        else:
            chosen = []
        for c in chosen:
            note = f"marker '{marker.name}' on line {c.line - marker.next_line}"
            if marker.reason:
                note += f': {marker.reason}'
            covered.setdefault((c.line, bytes(c.token)), []).append(note)
    return covered


def _values(finding: Finding) -> list[tuple[int, bytes]]:
    # The credential first: for a pair, the secret decides.
    values = []
    if finding.secret is not None:
        values.append((finding.line, bytes(finding.secret)))
    if finding.key_id is not None:
        values.append((finding.key_line or finding.line, bytes(finding.key_id)))
    return values


def _in_baseline(filename: str, code: str, fp: str, baseline: frozenset[BaselineEntry]) -> bool:
    # Imported here: only a run that read a baseline needs it.
    from aws_key_guard.baseline import BaselineEntry
    from aws_key_guard.baseline import normalize_path

    return BaselineEntry(normalize_path(filename), code, fp) in baseline


def sort_findings(
    filename: str,
    findings: Sequence[Finding],
    covered: Mapping[tuple[int, bytes], list[str]],
    rules: Rules,
) -> tuple[list[Finding], list[Allowed]]:
    """Split findings into those still reported and those allowed, with why.

    A marker allows a finding when it covers the line the finding is reported
    at: for a pair, the secret's (the key ID alone cannot sign anything). A
    marked key ID does not allow the secret it pairs with on another line.
    """
    kept: list[Finding] = []
    allowed: list[Allowed] = []
    for f in findings:
        why = None
        fp = f.fingerprint  # None for AKG900, which nothing allows
        if fp is not None:
            values = _values(f)
            if values[0] in covered:
                notes = (note for v in values if v in covered for note in covered[v])
                why = '; '.join(dict.fromkeys(notes))
            elif fp in rules.fingerprints:
                why = f'allow-fingerprints in {rules.config_file}'
            elif rules.baseline and _in_baseline(filename, f.code.value, fp, rules.baseline):
                why = f'baseline {rules.baseline_file}'
        if why is None:
            kept.append(f)
        else:
            allowed.append(Allowed(f.line, f.col, why, finding=f))
    return kept, allowed
