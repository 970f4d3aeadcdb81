"""One file read and scanned once: its candidates and markers, and whether it is clean.

Light to import, as the hook's everyday path: a file with nothing that could
be a finding costs one scan and no more; any other file's FileScan goes on to
the full command line as it is, never to be read again.
"""

from __future__ import annotations

from itertools import chain

from aws_key_guard.error import ScanError
from aws_key_guard.files import read_chunks
from aws_key_guard.scan import scan_chunks
from aws_key_guard.tokens import FIND_LIMIT
from aws_key_guard.window import HOLD
from aws_key_guard.workers import file_size
from aws_key_guard.workers import judge_files

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence
    from typing import Final
    from typing import Literal

    from aws_key_guard.marker import MarkerWatcher
    from aws_key_guard.model import Candidate
    from aws_key_guard.model import Marker

    # A Candidate, as sent.
    _Plain = tuple[str, int, int, int, bytes, bool, str | None, int | None, int | None]
    Search = Literal['auto', 'find', 'regex']

# Per file, at most this many key-shaped tokens (and as many allow markers)
# are kept, so memory stays bounded whatever a file holds; past that the file
# is not scanned further and gets an AKG900 saying where scanning stopped.
MAX_CANDIDATES: Final = 10_000

# A file that may start as a zip, a tar, an ar or a gzip, bzip2 or xz stream has
# archive.archive_kind look closer: only then is archive.py, with zipfile, imported.
_ARCHIVE_MAGIC: Final = (b'PK\x03\x04', b'\x1f\x8b\x08', b'BZh', b'\xfd7zXZ\x00', b'!<arch>\n')
# A SQLite database (sqlite.MAGIC), or its write-ahead log (sqlite.WAL_MAGICS),
# also has its rows judged column by column.
_SQLITE: Final = (
    b'SQLite format 3\x00',
    b'\x37\x7f\x06\x82\x00\x2d\xe2\x18',
    b'\x37\x7f\x06\x83\x00\x2d\xe2\x18',
)


# Names of files that are usually compressed archives, and how many times
# their size their members usually unpack to (text compresses 4 to 20 times).
_PACKED_SUFFIXES: Final = (
    '.gz', '.tgz', '.bz2', '.tbz', '.tbz2', '.xz', '.txz', '.deb',
    '.zip', '.jar', '.war', '.ear', '.whl', '.egg', '.apk', '.nupkg',
    '.docx', '.xlsx', '.pptx', '.odt', '.ods',
)  # fmt: skip
_PACKED: Final = 16


class FileScan:
    """What one read of a file found."""

    __slots__ = ('bug', 'candidates', 'cut', 'error', 'markers', 'member', 'members', 'overflow')

    def __init__(
        self,
        candidates: Sequence[Candidate] = (),
        markers: Sequence[Marker] = (),
        *,
        error: str | None = None,
        overflow: Candidate | None = None,
        cut: int | None = None,
        bug: str | None = None,
        member: str = '',
        members: Sequence[FileScan] = (),
    ) -> None:
        self.candidates = list(candidates)
        self.markers = list(markers)
        self.error = error  # why the file could not be read or scanned
        self.overflow = overflow  # the first token past MAX_CANDIDATES: scanning stopped there
        self.cut = cut  # where scanning stopped past MAX_CANDIDATES markers (a line's offset)
        self.bug = bug  # an internal error's type and place: reported, never a pass
        self.member = member  # an archive member's name, '' for the file itself
        self.members = list(members)  # an archive's members that hold anything, in order

    def is_clean(self) -> bool:
        """True if nothing in it can be a finding, whatever the settings.

        Secret-shaped tokens with no AWS context and no key ID in the file (test
        vectors, hashes in base64) are no finding; any other token is.
        """
        if self.bug or self.error or self.overflow or self.cut is not None:
            return False
        if not all(m.is_clean() for m in self.members):
            return False
        return all(c.kind.value == 'secret' and not c.context for c in self.candidates)

    def encode(self) -> tuple[object, ...]:
        """Plain values that marshal can send from a worker process."""
        return (
            [_plain(c) for c in self.candidates],
            [tuple(m) for m in self.markers],
            self.error,
            None if self.overflow is None else _plain(self.overflow),
            self.cut,
            self.bug,
            self.member,
            [m.encode() for m in self.members],
        )

    @classmethod
    def decode(cls, sent: object) -> FileScan:
        """The FileScan that encode() made sent from."""
        from aws_key_guard.model import Candidate
        from aws_key_guard.model import Kind
        from aws_key_guard.model import Marker
        from aws_key_guard.model import Secret

        def candidate(t: _Plain) -> Candidate:
            return Candidate(Kind(t[0]), t[1], t[2], t[3], Secret(t[4]), t[5], t[6], t[7], t[8])

        from typing import cast

        fields = cast(
            'tuple[list[_Plain], list[tuple[object, ...]], str | None, _Plain | None, int | None,'
            ' str | None, str, list[object]]',
            sent,
        )
        candidates, markers, error, overflow, cut, bug, member, members = fields
        return cls(
            [candidate(c) for c in candidates],
            [Marker(*m) for m in markers],  # type: ignore[arg-type] # as encode() wrote them
            error=error,
            overflow=None if overflow is None else candidate(overflow),
            cut=cut,
            bug=bug,
            member=member,
            members=[cls.decode(m) for m in members],
        )


