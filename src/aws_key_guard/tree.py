"""Directory arguments: the files under a directory, as git would consider them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import NamedTuple

from aws_key_guard.error import ScanError

if TYPE_CHECKING:
    import subprocess

# The name standard input is reported under when `-` is given.
STDIN_NAME = '<stdin>'


class Expanded(NamedTuple):
    filenames: list[str]  # files, symlinks and names that are not there, in order
    submodules: list[str]  # other repositories found where files were asked for


def is_stdin(filename: str) -> bool:
    """`-` is standard input unless a file of that name exists (pre-commit passes only files)."""
    return filename == '-' and not os.path.lexists(filename)


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    import subprocess

    try:
        return subprocess.run(['git', *args], capture_output=True, check=False)  # noqa: S603, S607
    except OSError as e:
        raise ScanError(f'cannot run git: {e.strerror}') from None


def _toplevel() -> str | None:
    """The top of the work tree the current directory is in, if any."""
    done = _git('rev-parse', '--show-toplevel')
    if done.returncode:
        return None
    return os.path.realpath(os.fsdecode(done.stdout.rstrip(b'\n')))


def _joined(directory: str, below: str) -> str:
    # The directory as given, then the path below it; a leading `./` is dropped,
    # so `.` names files as `git ls-files` does.
    name = os.path.join(directory, below)
    while name.startswith('./'):
        name = name[2:].lstrip('/')
    return name


def _git_files(directory: str) -> list[str] | None:
    """What git would consider under directory (tracked, untracked not ignored), or None."""
    listed = _git('-C', directory, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
    if listed.returncode:
        if _git('-C', directory, 'rev-parse', '--git-dir').returncode:
            return None  # not in a repository: walk it
        # In a repository, yet git cannot list it (inside .git, a broken index): say why.
        lines = listed.stderr.decode(errors='replace').strip().splitlines() or ['failed']
        raise ScanError(f'git ls-files in {directory}: {lines[-1]}')
    # Tracked files come before untracked ones, and a merge conflict lists a path once a stage.
    return sorted({os.fsdecode(p) for p in listed.stdout.split(b'\0') if p})


def _walk(directory: str) -> Iterator[str]:
    """Every regular file and symlink under directory, below it, never in .git."""
    pending = ['']
    while pending:
        below = pending.pop()
        name = os.path.join(directory, below) if below else directory
        try:
            with os.scandir(name) as entries:
                found = list(entries)
        except OSError as e:
            raise ScanError(f'{_joined(directory, below)}: {e.strerror}') from None
        for entry in found:
            if entry.name == '.git':
                continue
            path = os.path.join(below, entry.name)
            if entry.is_symlink() or entry.is_file(follow_symlinks=False):
                yield path
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
            # FIFOs, sockets and devices are not files a repository could hold.


def _expand(directory: str, expanded: Expanded) -> None:
    below = _git_files(directory)
    if below is None:
        expanded.filenames.extend(_joined(directory, p) for p in sorted(_walk(directory)))
        return
    for path in below:
        name = _joined(directory, path.rstrip('/'))
        try:
            mode = os.lstat(name).st_mode
        except FileNotFoundError:
            continue  # deleted from the work tree: nothing there to scan
        if stat.S_ISDIR(mode):
            expanded.submodules.append(name)  # a gitlink, or a repository not yet added
        else:
            expanded.filenames.append(name)


def expand_directories(filenames: Sequence[str]) -> Expanded:
    """Each directory replaced by the files under it, in order; other names kept as given.

    In a git work tree these are the files git would consider; elsewhere every
    regular file and symlink. A directory holding `.git` inside the current
    repository is a submodule: another repository, set aside.
    """
    expanded = Expanded([], [])
    top: list[str | None] = []  # asked of git once, on the first repository met
    for filename in filenames:
        try:
            mode = os.lstat(filename).st_mode
        except OSError:
            mode = 0  # the scan says why
        if not stat.S_ISDIR(mode):
            expanded.filenames.append(filename)  # a symlink to a directory included
            continue
        if os.path.lexists(os.path.join(filename, '.git')):
            if not top:
                top.append(_toplevel())
            real = os.path.realpath(filename)
            if top[0] is not None and real.startswith(os.path.join(top[0], '')):
                expanded.submodules.append(filename)
                continue
        _expand(filename, expanded)
    return expanded
