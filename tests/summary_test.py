"""A blocking text report ends with the count and the next steps, once, on stderr."""

from __future__ import annotations

import hashlib

import pytest

from aws_key_guard import check
from aws_key_guard._main import main
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

KEY = make_key_id(2)
SECRET = make_secret(2)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
MASK = f'AKIA...{KEY[-4:]}'
SESSION_TOKEN = 'IQoJb3JpZ2luX2VjE' + make_secret(3) * 4


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pair.env').write_text(f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n')
    (tmp_path / 'lone.txt').write_text(f'user key: {KEY}\n')
    (tmp_path / 'two.ini').write_text(
        f'aws_secret_access_key = {SECRET}\naws_session_token = {SESSION_TOKEN}\n'
    )
    (tmp_path / 'clean.py').write_text('print("hello")\n')
    return tmp_path


PAIR = (
    f'pair.env:2:23: AKG001 AWS access key pair: secret [{FP}] '
    f'with access key ID {MASK} at line 1\n'
)
LONE = f'lone.txt:1:11: AKG003 AWS access key ID {MASK} with no secret\n'


def test_blocking_run_ends_with_the_count_and_next_steps(files, capsysbinary):
    assert main(['pair.env', 'lone.txt', 'two.ini', 'clean.py']) == 1
    out, err = capsysbinary.readouterr()
    lines = out.decode().splitlines(keepends=True)
    assert lines[:2] == [PAIR, LONE]
    assert [line.split(': ', 2)[1][:6] for line in lines[2:]] == ['AKG002', 'AKG004']
    # A lone key ID only warns: it is not counted.
    assert err == next_steps('3 blocking findings in 2 files')


def test_one_finding_is_singular_and_lone_key_ids_count_when_they_block(files, capsysbinary):
    assert main(['pair.env']) == 1
    assert capsysbinary.readouterr() == (PAIR.encode(), next_steps('1 blocking finding in 1 file'))
    assert main(['--block-lone-key-ids', 'lone.txt', 'pair.env']) == 1
    assert capsysbinary.readouterr() == (
        (LONE + PAIR).encode(),
        next_steps('2 blocking findings in 2 files'),
    )


def test_findings_not_shown_are_counted(files, monkeypatch, capsysbinary):
    monkeypatch.setattr(check, 'MAX_SHOWN', 1)
    assert main(['two.ini']) == 1
    _, err = capsysbinary.readouterr()
    assert err == (
        b'aws-key-guard: two.ini: 1 more findings not shown (at most 1 per file)\n'
        + next_steps('2 blocking findings in 1 file')
    )


@pytest.mark.parametrize(
    'args',
    [
        pytest.param(['lone.txt', 'clean.py'], id='warnings-only'),
        pytest.param(['--format', 'json', 'pair.env'], id='json'),
        pytest.param(['--format', 'github', 'pair.env'], id='github'),
        pytest.param(['--format', 'sarif', 'pair.env'], id='sarif'),
        pytest.param(['missing.txt'], id='unreadable-is-an-error-not-a-key'),
    ],
)
def test_no_next_steps_unless_a_text_report_blocks(files, capsysbinary, args):
    main(args)
    assert capsysbinary.readouterr().err == b''
