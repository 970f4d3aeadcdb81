"""The command line's reading of argv: every name pre-commit passes is a file."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aws_key_guard._main import main
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

KEY = make_key_id(3)
SECRET = make_secret(3)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
MASK = f'AKIA...{KEY[-4:]}'

ONE_BLOCKING = next_steps('1 blocking finding in 1 file')


def _pair_line(name: str) -> str:
    message = f'AKG001 AWS access key pair: secret [{FP}] with access key ID {MASK} at line 1'
    return f'{name}:2:5: {message}\n'


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'clean.txt').write_text('hello\n')
    return tmp_path


def _pair_in(cwd: Path, name: str) -> None:
    (cwd / name).write_text(f'id={KEY}\nkey={SECRET}\n')


@pytest.mark.parametrize(
    'argv',
    [
        pytest.param(['--'], id='alone'),
        pytest.param(['clean.txt', '--'], id='last'),
        pytest.param(['--', 'clean.txt'], id='first'),
        pytest.param(['--format', 'text', '--', 'clean.txt'], id='after-hook-args'),
    ],
)
def test_main_file_named_double_dash_is_scanned(cwd, capsysbinary, argv):
    _pair_in(cwd, '--')
    assert main(argv) == 1
    assert capsysbinary.readouterr() == (_pair_line('--').encode(), ONE_BLOCKING)


@pytest.mark.parametrize(
    'name', ['--output', '--staged', '--version', '-V', '--help', '--history', '--format']
)
def test_main_file_named_like_an_option_after_hook_args_is_scanned(cwd, capsysbinary, name):
    _pair_in(cwd, name)
    # As pre-commit calls it: the hook's args, then the names, with no `--`.
    assert main(['--format', 'text', name, 'clean.txt']) == 1
    assert capsysbinary.readouterr() == (_pair_line(name).encode(), ONE_BLOCKING)
    # Nothing was written in place of a file.
    assert (cwd / 'clean.txt').read_text() == 'hello\n'


def test_main_hook_output_option_works_beside_a_file_named_output(cwd, capsysbinary):
    _pair_in(cwd, '--output')
    # The hook's args `--output report.txt` (no such file yet), then the names.
    assert main(['--output', 'report.txt', '--output', 'clean.txt']) == 1
    assert capsysbinary.readouterr() == (b'', ONE_BLOCKING)
    assert (cwd / 'report.txt').read_text() == _pair_line('--output')
    assert (cwd / 'clean.txt').read_text() == 'hello\n'


@pytest.mark.parametrize('report', ['report.txt', '-report.txt', '--'])
def test_main_output_value_that_exists_is_the_output(cwd, capsysbinary, report):
    (cwd / report).write_text('an old report\n')
    _pair_in(cwd, 'pair.env')
    assert main(['--output', report, 'pair.env', 'clean.txt']) == 1
    assert capsysbinary.readouterr() == (b'', ONE_BLOCKING)
    assert (cwd / report).read_text() == _pair_line('pair.env')


def test_main_name_that_could_be_an_option_or_a_file_is_a_file(cwd, capsysbinary):
    # Every argument exists: the hook's args could be `--output x`, or the
    # names could be all three. Each is scanned, and none is written.
    _pair_in(cwd, '--output')
    (cwd / 'x').write_text('old\n')
    assert main(['--output', 'x', 'clean.txt']) == 1
    assert capsysbinary.readouterr() == (_pair_line('--output').encode(), ONE_BLOCKING)
    assert (cwd / 'x').read_text() == 'old\n'


def test_main_options_still_work_when_a_name_is_missing(cwd, capsysbinary):
    # No tail of existing names: argparse reads argv as usual, and `--`
    # (no such file) still ends the options.
    _pair_in(cwd, '-odd.env')
    assert main(['--block-lone-key-ids', 'missing.txt', '--', '-odd.env']) == 2
    assert capsysbinary.readouterr() == (
        b'missing.txt:1:1: AKG900 cannot scan file: No such file or directory\n'
        + _pair_line('-odd.env').encode(),
        ONE_BLOCKING,
    )


def test_main_short_version(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(['-V'])
    assert excinfo.value.code == 0
    version = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(['--version'])
    assert capsys.readouterr().out == version
    assert version.startswith('aws-key-guard ')


def _many_pairs(cwd: Path) -> bytes:
    # Findings enough to overflow any write buffer.
    (cwd / 'many.env').write_text(f'id={KEY}\nkey={SECRET}\n' * 400)
    lines = [
        f'many.env:{2 * i}:5: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID {MASK} at line {2 * i - 1}\n'
        for i in range(1, 401)
    ]
    return ''.join(lines).encode()


@pytest.mark.parametrize('fmt', ['text', 'json', 'sarif', 'github'])
def test_main_full_disk_under_output_is_one_error(cwd, capsysbinary, fmt):
    _many_pairs(cwd)
    assert main(['--format', fmt, '--output', '/dev/full', 'many.env', 'clean.txt']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: cannot write the report to /dev/full: No space left on device\n',
    )


def test_main_closed_stdout_is_one_error(cwd):
    _many_pairs(cwd)
    shell = ['sh', '-c', 'exec "$@" >&-', 'sh', sys.executable, '-m', 'aws_key_guard']
    result = subprocess.run([*shell, 'many.env'], cwd=cwd, capture_output=True, check=False)
    assert (result.returncode, result.stderr) == (
        2,
        b'aws-key-guard: error: standard output is closed\n',
    )


def test_main_stdout_whose_reader_is_gone_is_one_error(cwd):
    _many_pairs(cwd)
    read_end, write_end = os.pipe()
    os.close(read_end)  # before the hook writes a byte
    command = [sys.executable, '-m', 'aws_key_guard', 'many.env', 'many.env']
    with subprocess.Popen(command, cwd=cwd, stdout=write_end, stderr=subprocess.PIPE) as hook:
        os.close(write_end)
        _, err = hook.communicate(timeout=60)
    assert (hook.returncode, err) == (
        2,
        b'aws-key-guard: error: cannot write the report to standard output: Broken pipe\n',
    )


def test_main_deeply_nested_configuration_is_one_error(cwd, capsysbinary):
    depth = 5_000
    (cwd / 'pyproject.toml').write_text(f'[tool.aws-key-guard]\nx = {"[" * depth}1{"]" * depth}\n')
    assert main(['clean.txt']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: pyproject.toml is nested too deeply to read\n',
    )


def test_main_in_process_stdout_whose_reader_is_gone(cwd, monkeypatch, capsys):
    _many_pairs(cwd)
    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, 'wb') as pipe:
        monkeypatch.setattr(sys, 'stdout', io.TextIOWrapper(pipe))
        assert main(['many.env']) == 2
        # What could not be written now goes nowhere, without a second error.
        sys.stdout.buffer.flush()
    assert capsys.readouterr().err == (
        'aws-key-guard: error: cannot write the report to standard output: Broken pipe\n'
    )


def test_main_in_process_closed_stdout(cwd, monkeypatch, capsys):
    _many_pairs(cwd)
    monkeypatch.setattr(sys, 'stdout', None)  # as Python starts with fd 1 closed
    assert main(['many.env']) == 2
    assert capsys.readouterr().err == 'aws-key-guard: error: standard output is closed\n'


def test_main_bug_while_judging_is_one_line_naming_the_file(cwd, capsysbinary, monkeypatch):
    from aws_key_guard import check

    def judge_file(*args: object) -> None:
        raise ZeroDivisionError('would quote file bytes')

    monkeypatch.setattr(check, 'judge_file', judge_file)
    _pair_in(cwd, 'pair.env')
    where = f'cli_test.py:{judge_file.__code__.co_firstlineno + 1}'
    assert main(['pair.env', 'clean.txt']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        f'aws-key-guard: error: pair.env: internal error ZeroDivisionError at {where}\n'.encode(),
    )


def test_main_bug_while_scanning_writes_no_baseline(cwd, capsysbinary, monkeypatch):
    from aws_key_guard import pipeline

    def scan_chunks(*args: object, **options: object) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(pipeline, 'scan_chunks', scan_chunks)
    where = f'cli_test.py:{scan_chunks.__code__.co_firstlineno + 1}'
    assert main(['--write-baseline', 'b.json', 'clean.txt']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: b.json not written: clean.txt: '
        + f'internal error ZeroDivisionError at {where}\n'.encode(),
    )
    assert not (cwd / 'b.json').exists()
