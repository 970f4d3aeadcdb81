from __future__ import annotations

import base64

import pytest

from aws_key_guard import decode
from tests.conftest import make_secret

SECRET = make_secret(4)


@pytest.mark.parametrize(
    ('data', 'pos', 'expected'),
    [
        pytest.param(b'a\\nb', 1, decode.Escape(3, 10, 'json-escape'), id='newline'),
        pytest.param(b'\\u0027', 0, decode.Escape(6, 0x27, 'json-escape'), id='unicode'),
        pytest.param(b'%3D', 0, decode.Escape(3, ord('='), 'url'), id='percent'),
        pytest.param(b'\\x41', 0, None, id='not-an-escape'),
    ],
)
def test_escape_at(data, pos, expected):
    assert decode.escape_at(data, pos) == expected


def test_escape_before():
    assert decode.escape_before(b'"\\u0022AKIA', 7) == decode.Escape(7, 0x22, 'json-escape')
    assert decode.escape_before(b'id%3DAKIA', 5) == decode.Escape(5, ord('='), 'url')
    assert decode.escape_before(b'idAKIA', 2) is None


def test_next_inner_escape():
    data = b'a%20b\\nc\\u002Bd%252fe\\/'
    found = [decode.next_inner_escape(data, lo, len(data)) for lo in (0, 9, 16, 22)]
    assert found == [8, 15, 21, -1]


@pytest.mark.parametrize(
    ('data', 'pos', 'expected'),
    [
        pytest.param(
            b'"ab%2Fcd%2Bef"', 8, decode.Span(1, 13, b'ab/cd+ef', False), id='from-second-escape'
        ),
        pytest.param(
            b'"\\nab\\/cd\\u002fef"', 5, decode.Span(3, 17, b'ab/cd/ef', True), id='after-newline'
        ),
        pytest.param(
            b' %zzab%2Fcd', 6, decode.Span(2, 11, b'zzab/cd', False), id='after-a-lone-percent'
        ),
        pytest.param(
            b'x' * 50 + b'%2F' + b'y' * 10,
            50,
            decode.Span(-1, 63, b'', False),
            id='too-long-on-the-left',
        ),
        pytest.param(
            b' ab%2F' + b'c' * 50,
            3,
            decode.Span(1, 56, b'ab/' + b'c' * 38, False),
            id='decoded-only-up-to-the-limit',
        ),
    ],
)
def test_escaped_span(data, pos, expected):
    assert decode.escaped_span(data, pos, 40) == expected


def test_base64_runs():
    assert decode.base64_runs(b'ab cd/e+f%g', 1, 11, 1) == [(1, 2), (3, 9), (10, 11)]
    assert decode.base64_runs(b'ab cd/e+f%g', 1, 11, 3) == [(3, 9)]


@pytest.mark.parametrize('big_endian', [False, True])
def test_utf16_view_marks_non_ascii(big_endian):
    text = 'k=Aé€\u0000'
    region = text.encode('utf-16-be' if big_endian else 'utf-16-le')
    assert decode.utf16_view(region, big_endian=big_endian) == b'k=A\xe9\xff\x00'


@pytest.mark.parametrize('extra', range(4))
def test_decode_base64_without_padding(extra):
    raw = SECRET.encode()[: 30 + extra]
    encoded = base64.b64encode(raw).rstrip(b'=')
    assert decode.decode_base64(encoded) == raw
    assert decode.decode_base64(encoded + b'Q')[: len(raw)] == raw


def test_base64_offsets_round_trip():
    assert [decode.base64_offset(i) for i in range(7)] == [0, 1, 2, 4, 5, 6, 8]
    assert [decode.base64_index(o) for o in range(9)] == [0, 1, 2, 3, 3, 4, 5, 6, 6]


def test_records_show_their_fields():
    assert repr(decode.escape_at(b'%3D', 0)) == "Escape(3, 61, 'url')"
    assert repr(decode.escaped_span(b'a%2Fb', 1, 40)) == "Span(0, 5, b'a/b', False)"


def test_wrapped_block_needs_its_first_line_to_hold_only_base64():
    # 64 base64 characters, then more text on their line: no wrapped block.
    run = b'QUJD' * 16
    buf = run + b' and more\n' + run + b'\n' + run[:20] + b'\n'
    assert decode.wrapped_block(buf, 0, 0, 64, 1 << 12) is None
    block = run + b'\n' + run + b'\n' + run[:20] + b'\n'
    assert decode.wrapped_block(block, 0, 0, 64, 1 << 12) == [(0, 64), (65, 129), (130, 150)]
