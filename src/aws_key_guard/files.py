"""Read a file on disk as fixed-size chunks: the hook's everyday intake, light to import."""

from __future__ import annotations

import posix
from _stat import S_ISBLK
from _stat import S_ISCHR
from _stat import S_ISDIR
from _stat import S_ISFIFO
from _stat import S_ISLNK
from _stat import S_ISREG
from _stat import S_ISSOCK

from aws_key_guard.error import ScanError
from aws_key_guard.system import fsencode
from aws_key_guard.window import CHUNK_SIZE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Final

_KINDS = (
    (S_ISDIR, 'a directory'),
    (S_ISFIFO, 'a FIFO'),
    (S_ISSOCK, 'a socket'),
    (S_ISCHR, 'a character device'),
    (S_ISBLK, 'a block device'),
)


# O_NOFOLLOW: a name that became a symlink since it was looked at is not followed.
_OPEN: Final = posix.O_RDONLY | posix.O_NONBLOCK | posix.O_NOCTTY
_FLAGS: Final = _OPEN | posix.O_NOFOLLOW


def _refuse_special(mode: int) -> None:
    if not S_ISREG(mode):
        what = next((name for test, name in _KINDS if test(mode)), 'not a regular file')
        raise ScanError(f'{what}, not a regular file')


def read_chunks(filename: str, *, _chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield a regular file's bytes, or a symlink's target name; ScanError for anything else."""
    try:
        # Look before opening: opening a FIFO can wait for a writer, and opening
        # a device can act on it (a tape rewinds, a watchdog arms).
        mode = posix.lstat(filename).st_mode
        if S_ISLNK(mode):
            # Git stores a symlink as its target's name, and so it is judged:
            # never followed, whether the target is missing, a directory or
            # a file outside the repository.
            target = posix.readlink(fsencode(filename))
        else:
            _refuse_special(mode)
            fd = posix.open(filename, _FLAGS)
    except OSError as e:
        raise ScanError(e.strerror) from None
    if S_ISLNK(mode):
        yield target
        return
    try:
        # The name may have been replaced since it was looked at.
        status = posix.fstat(fd)
        _refuse_special(status.st_mode)
        size = 0
        while chunk := posix.read(fd, _chunk_size):
            yield chunk
            size += len(chunk)
            # A short read that reaches the size opened is the end: most files
            # cost one read, not a second that finds nothing. Short of the size
            # (a FUSE file may read short), or with none given, read on.
            if len(chunk) < _chunk_size and size >= status.st_size > 0:
                break
    except OSError as e:
        raise ScanError(e.strerror) from None
    finally:
        posix.close(fd)


# Generous caps for the configuration and baseline, read on every commit: a
# configuration is a few hundred bytes, a baseline entry about 100 bytes.
CONFIG_MAX = 1 << 20
BASELINE_MAX = 64 << 20


def read_capped(filename: str, cap: int) -> bytes | None:
    """A regular file's bytes, None if it does not exist; ScanError if special or over cap."""
    try:
        _refuse_special(posix.stat(filename).st_mode)
        fd = posix.open(filename, _OPEN)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ScanError(e.strerror) from None
    try:
        _refuse_special(posix.fstat(fd).st_mode)
        parts = []
        size = 0
        # One byte past the cap tells a file at the cap from a larger one.
        while size <= cap and (part := posix.read(fd, cap + 1 - size)):
            parts.append(part)
            size += len(part)
    except OSError as e:
        raise ScanError(e.strerror) from None
    finally:
        posix.close(fd)
    if size > cap:
        raise ScanError(f'larger than {cap >> 20} MiB')
    return b''.join(parts)


def read_stdin(*, _chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield standard input's bytes as they arrive."""
    try:
        while chunk := posix.read(0, _chunk_size):
            yield chunk
    except OSError as e:
        raise ScanError(e.strerror) from None
