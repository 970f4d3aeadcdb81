"""The real pre-commit pairs a blank-line-separated ID and secret in reading order."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret

pytestmark = pytest.mark.e2e

K = [make_key_id(30), make_key_id(31)]
S = [make_secret(30), make_secret(31)]


def _pair(line: int, col: int, i: int, key_line: int) -> str:
    fp = 'sha256:' + hashlib.sha256(S[i].encode()).hexdigest()[:12]
    return (
        f'users.env:{line}:{col}: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID AKIA...{K[i][-4:]} at line {key_line}'
    )


def test_try_repo_pairs_in_reading_order(git_repo, hook_repo, pre_commit):
    (git_repo / 'users.env').write_text(
        f'alice_id={K[0]}\n\nalice_secret={S[0]}\nbob_id={K[1]}\nbob_secret={S[1]}\n'
    )
    git('add', '.')
    result = pre_commit('try-repo', str(hook_repo), 'aws-key-guard', '--files', 'users.env')
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith('users.env:')]
    assert lines == [_pair(3, 14, 0, 1), _pair(5, 12, 1, 4)]
    assert not any(s in result.stdout + result.stderr for s in S)
