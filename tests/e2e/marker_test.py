"""Markers, as a user writes them, under the real pre-commit and git commit."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret

pytestmark = pytest.mark.e2e


def test_marker_on_the_named_line_lets_the_commit_through(git_repo, hook_repo, pre_commit):
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    assert pre_commit('install').returncode == 0
    fixture = git_repo / 'fixture.py'
    key, secret = make_key_id(41), make_secret(41)
    fixture.write_text(f'key = "{key}"\nsecret = "{secret}"\n')
    git('add', '.')
    refused = subprocess.run(['git', 'commit', '-m', 'fixture'], capture_output=True, text=True)
    assert refused.returncode == 1
    # The pair is reported at the secret's line: a marker there allows it,
    # and the key ID is not then reported on its own.
    fixture.write_text(f'key = "{key}"\nsecret = "{secret}"  # aws-key-guard: allow test fixture\n')
    git('add', '.')
    done = subprocess.run(['git', 'commit', '-m', 'fixture'], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git('log', '--format=%s').splitlines() == ['fixture']
