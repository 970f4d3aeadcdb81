from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aws_key_guard.config import Config
from aws_key_guard.config import load_config
from aws_key_guard.error import ScanError
from aws_key_guard.files import BASELINE_MAX
from aws_key_guard.files import CONFIG_MAX
from aws_key_guard.probe import DEFAULT_BASELINE
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

FULL = """\
exclude = '^tests/fixtures/'
pair-window = 3
block-lone-key-ids = true
baseline = 'audit/baseline.json'
allow-fingerprints = ['sha256:0123456789ab', 'sha256:ba9876543210']
foreign-markers = false
"""
FULL_CONFIG = Config(
    source='',
    exclude=re.compile('^tests/fixtures/'),
    pair_window=3,
    block_lone_key_ids=True,
    baseline='audit/baseline.json',
    allow_fingerprints=frozenset(('sha256:0123456789ab', 'sha256:ba9876543210')),
    foreign_markers=False,
)
PROJECT = 'pyproject.toml [tool.aws-key-guard]'
KEY = make_key_id(5)
SECRET = make_secret(5)


ONE_BLOCKING = next_steps('1 blocking finding in 1 file').decode()


def _fp(value: str) -> str:
    return 'sha256:' + hashlib.sha256(value.encode()).hexdigest()[:12]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_load_config_none(workdir):
    assert load_config() == Config()


@pytest.mark.parametrize(
    'text',
    [
        pytest.param('[project]\nname = "aws-key-guard"\n', id='name-only'),
        pytest.param('# see aws-key-guard\n', id='comment'),
        # Not TOML at all: proves the file is not parsed without the table.
        pytest.param('[[[ aws-key-guard = ', id='not-toml-and-no-table'),
    ],
)
def test_load_config_pyproject_without_table(workdir, text):
    (workdir / 'pyproject.toml').write_text(text)
    assert load_config() == Config()


@pytest.mark.parametrize(
    'header',
    [
        '[tool.aws-key-guard]',
        '[ tool . "aws-key-guard" ]',
        "[tool.'aws-key-guard']",
    ],
)
def test_load_config_pyproject_table(workdir, header):
    (workdir / 'pyproject.toml').write_text(f'[project]\nname = "x"\n\n{header}\n{FULL}')
    assert load_config() == FULL_CONFIG._replace(source=PROJECT)


def test_load_config_pyproject_dotted_keys(workdir):
    (workdir / 'pyproject.toml').write_text('tool.aws-key-guard.pair-window = 0\n')
    assert load_config() == Config(source=PROJECT, pair_window=0)


def test_load_config_pyproject_mention_in_comment_only(workdir):
    (workdir / 'pyproject.toml').write_text('# [tool.aws-key-guard] is not used here\n')
    assert load_config() == Config()


def test_load_config_own_file(workdir):
    (workdir / '.aws-key-guard.toml').write_text(FULL)
    (workdir / 'pyproject.toml').write_text('[tool.ruff]\nline-length = 100\n')
    assert load_config() == FULL_CONFIG._replace(source='.aws-key-guard.toml')


def test_load_config_empty_table(workdir):
    (workdir / 'pyproject.toml').write_text('[tool.aws-key-guard]\n')
    assert load_config() == Config(source=PROJECT)


def _error(workdir: Path, pyproject: str | None = None, own: str | None = None) -> str:
    if pyproject is not None:
        (workdir / 'pyproject.toml').write_text(pyproject)
    if own is not None:
        (workdir / '.aws-key-guard.toml').write_text(own)
    with pytest.raises(ScanError) as excinfo:
        load_config()
    return str(excinfo.value)


@pytest.mark.parametrize(
    ('body', 'message'),
    [
        ('exclude = 3', 'exclude must be a regular expression in a string'),
        ('exclude = "("', 'exclude is not a valid regular expression: '),
        ('pair-window = -1', 'pair-window must be a whole number of lines, 0 or more'),
        ('pair-window = "3"', 'pair-window must be a whole number of lines, 0 or more'),
        ('pair-window = true', 'pair-window must be a whole number of lines, 0 or more'),
        ('pair-window = 2.5', 'pair-window must be a whole number of lines, 0 or more'),
        ('block-lone-key-ids = "yes"', 'block-lone-key-ids must be true or false'),
        ('block-lone-key-ids = 1', 'block-lone-key-ids must be true or false'),
        ('foreign-markers = 0', 'foreign-markers must be true or false'),
        ('baseline = ""', 'baseline must be a file name'),
        ('baseline = ["a"]', 'baseline must be a file name'),
        (
            'allow-fingerprints = "sha256:0123456789ab"',
            'allow-fingerprints must be a list of fingerprints such as "sha256:1f2e3d4c5b6a"',
        ),
        (
            'allow-fingerprints = ["sha256:0123456789AB"]',
            'allow-fingerprints must be a list of fingerprints such as "sha256:1f2e3d4c5b6a"',
        ),
        (
            'allow-fingerprints = [1]',
            'allow-fingerprints must be a list of fingerprints such as "sha256:1f2e3d4c5b6a"',
        ),
        ('pair_window = 3', "unknown key 'pair_window'; did you mean 'pair-window'?"),
        ('[tool.aws-key-guard.extra]', "unknown key 'extra'"),
    ],
)
def test_load_config_bad_values_name_the_key(workdir, body, message):
    error = _error(workdir, pyproject=f'[tool.aws-key-guard]\n{body}\n')
    expected = f'{PROJECT}: {message}'
    assert error.startswith(expected) if message.endswith(': ') else error == expected


