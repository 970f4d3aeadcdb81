"""Read a file on disk as fixed-size chunks: the hook's everyday intake, light to import."""

from __future__ import annotations

import os
import stat

from aws_key_guard.detect import CHUNK_SIZE
from aws_key_guard.error import ScanError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

_KINDS = (
    (stat.S_ISDIR, 'a directory'),
    (stat.S_ISFIFO, 'a FIFO'),
    (stat.S_ISSOCK, 'a socket'),
    (stat.S_ISCHR, 'a character device'),
    (stat.S_ISBLK, 'a block device'),
)


def _refuse_special(mode: int) -> None:
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _KINDS if test(mode)), 'not a regular file')
        raise ScanError(f'{what}, not a regular file')


def read_chunks(filename: str, *, _chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield a regular file's bytes; raise ScanError for anything else."""
    try:
        # Look before opening: opening a FIFO can wait for a writer, and opening
        # a device can act on it (a tape rewinds, a watchdog arms).
        _refuse_special(os.stat(filename).st_mode)
        fd = os.open(filename, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as e:
        raise ScanError(e.strerror) from None
    try:
        # The name may have been replaced since it was looked at.
        _refuse_special(os.fstat(fd).st_mode)
        while chunk := os.read(fd, _chunk_size):
            yield chunk
    except OSError as e:
        raise ScanError(e.strerror) from None
    finally:
        os.close(fd)
