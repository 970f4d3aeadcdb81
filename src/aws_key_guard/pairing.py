"""Pure pairing: the candidates of one file in, coded findings out.

Key IDs and secrets pair as a reader pairs them, in reading order. The file is
cut into stretches: between two key IDs or two secrets that follow each other
(a lone one stands there), around a key ID and a secret alone together on a
line (a pair), and wherever consecutive candidates are farther apart than the
window; not inside a block of k key IDs then k secrets (or k
secrets then k key IDs) whose same-kind neighbours are no more lines apart than
the two halves are, and whose ends are no nearer an outside candidate than to
their own half. A block pairs its i-th key ID with its i-th secret; any other
stretch alternates, pairs neighbours in order and, when one candidate is
left over, leaves out its first or its last, whichever leaves the nearer pairs.
A secret still unpaired takes the nearest key ID within the window that no
other secret has, else the nearest one. Sections (INI headers, JSON objects)
are not seen: only kind, line and offset are.
"""

from __future__ import annotations

import itertools

from aws_key_guard.model import Candidate
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Kind

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from collections.abc import Sequence
    from typing import Final

_VOWELS: Final = b'AEIOU'


def looks_like_words(key_id: bytes) -> bool:
    """True for a key ID such as `ASIAPACIFICSINGAPORE` whose body reads as words."""
    # Random base32 bodies have digits or few vowels: an all-letter body with 7+
    # vowels in 16 is about 1 real key ID in 35,000. Such an ID still pairs with a
    # secret (the secret is the evidence) but is never reported on its own.
    body = key_id[4:]
    return body.isalpha() and sum(body.count(v) for v in _VOWELS) >= 7


def _after(items: Sequence[Candidate], offset: int) -> int:
    # How many of items, in offset order, start at or before offset: bisect's
    # search, without loading the _bisect library for one call a blocked commit.
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if offset < items[mid].offset:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _distance(a: Candidate, b: Candidate) -> tuple[int, int]:
    return abs(a.line - b.line), abs(a.offset - b.offset)


def _nearest(
    key_ids: Sequence[Candidate], secret: Candidate, window: int | None
) -> Candidate | None:
    # Lines grow with offsets, so the nearest key ID is a neighbour in offset order.
    i = _after(key_ids, secret.offset)
    neighbours = key_ids[max(0, i - 1) : i + 1]
    if not neighbours:
        return None
    best = min(neighbours, key=lambda k: _distance(k, secret))
    if window is not None and abs(best.line - secret.line) > window:
        return None
    return best


def _nearest_free(
    free: list[Candidate], taken: set[bytes], secret: Candidate, window: int | None
) -> Candidate | None:
    i = _after(free, secret.offset)
    # Drop the taken neighbours on both sides; each is dropped once, so this stays linear.
    while i < len(free) and free[i].token in taken:
        del free[i]
    while i > 0 and free[i - 1].token in taken:
        del free[i - 1]
        i -= 1
    return _nearest(free[max(0, i - 1) : i + 1], secret, window)


def _is_block(items: Sequence[Candidate], first: range, second: range) -> bool:
    if len(first) != len(second) or len(first) < 2:
        return False

    def step(i: int) -> int:  # lines from the candidate before item i
        return items[i].line - items[i - 1].line

    across = step(second.start)
    halves = (first, second)
    tight = all(step(i) <= across for half in halves for i in range(half.start + 1, half.stop))
    # No outside neighbour nearer an end than that end's own half: in `K S` on
    # one line, the S belongs to the pair, not to a block.
    start, stop = first.start, second.stop
    before = start == 0 or step(start) >= step(start + 1)
    after = stop == len(items) or step(stop) >= step(stop - 1)
    return tight and before and after


def _stretches(items: Sequence[Candidate], window: int | None) -> Iterator[tuple[range, bool]]:
    """The stretches of `items` (in reading order), each with whether it is a block."""
    n = len(items)
    far = {
        j for j in range(1, n) if window is not None and items[j].line - items[j - 1].line > window
    }
    runs = []
    start = 0
    for j in range(1, n + 1):
        if j == n or j in far or items[j].kind is not items[start].kind:
            runs.append(range(start, j))
            start = j
    cuts = set(far)
    for j in range(1, n):
        # A key ID and a secret alone together on a line are a pair, whatever the chain.
        line = items[j].line
        if (
            items[j - 1].line == line
            and items[j - 1].kind is not items[j].kind
            and (j < 2 or items[j - 2].line != line)
            and (j + 1 == n or items[j + 1].line != line)
        ):
            cuts.update((j - 1, j + 1))
    blocks = set()
    r = 0
    while r < len(runs):
        run = runs[r]
        if r + 1 < len(runs) and run.stop not in far and _is_block(items, run, runs[r + 1]):
            blocks.add(run.start)
            cuts.update((run.start, runs[r + 1].stop))
            r += 2
        else:
            cuts.update(range(run.start + 1, run.stop))
            r += 1
    bounds = sorted(cuts | {0, n})
    for begin, end in itertools.pairwise(bounds):
        yield range(begin, end), begin in blocks


