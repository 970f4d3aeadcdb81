from __future__ import annotations

import errno
import os
import posix
import socket
from pathlib import Path

import pytest

from aws_key_guard.error import ScanError
from aws_key_guard.files import read_chunks
from aws_key_guard.intake import COMMIT_MESSAGE
from aws_key_guard.intake import TAG_MESSAGE
from aws_key_guard.intake import Blob
from aws_key_guard.intake import blob_tags
from aws_key_guard.intake import file_tags
from aws_key_guard.intake import history_blobs
from aws_key_guard.intake import pushed_blobs
from aws_key_guard.intake import ref_update_blobs
from aws_key_guard.intake import staged_blobs
from tests.conftest import git


def test_read_chunks_splits_into_fixed_sizes(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'0123456789')
    assert list(read_chunks(str(path), _chunk_size=4)) == [b'0123', b'4567', b'89']


def _counting_reads(monkeypatch: pytest.MonkeyPatch, reads: list[int], short: bool = False) -> None:
    real = posix.read

    def read(fd: int, size: int) -> bytes:
        reads.append(size)
        return real(fd, size - 1 if short and size > 1 else size)

    monkeypatch.setattr(posix, 'read', read)


def test_read_chunks_stops_at_a_short_read_that_reaches_the_size(tmp_path, monkeypatch):
    path = tmp_path / 'f'
    path.write_bytes(b'0123456789')
    reads: list[int] = []
    _counting_reads(monkeypatch, reads)
    assert list(read_chunks(str(path), _chunk_size=4)) == [b'0123', b'4567', b'89']
    assert reads == [4, 4, 4]  # no fourth read to find the end


def test_read_chunks_reads_on_past_a_short_read_before_the_size(tmp_path, monkeypatch):
    # A file system may answer a read with fewer bytes than asked, well before the end.
    path = tmp_path / 'f'
    path.write_bytes(b'0123456789')
    reads: list[int] = []
    _counting_reads(monkeypatch, reads, short=True)
    assert list(read_chunks(str(path), _chunk_size=4)) == [b'012', b'345', b'678', b'9']
    assert reads == [4, 4, 4, 4]


def test_read_chunks_reads_a_file_of_no_stated_size_to_its_end(monkeypatch):
    # /proc files say they are empty and are not.
    reads: list[int] = []
    _counting_reads(monkeypatch, reads)
    data = b''.join(read_chunks('/proc/self/status', _chunk_size=1 << 16))
    assert data.startswith(b'Name:')
    assert reads == [1 << 16, 1 << 16]


def test_read_chunks_empty_file(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'')
    assert list(read_chunks(str(path))) == []


def _fifo(path):
    os.mkfifo(path)


def _socket(path):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))


@pytest.mark.parametrize(
    ('make', 'reason'),
    [
        (lambda p: None, 'No such file or directory'),
        (os.mkdir, 'a directory, not a regular file'),
        (_fifo, 'a FIFO, not a regular file'),
        (_socket, 'a socket, not a regular file'),
    ],
)
def test_read_chunks_refuses_what_is_not_a_regular_file(tmp_path, make, reason):
    path = tmp_path / 'thing'
    make(path)
    with pytest.raises(ScanError) as excinfo:
        list(read_chunks(str(path)))
    assert str(excinfo.value) == reason


def test_read_chunks_refuses_character_devices():
    with pytest.raises(ScanError) as excinfo:
        list(read_chunks('/dev/null'))
    assert str(excinfo.value) == 'a character device, not a regular file'


def test_read_chunks_reports_a_read_error(tmp_path, monkeypatch):
    path = tmp_path / 'f'
    path.write_bytes(b'data')

    def failing_read(fd, size):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(posix, 'read', failing_read)
    with pytest.raises(ScanError) as excinfo:
        list(read_chunks(str(path)))
    assert str(excinfo.value) == 'Input/output error'


# Git intake: real repositories driven with real git commands.


