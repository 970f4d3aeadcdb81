"""An archive's members as chunk streams: zip, tar, ar, gzip, bzip2, xz; one level nested, capped.

Imported only for a file whose first bytes are an archive's magic number
(`archive_kind`, which the everyday path inlines), so a commit with no archive
never loads zipfile, tarfile or the decompressors (nor arfile.py, which only
an `ar` archive loads). Each archive's bytes are
spooled (in memory up to `SPOOL_MEMORY`, then to a temporary file): a zip is
read from its central directory, and after its members the archive's bytes as
stored come too (`Member.stored`), for what lies outside every member.
Each member's bytes are read a chunk at a time, decompressed as they are
read: a member never sits in memory whole.

What cannot be read is never skipped silently: a member or a whole archive
that is corrupt, encrypted, nested too deep or larger than a cap yields a
`Fault` naming it, reported as AKG900.
"""

from __future__ import annotations

import bz2
import copy
import gzip
import io
import lzma
import tarfile
import tempfile
import zipfile
import zlib

from aws_key_guard.record import Record
from aws_key_guard.window import CHUNK_SIZE
from aws_key_guard.workers import cpus

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator
    from collections.abc import Iterable
    from collections.abc import Iterator
    from typing import IO
    from typing import Final

# Unpacked bytes scanned per member, and per file over every level (a tar's
# bytes inside a gzip count as the gzip's and as its members'): a zip bomb
# costs at most FILE_CAP bytes of work.
MEMBER_CAP: Final = 64 << 20
FILE_CAP: Final = 256 << 20
# Levels of zip, tar and ar unpacked: an archive and the archives among its
# members. A gzip stream is no level: `.tar.gz` is one, and a `.gz` member of
# a nested archive is unpacked too, but not a gzip directly inside a gzip.
MAX_DEPTH: Final = 2
SPOOL_MEMORY: Final = 8 << 20  # an archive is spooled to a temporary file past this
# An ar (a package, a static library of tens of MB) is read from its spool by
# seeking, member by member: held in memory, it would only add to the peak.
AR_SPOOL_MEMORY: Final = 1 << 20
# zipfile reads a zip's whole central directory and keeps an object per entry
# (about 600 bytes each, at least 46 bytes of directory): this caps its memory.
DIRECTORY_CAP: Final = 4 << 20
# Reads past the end a stream answers before it counts as a fault: tarfile
# skips a member by reading blocks up to the offset its header declares, so a
# 512-byte tar declaring an exabyte-sized member would spin there for ever.
# gzip itself reads past its end a few times for each read at the end (the
# trailer's padding, the next member's header): a whole stream takes up to 5.
EMPTY_READS: Final = 64

ZIP_MAGIC: Final = b'PK\x03\x04'
_END_MAGIC: Final = b'PK\x05\x06'
_LOCAL: Final = 30  # a member's local header without its name and extra field
_NAME_SIZE_AT: Final = 26  # in the local header: the name's size, then the extra field's
_END: Final = 22  # a zip's end record without its comment
_END64: Final = 56  # the zip64 end record, right before its locator
_LOCATOR: Final = 20  # the zip64 locator, right before the end record
_TAIL: Final = _END64 + _LOCATOR + _END + 0xFFFF  # the most an end record and comment span
GZIP_MAGIC: Final = b'\x1f\x8b\x08'
BZIP2_MAGIC: Final = b'BZh'  # then the block size, '1' to '9', and a block's or the end's magic
_BZIP2_NEXT: Final = (b'1AY&SY', b'\x17rE8P\x90')
XZ_MAGIC: Final = b'\xfd7zXZ\x00'
# A bzip2 stream this large (compressed) is unpacked on up to BZIP2_THREADS CPUs:
# libbz2 unpacks about 70 MB a second, the scan several times that. Past the
# largest, the bit search for its blocks would hold several copies of it.
BZIP2_SHARED: Final = 64 << 10
BZIP2_SHARED_MAX: Final = 4 << 20
BZIP2_THREADS: Final = 4
# Compressed streams, which hold one file and are no level of nesting.
STREAMS: Final = ('gzip', 'bzip2', 'xz')
# The memory an xz stream may ask for to be unpacked: `xz -9` asks for 65 MiB.
XZ_MEMORY: Final = 72 << 20
AR_MAGIC: Final = b'!<arch>\n'  # a .deb, a static library
TAR_MAGIC: Final = b'ustar'
TAR_MAGIC_AT: Final = 257

