from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from identify.identify import tags_from_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # tomllib came in 3.11; tomli is the same parser, a dependency before it
    import tomli as tomllib

ROOT = Path(__file__).parent.parent
HOOKS = yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())
ENTRY = (
    'python -I -S -c "import posix,sys;'
    "p=sys.executable.rsplit('/',2)[0]+'/lib/python%d.%d/site-packages'%sys.version_info[:2];"
    "sys.path.append(p);posix.access(p+'/aws_key_guard/_main.py',posix.F_OK)"
    " or __import__('site').main();"
    'from aws_key_guard._main import main;sys.exit(main())"'
)
PYPROJECT = tomllib.loads((ROOT / 'pyproject.toml').read_text())


def test_manifest_has_one_deliberate_hook():
    (hook,) = HOOKS
    assert hook == {
        'id': 'aws-key-guard',
        'name': 'detect AWS access keys',
        'description': 'Stops AWS access key IDs and secret access keys before they are committed.',
        'entry': ENTRY,
        'language': 'python',
        'stages': ['pre-commit', 'pre-push', 'commit-msg', 'manual'],
        'always_run': True,
        'types': [],
        'types_or': ['file', 'symlink'],
        'require_serial': True,
        'minimum_pre_commit_version': '3.2.0',
    }


def test_manifest_entry_runs_what_the_console_script_runs(tmp_path):
    # The entry, run by this test environment's interpreter as pre-commit runs it
    # from the hook's virtualenv, from a directory that is not the project's.
    (hook,) = HOOKS
    assert PYPROJECT['project']['scripts'] == {'aws-key-guard': 'aws_key_guard._main:main'}
    argv = shlex.split(hook['entry'])
    assert argv[0] == 'python'
    (tmp_path / 'notes.txt').write_text('nothing here\n')
    help_text = subprocess.run(
        [sys.executable, *argv[1:], '--help'], cwd=tmp_path, capture_output=True, check=True
    ).stdout
    assert help_text.startswith(b'usage: aws-key-guard ')
    clean = subprocess.run([sys.executable, *argv[1:], 'notes.txt'], cwd=tmp_path, check=False)
    assert clean.returncode == 0


def test_manifest_entry_imports_neither_site_nor_os_where_the_hook_is_installed(tmp_path):
    # The layout pre-commit's virtualenv has: <venv>/bin/python, and the hook in
    # <venv>/lib/pythonX.Y/site-packages. A clean commit then pays for neither
    # `site` nor `os` (about 3.5 ms of a 20 ms commit together).
    import aws_key_guard

    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    (venv / 'bin' / 'python').symlink_to(sys.executable)
    site_packages = venv / 'lib' / f'python{sys.version_info[0]}.{sys.version_info[1]}'
    site_packages /= 'site-packages'
    site_packages.mkdir(parents=True)
    (site_packages / 'aws_key_guard').symlink_to(Path(aws_key_guard.__file__).parent)
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'notes.txt').write_text('nothing here\n')
    (hook,) = HOOKS
    argv = shlex.split(hook['entry'])
    run = subprocess.run(
        [str(venv / 'bin' / 'python'), '-X', 'importtime', *argv[1:], 'notes.txt'],
        cwd=work,
        capture_output=True,
        check=False,
    )
    imported = [line.rpartition(b'|')[2].strip() for line in run.stderr.splitlines()]
    assert (run.returncode, b'aws_key_guard._main' in imported) == (0, True)
    assert [name for name in imported if name in (b'os', b'site', b'posixpath')] == []


def test_readme_mentions_every_hook_id():
    readme = (ROOT / 'README.md').read_text()
    for hook in HOOKS:
        assert f'id: {hook["id"]}' in readme


@pytest.mark.parametrize(
    ('name', 'data'),
    [
        ('app.py', b'x = 1\n'),
        ('creds.ps1.txt', 'key = 1\n'.encode('utf-16')),
        ('cache.pyc', b'\x00\x01binary'),
        ('link', None),  # git stores the name it holds
    ],
)
def test_manifest_types_admit_text_utf16_binary_and_symlinks(tmp_path, name, data):
    # pre-commit passes a file whose tags hold every one of `types` and, if
    # `types_or` is set, one of those.
    path = tmp_path / name
    if data is None:
        path.symlink_to('elsewhere')
    else:
        path.write_bytes(data)
    (hook,) = HOOKS
    tags = tags_from_path(str(path))
    assert set(hook['types']) <= tags
    assert set(hook['types_or']) & tags


def test_pre_commit_accepts_the_manifest():
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'pre_commit',
            'validate-manifest',
            str(ROOT / '.pre-commit-hooks.yaml'),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')


def test_every_claimed_python_is_tested():
    # The classifiers, requires-python and the noxfile's sessions name the same versions.
    project = PYPROJECT['project']
    prefix = 'Programming Language :: Python :: 3.'
    claimed = [c.removeprefix('Programming Language :: Python :: ') for c in project['classifiers']]
    claimed = [v for v in claimed if v.startswith('3.')]
    assert len(claimed) == sum(c.startswith(prefix) for c in project['classifiers'])
    assert project['requires-python'] == f'>={claimed[0]}'
    noxfile = (ROOT / 'noxfile.py').read_text()
    assert f'PYTHONS = {claimed!r}\n' in noxfile
    assert f'{sys.version_info[0]}.{sys.version_info[1]}' in claimed
