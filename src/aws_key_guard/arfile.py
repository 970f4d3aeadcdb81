"""The members of a Unix `ar` archive (a `.deb`, a static library), read in order.

Imported by archive.py only for a file, or a member, that starts with ar's
magic number: a commit with no ar archive never loads it.

Words this module owns:

- header: the 60 bytes before each member: name (16), mtime (12), uid (6),
  gid (6), mode (8), size in decimal (10), then the terminator '`' and a newline.
- name table: GNU's member `//`, the long names a name `/OFFSET` points into,
  each ended by '/' and a newline.
- BSD name: a name `#1/LENGTH`, whose LENGTH bytes open the member's data
  (and count in its size).
- symbol table: the linker's index (`/`, `/SYM64/`, `__.SYMDEF`), no member
  of its own: its bytes are searched with the archive's as stored
  (archive.outside).
"""

from __future__ import annotations

import io

from aws_key_guard.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO
    from typing import Final

_FIRST: Final = 8  # the first header follows the magic number, b'!<arch>\n'
_HEADER: Final = 60
_SIZE_AT: Final = 48
_TERMINATOR: Final = b'`\n'
_GNU_SYMBOLS: Final = (b'/', b'/SYM64/')
_BSD_SYMBOLS: Final = (b'__.SYMDEF', b'__.SYMDEF SORTED', b'__.SYMDEF_64', b'__.SYMDEF_64 SORTED')
# A BSD name longer than any path a system takes is no name but damage.
BSD_NAME_CAP: Final = 4096


class ArFault(Exception):
    """Why an ar archive cannot be read on, and the member it names ('' for the archive)."""

    def __init__(self, reason: str, member: str = '') -> None:
        super().__init__(reason)
        self.member = member


class ArMember(Record):
    """A member's name and its bytes, to be read before the next member is asked for."""

    name: str
    stream: IO[bytes]
    start: int  # where its bytes lie in the archive
    size: int


def read_members(held: IO[bytes], *, names_cap: int) -> Iterator[ArMember]:
    """The members of the ar archive `held` holds from its start, symbol tables left out.

    Raises ArFault where a header is damaged or declares more bytes than the
    archive holds, or where GNU's name table passes `names_cap` bytes.
    """
    end = held.seek(0, io.SEEK_END)
    at = _FIRST
    names = b''
    while at < end:
        header = _read_at(held, at, _HEADER)
        field = header[:16].rstrip(b' ')
        size = _size(header, at)
        start = at + _HEADER
        table = field == b'//' or field in _GNU_SYMBOLS
        skip = _bsd_length(field, size, at)  # a BSD name's bytes, before the member's
        name = b'' if table else _name(field, names, held, start, skip, at)
        if start + size > end:
            reason = f'damaged ar archive (member at byte {at} runs past its end)'
            raise ArFault(reason, _decode(name))
        if field == b'//':
            names = _names(held, start, size, names_cap)
        elif not table and name not in _BSD_SYMBOLS:
            stream = _Slice(held, start + skip, size - skip)
            # A RawIOBase reads as IO[bytes] does.
            yield ArMember(_decode(name), stream, start + skip, size - skip)  # type: ignore[arg-type]
        at = start + size + size % 2  # members start at even offsets


def _names(held: IO[bytes], start: int, size: int, cap: int) -> bytes:
    if size > cap:
        raise ArFault(
            f'ar archive names more than {cap >> 20} MiB of members, scanned as it is stored'
        )
    return _read_at(held, start, size)


def _read_at(held: IO[bytes], at: int, size: int) -> bytes:
    held.seek(at)
    data = held.read(size)
    if len(data) < size:
        raise ArFault(f'damaged ar archive (header at byte {at} is cut short)')
    return data


def _size(header: bytes, at: int) -> int:
    if header[_HEADER - 2 :] != _TERMINATOR:
        raise ArFault(f'damaged ar archive (header at byte {at} has no terminator)')
    digits = header[_SIZE_AT : _HEADER - 2].rstrip(b' ')
    if not digits.isdigit():  # bytes.isdigit() is ASCII only
        raise ArFault(f'damaged ar archive (header at byte {at} has no decimal size)')
    return int(digits)


def _bsd_length(field: bytes, size: int, at: int) -> int:
    if not (field.startswith(b'#1/') and field[3:].isdigit()):
        return 0
    length = int(field[3:])
    if length > min(size, BSD_NAME_CAP):
        raise ArFault(f'damaged ar archive (name at byte {at} is longer than its member)')
    return length


def _name(field: bytes, names: bytes, held: IO[bytes], start: int, skip: int, at: int) -> bytes:
    if skip:
        held.seek(start)
        return held.read(skip).rstrip(b'\0')  # BSD ar pads a name with NULs
    if field.startswith(b'/') and field[1:].isdigit():
        offset = int(field[1:])
        stop = names.find(b'\n', offset)
        if stop < 0:
            raise ArFault(f'damaged ar archive (name at byte {at} is not in the name table)')
        field = names[offset:stop]
    # GNU ends a name with '/', so that it may hold spaces; other ar programs pad it.
    return field.removesuffix(b'/')


def _decode(name: bytes) -> str:
    # As tarfile names members: undecodable bytes kept, shown escaped like any path.
    return name.decode('utf-8', 'surrogateescape')


class _Slice(io.RawIOBase):
    """`size` bytes of the archive from `start`, read forward."""

    def __init__(self, held: IO[bytes], start: int, size: int) -> None:
        self._held = held
        self._at = start
        self._left = size

    def read(self, size: int = -1) -> bytes:
        # As the archive's reads give them: no copy through a buffer.
        self._held.seek(self._at)
        data = self._held.read(self._left if size < 0 else min(size, self._left))
        self._at += len(data)
        self._left -= len(data)
        return data