# What a damaged archive raises (gzip's BadGzipFile is an OSError; a stream
# that ends early, EOFError; an unknown zip method, NotImplementedError).
_DAMAGED: Final = (
    OSError,
    EOFError,
    ValueError,
    zlib.error,
    NotImplementedError,
    zipfile.BadZipFile,
    tarfile.TarError,
    lzma.LZMAError,
)


class Member(Record):
    """A member's bytes, or why they could not all be read (`fault`)."""

    name: str  # within the file: nested names joined by '!', '' for the file itself
    chunks: Iterable[bytes] = ()
    fault: str | None = None
    stored: bool = False  # an archive's bytes as stored, for what lies outside its members
    # Stored bytes searched first, where most of them lie in members read whole:
    # only if these show a token are `chunks` searched (gaps below).
    gaps: Iterable[bytes] | None = None


class Span(Record):
    """Where a member's bytes lie in its archive as stored."""

    start: int
    size: int


def archive_kind(first: bytes) -> str | None:
    """'zip', 'gzip', 'bzip2', 'xz', 'ar' or 'tar' when a file's first bytes say it is one."""
    if first.startswith(ZIP_MAGIC):
        return 'zip'
    if first.startswith(GZIP_MAGIC):
        return 'gzip'
    if first.startswith(XZ_MAGIC):
        return 'xz'
    if first.startswith(BZIP2_MAGIC) and first[3:4].isdigit() and first[4:10] in _BZIP2_NEXT:
        return 'bzip2'
    if first.startswith(AR_MAGIC):
        return 'ar'
    if first[TAR_MAGIC_AT : TAR_MAGIC_AT + len(TAR_MAGIC)] == TAR_MAGIC:
        return 'tar'
    return None


def join(outer: str, inner: str) -> str:
    """A member's name within the file: the names of the levels, '!' between them."""
    return f'{outer}!{inner}' if outer and inner else outer or inner


class _Budget:
    """Unpacked bytes left for one file, and the faults met while its members were read."""

    def __init__(self) -> None:
        self.left = FILE_CAP
        self.stopped = False  # past FILE_CAP: the file's other members are not read
        self.faults: list[Member] = []

    def drain(self) -> Iterator[Member]:
        while self.faults:
            yield self.faults.pop(0)


class _Stop(Exception):
    """The file's cap was reached: nothing more of it is read."""


def members(first: bytes, rest: Iterator[bytes]) -> Iterator[Member]:
    """The members of the archive whose first chunk is `first`, each to be read before the next.

    A member's fault follows it; a fault named '' is the whole file's. After
    an archive's members come its bytes as stored (`Member.stored`), the
    innermost archive's first.
    """
    budget = _Budget()
    try:
        yield from _unpack('', first, rest, 0, budget)
    except _Stop:
        return


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    return iter(lambda: stream.read(CHUNK_SIZE), b'')


