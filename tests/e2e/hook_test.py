"""The real pre-commit and real git, driving this repository's hook."""

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

KEY = make_key_id(7)
SECRET = make_secret(7)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
PAIR_LINE = (
    f'config/app.env:2:23: AKG001 AWS access key pair: secret [{FP}] '
    f'with access key ID AKIA...{KEY[-4:]} at line 1'
)
BASELINE = '.aws-key-guard-baseline.json'
DOCS = 'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'


def _write_pair(repo: Path) -> None:
    (repo / 'config').mkdir()
    (repo / 'config/app.env').write_text(
        f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
    )


def test_try_repo_blocks_a_staged_pair(git_repo, hook_repo, pre_commit):
    _write_pair(git_repo)
    git('add', '.')
    result = pre_commit('try-repo', str(hook_repo), 'aws-key-guard', '--files', 'config/app.env')
    assert result.returncode == 1, result.stdout + result.stderr
    assert PAIR_LINE in result.stdout.splitlines()
    assert SECRET not in result.stdout + result.stderr


def test_try_repo_passes_a_clean_file(git_repo, hook_repo, pre_commit):
    (git_repo / 'README.md').write_text(DOCS)
    git('add', '.')
    result = pre_commit('try-repo', str(hook_repo), 'aws-key-guard', '--files', 'README.md')
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_hook_refuses_a_commit_and_allows_a_clean_one(git_repo, hook_repo, pre_commit):
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    assert pre_commit('install').returncode == 0

    _write_pair(git_repo)
    git('add', '.')
    refused = subprocess.run(
        ['git', 'commit', '-m', 'add config'], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1
    # git shows a hook's output on stderr.
    assert PAIR_LINE in refused.stderr.splitlines()
    assert SECRET not in refused.stdout + refused.stderr
    no_head = subprocess.run(
        ['git', 'rev-parse', '--verify', '-q', 'HEAD'], capture_output=True, check=False
    )
    assert no_head.returncode == 1  # no commit was made

    git('rm', '-q', '--cached', 'config/app.env')
    (git_repo / 'README.md').write_text(DOCS)
    git('add', 'README.md', '.pre-commit-config.yaml')
    git('commit', '-q', '-m', 'docs with the AWS example pair')
    assert git('log', '--format=%s').splitlines() == ['docs with the AWS example pair']


def test_pre_push_stage_blocks_what_a_no_verify_commit_added(git_repo, hook_repo, pre_commit):
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    (git_repo / 'README.md').write_text(DOCS)
    git('add', '.')
    git('commit', '-q', '-m', 'base')
    base = git('rev-parse', 'HEAD').strip()
    _write_pair(git_repo)
    git('add', '.')
    git('commit', '-q', '--no-verify', '-m', 'skip the hook')
    leak = git('rev-parse', 'HEAD').strip()
    line = f'{PAIR_LINE} in commit {leak[:12]}'
    push = ('run', '--hook-stage', 'pre-push', '--from-ref', base, '--to-ref', 'HEAD')

    result = pre_commit(*push)
    assert result.returncode == 1, result.stdout + result.stderr
    assert line in result.stdout.splitlines()

    # Removed again before pushing: pre-commit now passes only README.md, yet
    # the key is still in the commits being pushed.
    git('rm', '-q', 'config/app.env')
    (git_repo / 'README.md').write_text(DOCS + 'more\n')
    git('commit', '-q', '--no-verify', '-am', 'remove the key')
    result = pre_commit(*push)
    assert result.returncode == 1, result.stdout + result.stderr
    assert line in result.stdout.splitlines()
    assert SECRET not in result.stdout + result.stderr

    # And through git push itself, with pre-commit installed as the pre-push hook.
    git('init', '-q', '--bare', git_repo.parent / 'remote.git')
    git('remote', 'add', 'origin', git_repo.parent / 'remote.git')
    git('push', '-q', '--no-verify', 'origin', f'{base}:refs/heads/main')
    git('fetch', '-q', 'origin')
    assert pre_commit('install', '-t', 'pre-push').returncode == 0
    refused = subprocess.run(
        ['git', 'push', 'origin', 'main'], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1
    assert line in refused.stdout.splitlines()  # git leaves a pre-push hook's stdout alone
    assert git('rev-parse', 'main', cwd=git_repo.parent / 'remote.git').strip() == base


def test_commit_msg_stage_refuses_a_key_in_the_message(git_repo, hook_repo, pre_commit):
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (git_repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n'
    )
    assert pre_commit('install', '-t', 'pre-commit', '-t', 'commit-msg').returncode == 0
    (git_repo / 'README.md').write_text(DOCS)
    git('add', '.')
    message = f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
    refused = subprocess.run(
        ['git', 'commit', '-m', message], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1
    line = PAIR_LINE.replace('config/app.env', '.git/COMMIT_EDITMSG', 1)
    assert line in refused.stderr.splitlines()
    assert SECRET not in refused.stdout + refused.stderr
    git('commit', '-q', '-m', 'docs with the AWS example pair')
    assert git('log', '--format=%s').splitlines() == ['docs with the AWS example pair']


def test_try_repo_adopts_a_repository_with_a_baseline_and_markers(git_repo, hook_repo, pre_commit):
    _write_pair(git_repo)
    lone = make_key_id(8)
    (git_repo / 'notes.txt').write_text(f'old user {lone}\n')
    (git_repo / 'tests').mkdir()
    (git_repo / 'tests/fixture.py').write_text(
        f"KEY = '{make_key_id(9)}'  # aws-key-guard: allow fixture\n"
        f"SECRET = '{make_secret(9)}'  # gitleaks:allow\n"
    )
    (git_repo / 'pyproject.toml').write_text('[tool.aws-key-guard]\nblock-lone-key-ids = true\n')
    written = subprocess.run(
        [sys.executable, '-m', 'aws_key_guard', '--write-baseline', BASELINE, 'config/app.env'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    git('add', '.')
    args = ('try-repo', str(hook_repo), 'aws-key-guard', '--all-files')
    result = pre_commit(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f'notes.txt:1:10: AKG003 AWS access key ID AKIA...{lone[-4:]} with no secret' in (
        result.stdout.splitlines()
    )

    (git_repo / 'notes.txt').write_text('no keys here\n')
    (git_repo / 'config/app.env').write_text(
        f'# app\n\nAWS_ACCESS_KEY_ID={KEY}\n# more\nAWS_SECRET_ACCESS_KEY={SECRET}\n\n'
    )
    git('add', '.')
    result = pre_commit(*args)
    assert result.returncode == 0, result.stdout + result.stderr

    with open(git_repo / 'config/app.env', 'a') as f:
        f.write(f'NEW_ID={make_key_id(10)}\nNEW_SECRET={make_secret(10)}\n')
    git('add', '.')
    result = pre_commit(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    new_fp = 'sha256:' + hashlib.sha256(make_secret(10).encode()).hexdigest()[:12]
    assert (
        f'config/app.env:8:12: AKG001 AWS access key pair: secret [{new_fp}] '
        f'with access key ID AKIA...{make_key_id(10)[-4:]} at line 7'
    ) in result.stdout.splitlines()
    # The hook wrote nothing: no unstaged change, no new file.
    assert git('diff', '--name-only') == ''
    assert git('ls-files', '--others') == ''


def _pair_line_in(name: str) -> str:
    return PAIR_LINE.replace('config/app.env', name, 1)


def _install(
    repo: Path,
    hook_repo: Path,
    pre_commit: Callable[..., subprocess.CompletedProcess[str]],
    args: str = '',
) -> None:
    rev = git('rev-parse', 'HEAD', cwd=hook_repo).strip()
    (repo / '.pre-commit-config.yaml').write_text(
        f'repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: aws-key-guard\n{args}'
    )
    assert pre_commit('install').returncode == 0


def _refused_commit() -> subprocess.CompletedProcess[str]:
    refused = subprocess.run(
        ['git', 'commit', '-m', 'add'], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert SECRET not in refused.stdout + refused.stderr
    no_head = subprocess.run(
        ['git', 'rev-parse', '--verify', '-q', 'HEAD'], capture_output=True, check=False
    )
    assert no_head.returncode == 1  # no commit was made
    return refused


def test_installed_hook_scans_a_file_named_double_dash(git_repo, hook_repo, pre_commit):
    _install(git_repo, hook_repo, pre_commit)
    (git_repo / '--').write_text(f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n')
    git('add', '--', '--', '.pre-commit-config.yaml')
    refused = _refused_commit()
    assert _pair_line_in('--') in refused.stderr.splitlines()


def test_installed_hook_scans_a_staged_symlink_by_the_name_it_holds(
    git_repo, hook_repo, pre_commit
):
    _install(git_repo, hook_repo, pre_commit)
    (git_repo / 'creds').symlink_to(f'x/{KEY}/{SECRET}')
    git('add', '.')
    refused = _refused_commit()
    pair = (
        f'creds:1:24: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line 1'
    )
    assert pair in refused.stderr.splitlines()


def test_installed_hook_with_args_scans_files_named_like_its_options(
    git_repo, hook_repo, pre_commit
):
    # The hook's own `--output report.txt` still works, and the staged files
    # named `--` and `--output` that pre-commit passes after it are scanned.
    _install(git_repo, hook_repo, pre_commit, '    args: [--output, report.txt]\n')
    for name in ('--', '--output'):
        (git_repo / name).write_text(f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n')
    git('add', '--', '--', '--output', '.pre-commit-config.yaml')
    _refused_commit()
    assert (git_repo / 'report.txt').read_text() == (
        f'{_pair_line_in("--")}\n{_pair_line_in("--output")}\n'
    )


def test_pre_commit_refuses_a_fifo_pyproject(git_repo, hook_repo, pre_commit):
    (git_repo / 'clean.txt').write_text('nothing here\n')
    git('add', 'clean.txt')
    os.mkfifo(git_repo / 'pyproject.toml')
    result = pre_commit('try-repo', str(hook_repo), 'aws-key-guard', '--files', 'clean.txt')
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        'aws-key-guard: error: cannot read pyproject.toml: a FIFO, not a regular file'
        in result.stdout.splitlines()
    )


def test_modules_in_the_scanned_repository_cannot_stand_in_for_the_hook(
    git_repo, hook_repo, pre_commit
):
    # The entry runs `python -c` in the repository's root: a module there must
    # not be imported in place of the standard library's or the hook's own.
    _install(git_repo, hook_repo, pre_commit)
    quiet = 'import sys\nsys.exit(0)\n'
    (git_repo / 'os.py').write_text(quiet)
    (git_repo / 'aws_key_guard').mkdir()
    (git_repo / 'aws_key_guard/__init__.py').write_text(quiet)
    _write_pair(git_repo)
    git('add', '.')
    refused = _refused_commit()
    assert PAIR_LINE in refused.stderr.splitlines()
