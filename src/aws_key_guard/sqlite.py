"""A SQLite database's rows as a view: each text or blob column judged standing alone.

A record keeps its columns back to back, so the last letter of one column
touches the first of the next and no byte scan can tell where a key ID or a
secret begins. Here the leaf pages of the tables are read and each column
becomes a line of a view whose offsets map back to the file; the plain scan
of the same bytes still runs (deleted rows, free pages, indexes). A column
whose text crosses from one page to the next is also read as a stream of its
own, its pieces joined: the plain scan meets the next page's number inside
whatever crosses. Both are judged by the scan a file gets, which the caller
hands in (`scan`). Imported only for a file that starts with SQLite's header.
The lines of a UTF-16 database's text are judged one byte a code unit, as
the plain scan's UTF-16 view is.

The bytes are spooled as the plain scan reads them (in memory up to
SPOOL_MEMORY, then to a temporary file), since a row continues on overflow
pages anywhere in the file. Every loop is bounded by the file's page count.

Words this module owns:

- page: `size` bytes of the file, numbered from 1; page 1 starts with the
  100-byte database header.
- cell: one row of a leaf table page (type 0x0D): its payload's size, its
  rowid, then the record (a header of serial types, then the columns).
- chain: the overflow pages a payload too large for its page continues on,
  each starting with the next one's number.
- piece: a part of a column as it lies in the file, at its offset; of UTF-16
  text, one byte a code unit (`layer` names the byte order).
"""

from __future__ import annotations

import re
import tempfile
from bisect import bisect

from aws_key_guard import decode
from aws_key_guard import tokens
from aws_key_guard.tokens import Hit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from typing import Final

    from aws_key_guard.model import Candidate

MAGIC: Final = b'SQLite format 3\x00'
# A write-ahead log (`<database>-wal`): a 32-byte header, its magic then the
# format version, and frames of a 24-byte header (the page's number first)
# and a page. Its pages are read as the database's: where a database in WAL
# mode keeps its newest rows, and the old versions of pages.
WAL_MAGICS: Final = (b'\x37\x7f\x06\x82\x00\x2d\xe2\x18', b'\x37\x7f\x06\x83\x00\x2d\xe2\x18')
_WAL_HEADER: Final = 32
_FRAME_HEADER: Final = 24
SPOOL_MEMORY: Final = 1 << 20  # spooled to a temporary file past this
_HEADER: Final = 100
_LEAF_TABLE: Final = 0x0D
# The pages whose cells hold records: a table's leaves, and an index's leaves
# and inner pages, where a WITHOUT ROWID table keeps its rows (and an index
# copies a table's columns). Each with its header's size.
_RECORD_PAGES: Final = {_LEAF_TABLE: 8, 0x0A: 8, 0x02: 12}
# The header's text encoding (0 in a database with no table yet): the layer
# a text column is read through.
_ENCODINGS: Final = {0: None, 1: None, 2: 'utf-16le', 3: 'utf-16be'}
_NUMBER, _BLOB, _TEXT = 0, 1, 2  # what a column holds, as its serial type says
# A long column is shown by its first and last EDGE bytes (of UTF-16 text,
# twice as many): a token at either end is judged there, one in its middle by
# the plain scan alone.
EDGE: Final = 2 * tokens.SESSION_TOKEN_MAX
# Stands where a column is cut (its middle left out, or its chain broken):
# a joiner, so no token seems to end or begin there.
_CUT: Final = b'_'
# Bytes of a line before a token read to count its UTF-16 column; any before
# them count one unit each, as in the plain scan.
_UNITS_BEFORE: Final = 4096
_READ: Final = 1 << 16
# The view adds a token to a file that holds a key ID prefix (raw, or base64
# at any of its three alignments) or AWS words (a secret or a session token
# with context). Of a page with none, only the rows that continue on overflow
# pages are read. A file with none is walked for its columns across pages
# alone, a prefix split by a page edge, and not at all if no page can be an
# overflow page. Each trigger is a first letter and what may follow it,
# matched as case-insensitively as the words are.
_TRIGGER_WORDS: Final = (
    (b'A', (b'KIA', b'SIA', b'BIA', b'CCA')),
    (b'Q', (b'UtJQ', b'VNJQ', b'UJJQ', b'UNDQ')),
    (b'F', (b'LSU', b'TSU', b'CSU', b'DQ0')),
    (b'B', (b'S0lB', b'U0lB', b'QklB', b'Q0NB')),
    (b'e', (b'cret', b'ssion')),
    (b'E', (b'CRET', b'SSION')),
)


