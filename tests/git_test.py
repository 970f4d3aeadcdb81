from __future__ import annotations

import signal
import threading

import pytest

from aws_key_guard.error import ScanError
from aws_key_guard.git import BlobReader
from aws_key_guard.git import run
from aws_key_guard.git import stream_fields
from tests.conftest import git


def _blob(content: bytes) -> str:
    import subprocess

    return (
        subprocess.run(
            ['git', 'hash-object', '-w', '--stdin'], input=content, capture_output=True, check=True
        )
        .stdout.decode()
        .strip()
    )


def test_run_returns_stdout(git_repo):
    assert run('rev-parse', '--is-inside-work-tree') == b'true\n'


def test_run_reports_gits_last_line(git_repo):
    with pytest.raises(ScanError) as excinfo:
        run('rev-parse', '--verify', '-q', 'no-such-rev', '--')
    assert str(excinfo.value) == 'git rev-parse: failed'
    with pytest.raises(ScanError) as excinfo:
        run('log')
    assert str(excinfo.value) == (
        "git log: fatal: your current branch 'main' does not have any commits yet"
    )


def test_run_without_git(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(ScanError) as excinfo:
        run('status')
    assert str(excinfo.value) == 'cannot run git: No such file or directory'
    with pytest.raises(ScanError) as excinfo:
        list(stream_fields('status'))
    assert str(excinfo.value) == 'cannot run git: No such file or directory'


@pytest.mark.parametrize('chunk_size', [1, 2, 3, 1 << 16])
def test_stream_fields_splits_at_nul_across_reads(git_repo, chunk_size):
    for name in ('a', 'b c', 'd\ne'):
        (git_repo / name).write_text(name)
    git('add', '.')
    fields = stream_fields('ls-files', '-z', _chunk_size=chunk_size)
    assert list(fields) == [b'a', b'b c', b'd\ne']


def test_stream_fields_yields_an_unterminated_last_field(git_repo):
    assert list(stream_fields('rev-parse', '--git-dir')) == [b'.git\n']


def test_stream_fields_raises_when_git_fails(git_repo):
    with pytest.raises(ScanError) as excinfo:
        list(stream_fields('log'))
    assert str(excinfo.value) == (
        "git log: fatal: your current branch 'main' does not have any commits yet"
    )


def test_blob_reader_reads_in_chunks_and_keeps_going(git_repo):
    first = _blob(b'0123456789')
    second = _blob(b'second\n')
    with BlobReader() as reader:
        assert list(reader.read_chunks(first, _chunk_size=4)) == [b'0123', b'4567', b'89']
        assert list(reader.read_chunks(second)) == [b'second\n']
        assert list(reader.read_chunks(_blob(b''))) == []


def test_blob_reader_resynchronises_after_an_abandoned_read(git_repo):
    big = _blob(b'x' * 1000)
    with BlobReader() as reader:
        chunks = reader.read_chunks(big, _chunk_size=10)
        assert next(chunks) == b'x' * 10
        chunks.close()
        assert list(reader.read_chunks(_blob(b'after'))) == [b'after']


def test_blob_reader_reports_a_reply_cut_short(git_repo):
    big = _blob(b'x' * (4 << 20))  # far more than a pipe holds
    with BlobReader() as reader:
        chunks = reader.read_chunks(big, _chunk_size=1024)
        assert next(chunks) == b'x' * 1024
        assert reader._proc is not None
        reader._proc.kill()
        with pytest.raises(ScanError) as excinfo:
            list(chunks)
        assert str(excinfo.value) == 'git cat-file stopped early'


def test_blob_reader_refuses_missing_and_non_blob_objects(git_repo):
    (git_repo / 'f').write_text('f\n')
    git('add', 'f')
    git('commit', '-q', '-m', 'one')
    tree = git('rev-parse', 'HEAD^{tree}').strip()
    with BlobReader() as reader:
        with pytest.raises(ScanError) as excinfo:
            list(reader.read_chunks('0' * 40))
        assert str(excinfo.value) == f'git object {"0" * 40} is missing'
        with pytest.raises(ScanError) as excinfo:
            list(reader.read_chunks(tree))
        assert str(excinfo.value) == f'git object {tree} is a tree, not a blob'
        assert list(reader.read_chunks(_blob(b'f\n'))) == [b'f\n']


def test_blob_reader_outside_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('GIT_CEILING_DIRECTORIES', str(tmp_path.parent))
    with BlobReader() as reader:
        with pytest.raises(ScanError) as excinfo:
            list(reader.read_chunks('0' * 40))
        assert str(excinfo.value) == 'git cat-file stopped early'
        assert reader._proc is not None
        reader._proc.wait()  # dead for sure, so the next write finds a broken pipe
        with pytest.raises(ScanError) as excinfo:
            list(reader.read_chunks('0' * 40))
        assert str(excinfo.value) == 'git cat-file stopped early'


def test_blob_reader_when_cat_file_dies_between_request_and_reply(git_repo):
    with BlobReader() as reader:
        assert list(reader.read_chunks(_blob(b'alive'))) == [b'alive']
        proc = reader._proc
        assert proc is not None
        # Stopped, it still takes the request into the pipe but never answers;
        # killed while the reader waits, it leaves an empty reply.
        proc.send_signal(signal.SIGSTOP)
        threading.Timer(0.2, proc.kill).start()
        with pytest.raises(ScanError) as excinfo:
            list(reader.read_chunks(_blob(b'late')))
        assert str(excinfo.value) == 'git cat-file stopped early'
        proc.wait()  # reaped: the next request meets a closed pipe
        with pytest.raises(ScanError) as excinfo:
            list(reader.read_chunks(_blob(b'later')))
        assert str(excinfo.value) == 'git cat-file stopped early'


def test_blob_reader_unused_starts_nothing():
    with BlobReader() as reader:
        assert reader._proc is None