def _unpack(
    name: str,
    first: bytes,
    rest: Iterator[bytes],
    depth: int,
    budget: _Budget,
    stored_as: str | None = None,
) -> Iterator[Member]:
    """An archive's members, then its stored bytes, named `stored_as` (else `name`)."""
    kind = archive_kind(first)
    with _spool(first, rest, AR_SPOOL_MEMORY if kind == 'ar' else SPOOL_MEMORY) as held:
        stop = None
        read: list[Span] = []  # where the members read whole lie: no second search
        try:
            if kind == 'zip':
                read = yield from _zip(name, held, depth + 1, budget)
            elif kind == 'tar':
                yield from _tar(name, _Reader(b'', _chunks(held)), depth + 1, budget)
            elif kind == 'ar':
                read = yield from _ar(name, held, depth + 1, budget)
            elif kind in ('bzip2', 'xz'):
                with _compressed(kind, held) as stream:
                    yield from _member(name, stream, depth, budget, compressed=name)  # type: ignore[arg-type]
            else:
                yield from _gzip(name, held, depth, budget)
        except _DAMAGED as e:
            yield Member(name, fault=f'damaged {kind} archive ({_why(e)})')
        except _Stop as e:
            stop = e  # past the file's cap: this level's stored bytes are still searched
        # A member read whole was searched already: a static library would cost two
        # scans. Both streams read by seeking, as `gaps` is read first.
        chunks = outside(held, read, CHUNK_SIZE)
        first_search = gaps(held, read, CHUNK_SIZE) if read else None
        yield Member(
            name if stored_as is None else stored_as, chunks, stored=True, gaps=first_search
        )
        if stop is not None:
            raise stop


def _why(error: BaseException) -> str:
    # The exception's type only: its message can quote member names or bytes.
    return type(error).__name__


def _spool(first: bytes, rest: Iterable[bytes], memory: int) -> IO[bytes]:
    """A file's bytes, held to be read more than once (in memory up to `memory` bytes)."""
    held = tempfile.SpooledTemporaryFile(max_size=memory)  # noqa: SIM115 -- the caller's
    try:
        held.write(first)
        for chunk in rest:
            held.write(chunk)
        held.seek(0)
    except BaseException:
        held.close()
        raise
    return held


class _Reader(io.RawIOBase):
    """A stream of chunks as a file that gzip and tarfile read forward."""

    def __init__(self, first: bytes, rest: Iterator[bytes]) -> None:
        self._held = first
        self._rest = rest
        self._empty = 0

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self._held:  # chunks are never empty: an empty one is the end
            self._held = next(self._rest, b'')
            if not self._held:
                self._empty += 1
                if self._empty > EMPTY_READS:
                    raise EOFError
        n = min(len(buffer), len(self._held))
        buffer[:n] = self._held[:n]
        self._held = self._held[n:]
        return n


def _compressed(kind: str, held: IO[bytes]) -> io.RawIOBase:
    """A bzip2 or xz stream's content, read forward; a large bzip2 stream's blocks
    are unpacked on every CPU (bzip2.py), where it is one stream laid out plainly."""
    if kind == 'bzip2' and (threads := min(cpus(), BZIP2_THREADS)) > 1:
        size = held.seek(0, io.SEEK_END)
        held.seek(0)
        if BZIP2_SHARED <= size <= BZIP2_SHARED_MAX:
            from aws_key_guard import bzip2

            data = held.read()
            blocks = bzip2.plan(data)
            if blocks is not None and len(blocks) > 1:
                return bzip2.Reader(data, blocks, threads)
            held.seek(0)
    return _Unpacked(kind, _Reader(b'', _chunks(held)))


class _Unpacked(io.RawIOBase):
    """A bzip2 or xz stream's content, read forward, concatenated streams in turn.

    After a stream's end only NUL padding or another stream may follow:
    anything else is damage, since it could be a stream of another kind.
    """

    def __init__(self, kind: str, source: _Reader) -> None:
        self._kind = kind
        self._source = source
        self._unpacker = self._new()

    def _new(self) -> bz2.BZ2Decompressor | lzma.LZMADecompressor:
        if self._kind == 'xz':
            return lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=XZ_MEMORY)
        return bz2.BZ2Decompressor()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while True:
            if self._unpacker.eof:
                data = self._unpacker.unused_data.lstrip(b'\0')
                while not data:
                    data = self._source.read(CHUNK_SIZE)
                    if not data:
                        return 0
                    data = data.lstrip(b'\0')
                self._unpacker = self._new()
            elif self._unpacker.needs_input:
                data = self._source.read(CHUNK_SIZE)
                if not data:
                    raise EOFError  # the stream ends before its end marker
            else:
                data = b''
            out = self._unpacker.decompress(data, len(buffer))
            if out:
                buffer[: len(out)] = out
                return len(out)


