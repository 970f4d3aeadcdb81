"""A cheap look at the current directory: could a configuration or baseline apply here?"""

from __future__ import annotations

import posix

from aws_key_guard.error import ScanError
from aws_key_guard.files import CONFIG_MAX
from aws_key_guard.files import read_capped
from aws_key_guard.system import lexists

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

PYPROJECT: Final = 'pyproject.toml'
OWN_FILE: Final = '.aws-key-guard.toml'
DEFAULT_BASELINE: Final = '.aws-key-guard-baseline.json'  # read when present
_NAME: Final = b'aws-key-guard'


def mentions_table(data: bytes) -> bool:
    """True if `tool.aws-key-guard` is spelled out (in any TOML spacing or quoting)."""
    # Parsing TOML costs more than the whole scan of a small commit.
    pos = data.find(_NAME)
    while pos != -1:
        before = data[max(0, pos - 16) : pos].rstrip(b' \t"\'')
        if before.endswith(b'.') and before[:-1].rstrip(b' \t').endswith(b'tool'):
            return True
        pos = data.find(_NAME, pos + 1)
    return False


def top_level() -> str:
    """The repository's top level (nearest directory up holding `.git`) from here, else ''."""
    # Walked up by hand: `git rev-parse` would cost a process on every commit,
    # and pre-commit runs the hook at the top level, where one look finds it.
    if lexists('.git'):
        return ''
    try:
        names = posix.getcwd().split('/')[1:]  # '/a/b' -> ['a', 'b']
    except OSError:
        return ''
    for up in range(1, len(names) + 1):
        if lexists('/'.join(['', *names[:-up], '.git'])):
            return '/'.join(['..'] * up)
    return ''  # not in a repository: the current directory


def defaults_apply() -> bool:
    """True when no configuration or baseline file applies here: every setting is its default."""
    top = top_level()
    at_top = top + '/' if top else ''
    if lexists(at_top + OWN_FILE) or lexists(at_top + DEFAULT_BASELINE):
        return False
    try:
        data = read_capped(at_top + PYPROJECT, CONFIG_MAX)
    except ScanError:
        return False  # the configuration reader will say why it cannot be read
    return data is None or not mentions_table(data)
