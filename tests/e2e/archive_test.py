"""A key inside a jar, stopped by the real pre-commit and real git."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret

pytestmark = pytest.mark.e2e

KEY = make_key_id(17)
SECRET = make_secret(17)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
LINE = (
    f'lib/app.jar!application.properties:2:12: AKG001 AWS access key pair: secret [{FP}] '
    f'with access key ID AKIA...{KEY[-4:]} at line 1'
)


def _write_jar(repo: Path) -> None:
    jar = io.BytesIO()
    with zipfile.ZipFile(jar, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\n')
        z.writestr('application.properties', f'aws.id={KEY}\naws.secret={SECRET}\n')
    (repo / 'lib').mkdir()
    (repo / 'lib/app.jar').write_bytes(jar.getvalue())


def test_try_repo_blocks_a_staged_jar(git_repo, hook_repo, pre_commit):
    _write_jar(git_repo)
    git('add', '.')
    result = pre_commit('try-repo', str(hook_repo), 'aws-key-guard', '--files', 'lib/app.jar')
    assert result.returncode == 1, result.stdout + result.stderr
    assert LINE in result.stdout.splitlines()
    assert SECRET not in result.stdout + result.stderr


def test_a_commit_of_a_jar_with_a_key_is_refused(git_repo, hook_repo, pre_commit):
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    assert pre_commit('install').returncode == 0
    _write_jar(git_repo)
    git('add', '.')
    refused = subprocess.run(
        ['git', 'commit', '-m', 'add a jar'], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    # git shows a hook's output on stderr.
    assert LINE in refused.stderr.splitlines()
    assert SECRET not in refused.stdout + refused.stderr
    no_head = subprocess.run(
        ['git', 'rev-parse', '--verify', '-q', 'HEAD'], capture_output=True, check=False
    )
    assert no_head.returncode == 1  # no commit was made
