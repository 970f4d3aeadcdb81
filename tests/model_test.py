from __future__ import annotations

from aws_key_guard.model import Code
from aws_key_guard.model import blocks


def test_code_is_printed_compared_and_hashed_as_itself():
    assert (str(Code.PAIR), f'{Code.KEY_ID}', f'{Code.SECRET:>8}') == (
        'AKG001',
        'AKG003',
        '  AKG002',
    )
    assert Code('AKG900') is Code.UNSCANNABLE
    assert 'AKG004' in {Code.SESSION_TOKEN}


def test_blocks_decides_what_stops_a_commit():
    assert [c for c in Code if blocks(c, block_lone_key_ids=False)] == [
        Code.PAIR,
        Code.SECRET,
        Code.SESSION_TOKEN,
    ]
    assert blocks(Code.KEY_ID, block_lone_key_ids=True)
    assert not blocks(Code.UNSCANNABLE, block_lone_key_ids=True)
