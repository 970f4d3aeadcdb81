"""Pushes through the command line: pre-commit's environment and `--pre-push`'s ref lines."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pytest

from aws_key_guard._main import main
from aws_key_guard.git import BlobReader
from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

KEY = make_key_id(12)
SECRET = make_secret(12)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
PAIR_TEXT = f'id = {KEY}\naws_secret_access_key = {SECRET}\n'
NULL = '0' * 40

ONE_BLOCKING = next_steps('1 blocking finding in 1 file')


def _finding(commit: str) -> bytes:
    return (
        f'app.env:2:25: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line 1 in commit {commit[:12]}\n'
    ).encode()


def _commit(message: str) -> str:
    git('commit', '-q', '--no-verify', '-m', message)
    return git('rev-parse', 'HEAD').strip()


def _leak_and_remove(repo: Path) -> tuple[str, str]:
    """A clean base, a commit adding a pair, and one removing it again."""
    (repo / 'README').write_text('hello\n')
    git('add', '.')
    base = _commit('base')
    (repo / 'app.env').write_text(PAIR_TEXT)
    git('add', '.')
    leak = _commit('add a key')
    git('rm', '-q', 'app.env')
    _commit('remove it')
    return base, leak


def test_a_push_pre_commit_gives_no_range_scans_what_the_remote_lacks(
    git_repo, tmp_path, monkeypatch, capsysbinary
):
    base, leak = _leak_and_remove(git_repo)
    git('init', '-q', '--bare', tmp_path / 'remote.git')
    git('remote', 'add', 'origin', tmp_path / 'remote.git')
    # What pre-commit sets for a first push: a remote, a local ref and no range;
    # the files it passes are the working tree's, and they play no part.
    monkeypatch.setenv('PRE_COMMIT_REMOTE_NAME', 'origin')
    monkeypatch.setenv('PRE_COMMIT_LOCAL_BRANCH', 'refs/heads/main')
    assert main(['README']) == 1
    assert capsysbinary.readouterr() == (_finding(leak), ONE_BLOCKING)
    assert main([]) == 1
    assert capsysbinary.readouterr() == (_finding(leak), ONE_BLOCKING)
    git('push', '-q', '--no-verify', 'origin', f'{leak}:refs/heads/main')
    git('fetch', '-q', 'origin')
    assert main(['README']) == 0
    assert capsysbinary.readouterr() == (b'', b'')
    # A range from pre-commit is used as given.
    monkeypatch.setenv('PRE_COMMIT_FROM_REF', base)
    monkeypatch.setenv('PRE_COMMIT_TO_REF', 'HEAD')
    assert main(['README']) == 1
    assert capsysbinary.readouterr() == (_finding(leak), ONE_BLOCKING)


def test_a_push_with_an_unusable_local_ref_fails_closed(git_repo, monkeypatch, capsysbinary):
    _leak_and_remove(git_repo)
    monkeypatch.setenv('PRE_COMMIT_REMOTE_NAME', 'origin')
    monkeypatch.setenv('PRE_COMMIT_LOCAL_BRANCH', 'refs/heads/nothing')
    assert main([]) == 2
    out, err = capsysbinary.readouterr()
    assert (out, err.startswith(b'aws-key-guard: error: git rev-list: ')) == (b'', True)


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, 'stdin', io.TextIOWrapper(io.BytesIO(text.encode())))


def test_pre_push_reads_every_ref_git_sends(git_repo, monkeypatch, capsysbinary):
    base, leak = _leak_and_remove(git_repo)
    head = git('rev-parse', 'HEAD').strip()
    main_line = f'refs/heads/main {head} refs/heads/main {base}\n'
    _stdin(monkeypatch, main_line + f'refs/heads/x {NULL} refs/heads/x {base}\n')
    assert main(['--pre-push', 'origin', '/somewhere/remote.git']) == 1
    assert capsysbinary.readouterr() == (_finding(leak), ONE_BLOCKING)
    _stdin(monkeypatch, f'refs/heads/main {head} refs/heads/main {leak}\n')
    assert main(['--pre-push']) == 0
    assert capsysbinary.readouterr() == (b'', b'')
    _stdin(monkeypatch, 'refs/heads/main\n')
    assert main(['--pre-push', 'origin']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: --pre-push reads git\'s "<ref> <oid> <ref> <oid>" lines on stdin\n',
    )


@pytest.mark.parametrize(
    'argv',
    [
        ['--pre-push', 'origin', 'url', 'more'],
        ['a.txt', '--pre-push', 'origin'],
    ],
)
def test_pre_push_takes_the_remote_and_url_only(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        'aws-key-guard: error: --pre-push takes the REMOTE and URL git passes, and no FILE'
    )


@pytest.mark.parametrize(
    ('argv', 'message'),
    [
        (['--pre-push', '--staged'], 'argument --staged: not allowed with argument --pre-push'),
        (
            ['--write-baseline', 'b.json', '--pre-push'],
            '--write-baseline reads FILEs from disk, not from git',
        ),
    ],
)
def test_pre_push_usage_errors(git_repo, argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f'aws-key-guard: error: {message}'


def test_a_first_push_refuses_a_local_ref_git_could_read_as_an_option(
    git_repo, monkeypatch, capsys
):
    monkeypatch.setenv('PRE_COMMIT_REMOTE_NAME', 'origin')
    monkeypatch.setenv('PRE_COMMIT_LOCAL_BRANCH', '--output=x')
    with pytest.raises(SystemExit) as e:
        main([])
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        'aws-key-guard: error: a revision cannot start with "-"'
    )


def test_no_files_and_no_push_exits_at_once(git_repo):
    # always_run calls the hook with no files at every stage: it passes
    # without loading the full command line.
    import subprocess

    done = subprocess.run(
        [sys.executable, '-X', 'importtime', '-m', 'aws_key_guard'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, '')
    imported = {line.rsplit('|', 1)[-1].strip() for line in done.stderr.splitlines()}
    assert 'aws_key_guard._main' in imported
    assert 'aws_key_guard.cli' not in imported


def _message_finding(name: str, line: int, commit: str | None) -> bytes:
    where = f' in commit {commit[:12]}' if commit else ''
    return (
        f'{name}:{line + 1}:25: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line {line}{where}\n'
    ).encode()


def test_a_pushed_commit_message_is_scanned(git_repo, monkeypatch, capsysbinary):
    # A message a commit-msg hook never saw (`--no-verify`, a cherry-pick):
    # read as `git cat-file -p` shows the commit, its four header lines and a
    # blank one before the message.
    (git_repo / 'README').write_text('hello\n')
    git('add', '.')
    base = _commit('base')
    git('commit', '-q', '--allow-empty', '--no-verify', '-m', f'deploy\n\nid = {KEY}\n' + PAIR_TEXT)
    leak = git('rev-parse', 'HEAD').strip()
    _stdin(monkeypatch, f'refs/heads/main {leak} refs/heads/main {base}\n')
    assert main(['--pre-push']) == 1
    assert capsysbinary.readouterr() == (_message_finding('COMMIT_EDITMSG', 9, leak), ONE_BLOCKING)
    assert main(['--history']) == 1
    assert capsysbinary.readouterr() == (_message_finding('COMMIT_EDITMSG', 9, leak), ONE_BLOCKING)


def test_a_pushed_tag_message_and_a_blob_a_tag_names_are_scanned(
    git_repo, tmp_path, monkeypatch, capsysbinary
):
    # The commits are on the remote: the push sends the tag objects alone.
    (git_repo / 'README').write_text('hello\n')
    git('add', '.')
    base = _commit('base')
    git('init', '-q', '--bare', tmp_path / 'remote.git')
    git('remote', 'add', 'origin', tmp_path / 'remote.git')
    git('push', '-q', '--no-verify', 'origin', 'main')
    git('tag', '-a', 'v1', '-m', f'release\n\n{PAIR_TEXT}', base)
    tag = git('rev-parse', 'v1').strip()
    (tmp_path / 'creds').write_text(PAIR_TEXT)
    blob = git('hash-object', '-w', tmp_path / 'creds').strip()
    for ref, oid, expected in [
        ('refs/tags/v1', tag, _message_finding('TAG_EDITMSG', 8, None)),
        ('refs/tags/creds', blob, _message_finding(blob, 1, None)),
    ]:
        _stdin(monkeypatch, f'{ref} {oid} {ref} {NULL}\n')
        assert main(['--pre-push', 'origin']) == 1
        assert capsysbinary.readouterr() == (expected, ONE_BLOCKING)


@pytest.mark.parametrize('skipped_by', ['exclude', 'baseline'])
def test_a_content_is_scanned_once_and_reported_where_a_path_reports_it(
    git_repo, monkeypatch, capsysbinary, skipped_by
):
    # The same bytes at three paths of one commit. examples/ is excluded, or its
    # copy recorded in the baseline: prod/app.env blocks, and prod/copy.env, the
    # same content, is not reported again.
    (git_repo / 'README').write_text('hello\n')
    git('add', '.')
    base = _commit('base')
    for name in ('examples/app.env', 'prod/app.env', 'prod/copy.env'):
        (git_repo / name).parent.mkdir(exist_ok=True)
        (git_repo / name).write_text(PAIR_TEXT)
    if skipped_by == 'exclude':
        (git_repo / '.aws-key-guard.toml').write_text('exclude = "^examples/"\n')
    else:
        assert main(['--write-baseline', '.aws-key-guard-baseline.json', 'examples/app.env']) == 0
        capsysbinary.readouterr()
    git('add', '.')
    leak = _commit('copies')
    reads = []
    real = BlobReader.read_chunks

    def counted(self, oid, kind='blob'):
        reads.append(oid)
        return real(self, oid, kind)

    monkeypatch.setattr(BlobReader, 'read_chunks', counted)
    content = git('rev-parse', f'{leak}:prod/app.env').strip()
    expected = _finding(leak).replace(b'app.env', b'prod/app.env', 1)
    assert main(['--history']) == 1
    assert capsysbinary.readouterr() == (expected, ONE_BLOCKING)
    _stdin(monkeypatch, f'refs/heads/main {leak} refs/heads/main {base}\n')
    assert main(['--pre-push']) == 1
    assert capsysbinary.readouterr() == (expected, ONE_BLOCKING)
    assert reads.count(content) == 2  # once a run