def _read(name: str, stream: IO[bytes], budget: _Budget) -> Iterator[bytes]:
    """A member's unpacked bytes, up to the caps; a fault past them or where damaged."""
    size = 0
    try:
        while True:
            room = min(MEMBER_CAP - size, budget.left)
            # At a cap, one byte more tells a member that ends there from a larger one.
            chunk = stream.read(min(CHUNK_SIZE, room) or 1)
            if not chunk:
                return
            if not room:
                budget.stopped = budget.left == 0
                budget.faults.append(Member(name, fault=_over(size, budget)))
                return
            size += len(chunk)
            budget.left -= len(chunk)
            yield chunk
    except _DAMAGED as e:
        budget.faults.append(Member(name, fault=_damage(e)))


def _damage(error: BaseException) -> str:
    if isinstance(error, lzma.LZMAError) and 'limit' in str(error):
        return f'xz stream needs more than {XZ_MEMORY >> 20} MiB of memory to unpack'
    return f'damaged archive member ({_why(error)})'


def _over(size: int, budget: _Budget) -> str:
    if budget.stopped:
        return f'archive unpacks to more than {FILE_CAP >> 20} MiB, not scanned past here'
    return f'member unpacks to more than {MEMBER_CAP >> 20} MiB, not scanned past byte {size}'


def _member(
    name: str, stream: IO[bytes], depth: int, budget: _Budget, *, compressed: str | None = None
) -> Iterator[Member]:
    """One member, unpacked further where it is an archive and the depth allows.

    `compressed`: for a compressed stream's content, the stream's own name,
    which names the members of a tar inside it.
    """
    chunks = _read(name, stream, budget)
    first = next(chunks, b'')
    kind = archive_kind(first)
    if compressed is not None and kind == 'tar' and depth < MAX_DEPTH:
        yield from _unpack(compressed, first, chunks, depth, budget, stored_as=name)
    elif _opens(kind, depth, compressed=compressed is not None):
        yield from _unpack(name, first, chunks, depth, budget)
    else:
        if kind is not None:
            reason = f'{kind} archive nested too deep, scanned as it is stored'
            budget.faults.append(Member(name, fault=reason))
        yield Member(name, _again(first, chunks))
    yield from budget.drain()
    if budget.stopped:
        raise _Stop


def _opens(kind: str | None, depth: int, *, compressed: bool) -> bool:
    # A compressed stream is no level of its own, but one directly inside another is not opened.
    if kind in STREAMS:
        return not compressed and depth <= MAX_DEPTH
    return kind is not None and depth < MAX_DEPTH


