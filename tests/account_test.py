from __future__ import annotations

import pytest

from aws_key_guard.account import decode_account
from tests.conftest import make_key_id


@pytest.mark.parametrize('account', [1, 123456789012, 609629065308, 999999999999])
def test_decode_account_round_trips_new_generation_ids(account):
    for seed in range(5):
        key_id = make_key_id(seed, prefix='ASIA', account=account)
        assert decode_account(key_id.encode()) == account


@pytest.mark.parametrize(
    'key_id',
    [
        pytest.param(make_key_id(3).encode(), id='old-generation'),
        pytest.param(b'AKIA' + b'Q' + b'1' * 15, id='not-base32'),
        pytest.param(b'AKIAQ', id='too-short'),
        # The 40 bits hold up to 13 digits: such a number is no account.
        pytest.param(make_key_id(1, account=10**12).encode(), id='13-digits'),
        pytest.param(make_key_id(1, account=2**40 - 1).encode(), id='largest'),
    ],
)
def test_decode_account_none_without_an_account(key_id):
    assert decode_account(key_id) is None


def test_list_allowed_shows_no_account_for_a_placeholder(tmp_path, monkeypatch, capsysbinary):
    from aws_key_guard._main import main

    monkeypatch.chdir(tmp_path)
    # X is past Q in base32, so this placeholder's bits would decode to a number.
    (tmp_path / 'docs.md').write_text('key: AKIA' + 'X' * 16 + '\n')
    assert main(['--list-allowed', 'docs.md']) == 0
    assert capsysbinary.readouterr() == (
        b'docs.md:1:6: allowed AWS access key ID AKIA...XXXX (built in: placeholder)\n',
        b'',
    )