def _triggers(apart: bytes) -> tuple[re.Pattern[bytes], ...]:
    """The triggers, their letters apart bytes from each other, as patterns whose
    literal first bytes `re` finds at memchr speed: one search a trigger letter,
    where one `in` a word cost as much."""
    found = []
    for first, rests in _TRIGGER_WORDS:
        spaced = [apart.join(rest[i : i + 1] for i in range(len(rest))) for rest in rests]
        found.append(re.compile(first + apart + b'(?=' + b'|'.join(spaced) + b')'))
    return tuple(found)


_TRIGGERS: Final = _triggers(b'')
# In UTF-16 text, in either byte order, the letters stand a NUL apart.
_ALL_TRIGGERS: Final = (*_TRIGGERS, *_triggers(b'\0'))
# A key ID, raw or in UTF-16, anywhere in the file: then every page's rows are
# read, since its secret may be on any of them with no word beside it.
_KEY_IDS: Final = (
    re.compile(rb'A(?=(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16})'),
    re.compile(rb'A\0(?=(?:K\0I|S\0I|B\0I|C\0C)\0A(?:\0[A-Z0-9]){16})'),
)
# The most bytes a trigger spans, less one: those it may lie across two reads with.
_SEAM: Final = 2 * (tokens.KEY_ID_LEN - 1)
# A column whose text runs across a page edge, for at least a key ID's
# length, is judged as a stream too; looked for in this many bytes each side.
_TEXT_BYTES: Final = bytes(range(0x09, 0x0E)) + bytes(range(0x20, 0x7F))
_CROSSING: Final = tokens.KEY_ID_LEN
_SEAM_SPAN: Final = 2 * _CROSSING

Line = list['_Piece | bytes']
_Place = tuple[int, int, 'str | None', int]  # a piece's file offset, size, layer and row


class _Piece:
    """Bytes of a column at their file offset; with a layer, byte i stands at offset + 2i."""

    __slots__ = ('data', 'layer', 'offset')

    def __init__(self, data: bytes, offset: int, layer: str | None = None) -> None:
        self.data = data
        self.offset = offset
        self.layer = layer


class _Column:
    """A text or blob column as its pieces arrive: its first and last EDGE characters
    kept, and where each piece lies."""

    __slots__ = ('crossed', 'edge', 'end', 'head', 'kept', 'layer', 'left', 'seen', 'spans', 'tail')

    def __init__(self, size: int, layer: str | None) -> None:
        self.layer = layer  # UTF-16 text's, or None for bytes
        self.edge = EDGE if layer is None else 2 * EDGE
        self.left = size
        self.head: list[_Piece] = []
        self.tail: list[_Piece] = []
        self.kept = 0  # bytes in head
        self.seen = 0  # bytes added
        self.spans: list[tuple[int, int]] = []  # each piece's file offset and size
        self.end = b''  # the last piece's last bytes
        self.crossed = False  # text runs from one piece into the next: maybe a token

    def add(self, data: bytes, offset: int) -> None:
        if self.spans and not self.crossed:
            self.crossed = _crosses(self.end, data[:_SEAM_SPAN])
        self.spans.append((offset, len(data)))
        self.end = data[-_SEAM_SPAN:]
        self.left -= len(data)
        self.seen += len(data)
        room = self.edge - self.kept
        if room > 0:
            self.head.append(_Piece(data[:room], offset))
            self.kept += min(room, len(data))
            data, offset = data[room:], offset + room
        if data:
            self.tail.append(_Piece(data[-self.edge :], offset + max(0, len(data) - self.edge)))
            size = sum(len(p.data) for p in self.tail)
            while size - len(self.tail[0].data) >= self.edge:
                size -= len(self.tail.pop(0).data)

    def lines(self, cut: bool) -> list[Line]:
        """The column as lines of a view; `cut` if it ends before its last byte."""
        tail_size = sum(len(p.data) for p in self.tail)
        end: Line = [_CUT] if cut else []
        whole = self.seen == self.kept + tail_size
        head, tail = self.head, self.tail
        if self.layer is not None:
            head = _narrowed([*head, *tail] if whole else head, 0, self.layer)
            # The tail starts where the middle left out ends: maybe inside a code unit.
            tail = [] if whole else _narrowed(tail, (self.seen - tail_size) % 2, self.layer)
        if whole:
            return [[*head, *tail, *end]]
        return [[*head, _CUT], [_CUT, *tail, *end]]


