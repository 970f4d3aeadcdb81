"""Pure pairing: the candidates of one file in, coded findings out."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Final

from aws_key_guard.model import Candidate
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Kind

_VOWELS: Final = b'AEIOU'


def looks_like_words(key_id: bytes) -> bool:
    """True for a key ID such as `ASIAPACIFICSINGAPORE` whose body reads as words."""
    # Random base32 bodies have digits or few vowels: an all-letter body with 7+
    # vowels in 16 is about 1 real key ID in 35,000. Such an ID still pairs with a
    # secret (the secret is the evidence) but is never reported on its own.
    body = key_id[4:]
    return body.isalpha() and sum(body.count(v) for v in _VOWELS) >= 7


def _nearest(
    key_ids: Sequence[Candidate], secret: Candidate, window: int | None
) -> Candidate | None:
    # Lines grow with offsets, so the nearest key ID is a neighbour in offset order.
    i = bisect.bisect(key_ids, secret.offset, key=lambda c: c.offset)
    neighbours = key_ids[max(0, i - 1) : i + 1]
    if not neighbours:
        return None
    best = min(neighbours, key=lambda k: (abs(k.line - secret.line), abs(k.offset - secret.offset)))
    if window is not None and abs(best.line - secret.line) > window:
        return None
    return best


def pair_candidates(candidates: Sequence[Candidate], *, window: int | None = None) -> list[Finding]:
    """Pair secrets with their nearest key IDs; report the rest as AKG002 to AKG004."""
    key_ids = [c for c in candidates if c.kind is Kind.KEY_ID]
    findings: list[Finding] = []
    paired: set[bytes] = set()
    for secret in candidates:
        if secret.kind is Kind.SESSION_TOKEN:
            findings.append(
                Finding(
                    Code.SESSION_TOKEN,
                    secret.line,
                    secret.col,
                    secret=secret.token,
                    layer=secret.layer,
                )
            )
        if secret.kind is not Kind.SECRET:
            continue
        key_id = _nearest(key_ids, secret, window)
        if key_id is not None:
            paired.add(key_id.token)
            findings.append(
                Finding(
                    Code.PAIR,
                    secret.line,
                    secret.col,
                    key_id.token,
                    secret.token,
                    key_id.line,
                    layer=secret.layer,
                )
            )
        elif secret.context:
            findings.append(
                Finding(
                    Code.SECRET, secret.line, secret.col, secret=secret.token, layer=secret.layer
                )
            )
    for key_id in key_ids:
        if key_id.token not in paired and not looks_like_words(key_id.token):
            findings.append(
                Finding(
                    Code.KEY_ID, key_id.line, key_id.col, key_id=key_id.token, layer=key_id.layer
                )
            )
    findings.sort(key=lambda f: (f.line, f.col))
    return findings
