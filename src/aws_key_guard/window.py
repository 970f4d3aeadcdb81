"""The searcher: a stream of reads seen as one window, with line and column counting when asked.

Words this module owns:

- read: one chunk of bytes from intake, CHUNK_SIZE or less.
- window: `buf` holds the bytes kept, `base` is the file offset of buf[0],
  and buf[start:end] is the part to judge after this read. What lies before
  start was judged already and is kept only as context (`keep` bytes).
- lookahead: bytes after end that are in the buffer but judged only after
  the next read, so that a token that starts before end is seen whole.
- held: the reads of a file's first HOLD bytes, whose newlines are not yet
  counted. They are counted once a token is located, or once the file grows
  past HOLD, and from then on each part as it leaves the window, while it is
  still in the CPU's cache: most files hold no token, and their lines are
  never counted. The reads held are the very objects the pipeline holds for
  its allow markers: holding costs no copy.
- seam: where two reads meet. Through the lookahead a token across a seam is
  judged exactly once, whatever the read sizes.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Final

# Reads of 64 KiB keep the buffer and its translations in the CPU's cache, and
# under the size at which malloc maps fresh pages for each one: a large tree
# scans in about a quarter less time than with reads of 1 MiB.
CHUNK_SIZE: Final = 1 << 16
_BOMS: Final = (b'\xff\xfe', b'\xfe\xff')  # UTF-16's, and the start of UTF-32LE's
_UTF32BE_BOM: Final = b'\x00\x00\xfe\xff'
# What a scan holds back for work that only a file with a token needs:
# counting lines here, searching for allow markers (pipeline.py).
HOLD: Final = 1 << 19


class Window:
    """A scan's buffer over its reads; line numbers are counted only when `lines` is set."""

    __slots__ = (
        '_bom',
        '_chunks',
        '_cursor',
        '_held',
        '_held_size',
        '_keep',
        '_line',
        '_line_start',
        '_lookahead',
        '_next',
        'base',
        'buf',
        'end',
        'final',
        'lines',
        'start',
    )

    def __init__(self, chunks: Iterable[bytes], *, lookahead: int, keep: int, lines: bool) -> None:
        self._chunks = iter(chunks)
        self._next = next(self._chunks, None)
        self._lookahead = lookahead
        self._keep = keep
        self.lines = lines
        self.buf = b''
        self.base = 0
        self.start = 0
        self.end = 0
        self.final = False
        self._cursor = 0  # index of buf up to which newlines are counted or held
        self._line = 1  # line number at the cursor
        self._line_start = 0  # file offset where that line begins
        self._bom = False  # the file starts with a UTF-16 byte order mark
        self._held: list[bytes] | None = []  # the reads from offset 0, while holding
        self._held_size = 0

    def fill(self) -> bool:
        """Take the next read; True if buf[start:end] now holds bytes to judge.

        Reads run one ahead, so a file that fits in one read is judged in one pass.
        """
        chunk = self._next
        following = None if chunk is None else next(self._chunks, None)
        self.final = following is None
        if chunk:
            self.buf += chunk
            if self._held is not None and self.lines:
                self._held.append(chunk)
                self._held_size += len(chunk)
        self._next = following
        self.end = len(self.buf) if self.final else len(self.buf) - self._lookahead
        if self.end <= self.start:
            return False
        if not self.base:
            self._bom = self.buf[:2] in _BOMS or self.buf[:4] == _UTF32BE_BOM
        return True

    def locate(self, offset: int, width: int) -> tuple[int, int]:
        """The 1-based line and column of a file offset at or after the last one located.

        (0, 0) when lines are not counted. In UTF-16 or UTF-32 text (width 2 or 4
        bytes a code unit) the column counts code units, as an editor does, not bytes.
        """
        if not self.lines:
            return 0, 0
        pos = offset - self.base
        if self._held is not None:
            self._count_held(offset)
        self._count(self.buf, self.base, self._cursor, pos)
        self._cursor = pos
        col = offset - self._line_start + 1
        if width > 1:
            col = (offset - self._line_start) // width + 1 - int(self._line == 1 and self._bom)
        return self._line, col

    def units(self, offset: int, col: int) -> int | None:
        """The column of a located offset in UTF-16 code units (as SARIF counts), if not col.

        The line's bytes are read as UTF-8, a stray byte as one unit. Of a line
        longer than the buffer holds, the bytes dropped count one unit each.
        """
        pos = offset - self.base
        prefix = self.buf[max(0, pos - col + 1) : pos]
        if prefix.isascii():
            return None
        text = prefix.decode('utf-8', 'surrogateescape')
        return col - len(prefix) + len(text.encode('utf-16-le', 'surrogatepass')) // 2

    def _count(self, buf: bytes, base: int, lo: int, hi: int) -> None:
        # bytes.count tests byte after byte; replace() finds the newlines with
        # memchr, twice as fast in binary data and as fast in text.
        part = buf[lo:hi]
        newlines = len(part) - len(part.replace(b'\n', b''))
        if newlines:
            self._line += newlines
            self._line_start = base + buf.rfind(b'\n', lo, hi) + 1

    def _count_held(self, stop: int) -> None:
        # Newlines before the file offset stop, from the reads held; the
        # window then counts on its own.
        base = 0
        for chunk in self._held or ():
            if base >= stop:
                break
            self._count(chunk, base, 0, min(len(chunk), stop - base))
            base += len(chunk)
        self._held = None
        self._cursor = stop - self.base

    def slide(self) -> None:
        """Mark buf[start:end] judged and drop what lies more than `keep` bytes before the rest."""
        self.start = max(self.start, self.end)
        keep = max(0, self.start - self._keep)
        if self.lines and self._cursor < keep:
            if self._held is None:
                self._count(self.buf, self.base, self._cursor, keep)
            elif self._held_size > HOLD:
                self._count_held(self.base + keep)
            self._cursor = keep
        self.buf = self.buf[keep:]
        self.base += keep
        self.start -= keep
        self._cursor -= keep
