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
    ],
)
def test_decode_account_none_without_an_account(key_id):
    assert decode_account(key_id) is None