def _again(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _zip(
    name: str, held: IO[bytes], depth: int, budget: _Budget
) -> Generator[Member, None, list[Span]]:
    """A zip's members; returns where the stored bytes of those read whole lie."""
    read: list[Span] = []
    if directory_size(held) > DIRECTORY_CAP:
        reason = f'zip archive lists more than {DIRECTORY_CAP >> 20} MiB of members'
        yield Member(name, fault=f'{reason}, scanned as it is stored')
        return read
    with zipfile.ZipFile(held) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            inner = join(name, info.filename)
            if info.flag_bits & 0x1:
                yield Member(inner, fault='encrypted archive member, not scanned')
                continue
            try:
                stream = archive.open(info)
            except _DAMAGED as e:
                yield Member(inner, fault=f'damaged archive member ({_why(e)})')
                continue
            with stream:
                whole = yield from _whole(_member(inner, stream, depth, budget))
            if whole:
                held.seek(info.header_offset + _NAME_SIZE_AT)
                sizes = held.read(4)  # the local header's name and extra field sizes
                start = info.header_offset + _LOCAL + int.from_bytes(sizes[:2], 'little')
                read.append(Span(start + int.from_bytes(sizes[2:], 'little'), info.compress_size))
    return read


def _whole(found: Iterator[Member]) -> Generator[Member, None, bool]:
    """The members found, passed on; returns True if none of them met a fault."""
    whole = True
    for member in found:
        whole = whole and member.fault is None
        yield member
    return whole


def gaps(held: IO[bytes], read: Iterable[Span], chunk_size: int) -> Iterator[bytes]:
    """`outside`'s bytes with each blank cut to a newline and at most three spaces: in a
    static library, little more than the headers.

    A blank cut short only parts runs, as the whole one does, and moves no word
    farther from a token; as long as its member modulo 4, it leaves every byte
    where it stood within a UTF-16 or UTF-32 code unit. So a token in
    `outside`'s bytes is one in these too, and where these show none,
    `outside` needs no search.
    """
    return _batched(_outside(held, read, chunk_size, cut=True), chunk_size)


def outside(held: IO[bytes], read: Iterable[Span], chunk_size: int) -> Iterator[bytes]:
    """An archive's bytes as stored, but for the spans of the members read whole, each a
    blank; a span out of order (a zip may list its members in any order, over each
    other's bytes) is left as it is.

    A blank holds its member's newlines and, after the last one, as many
    spaces as there were bytes: what lies outside the members keeps its line
    and column, and a member read already is not searched again, nor run into
    the header after it. Up to three spaces before them make it as long as
    its member modulo 4, so that what follows stays in its UTF-16 or UTF-32
    code units.
    """
    return _batched(_outside(held, read, chunk_size, cut=False), chunk_size)


def _outside(
    held: IO[bytes], read: Iterable[Span], chunk_size: int, *, cut: bool
) -> Iterator[bytes]:
    at = 0
    for start, size in [*read, Span(held.seek(0, io.SEEK_END), 0)]:
        if start < at:
            continue
        yield from _stored_range(held, at, start, chunk_size)
        if size:
            if cut:
                yield b'\n' + b' ' * ((size - 1) % 4)
            else:
                yield from _blank(held, start, size, chunk_size)
        at = start + size


def _batched(parts: Iterable[bytes], chunk_size: int) -> Iterator[bytes]:
    """The parts as reads of at least chunk_size bytes (the last may be shorter): a
    header at a time, each would be judged alone."""
    batch = bytearray()
    for part in parts:
        if not batch and len(part) >= chunk_size:
            yield part  # a read of stored bytes, as it is: no copy
            continue
        batch += part
        if len(batch) >= chunk_size:
            yield bytes(batch)
            batch.clear()
    if batch:
        yield bytes(batch)


def _stored_range(held: IO[bytes], start: int, stop: int, chunk_size: int) -> Iterator[bytes]:
    for at in range(start, stop, chunk_size):
        held.seek(at)
        yield held.read(min(chunk_size, stop - at))


def _blank(held: IO[bytes], start: int, size: int, chunk_size: int) -> Iterator[bytes]:
    newlines = 0
    tail = 0  # bytes after the last newline
    for chunk in _stored_range(held, start, start + size, chunk_size):
        last = chunk.rfind(b'\n')
        newlines += len(chunk) - len(chunk.replace(b'\n', b''))  # at memchr speed, as window.py
        tail = tail + len(chunk) if last < 0 else len(chunk) - last - 1
    if pad := (size - newlines - tail) % 4:
        yield b' ' * pad
    yield from _fill(b'\n', newlines, chunk_size)
    yield from _fill(b' ', tail, chunk_size)


def _fill(byte: bytes, count: int, chunk_size: int) -> Iterator[bytes]:
    for at in range(0, count, chunk_size):
        yield byte * min(chunk_size, count - at)


def directory_size(held: IO[bytes]) -> int:
    """The central directory's size that a zip's end record declares, as zipfile finds it.

    The end record is the last 22 bytes, or where a comment follows it, the
    last one in the final 64 KiB; a zip64 record right before it overrides it.
    0 where there is none: zipfile then reports the zip as damaged.
    """
    end = held.seek(0, io.SEEK_END)
    held.seek(max(0, end - _TAIL))
    tail = held.read()
    held.seek(0)
    at = len(tail) - _END
    if not (tail[at:].startswith(_END_MAGIC) and tail.endswith(b'\0\0')):
        at = tail.rfind(_END_MAGIC)
    if at < 0:
        return 0
    zip64 = tail[max(0, at - _END64 - _LOCATOR) : at]
    if (
        len(zip64) == _END64 + _LOCATOR
        and zip64.startswith(b'PK\x06\x06')
        and zip64[_END64:].startswith(b'PK\x06\x07')
    ):
        return int.from_bytes(zip64[40:48], 'little')
    return int.from_bytes(tail[at + 12 : at + 16], 'little')


def _tar(name: str, reader: _Reader, depth: int, budget: _Budget) -> Iterator[Member]:
    # Read as a stream ('r|'): forward only, one member at a time.
    with tarfile.open(fileobj=reader, mode='r|') as archive:
        for info in archive:
            # Directories, links and devices hold no bytes of their own.
            stream = archive.extractfile(_stored(info)) if info.isreg() else None
            if stream is not None:
                yield from _member(join(name, info.name), stream, depth, budget)


def _ar(
    name: str, held: IO[bytes], depth: int, budget: _Budget
) -> Generator[Member, None, list[Span]]:
    """An ar's members; returns where the stored bytes of those read whole lie.

    A member that met a fault is searched again in the stored bytes.
    """
    from aws_key_guard.arfile import ArFault
    from aws_key_guard.arfile import read_members

    read = []
    try:
        for member in read_members(held, names_cap=DIRECTORY_CAP):
            if (yield from _whole(_member(join(name, member.name), member.stream, depth, budget))):
                read.append(Span(member.start, member.size))
    except ArFault as e:
        yield Member(join(name, e.member), fault=str(e))
    return read


def _stored(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """A sparse member as the bytes it stores, without its holes.

    A hole reads as NULs, which hold no key, and a few KB of tar can declare
    holes of terabytes. Lines stay as they are: a hole holds no newline.
    """
    if not info.issparse():
        return info
    regions: list[tuple[int, int]] = info.sparse  # type: ignore[assignment]  # typeshed: bytes
    stored = copy.copy(info)
    stored.size = sum(size for _, size in regions)
    stored.sparse = None
    return stored


def _gzip(name: str, held: IO[bytes], depth: int, budget: _Budget) -> Iterator[Member]:
    inner = join(name, gzip_name(held.read(CHUNK_SIZE)))
    held.seek(0)
    with gzip.GzipFile(fileobj=_Reader(b'', _chunks(held)), mode='rb') as stream:
        yield from _member(inner, stream, depth, budget, compressed=name)  # type: ignore[arg-type]


def gzip_name(header: bytes) -> str:
    """The original name a gzip stream's header holds (RFC 1952's FNAME), or ''."""
    flags = header[3] if len(header) > 3 else 0
    at = 10
    if flags & 0x04:  # FEXTRA: two bytes of length, then that many
        at += 2 + int.from_bytes(header[at : at + 2], 'little')
    end = header.find(b'\0', at)
    if not flags & 0x08 or end < 0:
        return ''
    return header[at:end].decode('latin-1')