@pytest.mark.parametrize(
    ('body', 'message'),
    [
        ('pair-window = "3"', 'pair-window must be a whole number of lines, 0 or more'),
        ('[tool.aws-key-guard]\nbaseline = "b.json"', "unknown key 'tool'"),
    ],
)
def test_load_config_own_file_bad_values(workdir, body, message):
    assert _error(workdir, own=f'{body}\n') == f'.aws-key-guard.toml: {message}'


def test_load_config_secret_value_is_not_echoed(workdir):
    error = _error(workdir, pyproject='[tool.aws-key-guard]\nbaseline = 123456789\n')
    assert error == f'{PROJECT}: baseline must be a file name'


@pytest.mark.parametrize(
    ('pyproject', 'own', 'message'),
    [
        ('[tool.aws-key-guard\n', None, 'pyproject.toml is not valid TOML: '),
        (None, 'pair-window = \n', '.aws-key-guard.toml is not valid TOML: '),
        ('tool.aws-key-guard = 3\n', None, 'pyproject.toml: tool.aws-key-guard must be a table'),
        (
            '[tool.aws-key-guard]\npair-window = 1\n',
            'pair-window = 2\n',
            'configuration in both .aws-key-guard.toml and pyproject.toml: keep one',
        ),
    ],
)
def test_load_config_bad_files(workdir, pyproject, own, message):
    error = _error(workdir, pyproject, own)
    assert error.startswith(message) if message.endswith(': ') else error == message


def test_load_config_not_utf8(workdir):
    (workdir / '.aws-key-guard.toml').write_bytes(b'baseline = "\xff"\n')
    assert _error(workdir).startswith('.aws-key-guard.toml is not valid TOML: ')


def test_load_config_unreadable(workdir):
    (workdir / 'pyproject.toml').mkdir()
    assert _error(workdir) == 'cannot read pyproject.toml: a directory, not a regular file'


@pytest.mark.parametrize(
    ('pyproject', 'loaded'),
    [
        ('[project]\nname = "aws-key-guard"\n[tool.ruff]\nline-length = 100\n', False),
        ('[tool.aws-key-guard]\npair-window = 2\n', True),
    ],
)
def test_tomllib_imported_only_when_the_table_is_there(workdir, pyproject, loaded):
    (workdir / 'pyproject.toml').write_text(pyproject)
    code = (
        'import sys; from aws_key_guard._main import main; rc = main([]); '
        'print(rc, "tomllib" in sys.modules or "tomli" in sys.modules)'
    )
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout == f'0 {loaded}\n'


# Configuration and baseline files are read on every commit: anything but a
# small regular file is refused in one line, before it is opened or read.
_SPECIAL_FILES = ('pyproject.toml', '.aws-key-guard.toml', '.aws-key-guard-baseline.json')


