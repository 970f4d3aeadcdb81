"""`--staged` with a clean filter: the worktree file is scanned too, as pre-commit would."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from aws_key_guard._main import main
from aws_key_guard.intake import Blob
from aws_key_guard.intake import staged_blobs
from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

KEY = make_key_id(13)
SECRET = make_secret(13)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
PAIR_TEXT = f'id = {KEY}\naws_secret_access_key = {SECRET}\n'
# A real clean filter, as Git LFS's: what git stores is a pointer, not the file.
POINTER = 'version https://git-lfs.github.com/spec/v1\n'

ONE_BLOCKING = next_steps('1 blocking finding in 1 file')


def _finding(path: str) -> bytes:
    return (
        f'{path}:2:25: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line 1\n'
    ).encode()


def _oid(path: str) -> str:
    return git('rev-parse', f':{path}').strip()


def _filtered(repo: Path) -> None:
    git('config', 'filter.pointer.clean', f"cat >/dev/null; printf '{POINTER}'")
    (repo / '.gitattributes').write_text('*.env filter=pointer\n*.bin filter=unset-driver\n')
    (repo / 'sub').mkdir()
    (repo / 'sub/app.env').write_text(PAIR_TEXT)
    git('add', '.')
    assert git('cat-file', 'blob', ':sub/app.env') == POINTER


def test_staged_scans_the_worktree_file_a_clean_filter_hides(git_repo, capsysbinary):
    _filtered(git_repo)
    assert main(['--staged']) == 1
    assert capsysbinary.readouterr() == (_finding('sub/app.env'), ONE_BLOCKING)
    assert main(['--staged', 'sub/app.env']) == 1
    assert capsysbinary.readouterr() == (_finding('sub/app.env'), ONE_BLOCKING)


def test_staged_worktree_paths_are_relative_to_where_it_runs(git_repo, monkeypatch, capsysbinary):
    _filtered(git_repo)
    monkeypatch.chdir(git_repo / 'sub')
    assert main(['--staged']) == 1
    assert capsysbinary.readouterr() == (_finding('app.env'), ONE_BLOCKING)


def test_staged_blobs_add_the_worktree_file_only_where_it_differs(git_repo):
    _filtered(git_repo)
    # A filter named with no driver stores the file as it is: one scan is enough.
    (git_repo / 'same.bin').write_text('plain\n')
    # Filters apply to regular files only; one gone from the worktree has nothing to add.
    (git_repo / 'gone.env').write_text('x\n')
    os.symlink('sub/app.env', git_repo / 'link.env')
    # git reads hash-object's paths a line each: such a name is scanned again.
    (git_repo / 'n\nl.bin').write_text('plain\n')
    git('add', '.')
    (git_repo / 'gone.env').unlink()
    assert staged_blobs([]) == [
        Blob('.gitattributes', _oid('.gitattributes')),
        Blob('gone.env', _oid('gone.env')),
        Blob('link.env', _oid('link.env'), '120000'),
        Blob('n\nl.bin', _oid('n\nl.bin')),
        Blob('n\nl.bin', None),
        Blob('same.bin', _oid('same.bin')),
        Blob('sub/app.env', _oid('sub/app.env')),
        Blob('sub/app.env', None),
    ]
    assert staged_blobs(['same.bin', 'sub/app.env', 'gone.env']) == [
        Blob('same.bin', _oid('same.bin')),
        Blob('sub/app.env', _oid('sub/app.env')),
        Blob('sub/app.env', None),
        Blob('gone.env', _oid('gone.env')),
    ]
