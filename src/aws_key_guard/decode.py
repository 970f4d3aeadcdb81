"""Views: tokens hidden by escapes, URL encoding, base64 or UTF-16, with the way back to the file.

Words this module owns:

- run: a stretch of base64 characters (letters, digits, '+', '/') with no
  other byte in it. A run map translates a buffer so that every run becomes
  'x' and bytes.find locates runs at memchr speed. In RUN_MAP the escape
  characters '\\' and '%' count as run bytes too, and NUL becomes '0'.
- escape: `\\n`, `\\u002F` (JSON), `\\x2F` or `\\057` (C) or `%2F` (URL), one character written as
  several. An inner escape stands for '/' or '+' and so sits inside an escaped
  run; any other ends a token, like the byte it stands for.
- character reference: HTML's and XML's escape, `&#47;`, `&#x2F;` or `&sol;`,
  from '&' to ';'. A numeric one may have leading zeros (`&#x002F;`) and, as
  HTML parsers read it, no ';' (`&#47`): it then ends where its digits do.
  One for a base64 character is an inner escape; the others (`&amp;`,
  `&quot;`) end a token. RUN_MAP leaves '&', '#' and ';' out, so a run holding
  one is found from its '&' (next_reference), not by the run map.
- view: decoded bytes of part of a read (a base64 run, a wrapped base64
  block, UTF-16 text), judged like plain bytes; `View.place` maps a decoded
  index back to its offset in the read.
- wrapped block: base64 broken into lines of one width (PEM 64, MIME 76),
  decoded joined so that a token split between two lines is seen whole.

Escapes are parsed by hand, not by patterns: a commit whose key is written
with escapes is judged, and reported, without importing `re`. The patterns
other modules use compile on first use: a clean commit never imports `re`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Final

BASE64_CHARS: Final = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'


def class_map(members: bytes) -> bytes:
    """A translate table: 'x' for each byte of members, ' ' for every other byte.

    Every commit pays for the tables at import: a loop over members only.
    """
    table = bytearray(b' ' * 256)
    for b in members:
        table[b] = ord('x')
    return bytes(table)


PLAIN_RUN_MAP: Final = class_map(BASE64_CHARS)
# Escape characters become 'x' too, and NUL '0': one translate, then bytes.find
# locates every run that can hold a secret, plain or escaped, and UTF-16 text.
RUN_MAP: Final = b'0' + class_map(BASE64_CHARS + b'\\%')[1:]
UTF16_LAYERS: Final = ('utf-16le', 'utf-16be')
UTF32_LAYERS: Final = ('utf-32le', 'utf-32be')
# Bytes per code unit of each wide text layer.
WIDTHS: Final = {'utf-16le': 2, 'utf-16be': 2, 'utf-32le': 4, 'utf-32be': 4}
# Inner escapes: `\/`, `\u002F`, C's `\x2F` and `\057`, `%2F`, and `%252F` when a
# value was encoded twice; and any base64 character as `\u0041` or `%41`, as
# tools that escape every character write it; the same as HTML's and XML's
# character references `&#47;`, `&#x2F;`, `&sol;`, `&#65;`.
_HEX: Final = BASE64_CHARS.hex().encode()
# The two hex digits of a base64 character's code, as an escape may write them.
_BASE64_HEX: Final = frozenset(_HEX[i : i + 2] for i in range(0, len(_HEX), 2)) | frozenset(
    _HEX[i : i + 2].upper() for i in range(0, len(_HEX), 2)
)
_BASE64_CODES: Final = frozenset(BASE64_CHARS)
_HEX_DIGITS: Final = b'0123456789abcdefABCDEF'
_DIGITS: Final = b'0123456789'
# Parsers accept any number of leading zeros; past 8 digits (a 32-bit value as
# `%08X` writes it) a reference is not decoded, so a flood of zeros costs a
# bounded look at each '&'.
_DIGITS_MAX: Final = 8
# The longest inner escape, `&#x0000002F;`: an escaped character is judged at
# no more bytes than this.
ESCAPE_MAX: Final = 3 + _DIGITS_MAX + 1
_SEMICOLON: Final = ord(';')
_HASH: Final = ord('#')
_REFERENCE_ENDS: Final = frozenset(b';' + _HEX_DIGITS)  # a reference's last byte
# C's escapes of '+' and '/', hex and octal: each whole wherever it stands.
C_INNER: Final = (b'\\x2b', b'\\x2B', b'\\x2f', b'\\x2F', b'\\053', b'\\057')
QUOTED_PRINTABLE: Final = 'quoted-printable'  # the layer of a token after `=3D`
# The same grammar as patterns, for what is long: a key's escapes are parsed
# by hand, a flood of escapes in C.
_HEX64: Final = rb'(?:2[bBfF]|3[0-9]|4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa])'
_DEC64: Final = (
    rb'(?:0{0,6}(?:4[3789]|5[0-7]|6[5-9]|[78][0-9]|9[07-9])|0{0,5}(?:1[01][0-9]|12[0-2]))'
)
# Each inner escape but a character reference: how it begins, and its whole grammar.
_INNER_FORMS: Final = (
    (b'%', rb'%(?:25)?' + _HEX64),
    (b'\\/', rb'\\/'),
    (b'\\u00', rb'\\u00' + _HEX64),
    (b'\\x2', rb'\\x2[bBfF]'),
    (b'\\05', rb'\\05[37]'),
)
INNER_ESCAPE: Final = b'|'.join(form for _, form in _INNER_FORMS)
# Leading zeros up to 8 digits in all, digits that end there, and ';' if written.
_NUMERIC: Final = rb'#(?:[xX]0{0,6}' + _HEX64 + rb'(?![0-9A-Fa-f])|' + _DEC64 + rb'(?![0-9]));?'
REFERENCE: Final = rb'&(?:(?:sol|plus);|' + _NUMERIC + rb')'
INNER: Final = INNER_ESCAPE + rb'|' + REFERENCE
PIECE: Final = rb'[A-Za-z0-9+/]+|' + INNER
SPAN: Final = rb'(?:' + PIECE + rb')+'
# Escapes, or pieces of an escaped run, looked at by hand before the rest is
# left to a pattern: more than a key written with a few escaped characters
# has, far fewer than a flood of escapes.
_BY_HAND: Final = 8
# HTML pages write `&#39;` or `&amp;` often: a page's own are passed over by
# hand, so that a clean commit does not import `re` for them.
_REFERENCES_BY_HAND: Final = 64
_NONZERO: Final = bytes([0] + [0xFF] * 255)
# Base64 wrapped at the usual widths ends in a short line that can be exactly
# 40 characters long: a tail, not a secret.
WRAP_WIDTHS: Final = (64, 76)
_WRAP_INDENT: Final = 64  # the most indent a block's lines may share
# Each 4-char group of base64 for ASCII text starts with A-Z or a-f (a byte
# below 0x80); a key ID fills 6 groups in a row. Identifiers rarely do this.
_TEXT_GROUP_MAP: Final = class_map(b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef')
_TEXT_GROUPS: Final = b'x' * 6
# decode_base64 reads a run this long or shorter in octal digits.
_BY_DIGITS_MAX: Final = 256
_HIGH_DIGITS: Final = bytes.maketrans(BASE64_CHARS, bytes(48 + (i >> 3) for i in range(64)))
_LOW_DIGITS: Final = bytes.maketrans(BASE64_CHARS, bytes(48 + (i & 7) for i in range(64)))
_patterns: dict[bytes, re.Pattern[bytes]] = {}


def pattern(source: bytes) -> re.Pattern[bytes]:
    """source compiled once per process: a cache, it never changes a result."""
    if source not in _patterns:
        import re

        _patterns[source] = re.compile(source)
    return _patterns[source]


class Escape:
    """A one-character escape: where it ends, the character, and 'json-escape', 'url' or
    'quoted-printable'."""

    __slots__ = ('end', 'layer', 'value')

    def __init__(self, end: int, value: int, layer: str) -> None:
        self.end = end
        self.value = value
        self.layer = layer

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Escape) and self._fields() == other._fields()

    def _fields(self) -> tuple[int, int, str]:
        return (self.end, self.value, self.layer)

    def __repr__(self) -> str:
        return f'Escape{self._fields()!r}'


def _is_hex(digits: bytes, size: int) -> bool:
    return len(digits) == size and not digits.translate(None, _HEX_DIGITS)


def escape_at(buf: bytes, pos: int) -> Escape | None:
    """The one-character escape (`\\n`, `\\u0027`, `%3D`, `=3D`) that starts at pos, if any.

    Of quoted-printable (email bodies, MHTML) only `=3D` is read: the '=' of
    `key=3Dvalue`, the one escape that stands right before a token there.
    """
    lead = buf[pos : pos + 1]
    if lead == b'=':
        qp = buf[pos + 1 : pos + 3] == b'3D'
        return Escape(pos + 3, ord('='), QUOTED_PRINTABLE) if qp else None
    if lead == b'%':
        code = buf[pos + 1 : pos + 3]
        return Escape(pos + 3, int(code, 16), 'url') if _is_hex(code, 2) else None
    form = buf[pos + 1 : pos + 2] if lead == b'\\' else b''
    if form and form in b'bfnrt':
        return Escape(pos + 2, ord('\n'), 'json-escape')  # \b \f \n \r \t: all controls
    code = buf[pos + 2 : pos + 6]
    if form == b'u' and _is_hex(code, 4):
        return Escape(pos + 6, int(code, 16), 'json-escape')
    return None


def escape_before(buf: bytes, pos: int) -> Escape | None:
    """The escape sequence that ends just before pos, if any."""
    for size in (6, 3, 2):  # `\\u0027`, `%3D`, `\\n`
        escape = escape_at(buf, pos - size) if pos >= size else None
        if escape is not None and escape.end == pos:
            return escape
    # `&#47AKIA...`: a decimal reference needs no ';' before a byte that is no digit.
    field = buf[max(0, pos - _DIGITS_MAX - 2) : pos]
    digits = len(field) - len(field.rstrip(_DIGITS))
    ends = not buf[pos : pos + 1].isdigit()
    if ends and 0 < digits <= _DIGITS_MAX and field[-digits - 2 : -digits] == b'&#':
        return Escape(pos, int(field[-digits:]), 'html-entity')
    return None


def inner_escape_end(buf: bytes, pos: int) -> int:
    """Where the inner escape that starts at pos ends; -1 if none starts there."""
    lead = buf[pos : pos + 1]
    if lead == b'&':
        return _reference_end(buf, pos)
    if lead == b'%':  # `%2F`, or `%252F` encoded twice
        if buf[pos + 1 : pos + 3] == b'25' and buf[pos + 3 : pos + 5] in _BASE64_HEX:
            return pos + 5
        return pos + 3 if buf[pos + 1 : pos + 3] in _BASE64_HEX else -1
    if lead != b'\\':
        return -1
    if buf[pos + 1 : pos + 2] == b'/':  # JSON's `\\/`
        return pos + 2
    if buf[pos + 1 : pos + 4] == b'u00' and buf[pos + 4 : pos + 6] in _BASE64_HEX:
        return pos + 6
    return pos + 4 if buf[pos : pos + 4] in C_INNER else -1


def _reference_end(buf: bytes, pos: int) -> int:
    """Where the character reference for a base64 character that starts at pos ends, or -1."""
    if buf[pos + 1 : pos + 2] != b'#':
        name = buf[pos + 1 : pos + 6]
        if name[:4] == b'sol;':
            return pos + 5
        return pos + 6 if name == b'plus;' else -1
    base = 16 if buf[pos + 2 : pos + 3] in (b'x', b'X') else 10
    first = pos + 2 + (base == 16)
    field = buf[first : first + _DIGITS_MAX + 1]
    # The digits run as long as they are digits of the base (HTML's rule).
    size = len(field) - len(field.lstrip(_HEX_DIGITS if base == 16 else _DIGITS))
    if not 0 < size <= _DIGITS_MAX or int(field[:size], base) not in _BASE64_CODES:
        return -1
    end = first + size
    return end + (buf[end : end + 1] == b';')


def reference_start(buf: bytes, end: int) -> int:
    """Where the character reference for a base64 character that ends at end starts, or -1."""
    pos = buf.rfind(b'&', max(0, end - ESCAPE_MAX), end)  # none holds a second '&'
    return pos if pos != -1 and _reference_end(buf, pos) == end else -1


def next_reference(buf: bytes, lo: int, hi: int) -> int:
    """Offset of the first character reference for a base64 character whole in [lo, hi), or -1."""
    pos = buf.find(b'&', lo, hi)
    for _ in range(_REFERENCES_BY_HAND):
        if pos == -1 or -1 < inner_escape_end(buf, pos) <= hi:
            return pos
        pos = buf.find(b'&', pos + 1, hi)
    # A flood of other references. The pattern sees past hi: where a reference
    # with no ';' ends depends on the byte after its digits.
    found = pattern(REFERENCE).search(buf, pos, hi + ESCAPE_MAX)
    return -1 if found is None or found.end() > hi else found.start()


def next_inner_escape(buf: bytes, lo: int, hi: int) -> int:
    """Offset of the first inner escape (not a character reference) whole in [lo, hi), or -1."""
    return InnerEscapes(buf, lo, hi).next(lo)


class InnerEscapes:
    """The inner escapes (not character references) whole in buf[lo:hi], asked for left to right.

    Each form's lead is found at memchr speed and its place kept, and so is the
    last answer: however often a read is asked, it costs a pass a form, and
    `\\x00`, `\\n` or `\\\\` cost nothing however many. A lead that keeps finding
    other escapes (`%20`, `\\u0000`) is then looked for with its whole grammar.
    """

    __slots__ = ('_ats', '_buf', '_hi', '_last', '_misses')

    def __init__(self, buf: bytes, lo: int, hi: int) -> None:
        self._buf = buf
        self._hi = hi
        # Where each form is next (-2: not looked for yet); with no backslash, only '%' can be.
        slashes = -2 if buf.find(b'\\', lo, hi) != -1 else -1
        self._ats = [-2] + [slashes] * (len(_INNER_FORMS) - 1)
        self._misses = [0] * len(_INNER_FORMS)
        self._last = -2

    def next(self, lo: int) -> int:
        """Offset of the first inner escape whole in [lo, hi), or -1; lo may not go back."""
        if self._last == -2 or -1 < self._last < lo:
            self._last = self._first(lo)
        return self._last

    def _first(self, lo: int) -> int:
        while True:
            pos, form = self._lead(lo)
            if pos == -1 or -1 < inner_escape_end(self._buf, pos) <= self._hi:
                return pos
            self._misses[form] += 1
            lo = pos + 1

    def _lead(self, lo: int) -> tuple[int, int]:
        """Where the first form at or after lo begins and which form it is, or (-1, -1)."""
        first = form = -1
        for i, at in enumerate(self._ats):
            if at == -2 or -1 < at < lo:
                at = self._ats[i] = self._find(i, lo)
            if at != -1 and (first == -1 or at < first):
                first, form = at, i
        return first, form

    def _find(self, form: int, lo: int) -> int:
        lead, grammar = _INNER_FORMS[form]
        if self._misses[form] < _BY_HAND:
            return self._buf.find(lead, lo, self._hi)
        found = pattern(grammar).search(self._buf, lo, self._hi)  # a flood of other escapes
        return -1 if found is None else found.start()


def touches_inner_escape(buf: bytes, pos: int, stop: int) -> bool:
    """True if buf[pos:stop] touches an inner escape: a slice of a longer escaped run.

    The run may start inside the escape before it (`u002F...` after its backslash,
    `47...` after the `&#` of a reference with no ';'), or right after a character reference.
    """
    if inner_escape_end(buf, stop) != -1:
        return True
    before = buf[pos - 1] if pos else -1
    if before in _REFERENCE_ENDS:
        return reference_start(buf, pos) != -1
    if before == _HASH:
        return buf[pos - 2 : pos - 1] == b'&' and _reference_end(buf, pos - 2) != -1
    return pos > 0 and inner_escape_end(buf, pos - 1) != -1


class Span:
    """An escaped run: its bounds, its text decoded up to limit + 1 chars, and whether an escape
    such as `\\n` comes right before it. The text is empty when the run is far longer."""

    __slots__ = ('after_escape', 'start', 'stop', 'text')

    def __init__(self, start: int, stop: int, text: bytes, after_escape: bool) -> None:
        self.start = start
        self.stop = stop
        self.text = text
        self.after_escape = after_escape

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and self._fields() == other._fields()

    def _fields(self) -> tuple[int, int, bytes, bool]:
        return (self.start, self.stop, self.text, self.after_escape)

    def __repr__(self) -> str:
        return f'Span{self._fields()!r}'


def _span_start(buf: bytes, pos: int, limit: int) -> tuple[int, bool]:
    """Where the escaped run around pos starts (-1 if more than limit chars before pos),
    and whether an escape such as `\\n` comes right before it."""
    lo = max(0, pos - ESCAPE_MAX * (limit + 1))
    runs = buf[lo:pos].translate(PLAIN_RUN_MAP)
    start = pos
    count = 0
    while True:
        plain = lo + runs.rfind(b' ', 0, start - lo) + 1
        count += start - plain
        start = plain
        if count > limit or plain == lo > 0:
            return -1, False
        if plain and buf[plain - 1] == _SEMICOLON:
            first = reference_start(buf, plain)
            if first == -1:
                return start, False  # `&quot;` ends a run like a quote
            count += 1
            start = first
            continue
        if plain > 1 and buf[plain - 2 : plain] == b'&#':  # a reference with no ';'
            inner = _reference_end(buf, plain - 2)
            if inner == -1:
                return start, False
            count += 1 - (inner - plain)
            start = plain - 2
            continue
        if not plain or buf[plain - 1] not in b'\\%':
            return start, False
        inner = inner_escape_end(buf, plain - 1)
        if inner == -1:
            break
        count += 1 - (inner - plain)
        start = plain - 1
    escape = escape_at(buf, plain - 1)
    if escape is None:
        return start, False
    count -= escape.end - plain
    return escape.end, True


def _inner_char(escape: bytes) -> bytes:
    """The character an inner escape stands for."""
    if escape[:1] == b'&':
        if escape[1:2] != b'#':
            return b'/' if escape == b'&sol;' else b'+'
        digits = escape[2:].rstrip(b';')
        if digits[:1] in (b'x', b'X'):
            return bytes([int(digits[1:], 16)])
        return bytes([int(digits)])
    if escape == b'\\/':
        return b'/'
    if escape[1:2] == b'0':
        return b'+' if escape[-1:] == b'3' else b'/'  # C's octal `\053`, `\057`
    return bytes([int(escape[-2:], 16)])


def _pieces(buf: bytes, pos: int) -> list[tuple[int, int]] | None:
    """(start, end) of each piece of the escaped run from pos (plain runs and inner
    escapes); None if there are more than _BY_HAND."""
    pieces: list[tuple[int, int]] = []
    while (end := inner_escape_end(buf, pos)) != -1 or (end := _plain_end(buf, pos)) > pos:
        if len(pieces) == _BY_HAND:
            return None
        pieces.append((pos, end))
        pos = end
    return pieces


def escaped_offset(buf: bytes, pos: int, index: int) -> int:
    """Offset in buf of the character at index of the escaped run that starts at pos."""
    for _ in range(index):
        end = inner_escape_end(buf, pos)
        pos = pos + 1 if end == -1 else end
    return pos


def _plain_end(buf: bytes, pos: int) -> int:
    """Where the run of base64 characters from pos ends."""
    size = 64
    while (gap := buf[pos : pos + size].translate(PLAIN_RUN_MAP).find(b' ')) == -1:
        if pos + size >= len(buf):
            return len(buf)
        size *= 4  # a long run is read in growing parts: linear time
    return pos + gap


def escaped_span(buf: bytes, pos: int, limit: int, wanted: tuple[int, ...] = ()) -> Span:
    """The escaped run around the inner escape at pos, decoded up to limit + 1 chars.

    The span's start is -1 when the run reaches more than limit characters to the
    left of pos; its stop is always the end of the run. With `wanted`, a run of many
    escapes whose length (at most limit) is none of them has no text: a flood of short
    runs is measured in C, not decoded.
    """
    start, after_escape = _span_start(buf, pos, limit)
    first = pos if start < 0 else start
    pieces = _pieces(buf, first)
    if pieces is None:  # many escapes: the run, and its pieces if it is short, found in C
        stop = _run_end(buf, first)
        if not (start < 0 or stop - start > ESCAPE_MAX * (limit + 1)):
            size = len(pattern(INNER).sub(b'\1', buf[start:stop]))  # each escape one byte
            if not wanted or size > limit or size in wanted:
                pieces = [m.span() for m in pattern(PIECE).finditer(buf, start, stop)]
    else:
        stop = pieces[-1][1]
    if pieces is None or start < 0 or stop - start > ESCAPE_MAX * (limit + 1):
        return Span(start, stop, b'', after_escape)  # far too long to matter
    text = bytearray()
    for first, end in pieces:
        text += _inner_char(buf[first:end]) if buf[first] in b'\\%&' else buf[first:end]
    return Span(start, stop, bytes(text[: limit + 1]), after_escape)


def base64_runs(buf: bytes, lo: int, hi: int, shortest: int) -> list[tuple[int, int]]:
    """The (start, stop) of every run of at least `shortest` base64 characters in buf[lo:hi]."""
    runs = buf[lo:hi].translate(PLAIN_RUN_MAP)
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


def run_stop(runs: bytes, pos: int) -> int:
    """End of the run of 'x' that holds or starts at runs[pos]: the next ' ' or '0'."""
    stop = runs.find(b' ', pos)
    stop = len(runs) if stop == -1 else stop
    nul = runs.find(b'0', pos, stop)  # bounded by the run: no pass over the rest
    return stop if nul == -1 else nul


def run_start(runs: bytes, pos: int) -> int:
    """Start of the run of 'x' that holds runs[pos - 1]; pos itself if there is none."""
    first = runs.rfind(b' ', 0, pos) + 1
    return max(first, runs.rfind(b'0', first, pos) + 1)


def base64_start(buf: bytes, runs: bytes, pos: int) -> int:
    """Start of the base64 run that holds buf[pos - 1]; 0 if it reaches the buffer's start."""
    first = run_start(runs, pos)
    return max(first, buf.rfind(b'\\', first, pos) + 1, buf.rfind(b'%', first, pos) + 1)


