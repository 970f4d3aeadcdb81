"""The joined view: string literals placed next to each other, read as the one string they make.

Words this module owns:

- piece: the text between a literal's quotes, or one line of a YAML block
  scalar (`key: |` or `key: >`) without its indent.
- gap: what stands between two quoted pieces: whitespace, line breaks and a
  concatenation operator (`+`, PHP's and Perl's `.`, Lua's `..`, VB's `&`
  and ` _`, a backslash before a line break), or nothing at all (shell's
  `"a""b"`; C's and Python's adjacent literals need only whitespace).
- continuation: a line that ends in a backslash (a `.properties` value, an
  unquoted shell or Dockerfile word) or, in a quoted-printable body, in '='
  (a soft line break) goes on at the next line's first base64 character:
  the runs on either side are pieces too.
- chain: pieces joined by gaps, at most PIECES_MAX of them and JOINED_MAX
  bytes of text; a longer one is joined up to the cap.
- trigger: a key ID prefix or the word `secret` (tokens.joined_triggers):
  only the lines around one are parsed, so text with neither costs nothing.

The parser is written by hand with bytes.find and lstrip: no `re` on a clean path.
"""

from __future__ import annotations

from aws_key_guard import decode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

PIECES_MAX: Final = 16
JOINED_MAX: Final = 256
# Parsing starts at the line holding the byte BACK before a trigger (a YAML
# header, a quote before a key ID prefix) and looks REACH past it for a chain.
BACK: Final = 128
REACH: Final = 256
# Triggers looked at per read: a flood of them costs a bounded parse.
TRIGGERS_MAX: Final = 64
_QUOTE_MAP: Final = decode.class_map(b'"\'`')
_GAP: Final = b' \t\r\n+.&_\\'
_GAP_MAX: Final = 64  # indentation and one operator
_LINE_MAX: Final = JOINED_MAX + 64  # a block scalar's line with its indent
_PREFIXES: Final = b'bBfFrRuUL@$'
_CHOMP: Final = b'+-123456789'
# A line's last byte that continues it at the next line: a backslash, and in
# quoted-printable text (a read that holds `=3D`) '=', a soft line break.
_BREAKS: Final = (b'\\\n', b'\\\r\n')
_SOFT_BREAKS: Final = (b'=\n', b'=\r\n')
_QUOTED_PRINTABLE: Final = b'=3D'


class Joined(decode.View):
    """A chain's text with CONTEXT bytes of the file on either side; spans place it back."""

    __slots__ = ('spans', 'starts')

    def __init__(self, buf: bytes, pieces: list[tuple[int, int]], context: int) -> None:
        first, last = pieces[0], pieces[-1]
        lo = max(0, first[0] - context)
        # The context is contiguous with the first and last piece in the file.
        self.spans = [(lo, first[1]), *pieces[1:-1], (last[0], last[1] + context)]
        self.starts = []
        size = 0
        for a, b in self.spans:
            self.starts.append(size)
            size += min(b, len(buf)) - a
        text = b''.join(buf[a:b] for a, b in self.spans)
        hi = self.starts[-1] + last[1] - last[0]
        super().__init__(text, first[0] - lo, hi, 'joined', lo)

    def _span(self, index: int) -> int:
        at = len(self.starts) - 1
        while self.starts[at] > index:
            at -= 1
        return at

    def place(self, index: int) -> int:
        """Offset in the read of joined byte index."""
        at = self._span(index)
        return self.spans[at][0] + index - self.starts[at]

    def crosses(self, index: int, size: int) -> bool:
        """True if text[index:index + size] joins two pieces: no plain scan sees it."""
        return self._span(index) != self._span(index + size - 1)


def _close(buf: bytes, pos: int) -> int:
    """Offset of the quote that closes the literal opened at pos, or -1 (none on its line)."""
    quote = buf[pos : pos + 1]
    limit = min(len(buf), pos + JOINED_MAX + 2)
    at = pos + 1
    while True:
        close = buf.find(quote, at, limit)
        if close == -1 or buf.find(b'\n', at, close) != -1:
            return -1
        escapes = close - len(buf[pos + 1 : close].rstrip(b'\\')) - pos - 1
        if escapes % 2 == 0:
            return close
        at = close + 1


def _chain(buf: bytes, pos: int) -> tuple[list[tuple[int, int]], int]:
    """The pieces of the chain whose first literal opens at pos, and where parsing resumes."""
    pieces: list[tuple[int, int]] = []
    size = 0
    resume = pos + 1
    while len(pieces) < PIECES_MAX:
        close = _close(buf, pos)
        if close == -1:
            break
        resume = close + 1
        size += close - pos - 1
        if size > JOINED_MAX:
            break
        pieces.append((pos + 1, close))
        gap = buf[resume : resume + _GAP_MAX + 1]
        pos = resume + len(gap) - len(gap.lstrip(_GAP))
        # A literal's prefix: Python's b"", f"", r"", C's L"", C#'s @"" and $"".
        head = buf[pos : pos + 3]
        pos += len(head) - len(head.lstrip(_PREFIXES))
        if pos - resume > _GAP_MAX or buf[pos : pos + 1] not in (b'"', b"'", b'`'):
            break
    return pieces, resume


