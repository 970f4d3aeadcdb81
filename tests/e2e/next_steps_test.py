"""What a user sees at commit time: the next steps after a block, warnings with verbose."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

pytestmark = pytest.mark.e2e

KEY = make_key_id(9)
SECRET = make_secret(9)
LONE_LINE = f'notes.txt:1:11: AKG003 AWS access key ID AKIA...{KEY[-4:]} with no secret'


def _install(
    repo: Path,
    hook_repo: Path,
    pre_commit: Callable[..., subprocess.CompletedProcess[str]],
    extra: str = '',
) -> None:
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n{extra}'
    )
    assert pre_commit('install').returncode == 0


def _commit() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ['git', 'commit', '-m', 'change'], capture_output=True, text=True, check=False
    )


def test_blocked_commit_ends_with_the_next_steps(git_repo, hook_repo, pre_commit):
    _install(git_repo, hook_repo, pre_commit)
    (git_repo / 'app.env').write_text(f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n')
    git('add', '.')
    refused = _commit()
    assert refused.returncode == 1
    # git shows a hook's output on stderr; pre-commit ends it with a blank line.
    tail = refused.stderr.rstrip('\n').splitlines()[-5:]
    assert tail[0].startswith('app.env:2:23: AKG001 AWS access key pair: secret [sha256:')
    assert tail[1:] == next_steps('1 blocking finding in 1 file').decode().splitlines()
    assert SECRET not in refused.stdout + refused.stderr


@pytest.mark.parametrize('verbose', [False, True])
def test_lone_key_id_warning_shows_only_with_verbose(git_repo, hook_repo, pre_commit, verbose):
    # pre-commit hides a passing hook's output: the README says so next to AKG003.
    _install(git_repo, hook_repo, pre_commit, '    verbose: true\n' if verbose else '')
    (git_repo / 'notes.txt').write_text(f'user key: {KEY}\n')
    git('add', '.')
    made = _commit()
    assert made.returncode == 0, made.stdout + made.stderr
    output = (made.stdout + made.stderr).splitlines()
    assert (LONE_LINE in output) is verbose
    assert not any(line.startswith('aws-key-guard: ') for line in output)
