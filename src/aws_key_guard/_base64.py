"""Base64 runs decoded and mapped back to their offsets, light to import."""

from __future__ import annotations


def decode_base64(data: bytes) -> bytes:
    """Decode a run of base64 characters (no padding needed; a dangling char is dropped)."""
    import binascii

    extra = len(data) % 4
    if extra == 1:
        data = data[:-1]
    elif extra:
        data += b'=' * (4 - extra)
    return binascii.a2b_base64(data)


def base64_index(offset: int) -> int:
    """Index of the first decoded byte that begins at or after char offset of a run."""
    return offset // 4 * 3 + min(offset % 4, 3)


def base64_offset(index: int) -> int:
    """Char offset, within a run, where decoded byte index begins."""
    return index // 3 * 4 + index % 3
