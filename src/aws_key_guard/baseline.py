"""The baseline file: known findings by (path, code, fingerprint), never by line."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from contextlib import suppress
from typing import Final
from typing import NamedTuple

from aws_key_guard.error import ScanError
from aws_key_guard.fingerprint import is_fingerprint
from aws_key_guard.model import Code
from aws_key_guard.model import Finding

VERSION: Final = 1
_CODES: Final = frozenset(code.value for code in Code if code is not Code.UNSCANNABLE)
_FIELDS: Final = ('path', 'code', 'fingerprint')


class BaselineEntry(NamedTuple):
    path: str
    code: str
    fingerprint: str


def normalize_path(filename: str) -> str:
    """The path as the baseline stores it: normalized, with forward slashes."""
    return os.path.normpath(filename).replace(os.sep, '/')


def entry_for(filename: str, finding: Finding) -> BaselineEntry:
    assert finding.fingerprint is not None  # noqa: S101 -- every finding but AKG900 has a value
    return BaselineEntry(normalize_path(filename), finding.code.value, finding.fingerprint)


def render_baseline(entries: Iterable[BaselineEntry]) -> str:
    """Sorted JSON with one entry per line, so branches that add entries merge cleanly."""
    import json

    lines = [f'    {json.dumps(e._asdict())}' for e in sorted(set(entries))]
    body = ',\n'.join(lines) + '\n' if lines else ''
    return f'{{\n  "version": {VERSION},\n  "entries": [\n{body}  ]\n}}\n'


def load_baseline(filename: str) -> frozenset[BaselineEntry]:
    """Read and check a baseline; anything unexpected is a ScanError, never a pass."""
    import json

    from aws_key_guard.files import BASELINE_MAX
    from aws_key_guard.files import read_capped

    try:
        data = read_capped(filename, BASELINE_MAX)
    except ScanError as e:
        raise ScanError(f'cannot read baseline {filename}: {e}') from None
    if data is None:
        raise ScanError(f'cannot read baseline {filename}: {os.strerror(errno.ENOENT)}')
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise ScanError(f'baseline {filename} is not valid JSON: {e}') from None
    if (
        not isinstance(doc, dict)
        or doc.get('version') != VERSION
        or set(doc)
        != {
            'version',
            'entries',
        }
    ):
        raise ScanError(
            f'baseline {filename}: expected an object with "version": {VERSION} and "entries"'
        )
    entries = doc['entries']
    if not isinstance(entries, list):
        raise ScanError(f'baseline {filename}: "entries" must be a list')
    return frozenset(_entry(filename, i, e) for i, e in enumerate(entries, 1))


def _entry(filename: str, number: int, item: object) -> BaselineEntry:
    if not isinstance(item, dict) or sorted(item) != sorted(_FIELDS):
        raise ScanError(
            f'baseline {filename}: entry {number} must have exactly "path", "code", "fingerprint"'
        )
    path, code, fp = (item[field] for field in _FIELDS)
    if not isinstance(path, str) or not path:
        raise ScanError(f'baseline {filename}: entry {number}: "path" must be a file name')
    if code not in _CODES:
        raise ScanError(f'baseline {filename}: entry {number}: unknown code')
    if not isinstance(fp, str) or not is_fingerprint(fp):
        raise ScanError(
            f'baseline {filename}: entry {number}: "fingerprint" must be sha256: and 12 hex digits'
        )
    return BaselineEntry(path, code, fp)


@contextmanager
def locked(filename: str) -> Iterator[None]:
    """Hold the baseline's directory locked: one writer reads, merges and writes at a time."""
    import fcntl

    # The directory, not a lock file: a repository could commit that file as a
    # link, and a lock on a directory needs nothing written.
    try:
        fd = os.open(os.path.dirname(filename) or '.', os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise ScanError(f'cannot write baseline {filename}: {e.strerror}') from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # the lock goes with it


def write_baseline(filename: str, entries: Iterable[BaselineEntry]) -> None:
    """Replace the file at once, so an interrupted write leaves the old baseline."""
    import tempfile

    # A new file of our own beside it, never a fixed name: a fixed name could
    # be a link to anywhere, committed by whoever wrote the repository.
    directory, name = os.path.split(filename)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f'.{name}.', suffix='.tmp', dir=directory or '.')
    except OSError as e:
        raise ScanError(f'cannot write baseline {filename}: {e.strerror}') from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as any new file, not mkstemp's owner-only mode
        with open(fd, 'w', encoding='ascii', newline='\n') as f:
            f.write(render_baseline(entries))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, filename)
    except OSError as e:
        with suppress(OSError):
            os.unlink(temporary)
        raise ScanError(f'cannot write baseline {filename}: {e.strerror}') from None
