"""Paths as git stores them: symlinks, submodules, directories and standard input."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aws_key_guard._main import main
from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

BIN = Path(sys.executable).parent


def _pair(seed: int) -> tuple[str, bytes]:
    """A file's text holding a fresh pair, and its finding (at line 2) after the name."""
    key, secret = make_key_id(seed), make_secret(seed)
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    finding = (
        f':2:7: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID AKIA...{key[-4:]} at line 1\n'
    )
    return f'id = {key}\nkey = {secret}\n', finding.encode()


PAIR_TEXT, PAIR_FINDING = _pair(21)
OUTSIDE_TEXT, _ = _pair(22)  # what a symlink points at, never in git
SUB_TEXT, _ = _pair(23)  # in a submodule: another repository
IGNORED_TEXT, _ = _pair(24)
UNTRACKED_TEXT, UNTRACKED_FINDING = _pair(25)


def _run(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, '-m', 'aws_key_guard', *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def odd_repo(git_repo: Path, tmp_path: Path) -> Path:
    """A repository with the paths git stores as something other than a file's bytes."""
    sub = tmp_path / 'sub'
    sub.mkdir()
    git('init', '-q', cwd=sub)
    (sub / 'app.env').write_text(SUB_TEXT)
    git('add', '.', cwd=sub)
    git('commit', '-q', '--no-verify', '-m', 'sub', cwd=sub)
    git('-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', sub, 'lib/sub')
    (tmp_path / 'outside.env').write_text(OUTSIDE_TEXT)
    (git_repo / 'docs').mkdir()
    (git_repo / 'docs' / 'readme.txt').write_text('nothing here\n')
    (git_repo / 'conf').mkdir()
    (git_repo / 'conf' / 'a b.env').write_text(PAIR_TEXT)
    (git_repo / 'dangling').symlink_to('no-such-file')
    (git_repo / 'to-docs').symlink_to('docs')
    (git_repo / 'outside.env').symlink_to(tmp_path / 'outside.env')
    (git_repo / '.gitignore').write_text('ignored.env\n')
    git('add', '.')
    (git_repo / 'ignored.env').write_text(IGNORED_TEXT)
    return git_repo


def test_tree_repository_reports_only_what_git_holds(odd_repo, capsysbinary):
    (odd_repo / 'new.env').write_text(UNTRACKED_TEXT)  # untracked, not ignored: scanned
    note = b'aws-key-guard: note: submodules are not scanned here: lib/sub\n'
    assert main(['.']) == 1
    assert capsysbinary.readouterr() == (
        b'conf/a b.env' + PAIR_FINDING + b'new.env' + UNTRACKED_FINDING,
        note + next_steps('2 blocking findings in 2 files'),
    )
    # A directory given as it is written: its files are named below it.
    assert main(['./conf/', 'lib', 'to-docs', 'dangling']) == 1
    blocked = note + next_steps('1 blocking finding in 1 file')
    assert capsysbinary.readouterr() == (b'conf/a b.env' + PAIR_FINDING, blocked)
    assert main(['lib/sub', 'docs', 'outside.env']) == 0
    assert capsysbinary.readouterr() == (b'', note)
    # A tracked file deleted from the work tree has nothing on disk to scan.
    (odd_repo / 'conf' / 'a b.env').unlink()
    (odd_repo / 'new.env').unlink()
    assert main(['lib/sub', '.']) == 0
    assert capsysbinary.readouterr() == (b'', note.replace(b'sub\n', b'sub, lib/sub\n'))


def test_tree_without_git_is_an_error(odd_repo, tmp_path, monkeypatch, capsysbinary):
    monkeypatch.setenv('PATH', str(tmp_path / 'no-git-here'))
    assert main(['.']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: cannot run git: No such file or directory\n',
    )


def test_tree_repository_through_xargs_and_from_a_subdirectory(odd_repo):
    env = {**os.environ, 'PATH': f'{BIN}{os.pathsep}{os.environ["PATH"]}'}

    def shell(command: str) -> tuple[int, bytes, bytes]:
        done = subprocess.run(['bash', '-c', command], capture_output=True, env=env, check=False)
        return done.returncode, done.stdout, done.stderr

    note = b'aws-key-guard: note: submodules are not scanned here: lib/sub\n'
    # Every name git lists, in one run: the pair blocks, nothing else is an error.
    every = 'mapfile -d "" files < <(git ls-files -z); aws-key-guard "${files[@]}"'
    blocked = note + next_steps('1 blocking finding in 1 file')
    assert shell(every) == (1, b'conf/a b.env' + PAIR_FINDING, blocked)
    # xargs exits 123 when a run exits 1 to 125, so only a clean repository shows 0.
    assert shell('git ls-files -z | xargs -0 aws-key-guard') == (
        123,
        b'conf/a b.env' + PAIR_FINDING,
        blocked,
    )
    git('rm', '-q', '--cached', 'conf/a b.env')
    assert shell('git ls-files -z | xargs -0 aws-key-guard') == (0, b'', note)
    git('add', 'conf')
    done = _run('..', cwd=odd_repo / 'docs')
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        b'../conf/a b.env' + PAIR_FINDING,
        b'aws-key-guard: note: submodules are not scanned here: ../lib/sub\n'
        + next_steps('1 blocking finding in 1 file'),
    )
    # Inside the submodule, the submodule is the repository.
    done = _run('.', cwd=odd_repo / 'lib' / 'sub')
    blocked = next_steps('1 blocking finding in 1 file')
    assert (done.returncode, done.stdout[:7], done.stderr) == (1, b'app.env', blocked)


