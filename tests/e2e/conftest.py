"""Fixtures that install this working tree as a pre-commit hook repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git

ROOT = Path(__file__).parent.parent.parent


@pytest.fixture(scope='session')
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed snapshot of this working tree, as pre-commit would clone it."""
    snapshot = tmp_path_factory.mktemp('hook-repo')
    names = git('ls-files', '-z', '--cached', '--others', '--exclude-standard', cwd=ROOT)
    for name in filter(None, names.split('\0')):
        if (ROOT / name).is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, snapshot / name)
    env = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com']
    git('init', '-q', cwd=snapshot)
    git('add', '-A', cwd=snapshot)
    git(*env, 'commit', '-q', '--no-verify', '-m', 'snapshot', cwd=snapshot)
    return snapshot


@pytest.fixture(scope='session')
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp('pre-commit-home')


@pytest.fixture
def pre_commit(pre_commit_home, monkeypatch):
    """Run the real pre-commit in the current directory."""
    monkeypatch.setenv('PRE_COMMIT_HOME', str(pre_commit_home))
    monkeypatch.delenv('PRE_COMMIT', raising=False)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, '-m', 'pre_commit', *args],
            capture_output=True,
            text=True,
            check=False,
        )

    return run
