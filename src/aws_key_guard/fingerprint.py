"""A value's fingerprint: what findings print and baselines store in place of a secret."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

PREFIX: Final = 'sha256:'
_DIGITS: Final = 12
_HEX: Final = frozenset('0123456789abcdef')


def fingerprint(token: bytes) -> str:
    """`sha256:` and the first 12 hex digits of the token's SHA-256."""
    # Python's own SHA-256 where it has one: hashlib loads OpenSSL first,
    # which costs a blocked commit more than the rest of its report.
    try:
        if sys.version_info >= (3, 12):  # pragma: >=3.12 cover
            from _sha2 import sha256  # type: ignore[import-not-found]  # private: no stub
        else:  # pragma: <3.12 cover
            from _sha256 import sha256  # type: ignore[import-not-found]  # private: no stub
    except ImportError:  # pragma: no cover -- a Python built without its own SHA-2
        from hashlib import sha256

    digest: str = sha256(token).hexdigest()
    return f'{PREFIX}{digest[:_DIGITS]}'


def is_fingerprint(word: str) -> bool:
    """True for `sha256:` and 12 lower-case hex digits, as findings print them."""
    return (
        len(word) == len(PREFIX) + _DIGITS
        and word.startswith(PREFIX)
        and set(word[len(PREFIX) :]) <= _HEX
    )
