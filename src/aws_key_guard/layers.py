"""Pure decoders that expose tokens hidden by escapes, UTF-16 or base64, with their origin."""

from __future__ import annotations

import re
from typing import Final
from typing import NamedTuple

# The base64 arithmetic lives where a clean commit can use it without this module.
from aws_key_guard._base64 import base64_index as base64_index
from aws_key_guard._base64 import base64_offset as base64_offset
from aws_key_guard._base64 import decode_base64 as decode_base64

BASE64_CHARS: Final = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
# Escapes that can sit inside a secret: they decode to '/' or '+' (JSON `\/`,
# `\u002F`; URL `%2F`, and `%252F` when a value was encoded twice).
_INNER: Final = re.compile(rb'\\(?:/|u002[bBfF])|%(?:25)?2[bBfF]')
_PIECE: Final = re.compile(rb'[A-Za-z0-9+/]+|\\/|\\u002[bBfF]|%(?:25)?2[bBfF]')
# A whole escaped run in one C-level match.
_SPAN: Final = re.compile(rb'(?:[A-Za-z0-9+/]+|\\/|\\u002[bBfF]|%(?:25)?2[bBfF])+')
# Any other escape decodes to one character that ends a token (`\n`, `\u0027`, `%3D`).
_ESCAPE: Final = re.compile(rb'\\([bfnrt]|u[0-9A-Fa-f]{4})|%([0-9A-Fa-f]{2})')
_ESCAPE_BEFORE: Final = re.compile(rb'(?:\\(?:[bfnrt]|u[0-9A-Fa-f]{4})|%[0-9A-Fa-f]{2})\Z')
_NONZERO: Final = bytes([0] + [0xFF] * 255)
# Every base64 byte becomes 'x' and every other byte ' ', so runs of base64 can
# be found with bytes.find at memchr speed.
RUN_MAP: Final = bytes(ord('x') if b in BASE64_CHARS else ord(' ') for b in range(256))


class Escape(NamedTuple):
    end: int  # index just past the escape sequence
    value: int  # the character it stands for
    layer: str  # 'json-escape' or 'url'


def escape_at(buf: bytes, pos: int) -> Escape | None:
    """The one-character escape (`\\n`, `\\u0027`, `%3D`) that starts at pos, if any."""
    m = _ESCAPE.match(buf, pos)
    if m is None:
        return None
    if m[2] is not None:
        return Escape(m.end(), int(m[2], 16), 'url')
    code = m[1]
    value = int(code[1:], 16) if code[:1] == b'u' else ord('\n')  # \b \f \n \r \t: all controls
    return Escape(m.end(), value, 'json-escape')


def escape_before(buf: bytes, pos: int) -> Escape | None:
    """The escape sequence that ends just before pos, if any."""
    m = _ESCAPE_BEFORE.search(buf, max(0, pos - 6), pos)
    return None if m is None else escape_at(buf, m.start())


def next_inner_escape(buf: bytes, lo: int, hi: int) -> int:
    """Offset of the first escape in [lo, hi) that decodes to '/' or '+', or -1."""
    m = _INNER.search(buf, lo, hi)
    return -1 if m is None else m.start()


def touches_inner_escape(buf: bytes, pos: int, stop: int) -> bool:
    """True if the run buf[pos:stop] touches an escape that decodes to '/' or '+'.

    Such a run is a slice of a longer escaped one, and may start inside the
    escape before it (`u002F...` after its backslash).
    """
    return _INNER.match(buf, stop) is not None or (
        pos > 0 and _INNER.match(buf, pos - 1) is not None
    )


class Span(NamedTuple):
    start: int
    stop: int
    text: bytes  # the decoded run up to limit + 1 chars; empty if far longer
    after_escape: bool  # the run begins right after an escape such as `\n`


def escaped_span(buf: bytes, pos: int, limit: int) -> Span:
    """The escaped base64 run around the inner escape at pos, decoded up to limit + 1 chars.

    The span's start is -1 when the run reaches more than limit characters to the
    left of pos; its stop is always the end of the run, found in one regex match.
    """
    lo = max(0, pos - 6 * (limit + 1))
    runs = buf[lo:pos].translate(RUN_MAP)
    start = pos
    count = 0
    after_escape = False
    while True:
        plain = lo + runs.rfind(b' ', 0, start - lo) + 1
        count += start - plain
        start = plain
        if count > limit or plain == lo > 0:
            start = -1
            break
        if not plain or buf[plain - 1] not in b'\\%':
            break
        inner = _PIECE.match(buf, plain - 1)
        if inner is not None:
            count += 1 - (inner.end() - plain)
            start = plain - 1
            continue
        escape = escape_at(buf, plain - 1)
        if escape is not None:
            count -= escape.end - plain
            start = escape.end
            after_escape = True
        break
    run = _SPAN.match(buf, pos if start < 0 else start)
    assert run is not None  # noqa: S101 -- pos starts an escape, so a run starts there
    stop = run.end()
    if start < 0 or stop - start > 6 * (limit + 1):
        return Span(start, stop, b'', after_escape)  # far too long to matter
    text = bytearray()
    for m in _PIECE.finditer(buf, start, stop):
        piece = m[0]
        if piece[:1] in (b'\\', b'%'):
            piece = b'+' if piece[-1:] in b'bB' else b'/'
        text += piece
    return Span(start, stop, bytes(text[: limit + 1]), after_escape)


def base64_runs(buf: bytes, lo: int, hi: int, shortest: int) -> list[tuple[int, int]]:
    """The (start, stop) of every run of at least `shortest` base64 characters in buf[lo:hi]."""
    runs = buf[lo:hi].translate(RUN_MAP)
    needle = b'x' * shortest
    found = []
    pos = runs.find(needle)
    while pos != -1:
        stop = runs.find(b' ', pos)
        if stop == -1:
            stop = len(runs)
        found.append((lo + pos, lo + stop))
        pos = runs.find(needle, stop)
    return found


def utf16_view(region: bytes, *, big_endian: bool) -> bytes:
    """One byte per UTF-16 code unit of region: the character if ASCII, else 0xFF.

    Code unit i covers region[2i:2i+2]; its low byte is returned, so offsets map back
    as 2i (little-endian) or 2i + 1 (big-endian).
    """
    if big_endian:
        high, low = region[0::2], region[1::2]
    else:
        low, high = region[0::2], region[1::2]
    n = min(len(low), len(high))
    # Word-wide OR through big integers: C speed, no per-byte Python loop.
    mask = int.from_bytes(high[:n].translate(_NONZERO), 'big')
    return (int.from_bytes(low[:n], 'big') | mask).to_bytes(n, 'big')
