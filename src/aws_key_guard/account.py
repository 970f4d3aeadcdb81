"""Decode the AWS account number carried by new-generation key IDs."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

_BASE32: Final = b'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
_LARGEST: Final = 999_999_999_999


def decode_account(key_id: bytes) -> int | None:
    """The 12-digit account of a key ID whose 5th character is Q or later, else None.

    The bits hold numbers up to 13 digits; such a number is no account.
    """
    body = key_id[4:20]
    digits = [_BASE32.find(c) for c in body]
    if len(digits) != 16 or -1 in digits or digits[0] < _BASE32.index(b'Q'):
        return None
    value = 0
    for digit in digits:
        value = value << 5 | digit
    top48 = value >> 32  # 16 chars = 80 bits; the first 6 bytes hold the account
    account = (top48 & 0x7FFFFFFFFF80) >> 7
    return account if account <= _LARGEST else None