def base64_stop(buf: bytes, runs: bytes, pos: int) -> int:
    """End of the base64 run at pos: escapes end it too."""
    stop = run_stop(runs, pos)
    for escape in (b'\\', b'%'):
        found = buf.find(escape, pos, stop)
        stop = stop if found == -1 else found
    return stop


def decode_base64(data: bytes) -> bytes:
    """Decode a run of base64 characters (no padding needed; a dangling char is dropped)."""
    extra = len(data) % 4
    if extra == 1:
        data = data[:-1]
    if 0 < len(data) <= _BY_DIGITS_MAX and not data.translate(None, BASE64_CHARS):
        # A character's 6 bits are two octal digits, and 64 is 8 ** 2: the high
        # digits with a '0' after each but the last read in base 8 are the
        # high bits in place; so are the low ones. All in C, and no binascii
        # library to load for the few runs a commit decodes.
        high = int('0'.join(data.translate(_HIGH_DIGITS).decode()), 8)
        low = int('0'.join(data.translate(_LOW_DIGITS).decode()), 8)
        bits = 6 * len(data)
        return ((high << 3 | low) >> bits % 8).to_bytes(bits // 8, 'big')
    import binascii

    return binascii.a2b_base64(data + b'=' * (-len(data) % 4))


def base64_index(offset: int) -> int:
    """Index of the first decoded byte that begins at or after char offset of a run."""
    return offset // 4 * 3 + min(offset % 4, 3)


def base64_offset(index: int) -> int:
    """Char offset, within a run, where decoded byte index begins."""
    return index // 3 * 4 + index % 3


def may_be_base64_text(buf: bytes, pos: int, stop: int) -> bool:
    """True if the run buf[pos:stop] may encode ASCII text long enough for a key ID."""
    return buf[pos:stop:4].translate(_TEXT_GROUP_MAP).find(_TEXT_GROUPS) != -1


def utf16_view(region: bytes, *, big_endian: bool, width: int = 2) -> bytes:
    """One byte per UTF-16 (or, width 4, UTF-32) code unit of region: its low byte if
    the unit is below 256, else 0xFF.

    Code unit i covers region[wi:wi+w]; its low byte is returned, so offsets map back
    as wi (little-endian) or wi + w - 1 (big-endian).
    """
    n = len(region) // width
    low_at = width - 1 if big_endian else 0
    low = region[low_at::width][:n]
    # Word-wide OR through big integers: C speed, no per-byte Python loop.
    mask = 0
    for at in range(width):
        if at != low_at:
            mask |= int.from_bytes(region[at::width][:n].translate(_NONZERO), 'big')
    return (int.from_bytes(low, 'big') | mask).to_bytes(n, 'big')


class View:
    """Decoded text judged in [lo, hi), placed back by origin (and lines, for a wrapped block)."""

    __slots__ = ('hi', 'layer', 'lines', 'lo', 'origin', 'text')

    def __init__(
        self,
        text: bytes,
        lo: int,
        hi: int,
        layer: str,
        origin: int,
        lines: list[tuple[int, int]] | None = None,
    ) -> None:
        self.text = text
        self.lo = lo
        self.hi = hi
        self.layer = layer
        self.origin = origin
        self.lines = lines

    def place(self, index: int) -> int:
        """Offset in the read of decoded byte index."""
        if self.layer != 'base64':
            return self.origin + WIDTHS[self.layer] * index
        at = base64_offset(index)
        if self.lines is None:
            return self.origin + at
        width = self.lines[0][1] - self.lines[0][0]
        row = min(at // width, len(self.lines) - 1)
        return self.lines[row][0] + at - row * width


def utf16_views(buf: bytes, first: int, start: int, end: int, width: int = 2) -> list[View]:
    """buf[first:] read as UTF-16 (UTF-32 if width is 4) in both byte orders,
    judged from start to end."""
    region = buf[first:]
    views = []
    for big_endian, layer in enumerate(UTF16_LAYERS if width == 2 else UTF32_LAYERS):
        origin = first + big_endian * (width - 1)
        lo = max(0, -(-(start - origin) // width))
        views.append(
            View(
                utf16_view(region, big_endian=bool(big_endian), width=width),
                lo,
                -(-(end - origin) // width),
                layer,
                origin,
            )
        )
    return views


def base64_view(
    buf: bytes, run: tuple[int, int], start: int, end: int, final: bool, before: int
) -> View:
    """The base64 run buf[begin:stop] decoded from `before` chars ahead of start.

    begin lies before the buffer when the run began in an earlier read; while
    more reads may extend the run, only whole 4-char groups are decoded.
    """
    begin, stop = run
    first = max(begin, start - before)
    first = begin + -(-(first - begin) // 4) * 4
    if stop == len(buf) and not final:
        stop = first + (stop - first) // 4 * 4
    text = decode_base64(buf[first:stop])
    lo = base64_index(max(start, begin) - first)
    return View(text, lo, base64_index(min(end, run[1]) - first), 'base64', first)


def block_view(buf: bytes, lines: list[tuple[int, int]]) -> View:
    """A wrapped block's lines decoded as one run, judged whole."""
    text = decode_base64(b''.join(buf[a:b] for a, b in lines))
    return View(text, 0, len(text), 'base64', lines[0][0], lines)


def wrapped_line(buf: bytes, pos: int, indent: bytes) -> int:
    """How many base64 characters the line at pos holds after indent; -1 if anything else."""
    if buf[pos : pos + len(indent)] != indent:
        return -1
    pos += len(indent)
    line = buf[pos : pos + max(WRAP_WIDTHS) + 4]
    eol = line.find(b'\n')
    if eol == -1 and pos + len(line) < len(buf):
        return -1  # longer than any wrapped line
    text = line[: len(line) if eol == -1 else eol].rstrip(b'\r').rstrip(b'=')
    return len(text) if text and text.translate(PLAIN_RUN_MAP) == b'x' * len(text) else -1


def wrapped_block(
    buf: bytes, base: int, begin: int, stop: int, reach: int
) -> list[tuple[int, int]] | None:
    """The base64 of each line, if buf[begin:stop] opens a block wrapped at its width.

    Lines must start within reach of the first, so that every read holds the block whole.
    """
    lines, whole = wrapped_lines(buf, base, begin, stop, reach)
    return lines if whole else None


def wrapped_lines(
    buf: bytes, base: int, begin: int, stop: int, reach: int
) -> tuple[list[tuple[int, int]], bool]:
    """The lines of a wrapped block from buf[begin:stop] on, and whether to decode them whole.

    Whole: buf[begin:stop] opens a block of two lines or more, all starting within
    reach. Otherwise (a later line, a block too long for every read to hold whole)
    each line is judged alone: buf[begin:stop] and the lines as wide after it
    within reach, none if buf[begin:stop] is no line of a wrapped width.
    """
    width = stop - begin
    line_start = _wrapped_line_start(buf, begin, stop)
    if line_start == -1:
        return [], False
    indent = buf[line_start:begin]
    above = buf.rfind(b'\n', 0, max(0, line_start - 1)) + 1
    # Judged line by line: a later line of a block (a line as wide above it; one that
    # starts before the buffer is far longer than a block's), or a block too long.
    alone = line_start and (above or not base) and wrapped_line(buf, above, indent) == width
    lines = [(begin, stop)]
    pos = line_start
    while pos := buf.find(b'\n', pos) + 1:
        if pos - line_start > reach:
            alone = True  # too long to hold whole in every read
            break
        size = wrapped_line(buf, pos, indent)
        if size == -1 or (alone and size != width):
            break
        lines.append((pos + len(indent), pos + len(indent) + size))
        if size < width:
            break  # a block's short last line
    if not alone:
        return lines, len(lines) > 1
    # Lines as wide as the first, a multiple of four: each decodes as it would alone.
    wide = next((i for i, (a, b) in enumerate(lines) if b - a != width), len(lines))
    return lines[:wide], False


def _wrapped_line_start(buf: bytes, begin: int, stop: int) -> int:
    """Where the line starts if buf[begin:stop] is all of it but a short indent, as wide
    as a wrapped block's lines; else -1."""
    if stop - begin not in WRAP_WIDTHS:
        return -1
    line_start = buf.rfind(b'\n', 0, begin) + 1
    indent = buf[line_start:begin]
    if len(indent) > _WRAP_INDENT or indent.strip(b' \t'):
        return -1
    return line_start if wrapped_line(buf, line_start, indent) == stop - begin else -1


def ends_wrapped_block(buf: bytes, pos: int, after_escape: bool) -> bool:
    """True if the line at pos is the short last line of a wrapped block."""
    if after_escape:
        if buf[pos - 2 : pos] != b'\\n':
            return False
        brk = pos - 2
    else:
        # After its line's indent, as in a YAML block scalar, if any.
        before = buf[max(0, pos - _WRAP_INDENT - 1) : pos]
        first = pos - len(before) + len(before.rstrip(b' \t'))
        if buf[first - 1 : first] != b'\n':
            return False
        brk = first - 1 - (buf[first - 2 : first - 1] == b'\r')
    longest = max(WRAP_WIDTHS)
    line = buf[max(0, brk - longest - 1) : brk].translate(PLAIN_RUN_MAP)
    blank = line.rfind(b' ')
    if blank == -1 and brk > longest:
        return False
    width = len(line) - blank - 1
    if buf[brk - width - 1 : brk - width + 1] == b'\\n':
        width -= 1  # that line, too, began after an escaped newline
    return width in WRAP_WIDTHS


# Inner escapes common enough to count with bytes.replace, each one character.
_URL_INNER: Final = (b'%2F', b'%2f', b'%2B', b'%2b')
_COMMON_INNER: Final = (*_URL_INNER, b'\\/')


def shortened(text: bytes) -> bytes:
    """text with each common inner escape made the one byte 0x01: no shorter than
    what any escaped run in it decodes to, found at C speed."""
    for escape in _COMMON_INNER:
        text = text.replace(escape, b'\1')
    return text


# Inner escapes that are whole wherever they stand: each begins with '%', '\\'
# or '&', which no escape holds but at its start, and ends where none goes on.
# Each group is tried only where the text holds what opens it.
_WHOLE_INNER: Final = (
    (b'%2', _URL_INNER),
    (b'\\', (b'\\/', *C_INNER)),
    (b'&#4', (b'&#47;', b'&#43;')),
    (b'&#x2', (b'&#x2F;', b'&#x2f;', b'&#x2B;', b'&#x2b;')),
    (b'&sol;', (b'&sol;',)),
    (b'&plus;', (b'&plus;',)),
)
_NO_SEMICOLON: Final = (b'&#47', b'&#43')  # whole unless a digit goes on (`&#475`)
# Every digit made '0': `&#000` then stands where a reference has 3 digits or more.
_DIGITS_AS_ZERO: Final = bytes.maketrans(_DIGITS, b'0' * 10)
_AS_ONE: Final = b'Z'  # base64, and in no escape: it neither ends nor makes one
_LEADS: Final = (b'%', b'\\', b'&')  # what every inner escape begins with
_PROBE: Final = 1024


def escapes_as_one(text: bytes) -> bytes:
    """text with its common inner escapes each made one base64 character, in C.

    INNER reads the rest as it reads it in text: its runs and escapes are the
    same, and as long, with those escapes counted as one character each.
    """
    for opening, escapes in _WHOLE_INNER:
        if opening in text:
            for escape in escapes:
                text = text.replace(escape, _AS_ONE)
    if b'&#4' in text and b'&#000' not in text.translate(_DIGITS_AS_ZERO):
        for escape in _NO_SEMICOLON:
            text = text.replace(escape, _AS_ONE)
    return text


def _run_end(buf: bytes, pos: int) -> int:
    """Where the escaped run from pos ends. A run of common escapes that goes on to
    the last escape of buf (one long flood) is told in C; any other, by SPAN."""
    # No escape holds a lead but at its start: none goes on past the last lead,
    # and none cut at the end of buf begins before it.
    last = max(buf.rfind(lead, max(pos, len(buf) - ESCAPE_MAX)) for lead in _LEADS)
    body = len(buf) if last == -1 else last
    # Looked at first: the run's next _PROBE bytes, less what an escape cut there leaves.
    probe = escapes_as_one(buf[pos : min(body, pos + _PROBE)])[:-ESCAPE_MAX]
    if probe.translate(None, BASE64_CHARS) or escapes_as_one(buf[pos:body]).translate(
        None, BASE64_CHARS
    ):
        body = pos  # the run ends before; SPAN finds where
    run = pattern(SPAN).match(buf, body)
    return body if run is None else run.end()