def _quoted(buf: bytes, lo: int, hi: int) -> tuple[list[list[tuple[int, int]]], int]:
    """The chains of two or more literals that open in buf[lo:hi], and where parsing stopped."""
    chains = []
    quotes = buf[lo:hi].translate(_QUOTE_MAP)  # every quote as 'x': one find locates the next
    at = quotes.find(b'x')
    while at != -1:
        pieces, resume = _chain(buf, lo + at)
        if len(pieces) > 1:
            chains.append(pieces)
        at = quotes.find(b'x', resume - lo)
        hi = max(hi, resume)
    return chains, hi


class _Marks:
    """Which continuation marks a read may hold, each told once and only when first
    needed: a read with no '\\' has no backslash break, and '=' at a line's end is
    a soft break only in a read that holds `=3D` (quoted-printable)."""

    def __init__(self, buf: bytes) -> None:
        self._buf = buf
        # Each kind a memchr for its first byte rules out: most reads hold neither.
        self.kinds = tuple(kind for kind in (_BREAKS, _SOFT_BREAKS) if kind[0][:1] in buf)
        self._soft: bool | None = None

    def soft(self) -> bool:
        if self._soft is None:
            self._soft = _QUOTED_PRINTABLE in self._buf
        return self._soft


def _continued(buf: bytes, lo: int, hi: int, marks: _Marks) -> list[list[tuple[int, int]]]:
    """The chains of base64 runs that continuation marks in buf[lo:hi] join."""
    chains = []
    for kind in marks.kinds:
        for mark in kind:
            at = buf.find(mark, lo, hi)
            if at != -1 and kind is _SOFT_BREAKS and not marks.soft():
                break
            while at != -1:
                run = buf[max(0, at - JOINED_MAX) : at]
                before = len(run) - len(run.rstrip(decode.BASE64_CHARS))
                if before:
                    pieces = _continue(buf, (at - before, at), kind)
                    if len(pieces) > 1:
                        chains.append(pieces)
                at = buf.find(mark, at + 1, hi)
    return chains


def _continue(
    buf: bytes, first: tuple[int, int], marks: tuple[bytes, ...]
) -> list[tuple[int, int]]:
    """first, the run before a continuation mark, and the runs the marks after it lead to."""
    pieces = [first]
    size = first[1] - first[0]
    # A continued `.properties` line, or shell word, goes on past the next line's indent.
    indent = b' \t' if marks is _BREAKS else b''
    while len(pieces) < PIECES_MAX and buf.startswith(marks, pieces[-1][1]):
        after = buf.find(b'\n', pieces[-1][1]) + 1
        line = buf[after : after + _GAP_MAX]
        after += len(line) - len(line.lstrip(indent))
        run = buf[after : after + JOINED_MAX]
        length = len(run) - len(run.lstrip(decode.BASE64_CHARS))
        size += length
        if not length or size > JOINED_MAX:
            break
        pieces.append((after, after + length))
    return pieces


def _block(buf: bytes, pos: int, final: bool) -> list[tuple[int, int]]:
    """The lines of the YAML block scalar whose header indicator (`|` or `>`) is at pos."""
    eol = buf.find(b'\n', pos)
    header = buf[pos + 1 : eol].rstrip(b'\r \t')
    if eol == -1 or header.strip(_CHOMP) or not buf[max(0, pos - 4) : pos].rstrip().endswith(b':'):
        return []
    line = buf[buf.rfind(b'\n', 0, pos) + 1 : pos]
    parent = len(line) - len(line.lstrip(b' '))
    pieces: list[tuple[int, int]] = []
    indent = -1
    size = 0
    at = eol + 1
    while len(pieces) < PIECES_MAX:
        end = buf.find(b'\n', at, at + _LINE_MAX)
        if end == -1:
            if not final or len(buf) - at > _LINE_MAX:
                break  # a line too long for a piece, or one the next read may extend
            end = len(buf)
        row = buf[at:end].rstrip(b'\r \t')
        text = row.lstrip(b' ')
        width = len(row) - len(text)
        if not text or width <= parent or width != (indent if pieces else width):
            break
        indent = width
        size += len(text)
        if size > JOINED_MAX:
            break
        pieces.append((at + width, at + len(row)))
        at = end + 1
    return pieces


def _blocks(buf: bytes, lo: int, hi: int, final: bool) -> list[list[tuple[int, int]]]:
    chains = []
    for indicator in (b'|', b'>'):
        pos = buf.find(indicator, lo, hi)
        while pos != -1:
            pieces = _block(buf, pos, final)
            if len(pieces) > 1:
                chains.append(pieces)
            pos = buf.find(indicator, pos + 1, hi)
    return chains


def joined_views(buf: bytes, triggers: list[int], final: bool, context: int) -> list[Joined]:
    """The chains around the triggers (sorted offsets in buf), each as a view."""
    views = []
    parsed = 0  # where the last region's parsing stopped: no literal is parsed twice
    marks = _Marks(buf)
    for trigger in triggers[:TRIGGERS_MAX]:
        hi = min(len(buf), trigger + REACH)
        if hi <= parsed:
            continue
        back = max(0, trigger - BACK)
        floor = max(0, back - BACK)
        line = buf.rfind(b'\n', floor, back)
        lo = max(parsed, line + 1 if line != -1 or not floor else back)
        chains, parsed = _quoted(buf, lo, hi)
        chains += _blocks(buf, lo, hi, final)
        if marks.kinds:
            chains += _continued(buf, lo, hi, marks)
        views += [Joined(buf, pieces, context) for pieces in chains]
    return views
