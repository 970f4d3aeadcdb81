"""Pure detection: byte chunks in, candidate key IDs and secrets out."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Final

from aws_key_guard.model import Candidate
from aws_key_guard.model import Kind
from aws_key_guard.model import Secret

CHUNK_SIZE: Final = 1 << 20
KEY_ID_LEN: Final = 20
SECRET_LEN: Final = 40
# Bytes before a secret searched for words such as `aws_secret_access_key`;
# enough to reach an XML <name> element on the line above its <value>.
CONTEXT_BEFORE: Final = 96
# A token is judged only once the byte after its longest form is in the
# buffer, so a run that continues into the next read is never cut short.
_LOOKAHEAD: Final = SECRET_LEN + 1
# 30 random bytes in base64 never fall below ~4.16 bits/char over 40 chars;
# 40 hex digits can never exceed 4.0.
ENTROPY_FLOOR: Final = 4.1

# Only these prefixes are credentials (AIDA, AROA, ... name users and roles).
_KEY_ID_PREFIX: Final = re.compile(rb'A(?:KIA|SIA|BIA|CCA)')
_CONTEXT: Final = re.compile(rb'secret[-_. ]?(?:access[-_. ]?)?key', re.IGNORECASE)

_ALNUM: Final = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
_BASE64: Final = _ALNUM + b'+/'
# A key ID touching a letter, digit or '+' is a slice of a longer identifier
# or of a base64 blob; '/' is allowed because URLs and paths put IDs there.
_KEY_ID_JOINERS: Final = frozenset(_ALNUM + b'+')
# Every base64 byte becomes 'x' and every other byte ' ', so runs of exactly
# SECRET_LEN base64 bytes can be found with bytes.find at memchr speed.
_RUN_MAP: Final = bytes(ord('x') if b in _BASE64 else ord(' ') for b in range(256))
_RUN: Final = b'x' * SECRET_LEN
_X: Final = ord('x')


def looks_random(token: bytes) -> bool:
    """True for a 40-char token that could be a secret rather than a word or hash."""
    if token.lower() == token or token.upper() == token:
        return False
    if token.isalpha() and _is_camel_case(token):
        return False
    n = len(token)
    counts = (token.count(b) for b in set(token))
    entropy = -sum(c / n * math.log2(c / n) for c in counts)
    return entropy > ENTROPY_FLOOR


def _is_camel_case(token: bytes) -> bool:
    # Identifiers such as `getInternalServerErrorResponseForRequest`: every
    # capital starts a lower-case word. Random letters almost never do this.
    return all(
        token[i + 1 : i + 2].islower() for i in range(len(token)) if token[i : i + 1].isupper()
    )


def _judge(buf: bytes, start: int, end: int) -> list[tuple[int, Kind, bytes, bool]]:
    hits: list[tuple[int, Kind, bytes, bool]] = []
    size = len(buf)
    for m in _KEY_ID_PREFIX.finditer(buf, start, min(size, end + 3)):
        pos = m.start()
        stop = pos + KEY_ID_LEN
        if pos >= end or stop > size:
            continue
        body = buf[pos + 4 : stop]
        if not (body.isalnum() and body.upper() == body):
            continue
        if (pos and buf[pos - 1] in _KEY_ID_JOINERS) or (
            stop < size and buf[stop] in _KEY_ID_JOINERS
        ):
            continue
        hits.append((pos, Kind.KEY_ID, buf[pos:stop], False))

    runs = buf.translate(_RUN_MAP)
    pos = runs.find(_RUN, start)
    while pos != -1 and pos < end:
        stop = runs.find(b' ', pos)
        if stop == -1:
            stop = size
        # A run that began before `start` was judged with the previous read.
        if stop - pos == SECRET_LEN and not (pos and runs[pos - 1] == _X):
            token = buf[pos:stop]
            if looks_random(token):
                context = _CONTEXT.search(buf, max(0, pos - CONTEXT_BEFORE), pos) is not None
                hits.append((pos, Kind.SECRET, token, context))
        pos = runs.find(_RUN, stop)
    hits.sort()
    return hits


def scan_chunks(chunks: Iterable[bytes]) -> list[Candidate]:
    """Find key IDs and secret-shaped tokens in a stream, with 1-based line and column."""
    found: list[Candidate] = []
    buf = b''
    base = 0  # absolute offset of buf[0]
    start = 0  # first index of buf not yet judged
    cursor = 0  # index of buf up to which newlines have been counted
    line = 1  # line number at `cursor`
    line_start = 0  # absolute offset where that line begins
    it = iter(chunks)
    while True:
        chunk = next(it, None)
        final = chunk is None
        if chunk:
            buf += chunk
        end = len(buf) if final else len(buf) - _LOOKAHEAD
        if end > start:
            for pos, kind, token, context in _judge(buf, start, end):
                newlines = buf.count(b'\n', cursor, pos)
                if newlines:
                    line += newlines
                    line_start = base + buf.rfind(b'\n', cursor, pos) + 1
                cursor = pos
                col = base + pos - line_start + 1
                found.append(Candidate(kind, line, col, base + pos, Secret(token), context))
            start = end
        if final:
            return found
        # Keep the unjudged tail plus the context window before it.
        keep = max(0, start - CONTEXT_BEFORE)
        if cursor < keep:
            newlines = buf.count(b'\n', cursor, keep)
            if newlines:
                line += newlines
                line_start = base + buf.rfind(b'\n', cursor, keep) + 1
            cursor = keep
        buf = buf[keep:]
        base += keep
        start -= keep
        cursor -= keep