def _holds(data: bytes, triggers: tuple[re.Pattern[bytes], ...]) -> bool:
    return any(t.search(data) for t in triggers)


def _crosses(before: bytes, after: bytes) -> bool:
    """Whether text as long as a key ID may run from before into after.

    Any token, and any run of base64 or escapes that may hide one, is
    printable ASCII and blanks (in UTF-16, a NUL apart): binary bytes
    almost never hold such a run on both sides.
    """
    before, after = before.replace(b'\0', b''), after.replace(b'\0', b'')
    ends = len(before) - len(before.rstrip(_TEXT_BYTES))
    starts = len(after) - len(after.lstrip(_TEXT_BYTES))
    return ends > 0 and starts > 0 and ends + starts >= _CROSSING


def _narrowed(pieces: list[_Piece], skip: int, layer: str) -> list[_Piece]:
    """UTF-16 pieces, from their byte skip on, as one byte a code unit (decode.utf16_view).

    Each byte stands at the offset of its unit's low byte, as in the plain scan.
    """
    big = int(layer == 'utf-16be')
    found = []
    carry, carry_at = b'', 0  # a unit's first byte, its second on the next overflow page
    for piece in pieces:
        data, offset = piece.data[skip:], piece.offset + skip
        skip = 0
        if carry and data:
            found.append(_Piece(_narrow(carry + data[:1], big), offset if big else carry_at, layer))
            data, offset, carry = data[1:], offset + 1, b''
        even = len(data) & ~1
        found.append(_Piece(_narrow(data[:even], big), offset + big, layer))
        if even < len(data):
            carry, carry_at = data[even:], offset + even
    return found


def _narrow(text: bytes, big: int) -> bytes:
    """Code units of even-sized UTF-16 text: ASCII as its byte, any other as a non-ASCII byte."""
    high = text[1 - big :: 2]
    if high.count(0) == len(high):  # no wide character: a low byte >= 0x80 ends a token too
        return text[big::2]
    return decode.utf16_view(text, big_endian=bool(big))


class _Row:
    """A record being read: the sizes of the columns left and the column under way."""

    __slots__ = ('column', 'columns', 'layer', 'left', 'lines', 'number', 'skip', 'streams')

    def __init__(
        self, columns: list[tuple[int, int]], body: int, layer: str | None, number: int
    ) -> None:
        self.number = number  # where its cell starts in the file: one row's, whatever it holds
        self.columns = columns[::-1]  # popped from the end: first column first
        self.layer = layer  # the text columns'
        self.left = body  # body bytes still to come
        self.skip = 0  # bytes left of a number column
        self.column: _Column | None = None
        self.lines: list[Line] = []  # of the columns read whole
        # Of each column that crosses to another page: its pieces, and whether it is cut.
        self.streams: list[tuple[list[tuple[int, int]], bool]] = []

    def feed(self, data: bytes, offset: int) -> None:
        """Read data, the body's next part, at its file offset."""
        at = 0
        self.left -= len(data)
        while at < len(data):
            if self.skip:
                step = min(self.skip, len(data) - at)
                self.skip -= step
                at += step
            elif self.column is not None:
                step = min(self.column.left, len(data) - at)
                self.column.add(data[at : at + step], offset + at)
                at += step
                if not self.column.left:
                    self._close(self.column, cut=False)
            else:
                # The header's sizes add up to the body's (Database._cell checks).
                size, held = self.columns.pop()
                if held != _NUMBER and size:
                    self.column = _Column(size, self.layer if held == _TEXT else None)
                else:
                    self.skip = size

    def cut(self) -> _Row:
        """The row read, the column under way cut where the chain broke."""
        if self.column is not None:
            self._close(self.column, cut=True)
        return self

    def _close(self, column: _Column, cut: bool) -> None:
        self.lines += column.lines(cut)
        if column.crossed:
            self.streams.append((column.spans, cut))
        self.column = None


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at data[at]: its value and where it ends."""
    value = 0
    for i in range(at, at + 8):
        byte = data[i]
        value = value << 7 | byte & 0x7F
        if byte < 0x80:
            return value, i + 1
    return value << 8 | data[at + 8], at + 9


def _column_size(serial: int) -> tuple[int, int]:
    """A serial type's body size, and what it holds (_NUMBER, _BLOB or _TEXT)."""
    if serial >= 12:
        return (serial - 12) // 2, _TEXT if serial & 1 else _BLOB
    if serial in (10, 11):
        raise ValueError(serial)  # reserved: no record
    return (0, 1, 2, 3, 4, 6, 8, 8, 0, 0)[serial], _NUMBER


