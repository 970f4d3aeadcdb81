from __future__ import annotations

import pytest

from aws_key_guard.detect import CHUNK_SIZE
from aws_key_guard.detect import looks_random
from aws_key_guard.detect import scan_chunks
from aws_key_guard.model import Candidate
from aws_key_guard.model import Kind
from tests.conftest import make_key_id
from tests.conftest import make_secret

KEY = make_key_id(1)
SECRET = make_secret(1)


def _found(data: str | bytes, chunk: int = CHUNK_SIZE) -> list[tuple[str, int, int, str, bool]]:
    raw = data.encode() if isinstance(data, str) else data
    chunks = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    return [(c.kind.value, c.line, c.col, c.token.decode(), c.context) for c in scan_chunks(chunks)]


FINDS = [
    pytest.param(KEY, [('key-id', 1, 1, KEY, False)], id='bare-key-id'),
    pytest.param(f'x = "{KEY}"\n', [('key-id', 1, 6, KEY, False)], id='quoted'),
    pytest.param(
        f'a\nb\n  id={KEY}\n  {SECRET}\n',
        [('key-id', 3, 6, KEY, False), ('secret', 4, 3, SECRET, False)],
        id='pair-on-lines',
    ),
    pytest.param(
        f'aws_secret_access_key = {SECRET}',
        [('secret', 1, 25, SECRET, True)],
        id='context-snake',
    ),
    pytest.param(
        f'{{"SecretAccessKey": "{SECRET}"}}', [('secret', 1, 22, SECRET, True)], id='context-json'
    ),
    pytest.param(
        f'<name>fs.s3a.secret.key</name>\n<value>{SECRET}</value>',
        [('secret', 2, 8, SECRET, True)],
        id='context-line-above',
    ),
    pytest.param(
        f'{SECRET}\r\n\t{KEY}\r\n',
        [('secret', 1, 1, SECRET, False), ('key-id', 2, 2, KEY, False)],
        id='crlf-tab',
    ),
    pytest.param(f'k={KEY}/20240101', [('key-id', 1, 3, KEY, False)], id='key-id-before-slash'),
    pytest.param(
        f's=/{SECRET[1:]}',
        [('secret', 1, 3, '/' + SECRET[1:], False)],
        id='secret-starts-with-slash',
    ),
    pytest.param(
        ' '.join(
            [
                make_key_id(2, prefix='ASIA'),
                make_key_id(3, prefix='ABIA'),
                make_key_id(4, prefix='ACCA'),
            ]
        ),
        [
            ('key-id', 1, 1, make_key_id(2, prefix='ASIA'), False),
            ('key-id', 1, 22, make_key_id(3, prefix='ABIA'), False),
            ('key-id', 1, 43, make_key_id(4, prefix='ACCA'), False),
        ],
        id='all-credential-prefixes',
    ),
    pytest.param(b'\x00\xff' + KEY.encode() + b'\x00', [('key-id', 1, 3, KEY, False)], id='binary'),
]


@pytest.mark.parametrize(('data', 'expected'), FINDS)
def test_scan_chunks_finds(data, expected):
    assert _found(data) == expected


IGNORES = [
    pytest.param(KEY.lower(), id='lower-case'),
    pytest.param(KEY[:-1], id='one-char-short'),
    pytest.param(f'X{KEY}', id='letter-before'),
    pytest.param(f'{KEY}9', id='digit-after'),
    pytest.param(f'+{KEY}', id='inside-base64'),
    pytest.param('AIDA' + KEY[4:], id='user-id-prefix'),
    pytest.param('AROA' + KEY[4:], id='role-id-prefix'),
    pytest.param('AKIA' + KEY[4:-1] + 'a', id='lower-case-in-body'),
    pytest.param('TODAYINASIAASACKOFRICEWASSOLD', id='inside-longer-word'),
    pytest.param(SECRET[:-1], id='secret-one-char-short'),
    pytest.param(SECRET + 'a', id='secret-one-char-long'),
    pytest.param(
        f'aws_secret_access_key = {"0123456789abcdef" * 2 + "01234567"}', id='hex-beside-context'
    ),
    pytest.param(f'aws_secret_access_key = {"A1" * 20}', id='low-entropy'),
    pytest.param('getInternalServerErrorResponseForRequest', id='camel-case-identifier'),
    pytest.param('ThisIsMyVeryLongJavaIdentifierNameHereOk', id='pascal-case-identifier'),
    pytest.param(SECRET.upper(), id='upper-case-only'),
    pytest.param('', id='empty'),
]


@pytest.mark.parametrize('data', IGNORES)
def test_scan_chunks_ignores(data):
    assert _found(data) == []


CHUNK_SIZES = [1, 2, 19, 20, 21, 39, 40, 41, 97, 4096, CHUNK_SIZE]


@pytest.mark.parametrize('chunk', CHUNK_SIZES)
def test_scan_chunks_does_not_depend_on_chunk_size(chunk):
    filler = ''.join(f'line {i} with words and {i * 7919}\n' for i in range(60))
    data = (
        f'{filler}{KEY} {SECRET}\n{filler}{"x " * 150}{SECRET}\n'
        f'aws_secret_access_key={make_secret(2)}\r\n{"Q" * 500}{KEY}\n{make_key_id(9)}'
    )
    expected = _found(data)
    assert len(expected) == 5
    assert _found(data, chunk) == expected


@pytest.mark.parametrize('chunk', [1, 7, 41, 100])
def test_scan_chunks_long_run_across_reads_is_not_a_secret(chunk):
    data = 'aws_secret_access_key=' + (SECRET * 3) + '\n' + KEY
    assert _found(data, chunk) == [('key-id', 2, 1, KEY, False)]


def test_scan_chunks_reports_offsets():
    data = f'ab\n{KEY}'.encode()
    assert scan_chunks([data]) == [Candidate(Kind.KEY_ID, 2, 1, 3, KEY.encode())]  # type: ignore[arg-type]  # token is a plain bytes on purpose


def test_looks_random_accepts_generated_secrets():
    assert all(looks_random(make_secret(seed).encode()) for seed in range(500))
