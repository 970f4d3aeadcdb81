"""What every commit asks of the system, through `posix` rather than `os`.

Importing `os` costs about 2 ms (it builds os.environ and loads posixpath and
_collections_abc), a tenth of a clean commit. The modules on the everyday
path (files, probe, workers, the entry) call `posix`, which is built in and
whose functions os only re-exports, and these three helpers for what os
would add. The rest of the package uses os as usual.
"""

from __future__ import annotations

import posix
import sys


def lexists(path: str) -> bool:
    """True if path names anything, a broken symlink included (os.path.lexists)."""
    try:
        posix.lstat(path)
    except (OSError, ValueError):
        return False
    return True


def getenv(name: str) -> str | None:
    """The environment variable's value (os.environ.get).

    Once os is imported, os.environ is the truth: it may have been changed
    since start-up, which posix.environ, read once then, does not show.
    """
    os = sys.modules.get('os')
    if os is not None:
        value: str | None = os.environ.get(name)
        return value
    raw = posix.environ.get(fsencode(name))
    return None if raw is None else raw.decode(sys.getfilesystemencoding(), 'surrogateescape')


def fsencode(name: str) -> bytes:
    """A file name's bytes, as the file system has them (os.fsencode)."""
    return name.encode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
