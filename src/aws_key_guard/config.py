"""Configuration from `[tool.aws-key-guard]` in pyproject.toml or from .aws-key-guard.toml."""

from __future__ import annotations

import errno
import os
import sys
from typing import TYPE_CHECKING
from typing import NamedTuple

from aws_key_guard.error import ScanError
from aws_key_guard.fingerprint import is_fingerprint
from aws_key_guard.marker import mask_runs

# The file names and the cheap look for our table live where a clean commit can use them.
from aws_key_guard.probe import OWN_FILE
from aws_key_guard.probe import PYPROJECT
from aws_key_guard.probe import mentions_table

if TYPE_CHECKING:
    import re


class Config(NamedTuple):
    source: str | None = None  # where it was read, for messages
    exclude: re.Pattern[str] | None = None
    pair_window: int | None = None
    block_lone_key_ids: bool = False
    baseline: str | None = None
    allow_fingerprints: frozenset[str] = frozenset()
    foreign_markers: bool = True


def _read(filename: str) -> bytes | None:
    from aws_key_guard.files import CONFIG_MAX
    from aws_key_guard.files import read_capped

    try:
        return read_capped(filename, CONFIG_MAX)
    except ScanError as e:
        raise ScanError(f'cannot read {filename}: {e}') from None


def _parse(filename: str, data: bytes) -> dict[str, object]:
    if sys.version_info >= (3, 11):  # pragma: >=3.11 cover
        import tomllib
    else:  # pragma: <3.11 cover
        import tomli as tomllib

    try:
        return tomllib.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ScanError(f'{filename} is not valid TOML: {e}') from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise ScanError(f'{filename} is nested too deeply to read') from None


def _project_table(filename: str, data: bytes) -> dict[str, object] | None:
    tool = _parse(filename, data).get('tool')
    table = tool.get('aws-key-guard') if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ScanError(f'{filename}: tool.aws-key-guard must be a table')
    return table


def load_config(directory: str = '') -> Config:
    """The configuration in `directory` (the repository's top level); defaults when none."""
    own_file = os.path.join(directory, OWN_FILE)
    pyproject = os.path.join(directory, PYPROJECT)
    own = _read(own_file)
    project = _read(pyproject)
    table = _project_table(pyproject, project) if project and mentions_table(project) else None
    if own is not None:
        if table is not None:
            raise ScanError(f'configuration in both {own_file} and {pyproject}: keep one')
        return _build(own_file, _parse(own_file, own), directory)
    if table is not None:
        return _build(f'{pyproject} [tool.aws-key-guard]', table, directory)
    return Config()


def load_config_file(filename: str) -> Config:
    """The configuration in a file named on the command line; it must be there."""
    data = _read(filename)
    if data is None:
        raise ScanError(f'cannot read {filename}: {os.strerror(errno.ENOENT)}')
    directory = os.path.dirname(filename)
    if os.path.basename(filename) != PYPROJECT:
        return _build(filename, _parse(filename, data), directory)
    table = _project_table(filename, data)
    if table is None:
        raise ScanError(f'{filename} has no [tool.aws-key-guard] table')
    return _build(f'{filename} [tool.aws-key-guard]', table, directory)


# Every key a configuration may hold, for a suggestion when one is mistyped.
_KEYS = (
    'exclude',
    'pair-window',
    'block-lone-key-ids',
    'foreign-markers',
    'baseline',
    'allow-fingerprints',
)


def _build(source: str, table: dict[str, object], directory: str = '') -> Config:
    # File names in it are relative to the directory it is in.
    config = Config(source=source)
    for key, value in table.items():
        if key == 'exclude':
            config = config._replace(exclude=_compile(source, value))
        elif key == 'pair-window':
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _wrong(source, key, 'a whole number of lines, 0 or more')
            config = config._replace(pair_window=value)
        elif key == 'block-lone-key-ids':
            config = config._replace(block_lone_key_ids=_flag(source, key, value))
        elif key == 'foreign-markers':
            config = config._replace(foreign_markers=_flag(source, key, value))
        elif key == 'baseline':
            if not isinstance(value, str) or not value:
                raise _wrong(source, key, 'a file name')
            config = config._replace(baseline=os.path.join(directory, value))
        elif key == 'allow-fingerprints':
            if not isinstance(value, list) or not all(
                isinstance(v, str) and is_fingerprint(v) for v in value
            ):
                raise _wrong(source, key, 'a list of fingerprints such as "sha256:1f2e3d4c5b6a"')
            config = config._replace(allow_fingerprints=frozenset(value))
        else:
            import difflib

            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise ScanError(f'{source}: unknown key {mask_runs(key)!r}{hint}')
    return config


def _wrong(source: str, key: str, expected: str) -> ScanError:
    # The value itself is left out: it might be a pasted credential.
    return ScanError(f'{source}: {key} must be {expected}')


def _flag(source: str, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _wrong(source, key, 'true or false')
    return value


def _compile(source: str, value: object) -> re.Pattern[str]:
    import re

    if not isinstance(value, str):
        raise _wrong(source, 'exclude', 'a regular expression in a string')
    try:
        return re.compile(value)
    except re.error as e:
        raise ScanError(f'{source}: exclude is not a valid regular expression: {e}') from None