def _local(payload: int, usable: int, table: bool) -> int:
    """How much of a table's or an index's cell's payload its own page holds (the rest
    overflows)."""
    most = usable - 35 if table else (usable - 12) * 64 // 255 - 23
    if payload <= most:
        return payload
    least = (usable - 12) * 32 // 255 - 23
    local = least + (payload - least) % (usable - 4)
    return local if local <= most else least


def _units_delta(text: bytes) -> int:
    """UTF-16 code units less bytes of text read as UTF-8 (a stray byte is one unit)."""
    if text.isascii():
        return 0
    decoded = text.decode('utf-8', 'surrogateescape')
    return len(decoded.encode('utf-16-le', 'surrogatepass')) // 2 - len(text)


class Database:
    """The rows of a SQLite database, judged column by column once its bytes have passed."""

    __slots__ = (
        '_chained',
        '_frames',
        '_images',
        '_keyed',
        '_layer',
        '_overflow',
        '_pages',
        '_rows',
        '_scan',
        '_size',
        '_spool',
        '_step',
        '_tail',
        '_triggered',
        '_usable',
        'limit',
    )

    def __init__(self, limit: int, scan: Callable[[Iterable[bytes]], list[Candidate]]) -> None:
        self.limit = limit  # past this many tokens the view stops: the scan caps the file
        self._scan = scan  # of a stream's bytes, as a file's: a column across pages is one
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 -- see close
        self._size = 0  # page size
        self._usable = 0  # a page's bytes less those reserved at its end
        self._pages = 0  # pages in the file
        self._overflow = 0  # overflow pages read: no more than the file has pages
        self._triggered = False  # a trigger word was seen
        self._chained = False  # a page may be an overflow page
        self._keyed = False  # a key ID was seen: every page's rows are read
        self._step = 1  # the page size the header declares, while the bytes pass
        self._tail = b''  # the last bytes read, for a trigger across two reads
        self._layer: str | None = None  # UTF-16 text's, as the header declares
        # Of a write-ahead log: each frame's page number and offset, and the
        # offset of each page's last image; None for a database.
        self._frames: list[tuple[int, int]] | None = None
        self._images: dict[int, int] = {}
        self._rows: dict[tuple[int, str], int] = {}  # each view token's row

    def close(self) -> None:
        """Let the spooled bytes go."""
        self._spool.close()

    def pass_on(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The chunks, unchanged, spooled on the way."""
        for chunk in chunks:
            if not self._chained:
                self._chained = self._starts_a_chain(chunk, self._spool.tell())
            self._spool.write(chunk)
            if not self._keyed:
                seam = self._tail + chunk[:_SEAM]
                self._keyed = _holds(chunk, _KEY_IDS) or _holds(seam, _KEY_IDS)
                if not self._triggered:
                    self._triggered = _holds(chunk, _ALL_TRIGGERS) or _holds(seam, _ALL_TRIGGERS)
                self._tail = chunk[-_SEAM:]
            yield chunk

    def _starts_a_chain(self, chunk: bytes, at: int) -> bool:
        """Whether a page that starts in chunk, at file offset at, may be an overflow page.

        Its first byte is then that of the next page's number: 0 in a file of
        fewer than 2**24 pages, as no table or index page's is.
        """
        if not at:
            if len(chunk) < 18 or chunk.startswith(WAL_MAGICS):
                return True  # no page size yet, or pages that lie apart: as if
            size = int.from_bytes(chunk[16:18], 'big')
            self._step = 1 << 16 if size == 1 else max(size, 1)
        return 0 in chunk[-at % self._step or self._step :: self._step]

    def merge(self, found: list[Candidate]) -> list[Candidate]:
        """The plain scan's candidates with the view's added, in file order.

        A token both found stays the plain scan's. One the plain scan found
        across a view's token is no token: it runs from one column into the
        next (`<key ID><user><secret>` read as a key ID and a packed secret).
        """
        # A file with no trigger is walked for its columns across pages alone
        # (a prefix split by a page edge), and not at all with no chain.
        hits = self._walk() if self._triggered or self._chained else []
        view = self._locate(hits) if hits else []
        if not view:
            return found
        ours = {(c.offset, c.kind.value): c.row for c in view}
        starts = [c.offset for c in view]
        kept = []
        for c in found:
            key = (c.offset, c.kind.value)
            if key in ours:
                c = c._replace(row=ours[key])  # the plain scan's, in the view's row
            else:
                # View tokens do not overlap: only the last to start before c ends may reach c.
                i = bisect(starts, _end(c) - 1) - 1
                if i >= 0 and _end(view[i]) > c.offset:
                    continue
            kept.append(c)
        seen = {(c.offset, c.kind.value) for c in kept}
        extra = [c for c in view if (c.offset, c.kind.value) not in seen]
        return sorted(kept + extra, key=lambda c: c.offset)

    def _read(self, at: int) -> bytes:
        self._spool.seek(at)
        return self._spool.read(self._size)

    def _place(self, number: int) -> int | None:
        """The file offset of page number's image; None if the file holds none."""
        if self._frames is None:
            return (number - 1) * self._size if 0 < number <= self._pages else None
        return self._images.get(number)

    def _walk(self) -> list[Hit]:
        """The view's tokens, page by page, at their file offsets."""
        end = self._spool.tell()
        size = self._header(end)
        if not size:
            return []
        hits: list[Hit] = []
        # A UTF-16 database's blobs hold bytes: either form may be a trigger there.
        triggers = _TRIGGERS if self._layer is None else _ALL_TRIGGERS
        indexed: list[Hit] = []  # found on an index's pages
        self._rows = {}
        pages = self._frames or [(n, (n - 1) * size) for n in range(1, self._pages + 1)]
        for number, base in pages:
            page = self._read(base)
            first = _HEADER if number == 1 else 0
            if page[first] in _RECORD_PAGES:
                every = self._keyed or (self._triggered and _holds(page, triggers))
                rows = self._cells(page, base, first, every)
                found = []
                for row in rows:
                    for spans, cut in row.streams:
                        found += self._stream(spans, cut, row.number)
                # After the streams: where both found a token, the line's has the
                # columns before it for context.
                if self._triggered:
                    found += self._judge(rows)
                for hit, row_number in found:
                    self._rows[hit.offset, hit.kind] = row_number
                (hits if page[first] == _LEAF_TABLE else indexed).extend(h for h, _ in found)
                if len(hits) + len(indexed) > self.limit:
                    break
        # An index's copy of a table's token is no token of its own.
        tokens_seen = {(h.kind, h.token) for h in hits}
        return hits + [h for h in indexed if (h.kind, h.token) not in tokens_seen]

    def _header(self, end: int) -> int:
        """The page size the header declares; 0 where the view cannot read the file."""
        self._spool.seek(0)
        header = self._spool.read(_HEADER)
        if header.startswith(WAL_MAGICS):
            return self._log_header(header, end)
        if len(header) < _HEADER:
            return 0
        size = int.from_bytes(header[16:18], 'big')
        size = 1 << 16 if size == 1 else size
        self._pages = end // max(size, 1)
        return self._declared(size, header)

    def _declared(self, size: int, header: bytes) -> int:
        """size, with the reserved bytes and text encoding a database header declares;
        0 if they are no database's."""
        self._usable = size - header[20]
        encoding = int.from_bytes(header[56:60], 'big')
        if size < 512 or size & (size - 1) or self._usable < 480 or encoding not in _ENCODINGS:
            return 0  # a damaged header: the plain scan's alone
        self._size = size
        self._layer = _ENCODINGS[encoding]
        return size

    def _log_header(self, header: bytes, end: int) -> int:
        """A write-ahead log's page size, its frames listed; page 1's image, if it
        holds one, tells the database's reserved bytes and text encoding."""
        size = int.from_bytes(header[8:12], 'big')
        if not 512 <= size <= 1 << 16 or size & (size - 1):
            return 0
        frames = []
        for at in range(_WAL_HEADER, end - size - _FRAME_HEADER + 1, size + _FRAME_HEADER):
            self._spool.seek(at)
            frames.append((int.from_bytes(self._spool.read(4), 'big'), at + _FRAME_HEADER))
        self._frames = frames
        self._images = dict(frames)  # the last image of each page
        self._pages = len(frames)
        first = self._images.get(1)
        if first is None:
            self._usable, self._size = size, size
            return size
        self._spool.seek(first)
        return self._declared(size, self._spool.read(_HEADER))

    def _cells(self, page: bytes, base: int, first: int, every: bool) -> list[_Row]:
        """The records of the cells of the page at file offset base: every one, or only
        those that overflow."""
        kind = page[first]
        cells = int.from_bytes(page[first + 3 : first + 5], 'big')
        pointers = first + _RECORD_PAGES[kind]
        cells = min(cells, (self._usable - pointers) // 2)
        # A sound page's cells do not overlap: reading no more bytes of cells
        # than the page holds keeps a page of cells piled on one another linear.
        budget = self._usable
        rows = []
        for i in range(pointers, pointers + 2 * cells, 2):
            cell = int.from_bytes(page[i : i + 2], 'big')
            if budget <= 0:
                break
            if pointers + 2 * cells <= cell < self._usable:
                try:
                    # An index's inner cell starts with its left child's number.
                    payload, at = _varint(page, cell + 4 * (kind == 0x02))
                    if kind == _LEAF_TABLE:
                        _, at = _varint(page, at)  # the rowid
                    local = _local(payload, self._usable, kind == _LEAF_TABLE)
                    budget -= at + local - cell
                    if every or local < payload:
                        rows.append(self._record(page, base, at, payload, local))
                except (IndexError, ValueError):
                    continue  # a damaged cell: its bytes are the plain scan's
        return rows

    def _record(self, page: bytes, base: int, at: int, payload: int, local: int) -> _Row:
        """The record at page[at:], payload bytes long, local of them here."""
        end = at + local
        header, body = _varint(page, at)
        header_end = at + header
        if end + 4 * (local < payload) > self._usable or not body <= header_end <= end:
            raise ValueError(at)  # the cell runs off its page
        columns = []
        while body < header_end:
            serial, body = _varint(page, body)
            columns.append(_column_size(serial))
        if body != header_end or sum(size for size, _ in columns) != payload - header:
            raise ValueError(at)
        row = _Row(columns, payload - header, self._layer, base + at)
        row.feed(page[header_end:end], base + header_end)
        if row.left:
            self._follow(row, int.from_bytes(page[end : end + 4], 'big'))
        return row.cut()

    def _follow(self, row: _Row, number: int) -> None:
        """Read the row's chain from page number on, as far as it is sound."""
        room = self._usable - 4
        base = self._place(number) if number > 1 else None
        while row.left and base is not None and self._overflow < self._pages:
            # A sound file has each overflow page on one chain: reading no more
            # of them than it has pages keeps a looping chain linear.
            self._overflow += 1
            page = self._read(base)
            row.feed(page[4 : 4 + min(room, row.left)], base + 4)
            number = int.from_bytes(page[:4], 'big')
            base = self._place(number) if number > 1 else None

    def _stream(self, spans: list[tuple[int, int]], cut: bool, row: int) -> list[tuple[Hit, int]]:
        """The tokens of a column read as a file of its own, its pieces joined: one
        across two pages, or base64 or UTF-16 text across them, is found whole."""
        starts = []
        size = 0
        for _, length in spans:
            starts.append(size)
            size += length

        def chunks() -> Iterator[bytes]:
            parts, held = [], 0
            for offset, length in spans:
                self._spool.seek(offset)
                parts.append(self._spool.read(length))
                held += length
                if held >= _READ:
                    yield b''.join(parts)
                    parts, held = [], 0
            yield b''.join(parts) + _CUT * cut

        places: list[_Place] = [(at, length, None, row) for at, length in spans]
        return _hits(self._scan(chunks()), starts, places)

    def _judge(self, rows: list[_Row]) -> list[tuple[Hit, int]]:
        """The tokens of the rows' lines, one column each, at their file offsets."""
        parts: list[bytes] = []
        starts: list[int] = []
        places: list[_Place] = []
        size = 0
        for row in rows:
            for columns in row.lines:
                for part in (*columns, b'\n'):
                    if isinstance(part, _Piece):
                        starts.append(size)
                        places.append((part.offset, len(part.data), part.layer, row.number))
                        part = part.data
                    parts.append(part)
                    size += len(part)
        return _hits(self._scan([b''.join(parts)]), starts, places) if parts else []

    def _locate(self, hits: list[Hit]) -> list[Candidate]:
        """Candidates of the hits, placed by line and column in one pass over the file."""
        from aws_key_guard.model import Candidate
        from aws_key_guard.model import Kind
        from aws_key_guard.model import Secret

        # A damaged file can show the same bytes twice (two chains on one page),
        # and a column across pages is judged as a line and as a stream.
        unique = {(h.offset, h.kind): h for h in hits}
        found = []
        line, line_start, at = 1, 0, 0
        self._spool.seek(0)
        for key in sorted(unique)[: self.limit + 1]:
            hit = unique[key]
            while at < hit.offset:
                part = self._spool.read(min(_READ, hit.offset - at))
                newlines = part.count(b'\n')
                if newlines:
                    line += newlines
                    line_start = at + part.rfind(b'\n') + 1
                at += len(part)
            width = decode.WIDTHS.get(hit.layer or '', 1)
            col, units = (at - line_start) // width + 1, None
            if width == 1:
                lo = max(line_start, at - _UNITS_BEFORE)
                self._spool.seek(lo)
                delta = _units_delta(self._spool.read(at - lo))
                units = col + delta if delta else None
            kind, token = Kind(hit.kind), Secret(hit.token)
            row = self._rows.get((hit.offset, hit.kind))
            found.append(Candidate(kind, line, col, at, token, hit.context, hit.layer, units, row))
        return found


def _hits(found: list[Candidate], starts: list[int], places: list[_Place]) -> list[tuple[Hit, int]]:
    """Candidates in pieces joined into one text, at their file offsets, each with its
    row: piece i starts at starts[i] there and is placed at (file offset, size, layer,
    row); with a layer, byte j of it stands for the code unit at file offset + 2j."""
    hits = []
    for c in found:
        i = bisect(starts, c.offset) - 1
        (offset, size, layer, row), index = places[i], c.offset - starts[i]
        if layer is not None:
            offset += 2 * index
        else:
            offset += index
            # A token across two pieces (two overflow pages) has no end column.
            straddles = index + len(c.token) > size
            layer = c.layer or ('sqlite' if straddles else None)
        hits.append((Hit(offset, c.kind.value, c.token, c.context, layer), row))
    return hits


def _end(found: Candidate) -> int:
    """The file offset just past a candidate's token (two bytes a character in UTF-16)."""
    return found.offset + len(found.token) * decode.WIDTHS.get(found.layer or '', 1)
