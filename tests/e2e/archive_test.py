"""A key inside a jar or a Debian package, stopped by the real pre-commit and real git."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.arfile_test import DPKG_DEB
from tests.arfile_test import build_deb
from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret

pytestmark = pytest.mark.e2e

KEY = make_key_id(17)
SECRET = make_secret(17)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
PAIR = f'AKG001 AWS access key pair: secret [{FP}] with access key ID AKIA...{KEY[-4:]} at line 1'
PROPERTIES = f'aws.id={KEY}\naws.secret={SECRET}\n'.encode()
# Each archive's path in the repository, and the line its finding gets.
ARCHIVES = {
    'jar': ('lib/app.jar', f'lib/app.jar!application.properties:2:12: {PAIR}'),
    # Built by dpkg-deb where there is one.
    'deb': (
        'dist/app_1.0_all.deb',
        f'dist/app_1.0_all.deb!data.tar.xz!./etc/app.conf:2:12: {PAIR}',
    ),
}
each_archive = pytest.mark.parametrize('archive', list(ARCHIVES))


def _write(repo: Path, archive: str, tmp_path: Path) -> str:
    path = repo / ARCHIVES[archive][0]
    path.parent.mkdir()
    if archive == 'deb':
        builder = 'python' if DPKG_DEB is None else 'dpkg-deb'
        path.write_bytes(build_deb(tmp_path, {'etc/app.conf': PROPERTIES}, 'xz', builder))
        return ARCHIVES[archive][0]
    jar = io.BytesIO()
    with zipfile.ZipFile(jar, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\n')
        z.writestr('application.properties', PROPERTIES)
    path.write_bytes(jar.getvalue())
    return ARCHIVES[archive][0]


@each_archive
def test_try_repo_blocks_a_staged_archive(git_repo, hook_repo, pre_commit, tmp_path, archive):
    name = _write(git_repo, archive, tmp_path)
    git('add', '.')
    result = pre_commit('try-repo', str(hook_repo), 'aws-key-guard', '--files', name)
    assert result.returncode == 1, result.stdout + result.stderr
    assert ARCHIVES[archive][1] in result.stdout.splitlines()
    assert SECRET not in result.stdout + result.stderr


@each_archive
def test_a_commit_of_an_archive_with_a_key_is_refused(
    git_repo, hook_repo, pre_commit, tmp_path, archive
):
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    assert pre_commit('install').returncode == 0
    _write(git_repo, archive, tmp_path)
    git('add', '.')
    refused = subprocess.run(
        ['git', 'commit', '-m', f'add a {archive}'], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    # git shows a hook's output on stderr.
    assert ARCHIVES[archive][1] in refused.stderr.splitlines()
    assert SECRET not in refused.stdout + refused.stderr
    no_head = subprocess.run(
        ['git', 'rev-parse', '--verify', '-q', 'HEAD'], capture_output=True, check=False
    )
    assert no_head.returncode == 1  # no commit was made
