from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from aws_key_guard._main import main
from tests.conftest import make_key_id
from tests.conftest import make_secret

KEY = make_key_id(1)
SECRET = make_secret(1)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
MASK = f'AKIA...{KEY[-4:]}'


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'clean.py').write_text('print("hello")\n')
    (tmp_path / 'pair.env').write_text(
        f'# creds\nAWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
    )
    (tmp_path / 'lone.txt').write_text(f'user key: {KEY}\n')
    (tmp_path / 'docs.md').write_text(
        'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'
    )
    return tmp_path


def test_main_clean_file(files, capsysbinary):
    assert main(['clean.py', 'docs.md']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_main_pair_blocks(files, capsysbinary):
    assert main(['clean.py', 'pair.env']) == 1
    out, err = capsysbinary.readouterr()
    assert (
        out
        == (
            f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 2\n'
        ).encode()
    )
    assert err == b''


def test_main_lone_key_id_warns_unless_asked_to_block(files, capsysbinary):
    expected = f'lone.txt:1:11: AKG003 AWS access key ID {MASK} with no secret\n'.encode()
    assert main(['lone.txt']) == 0
    assert capsysbinary.readouterr().out == expected
    assert main(['--block-lone-key-ids', 'lone.txt']) == 1
    assert capsysbinary.readouterr().out == expected


def test_main_unreadable_file_is_an_error_but_others_are_still_scanned(files, capsysbinary):
    assert main(['missing.txt', 'pair.env']) == 2
    out, _ = capsysbinary.readouterr()
    assert out.splitlines() == [
        b'missing.txt:1:1: AKG900 cannot scan file: No such file or directory',
        (
            f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 2'
        ).encode(),
    ]


def test_main_odd_filenames(files, capsysbinary):
    name = os.fsdecode(b'-caf\xe9 \n.env')
    with open(os.fsencode(name), 'w') as f:
        f.write(f'aws_secret_access_key: {SECRET}\n')
    assert main(['--', name]) == 1
    out, _ = capsysbinary.readouterr()
    assert (
        out
        == b'-caf\xe9 \n.env:1:24: AKG002 AWS secret access key ['
        + FP.encode()
        + b'] with no access key ID\n'
    )


def test_main_no_files(capsysbinary):
    assert main([]) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_main_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(['--no-such-option'])
    assert excinfo.value.code == 2


def test_main_help_mentions_exit_codes_and_rotation(capsys):
    with pytest.raises(SystemExit):
        main(['--help'])
    out = capsys.readouterr().out
    assert '2  usage error, or a file that could not be scanned (AKG900)' in out
    assert 'rotate it in IAM' in out


def test_python_dash_m(files):
    result = subprocess.run(
        [sys.executable, '-m', 'aws_key_guard', 'pair.env', 'clean.py'],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == b''
    assert (
        result.stdout
        == (
            f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 2\n'
        ).encode()
    )
