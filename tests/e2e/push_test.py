"""Real `git push` to a bare remote on disk, with the real pre-commit as the pre-push hook."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret

pytestmark = pytest.mark.e2e

PreCommit = Callable[..., subprocess.CompletedProcess[str]]

KEY = make_key_id(11)
SECRET = make_secret(11)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
PAIR_TEXT = f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
DOCS = 'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'
# The plain git hook: git's ref lines on stdin, the remote's name and URL as arguments.
PLAIN_HOOK = f'#!/bin/sh\nexec {sys.executable} -m aws_key_guard --pre-push "$@"\n'


def _line(path: str, commit: str) -> str:
    return (
        f'{path}:2:23: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line 1 in commit {commit[:12]}'
    )


def _commit(message: str) -> str:
    git('commit', '-q', '--no-verify', '-m', message)
    return git('rev-parse', 'HEAD').strip()


def _remote_ref(repo: Path, ref: str) -> str | None:
    found = subprocess.run(
        ['git', 'rev-parse', '--verify', '-q', ref],
        cwd=repo.parent / 'remote.git',
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or None


def _push(*refs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ['git', 'push', 'origin', *refs], capture_output=True, text=True, check=False
    )


def _refused(result: subprocess.CompletedProcess[str], line: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    # git passes the hook's stdout through to its own.
    assert line in result.stdout.splitlines(), result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr


@pytest.fixture
def repo(git_repo: Path, hook_repo: Path, pre_commit: PreCommit) -> Path:
    """A repository with a committed clean base, an empty bare remote `origin`
    and pre-commit installed as its pre-push hook."""
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    (git_repo / 'README.md').write_text(DOCS)
    git('add', '.')
    _commit('base')
    git('init', '-q', '--bare', git_repo.parent / 'remote.git')
    git('remote', 'add', 'origin', git_repo.parent / 'remote.git')
    installed = pre_commit('install', '-t', 'pre-push')
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return git_repo


def _push_base(repo: Path) -> str:
    base = git('rev-parse', 'HEAD').strip()
    git('push', '-q', '--no-verify', 'origin', 'main')
    assert _remote_ref(repo, 'main') == base
    return base


def test_a_key_added_then_deleted_is_refused(repo):
    base = _push_base(repo)
    (repo / 'app.env').write_text(PAIR_TEXT)
    git('add', 'app.env')
    leak = _commit('add a key')
    git('rm', '-q', 'app.env')
    _commit('remove it again')  # no net change: pre-commit has no file to pass

    _refused(_push('main'), _line('app.env', leak))
    assert _remote_ref(repo, 'main') == base


def test_the_first_push_to_an_empty_remote_scans_every_commit(repo):
    # pre-commit gives no range here and passes the working tree's files.
    (repo / 'app.env').write_text(PAIR_TEXT)
    git('add', 'app.env')
    leak = _commit('add a key')
    git('rm', '-q', 'app.env')
    _commit('remove it again')

    _refused(_push('main'), _line('app.env', leak))
    assert _remote_ref(repo, 'main') is None


def test_a_key_replaced_by_a_symlink_is_refused(repo):
    base = _push_base(repo)
    (repo / 'app.env').write_text(PAIR_TEXT)
    git('add', 'app.env')
    leak = _commit('add a key')
    (repo / 'app.env').unlink()
    (repo / 'app.env').symlink_to('README.md')
    (repo / 'README.md').write_text(DOCS + 'more\n')  # a file pre-commit does pass
    git('add', '.')
    _commit('the key file becomes a link')

    _refused(_push('main'), _line('app.env', leak))
    assert _remote_ref(repo, 'main') == base


def test_a_symlink_whose_target_holds_a_key_is_scanned_as_a_blob(repo):
    _push_base(repo)
    target = f'{KEY} {SECRET}'
    (repo / 'link').symlink_to(target)
    git('add', 'link')
    leak = _commit('a link named after a key')
    result = _push('main')
    assert result.returncode == 1, result.stdout + result.stderr
    line = (
        f'link:1:22: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line 1 in commit {leak[:12]}'
    )
    assert line in result.stdout.splitlines()


def test_several_refs_in_one_push_are_refused_with_the_plain_hook_chained(repo, pre_commit):
    # The documented way to keep pre-commit and close what it cannot see: the
    # plain hook first, then `pre-commit install` keeps it as pre-push.legacy.
    hook = repo / '.git/hooks/pre-push'
    hook.unlink()
    hook.write_text(PLAIN_HOOK)
    hook.chmod(0o755)
    installed = pre_commit('install', '-t', 'pre-push')
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (repo / '.git/hooks/pre-push.legacy').read_text() == PLAIN_HOOK

    base = _push_base(repo)
    (repo / 'README.md').write_text(DOCS + 'more\n')
    git('add', '.')
    _commit('a clean change on main')
    git('switch', '-q', '-c', 'feat', base)
    (repo / 'app.env').write_text(PAIR_TEXT)
    git('add', 'app.env')
    leak = _commit('a key on feat')

    _refused(_push('main', 'feat'), _line('app.env', leak))
    assert _remote_ref(repo, 'main') == base
    assert _remote_ref(repo, 'feat') is None


def test_plain_pre_push_hook_checks_every_pushed_ref(git_repo):
    hook = git_repo / '.git/hooks/pre-push'
    hook.write_text(PLAIN_HOOK)
    hook.chmod(0o755)
    (git_repo / 'README.md').write_text(DOCS)
    git('add', '.')
    base = _commit('base')
    git('init', '-q', '--bare', git_repo.parent / 'remote.git')
    git('remote', 'add', 'origin', git_repo.parent / 'remote.git')
    pushed = _push('main')
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert (pushed.stdout, _remote_ref(git_repo, 'main')) == ('', base)

    (git_repo / 'README.md').write_text(DOCS + 'more\n')
    git('add', '.')
    clean = _commit('a clean change on main')
    git('switch', '-q', '-c', 'feat', base)
    (git_repo / 'app.env').write_text(PAIR_TEXT)
    git('add', 'app.env')
    leak = _commit('a key on feat')
    git('rm', '-q', 'app.env')
    _commit('remove it again')

    result = _push('main', 'feat')
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == _line('app.env', leak) + '\n'
    assert SECRET not in result.stderr
    assert _remote_ref(git_repo, 'main') == base
    assert _remote_ref(git_repo, 'feat') is None

    # main alone is clean; deleting a branch sends no content.
    pushed = _push('main')
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert _remote_ref(git_repo, 'main') == clean
    git('push', '-q', '--no-verify', 'origin', f'{base}:refs/heads/old')
    pushed = _push(':old')
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert _remote_ref(git_repo, 'old') is None


def test_a_commit_with_nothing_staged_still_passes(git_repo, hook_repo, pre_commit):
    # always_run makes the hook run with no files at every stage: it must pass.
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    git('add', '.')
    assert pre_commit('install', '-t', 'pre-commit', '-t', 'commit-msg').returncode == 0
    git('commit', '-q', '-m', 'config')
    env = {**os.environ, 'PRE_COMMIT_COLOR': 'never'}
    result = subprocess.run(
        ['git', 'commit', '--allow-empty', '-m', 'nothing staged'],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert git('log', '-1', '--format=%s') == 'nothing staged\n'
