"""A value's fingerprint: what findings print and baselines store in place of a secret."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

PREFIX: Final = 'sha256:'
_DIGITS: Final = 12
_HEX: Final = frozenset('0123456789abcdef')


def fingerprint(token: bytes) -> str:
    """`sha256:` and the first 12 hex digits of the token's SHA-256."""
    import hashlib

    return f'{PREFIX}{hashlib.sha256(token).hexdigest()[:_DIGITS]}'


def is_fingerprint(word: str) -> bool:
    """True for `sha256:` and 12 lower-case hex digits, as findings print them."""
    return (
        len(word) == len(PREFIX) + _DIGITS
        and word.startswith(PREFIX)
        and set(word[len(PREFIX) :]) <= _HEX
    )