def _special_run(workdir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    # A subprocess with a timeout: a read that waits forever fails the test.
    return subprocess.run(
        [sys.executable, '-m', 'aws_key_guard', *args],
        cwd=workdir,
        capture_output=True,
        timeout=60,
        check=False,
    )


def _special_error(name: str, what: str) -> bytes:
    if name.endswith('.json'):
        return f'aws-key-guard: error: cannot read baseline {name}: {what}\n'.encode()
    return f'aws-key-guard: error: cannot read {name}: {what}\n'.encode()


@pytest.mark.parametrize('name', _SPECIAL_FILES)
def test_config_file_linked_to_dev_zero_is_refused(workdir, name, capsysbinary):
    from aws_key_guard._main import main

    (workdir / 'clean.txt').write_text('nothing here\n')
    os.symlink('/dev/zero', workdir / name)
    assert main(['clean.txt']) == 2
    out, err = capsysbinary.readouterr()
    assert (out, err) == (b'', _special_error(name, 'a character device, not a regular file'))


@pytest.mark.parametrize('name', _SPECIAL_FILES)
def test_config_file_as_fifo_is_refused_without_waiting(workdir, name):
    (workdir / 'clean.txt').write_text('nothing here\n')
    os.mkfifo(workdir / name)
    for args in (['clean.txt'], ['--format', 'json', 'clean.txt']):
        result = _special_run(workdir, *args)
        assert (result.returncode, result.stdout) == (2, b'')
        assert result.stderr == _special_error(name, 'a FIFO, not a regular file')


@pytest.mark.parametrize(
    ('name', 'cap'),
    [
        ('pyproject.toml', CONFIG_MAX),
        ('.aws-key-guard.toml', CONFIG_MAX),
        (DEFAULT_BASELINE, BASELINE_MAX),
    ],
)
def test_config_file_over_the_cap_is_refused(workdir, name, cap, capsysbinary):
    from aws_key_guard._main import main

    (workdir / 'clean.txt').write_text('nothing here\n')
    with open(workdir / name, 'wb') as f:
        f.truncate(cap + 1)  # sparse: no disk space used
    assert main(['clean.txt']) == 2
    out, err = capsysbinary.readouterr()
    limit = f'larger than {cap >> 20} MiB'
    assert (out, err) == (b'', _special_error(name, limit))


def test_config_file_at_the_cap_is_read(workdir, capsysbinary):
    from aws_key_guard._main import main

    (workdir / 'clean.txt').write_text('nothing here\n')
    table = b'[tool.aws-key-guard]\npair-window = 2\n'
    (workdir / 'pyproject.toml').write_bytes(table + b'#' * (CONFIG_MAX - len(table) - 1) + b'\n')
    assert main(['clean.txt']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_config_file_in_a_symlink_loop_is_refused(workdir, capsysbinary):
    from aws_key_guard._main import main

    (workdir / 'clean.txt').write_text('nothing here\n')
    os.symlink('pyproject.toml', workdir / 'pyproject.toml')
    assert main(['clean.txt']) == 2
    out, err = capsysbinary.readouterr()
    what = os.strerror(errno.ELOOP)
    assert (out, err) == (
        b'',
        f'aws-key-guard: error: cannot read pyproject.toml: {what}\n'.encode(),
    )


def _cli(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, str, str]:
    from aws_key_guard._main import main

    rc = main(list(argv))
    out, err = capsysbinary.readouterr()
    return rc, out.decode(), err.decode()


@pytest.mark.parametrize(
    ('key', 'shown'),
    [
        ('exlude', "'exlude'; did you mean 'exclude'?"),
        ('pair_window', "'pair_window'; did you mean 'pair-window'?"),
        ('block-lone-keys', "'block-lone-keys'; did you mean 'block-lone-key-ids'?"),
        ('colour', "'colour'"),
    ],
)
def test_unknown_key_suggests_the_closest_known_one(workdir, capsysbinary, key, shown):
    (workdir / '.aws-key-guard.toml').write_text(f'{key} = 1\n')
    (workdir / 'clean.txt').write_text('nothing here\n')
    error = f'aws-key-guard: error: .aws-key-guard.toml: unknown key {shown}\n'
    assert _cli(capsysbinary, 'clean.txt') == (2, '', error)


def test_unknown_key_like_a_credential_is_masked(workdir, capsysbinary):
    key = 'exclude' + make_secret(3).replace('/', 'x').replace('+', 'y')
    (workdir / '.aws-key-guard.toml').write_text(f'{key} = 1\n')
    (workdir / 'clean.txt').write_text('nothing here\n')
    error = "aws-key-guard: error: .aws-key-guard.toml: unknown key '[masked]'\n"
    assert _cli(capsysbinary, 'clean.txt') == (2, '', error)


@pytest.fixture
def subdir(git_repo, monkeypatch):
    """A repository configured at its top level, and its subdirectory `sub` as the cwd."""
    (git_repo / 'sub' / 'fixtures').mkdir(parents=True)
    (git_repo / 'pyproject.toml').write_text(
        "[tool.aws-key-guard]\nexclude = '^sub/fixtures/'\nblock-lone-key-ids = true\n"
    )
    (git_repo / 'sub' / 'app.env').write_text(f'{KEY}\n{SECRET}\n')
    (git_repo / 'sub' / 'fixtures' / 'k.env').write_text(f'{KEY}\n{SECRET}\n')
    (git_repo / 'sub' / 'lone.txt').write_text(f'id = {KEY}\n')
    monkeypatch.chdir(git_repo / 'sub')
    return git_repo


def test_configuration_and_baseline_at_the_top_level_apply_in_a_subdirectory(subdir, capsysbinary):
    # Excluded as the top level names it; a lone key ID blocks, as configured.
    lone = f'lone.txt:1:6: AKG003 AWS access key ID AKIA...{KEY[-4:]} with no secret\n'
    assert _cli(capsysbinary, 'fixtures/k.env', 'lone.txt') == (1, lone, ONE_BLOCKING)
    # The baseline is written at the top level, with paths from there, ...
    baseline = '../.aws-key-guard-baseline.json'
    rc, _, err = _cli(capsysbinary, '--write-baseline', baseline, 'app.env', 'lone.txt')
    assert (rc, err) == (0, f'aws-key-guard: wrote 2 entries to {baseline}\n')
    written = json.loads((subdir / '.aws-key-guard-baseline.json').read_text())
    assert [e['path'] for e in written['entries']] == ['sub/app.env', 'sub/lone.txt']
    # ... and found there as the default, on the everyday path too.
    assert _cli(capsysbinary, 'app.env', 'lone.txt', 'fixtures/k.env') == (0, '', '')
    # At the top level, the same files by their own names.
    os.chdir(subdir)
    assert _cli(capsysbinary, 'sub/app.env', 'sub/lone.txt', 'sub/fixtures/k.env') == (0, '', '')


def test_config_option_reads_the_named_file(subdir, capsysbinary):
    (subdir / 'ci').mkdir()
    (subdir / 'ci' / 'guard.toml').write_text("exclude = '^sub/lone'\n")
    pair = f'app.env:2:1: AKG001 AWS access key pair: secret [{_fp(SECRET)}] '
    pair += f'with access key ID AKIA...{KEY[-4:]} at line 1\n'
    # Only the named file counts: the top level's exclude and lone-key setting do not.
    assert _cli(capsysbinary, '--config', '../ci/guard.toml', 'app.env', 'lone.txt') == (
        1,
        pair,
        ONE_BLOCKING,
    )
    (subdir / 'ci' / 'pyproject.toml').write_text("[tool.aws-key-guard]\nexclude = '^sub/app'\n")
    lone = f'lone.txt:1:6: AKG003 AWS access key ID AKIA...{KEY[-4:]} with no secret\n'
    assert _cli(capsysbinary, '--config', '../ci/pyproject.toml', 'app.env', 'lone.txt') == (
        0,
        lone,
        '',
    )
    missing = 'aws-key-guard: error: cannot read ../ci/none.toml: No such file or directory\n'
    assert _cli(capsysbinary, '--config', '../ci/none.toml', 'app.env') == (2, '', missing)
    (subdir / 'ci' / 'pyproject.toml').write_text('[tool.ruff]\n')
    none = 'aws-key-guard: error: ../ci/pyproject.toml has no [tool.aws-key-guard] table\n'
    assert _cli(capsysbinary, '--config', '../ci/pyproject.toml', 'app.env') == (2, '', none)


def test_config_file_that_fails_to_read_is_refused(workdir, capsysbinary):
    # A regular file by its type whose read fails (EIO): an error, not a pass.
    (workdir / 'clean.txt').write_text('nothing here\n')
    os.symlink('/proc/self/mem', workdir / 'pyproject.toml')
    what = os.strerror(errno.EIO)
    error = f'aws-key-guard: error: cannot read pyproject.toml: {what}\n'
    assert _cli(capsysbinary, 'clean.txt') == (2, '', error)


def test_run_in_a_removed_directory_uses_the_defaults(tmp_path, monkeypatch, capsysbinary):
    (tmp_path / 'clean.txt').write_text('nothing here\n')
    (tmp_path / 'gone').mkdir()
    monkeypatch.chdir(tmp_path / 'gone')
    (tmp_path / 'gone').rmdir()
    assert _cli(capsysbinary, str(tmp_path / 'clean.txt')) == (0, '', '')


def test_write_baseline_into_a_missing_directory_is_refused(workdir, capsysbinary):
    (workdir / 'lone.txt').write_text(f'id = {KEY}\n')
    error = 'aws-key-guard: error: cannot write baseline none/b.json: No such file or directory\n'
    lone = f'lone.txt:1:6: AKG003 AWS access key ID AKIA...{KEY[-4:]} with no secret\n'
    assert _cli(capsysbinary, '--write-baseline', 'none/b.json', 'lone.txt') == (2, lone, error)