def _plain(c: Candidate) -> _Plain:
    token = bytes(c.token)
    return (c.kind.value, c.line, c.col, c.offset, token, c.context, c.layer, c.units, c.row)


class _Markers:
    """A file's allow markers, looked for only once they can matter.

    The reads pass on to the scan and are held, up to HOLD bytes: only a file
    that shows a token, or grows past that, has them searched, by a
    MarkerWatcher (marker.py, imported then: a clean commit never loads it).
    """

    __slots__ = ('foreign', 'held', 'size', 'watcher')

    def __init__(self, foreign: bool) -> None:
        self.foreign = foreign
        self.held: list[bytes] = []
        self.size = 0
        self.watcher: MarkerWatcher | None = None

    def pass_on(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The chunks, unchanged; they end early past the cap on markers."""
        for chunk in chunks:
            if self.watcher is None:
                self.held.append(chunk)
                self.size += len(chunk)
                if self.size > HOLD:
                    self.watch()
            else:
                self.watcher.feed(chunk)
            yield chunk
            if self.watcher is not None and self.watcher.cut is not None:
                return

    def watch(self) -> MarkerWatcher:
        """The watcher, started on the reads held so far if it was not yet."""
        if self.watcher is None:
            from aws_key_guard.marker import MarkerWatcher

            self.watcher = MarkerWatcher(foreign=self.foreign, cap=MAX_CANDIDATES)
            for chunk in self.held:
                self.watcher.feed(chunk)
                if self.watcher.cut is not None:
                    break
            self.held = []
        return self.watcher


def scan_file(
    chunks: Iterable[bytes], *, foreign: bool = True, search: Search = 'auto'
) -> FileScan:
    """Scan a stream once for tokens and allow markers; a read error is the FileScan's error.

    An archive's members are scanned instead, each as a FileScan of its own.
    """
    stream = iter(chunks)
    try:
        first = next(stream, b'')
    except ScanError as e:
        return FileScan(error=str(e))
    if first.startswith(_ARCHIVE_MAGIC) or first[257:262] == b'ustar':
        from aws_key_guard.archive import archive_kind

        if archive_kind(first) is not None:
            return _scan_archive(first, stream, foreign=foreign, search=search)
    return _scan_plain(first, stream, foreign=foreign, search=search)


def _scan_plain(first: bytes, rest: Iterator[bytes], *, foreign: bool, search: Search) -> FileScan:
    """A file, or an archive's member, that is no archive: a database has its rows read too."""
    if first.startswith(_SQLITE):
        return _scan_database(first, rest, foreign=foreign, search=search)
    return _scan(chain((first,), rest) if first else (), foreign=foreign, search=search)


def _scan_archive(
    first: bytes, rest: Iterator[bytes], *, foreign: bool, search: Search
) -> FileScan:
    """An archive's members, and its bytes as stored, each a FileScan in `members`.

    What lies outside every member (a zip's comments, a tar's header records,
    data past an archive's end) is found in the stored bytes; a value that a
    member, or an archive nested deeper, holds too is reported there only.
    """
    from aws_key_guard.archive import members

    found = []
    held: set[bytes] = set()
    try:
        for member in members(first, rest):
            gaps = member.gaps
            if gaps is not None and not scan_chunks(gaps, limit=0, lines=False, search=search):
                continue  # nothing outside the members read whole
            if member.fault is None:
                chunks = iter(member.chunks)
                scan = _scan_plain(next(chunks, b''), chunks, foreign=foreign, search=search)
            else:
                scan = FileScan(error=member.fault)
            if member.stored:
                scan.candidates = [c for c in scan.candidates if c.token not in held]
            held.update(c.token for c in scan.candidates)
            if scan.candidates or not scan.is_clean():  # a member with nothing is left out
                scan.member = member.name
                found.append(scan)
    except ScanError as e:
        found.append(FileScan(error=str(e)))
    except Exception as e:
        found.append(FileScan(bug=internal_error(e)))
    return FileScan(members=found)


def _scan_database(
    first: bytes, rest: Iterator[bytes], *, foreign: bool, search: Search
) -> FileScan:
    from aws_key_guard.sqlite import Database

    def scan(chunks: Iterable[bytes]) -> list[Candidate]:
        return scan_chunks(chunks, limit=MAX_CANDIDATES, lines=False, search=search)

    database = Database(MAX_CANDIDATES, scan)
    chunks = database.pass_on(chain((first,), rest))
    try:
        return _scan(chunks, foreign=foreign, search=search, merge=database.merge)
    finally:
        database.close()


def _scan(
    chunks: Iterable[bytes],
    *,
    foreign: bool,
    search: Search,
    merge: Callable[[list[Candidate]], list[Candidate]] | None = None,
) -> FileScan:
    markers = _Markers(foreign)
    try:
        found = scan_chunks(markers.pass_on(chunks), limit=MAX_CANDIDATES, search=search)
        if merge is not None:
            found = merge(found)  # a view's candidates read beside the scan
        if not found and markers.watcher is None:
            return FileScan()
        watcher = markers.watch()
        watcher.finish()
    except ScanError as e:
        return FileScan(error=str(e))
    except Exception as e:
        # A bug fails closed: one line naming the file and exit 2, never a
        # traceback (exit 1) nor a pass. Only the type and place: an
        # exception's message may quote the file's bytes.
        return FileScan(bug=internal_error(e))
    if watcher.stop is not None:
        # Past the cap the stream ends after that read; a scan that ran on
        # while the reads were held keeps only what it would have seen.
        found = [c for c in found if c.offset < watcher.stop]
    overflow = found[MAX_CANDIDATES] if len(found) > MAX_CANDIDATES else None
    return FileScan(found[:MAX_CANDIDATES], watcher.markers, overflow=overflow, cut=watcher.cut)


def _read(filename: str, *, foreign: bool, keep_clean: bool, search: Search) -> FileScan | None:
    scan = scan_file(read_chunks(filename), foreign=foreign, search=search)
    return scan if keep_clean or not scan.is_clean() else None


def scan_files(
    filenames: Sequence[str], *, foreign: bool = True, keep_clean: bool = False
) -> list[FileScan | None]:
    """Each file on disk scanned once, on every CPU for a large scan; None where clean."""
    sizes = [file_size(f) for f in filenames]
    # A run of more than FIND_LIMIT bytes pays for importing `re`, whose search
    # is the faster one past that, in every file; a commit's few files do not.
    search: Search = 'regex' if sum(sizes) > FIND_LIMIT else 'auto'
    return judge_files(
        filenames,
        lambda name: _read(name, foreign=foreign, keep_clean=keep_clean, search=search),
        FileScan.encode,
        FileScan.decode,
        unpacked_sizes(filenames, sizes),
    )


def unpacked_sizes(filenames: Sequence[str], sizes: Sequence[int]) -> list[int]:
    """The bytes each file's scan reads: a compressed file's, unpacked, guessed by its name.

    Only the sharing among CPUs uses them: the largest work is handed out first.
    """
    return [
        size * _PACKED if name.lower().endswith(_PACKED_SUFFIXES) else size
        for name, size in zip(filenames, sizes, strict=True)
    ]


def internal_error(error: BaseException) -> str:
    """`internal error TYPE at FILE:LINE`, where the error was raised."""
    import traceback

    where = traceback.extract_tb(error.__traceback__)[-1]
    name = where.filename.rpartition('/')[2]
    return f'internal error {type(error).__name__} at {name}:{where.lineno}'