def test_tree_symlink_is_judged_by_its_target_name(odd_repo, capsysbinary):
    key = make_key_id(26)
    os.symlink(f'keys/{key}', odd_repo / 'named')
    lone = f'named:1:6: AKG003 AWS access key ID AKIA...{key[-4:]} with no secret\n'
    assert main(['named', 'outside.env', 'dangling', 'to-docs']) == 0
    assert capsysbinary.readouterr() == (lone.encode(), b'')


def test_tree_outside_git_walks_every_file_but_dot_git(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.setenv('GIT_CEILING_DIRECTORIES', str(tmp_path))
    tree = tmp_path / 'tree'
    (tree / 'a' / 'b').mkdir(parents=True)
    (tree / '.git').mkdir()  # not a repository: git ignores it, the walk skips it
    (tree / '.git' / 'config.env').write_text(IGNORED_TEXT)
    (tree / 'a' / 'b' / 'c.env').write_text(PAIR_TEXT)
    (tree / 'a' / 'z.txt').write_text(UNTRACKED_TEXT)
    (tmp_path / 'outside.env').write_text(OUTSIDE_TEXT)
    (tree / 'a' / 'link.env').symlink_to(tmp_path / 'outside.env')
    (tree / 'a' / 'up').symlink_to('..')
    os.mkfifo(tree / 'a' / 'fifo')  # neither a file nor a symlink: not opened
    monkeypatch.chdir(tmp_path)
    assert main(['tree']) == 1
    assert capsysbinary.readouterr() == (
        b'tree/a/b/c.env' + PAIR_FINDING + b'tree/a/z.txt' + UNTRACKED_FINDING,
        next_steps('2 blocking findings in 2 files'),
    )
    monkeypatch.chdir(tree / 'a')
    assert main(['.', 'b/']) == 1
    assert capsysbinary.readouterr() == (
        b'b/c.env' + PAIR_FINDING + b'z.txt' + UNTRACKED_FINDING + b'b/c.env' + PAIR_FINDING,
        next_steps('3 blocking findings in 2 files'),
    )


def test_tree_directory_that_cannot_be_listed_is_an_error(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.setenv('GIT_CEILING_DIRECTORIES', str(tmp_path))
    monkeypatch.chdir(tmp_path)
    # Nested deeper than a path may be long: the walk cannot name the deepest.
    name = 'd' * 250
    levels = os.pathconf('.', 'PC_PATH_MAX') // (len(name) + 1) + 1
    fd = os.open('.', os.O_RDONLY)
    for _ in range(levels):
        os.mkdir(name, dir_fd=fd)
        below = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)
    assert main([name]) == 2
    too_long = '/'.join([name] * levels)
    assert capsysbinary.readouterr() == (
        b'',
        f'aws-key-guard: error: {too_long}: File name too long\n'.encode(),
    )


def test_tree_repository_git_cannot_list_is_an_error(git_repo, capsysbinary):
    (git_repo / 'app.env').write_text(PAIR_TEXT)
    git('add', '.')
    for directory, why in (('.git', 'this operation must be run in a work tree'), ('.', None)):
        if why is None:
            (git_repo / '.git' / 'index').write_bytes(b'DIRC broken')
        assert main([directory]) == 2
        out, err = capsysbinary.readouterr()
        assert out == b''
        assert err.startswith(f'aws-key-guard: error: git ls-files in {directory}: '.encode())
        assert err.count(b'\n') == 1
        assert why is None or err.endswith(f'fatal: {why}\n'.encode())


def test_stdin_is_read_for_a_dash(tmp_path):
    done = _run('-', cwd=tmp_path, stdin=PAIR_TEXT.encode())
    blocked = next_steps('1 blocking finding in 1 file')
    assert (done.returncode, done.stdout, done.stderr) == (1, b'<stdin>' + PAIR_FINDING, blocked)
    # A file named `-` is that file, as pre-commit would pass it.
    (tmp_path / '-').write_text(UNTRACKED_TEXT)
    done = _run('-', cwd=tmp_path, stdin=PAIR_TEXT.encode())
    blocked = next_steps('1 blocking finding in 1 file')
    assert (done.returncode, done.stdout, done.stderr) == (1, b'-' + UNTRACKED_FINDING, blocked)


def test_stdin_in_process(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pair.env').write_text(PAIR_TEXT)
    saved = os.dup(0)
    try:
        with open(tmp_path / 'pair.env', 'rb') as f:
            os.dup2(f.fileno(), 0)
        assert main(['-']) == 1
        blocked = next_steps('1 blocking finding in 1 file')
        assert capsysbinary.readouterr() == (b'<stdin>' + PAIR_FINDING, blocked)
        fd = os.open(tmp_path, os.O_RDONLY)  # reading a directory fails
        os.dup2(fd, 0)
        os.close(fd)
        assert main(['-']) == 2
        assert capsysbinary.readouterr() == (
            b'<stdin>:1:1: AKG900 cannot scan file: Is a directory\n',
            b'',
        )
    finally:
        os.dup2(saved, 0)
        os.close(saved)


def test_stdin_cannot_be_written_to_a_baseline(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as raised:
        main(['--write-baseline', 'b.json', '-'])
    assert raised.value.code == 2
    assert capsys.readouterr().err.endswith(
        'error: --write-baseline reads FILEs from disk, not standard input\n'
    )


def test_tree_directory_in_a_baseline(odd_repo, capsysbinary):
    assert main(['--write-baseline', 'b.json', '.']) == 0
    capsysbinary.readouterr()
    assert main(['--baseline', 'b.json', '.']) == 0