def _oid(content: str) -> str:
    import subprocess

    return (
        subprocess.run(
            ['git', 'hash-object', '--stdin'],
            input=content.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )


def _commit(message: str) -> str:
    git('commit', '-q', '--no-verify', '--allow-empty', '-m', message)
    return git('rev-parse', 'HEAD').strip()


def test_staged_blobs_empty_index_before_the_first_commit(git_repo):
    assert staged_blobs([]) == []


def test_staged_blobs_lists_what_the_commit_changes(git_repo):
    for name in ('kept', 'renamed', 'deleted', 'modified'):
        (git_repo / name).write_text(f'{name}\n')
    git('add', '.')
    first = staged_blobs([])
    assert first == [Blob(n, _oid(f'{n}\n')) for n in ('deleted', 'kept', 'modified', 'renamed')]
    _commit('one')

    git('mv', 'renamed', 'new name')
    git('rm', '-q', 'deleted')
    (git_repo / 'modified').write_text('staged\n')
    git('add', 'modified')
    (git_repo / 'modified').write_text('only in the working tree\n')
    (git_repo / 'intent').write_text('not staged yet\n')
    git('add', '-N', 'intent')
    os.symlink('/etc/passwd', git_repo / 'link')
    git('add', 'link')
    assert staged_blobs([]) == [
        Blob('link', _oid('/etc/passwd'), '120000'),
        Blob('modified', _oid('staged\n')),
        Blob('new name', _oid('renamed\n')),
    ]


def test_staged_blobs_for_given_files(git_repo):
    (git_repo / 'a b').write_text('staged\n')
    (git_repo / 'run').write_text('#!/bin/sh\n')
    (git_repo / 'run').chmod(0o755)
    git('add', '.')
    (git_repo / 'a b').write_text('working tree\n')
    assert staged_blobs(['./a b', 'run', 'untracked', '*']) == [
        Blob('./a b', _oid('staged\n')),
        Blob('run', _oid('#!/bin/sh\n'), '100755'),
        Blob('untracked', None),
        Blob('*', None),
    ]


def test_staged_blobs_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('GIT_CEILING_DIRECTORIES', str(tmp_path.parent))
    with pytest.raises(ScanError) as excinfo:
        staged_blobs([])
    assert str(excinfo.value) == (
        'git rev-parse: fatal: not a git repository (or any of the parent directories): .git'
    )


def test_staged_blobs_unreadable_index(git_repo):
    (git_repo / '.git/index').write_bytes(b'not an index')
    with pytest.raises(ScanError) as excinfo:
        staged_blobs([])
    assert str(excinfo.value) == 'git diff: fatal: .git/index: index file smaller than expected'


def _history(git_repo: Path) -> tuple[str, str, str]:
    """root: a, b; second: a changed, c copies a's first content; third: b deleted."""
    (git_repo / 'a').write_text('one\n')
    (git_repo / 'b').write_text('bee\n')
    git('add', '.')
    root = _commit('root')
    (git_repo / 'a').write_text('two\n')
    (git_repo / 'c').write_text('one\n')
    git('add', '.')
    second = _commit('second')
    git('rm', '-q', 'b')
    third = _commit('third')
    return root, second, third


def _message(commit: str) -> Blob:
    return Blob(COMMIT_MESSAGE, commit, commit=commit, kind='commit')


def test_history_blobs_list_each_blob_where_a_commit_adds_it(git_repo):
    # c holds a's first content: listed again, for cli.scan_blobs to scan once.
    root, second, third = _history(git_repo)
    assert list(history_blobs('HEAD')) == [
        _message(root),
        Blob('a', _oid('one\n'), commit=root),
        Blob('b', _oid('bee\n'), commit=root),
        _message(second),
        Blob('a', _oid('two\n'), commit=second),
        Blob('c', _oid('one\n'), commit=second),
        _message(third),
    ]
    assert list(history_blobs('HEAD~1..HEAD')) == [_message(third)]
    assert list(history_blobs('--all')) == list(history_blobs('HEAD'))


def test_history_of_every_ref_reads_tags_and_blobs_no_commit_adds(git_repo):
    root, second, _ = _history(git_repo)
    git('tag', '-a', 'v1', '-m', 'release', second)
    tag = git('rev-parse', 'v1').strip()
    (git_repo.parent / 'loose').write_text('kept by a ref\n')
    loose = git('hash-object', '-w', git_repo.parent / 'loose').strip()
    git('tag', 'loose', loose)
    git('tag', 'light', root)  # a commit: its message is the log's
    assert set(list(history_blobs('--all'))[-2:]) == {
        Blob(TAG_MESSAGE, tag, kind='tag'),
        Blob(loose, loose),
    }
    assert len(list(history_blobs('--all'))) == 9


def test_history_blobs_through_a_merge(git_repo):
    root, _, _ = _history(git_repo)
    git('checkout', '-q', '-b', 'side', root)
    (git_repo / 'side').write_text('side\n')
    git('add', 'side')
    side = _commit('side')
    git('checkout', '-q', 'main')
    git('merge', '-q', '--no-edit', '--no-ff', 'side')
    (git_repo / 'a').write_text('resolved\n')
    git('add', 'a')
    git('commit', '-q', '--amend', '--no-edit')
    merge = git('rev-parse', 'HEAD').strip()
    blobs = [b for b in history_blobs('HEAD') if b.kind == 'blob']
    # The merge adds what its first parent lacks: the resolution, and side again.
    assert blobs[-2:] == [
        Blob('a', _oid('resolved\n'), commit=merge),
        Blob('side', _oid('side\n'), commit=merge),
    ]
    assert Blob('side', _oid('side\n'), commit=side) in blobs
    assert {b.oid for b in blobs} == {
        _oid(c) for c in ('one\n', 'bee\n', 'two\n', 'side\n', 'resolved\n')
    }


NULL = '0' * 40


def test_pushed_blobs_of_a_range(git_repo):
    root, second, third = _history(git_repo)
    assert list(pushed_blobs(root, third)) == [
        _message(second),
        Blob('a', _oid('two\n'), commit=second),
        _message(third),
    ]
    assert list(pushed_blobs(second, third)) == [_message(third)]
    assert list(pushed_blobs(root, NULL)) == []  # deleting a remote branch


def test_pushed_blobs_of_a_new_branch_skip_what_remotes_have(git_repo, tmp_path):
    root, second, third = _history(git_repo)
    assert len(list(pushed_blobs(NULL, third))) == 7  # no remote yet: everything
    git('init', '-q', '--bare', tmp_path / 'remote.git')
    git('remote', 'add', 'origin', tmp_path / 'remote.git')
    git('push', '-q', '--no-verify', 'origin', f'{root}:refs/heads/main')
    pushed = [_message(second), Blob('a', _oid('two\n'), commit=second), _message(third)]
    assert list(pushed_blobs(NULL, third)) == pushed
    # In CI, after the push: the branch's own remote-tracking ref holds it.
    git('push', '-q', '--no-verify', 'origin', f'{third}:refs/heads/feature')
    assert list(pushed_blobs(NULL, third)) == pushed


def test_pushed_blobs_keep_every_path_and_type(git_repo):
    (git_repo / 'base').write_text('base\n')
    git('add', '.')
    root = _commit('root')
    for name in ('kept', 'gone', 'linked'):
        (git_repo / name).write_text(f'{name} 1\n')
    git('add', '.')
    first = _commit('first')
    git('rm', '-q', 'gone')
    (git_repo / 'linked').unlink()
    (git_repo / 'linked').symlink_to('kept')
    git('add', '.')
    second = _commit('second')
    # Deleted again, or now a symlink: each blob the push sends is listed.
    assert list(pushed_blobs(root, 'HEAD')) == [
        _message(first),
        Blob('gone', _oid('gone 1\n'), commit=first),
        Blob('kept', _oid('kept 1\n'), commit=first),
        Blob('linked', _oid('linked 1\n'), commit=first),
        _message(second),
        Blob('linked', _oid('kept'), '120000', commit=second),
    ]


def _ref_line(local: str, old: str) -> bytes:
    return f'refs/heads/x {local} refs/heads/x {old}\n'.encode()


def test_ref_update_blobs_take_every_ref_of_the_push(git_repo, tmp_path):
    root, second, third = _history(git_repo)
    git('switch', '-q', '-c', 'feat', root)
    (git_repo / 'f').write_text('feat\n')
    git('add', 'f')
    feat = _commit('feat')
    unknown = 'f' * 40  # an old tip never fetched here bounds nothing
    lines = _ref_line(third, second) + _ref_line(feat, unknown) + _ref_line(NULL, root)
    assert set(ref_update_blobs(lines, None)) == {
        _message(third),
        _message(feat),
        Blob('f', _oid('feat\n'), commit=feat),
    }
    commits = [b.commit for b in ref_update_blobs(_ref_line(feat, NULL), None)]
    assert commits == [root, root, root, feat, feat]
    git('init', '-q', '--bare', tmp_path / 'remote.git')
    git('remote', 'add', 'origin', tmp_path / 'remote.git')
    git('push', '-q', '--no-verify', 'origin', f'{root}:refs/heads/main')
    assert list(ref_update_blobs(_ref_line(feat, NULL), 'origin')) == [
        _message(feat),
        Blob('f', _oid('feat\n'), commit=feat),
    ]
    # Another remote's refs say nothing about what this one has.
    assert len(list(ref_update_blobs(_ref_line(feat, NULL), 'elsewhere'))) == 5
    assert list(ref_update_blobs(b'', 'origin')) == []


@pytest.mark.parametrize(
    'lines',
    [
        b'refs/heads/x 1234 refs/heads/x ' + NULL.encode() + b'\n',
        b'refs/heads/x ' + NULL.encode() + b' refs/heads/x\n',
        b'refs/heads/x ' + b'g' * 40 + b' refs/heads/x ' + NULL.encode() + b'\n',
        b'\n',
    ],
)
def test_ref_update_blobs_refuse_what_git_never_writes(git_repo, lines):
    with pytest.raises(ScanError) as e:
        list(ref_update_blobs(lines, None))
    assert str(e.value) == '--pre-push reads git\'s "<ref> <oid> <ref> <oid>" lines on stdin'


@pytest.mark.parametrize(
    ('name', 'content', 'mode'),
    [
        pytest.param('app.json', b'{}\n', 0o644, id='by-name'),
        pytest.param('README', b'hello\n', 0o644, id='text'),
        pytest.param('blob', b'\0\x01\x02', 0o644, id='binary'),
        pytest.param('empty', b'', 0o644, id='empty'),
        pytest.param('run', b'#!/usr/bin/env python3\nprint()\n', 0o755, id='shebang'),
        pytest.param('tool', b'\x7fELF\0\0', 0o755, id='executable-binary'),
        pytest.param('x.png', b'\x89PNG', 0o755, id='executable-by-name'),
    ],
)
def test_blob_tags_match_identify_on_the_same_file(tmp_path, name, content, mode):
    path = tmp_path / name
    path.write_bytes(content)
    path.chmod(mode)
    blob = Blob(name, 'oid', '100755' if mode & 0o111 else '100644')
    assert blob_tags(blob, content) == file_tags(str(path))


def test_blob_and_file_tags_of_a_symlink_and_a_missing_file(tmp_path):
    os.symlink('target', tmp_path / 'link')
    assert blob_tags(Blob('link', 'oid', '120000'), b'target') == {'symlink'}
    assert file_tags(str(tmp_path / 'link')) == {'symlink'}
    assert file_tags(str(tmp_path / 'missing')) == set()


def test_file_tags_never_opens_a_fifo_or_device(tmp_path):
    os.mkfifo(tmp_path / 'fifo')  # identify would wait here for a writer
    assert file_tags(str(tmp_path / 'fifo')) == set()
    assert file_tags('/dev/zero') == set()
