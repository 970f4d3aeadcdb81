"""A key in a SQLite database, stopped by the real pre-commit."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret

pytestmark = pytest.mark.e2e

KEY = make_key_id(18)
SECRET = make_secret(18)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]


def test_try_repo_blocks_a_staged_database(git_repo, hook_repo, pre_commit):
    # The key ID follows a long note and the user's name stands between it and the secret.
    db = sqlite3.connect(git_repo / 'state.db')
    db.execute('CREATE TABLE creds (note TEXT, key_id TEXT, user TEXT, secret TEXT)')
    db.execute('INSERT INTO creds VALUES (?, ?, ?, ?)', ('n' * 500 + 'Z', KEY, 'deploy', SECRET))
    db.commit()
    db.close()
    data = (git_repo / 'state.db').read_bytes()
    key_at, secret_at = data.index(KEY.encode()), data.index(SECRET.encode())
    line = data.count(b'\n', 0, secret_at) + 1
    col = secret_at - data.rfind(b'\n', 0, secret_at)
    key_line = data.count(b'\n', 0, key_at) + 1
    expected = (
        f'state.db:{line}:{col}: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line {key_line}'
    )
    git('add', '.')
    result = pre_commit('try-repo', str(hook_repo), 'aws-key-guard', '--files', 'state.db')
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stdout.splitlines()
    assert SECRET not in result.stdout + result.stderr