def _pair_stretch(
    items: Sequence[Candidate], stretch: range, block: bool
) -> Iterator[tuple[Candidate, Candidate]]:
    if block:
        half = len(stretch) // 2
        yield from ((items[i], items[i + half]) for i in stretch[:half])
        return
    # Alternating: neighbours pair; an odd one out is the first or the last.
    last = [(items[i], items[i + 1]) for i in stretch[:-1:2]]
    if len(stretch) % 2 == 0:
        yield from last
        return
    first = [(items[i], items[i + 1]) for i in stretch[1::2]]
    yield from first if _cost(first) < _cost(last) else last


def _cost(pairs: Sequence[tuple[Candidate, Candidate]]) -> tuple[int, int]:
    lines = sum(abs(a.line - b.line) for a, b in pairs)
    return lines, sum(abs(a.offset - b.offset) for a, b in pairs)


def _at(code: Code, c: Candidate, key_id: Candidate | None = None) -> Finding:
    # A finding at candidate c's place, in c's view; a pair's when key_id is given.
    if key_id is not None:
        return Finding(
            code, c.line, c.col, key_id.token, c.token, key_id.line, layer=c.layer, units=c.units
        )
    if c.kind is Kind.KEY_ID:
        return Finding(code, c.line, c.col, c.token, layer=c.layer, units=c.units)
    return Finding(code, c.line, c.col, secret=c.token, layer=c.layer, units=c.units)


def _row_pairs(items: Sequence[Candidate]) -> dict[Candidate, Candidate]:
    """Secrets paired with key IDs of their own database row, where a row holds as
    many of each (the i-th with the i-th): a row's columns may lie pages apart."""
    rows: dict[int, list[Candidate]] = {}
    for c in items:
        if c.row is not None:
            rows.setdefault(c.row, []).append(c)
    partner: dict[Candidate, Candidate] = {}
    for row in rows.values():
        key_ids = [c for c in row if c.kind is Kind.KEY_ID]
        secrets = [c for c in row if c.kind is Kind.SECRET]
        if key_ids and len(key_ids) == len(secrets):
            partner.update(zip(secrets, key_ids, strict=True))
    return partner


def pair_candidates(candidates: Sequence[Candidate], *, window: int | None = None) -> list[Finding]:
    """Pair secrets with key IDs in reading order; report the rest as AKG002 to AKG004."""
    findings = [_at(Code.SESSION_TOKEN, c) for c in candidates if c.kind is Kind.SESSION_TOKEN]
    items = sorted(
        (c for c in candidates if c.kind is not Kind.SESSION_TOKEN), key=lambda c: c.offset
    )
    key_ids = [c for c in items if c.kind is Kind.KEY_ID]
    partner = _row_pairs(items)  # secret -> its key ID
    in_rows = {*partner, *partner.values()}
    rest = [c for c in items if c not in in_rows]
    for stretch, block in _stretches(rest, window):
        for a, b in _pair_stretch(rest, stretch, block):
            key_id, secret = (a, b) if a.kind is Kind.KEY_ID else (b, a)
            if window is None or abs(key_id.line - secret.line) <= window:
                partner[secret] = key_id
    taken: set[bytes] = {k.token for k in partner.values()}
    free = [k for k in key_ids if k.token not in taken]
    for secret in items:
        if secret.kind is Kind.SECRET and secret not in partner:
            chosen = _nearest_free(free, taken, secret, window) or _nearest(key_ids, secret, window)
            if chosen is not None:
                partner[secret] = chosen
                taken.add(chosen.token)
            elif secret.context:
                findings.append(_at(Code.SECRET, secret))
    for secret in items:
        if (paired := partner.get(secret)) is not None:
            findings.append(_at(Code.PAIR, secret, paired))
    findings += (
        _at(Code.KEY_ID, k)
        for k in key_ids
        if k.token not in taken and not looks_like_words(k.token)
    )
    findings.sort(key=lambda f: (f.line, f.col))
    return findings
