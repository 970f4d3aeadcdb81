from __future__ import annotations

import functools
import sys

import pytest

from aws_key_guard import decode
from aws_key_guard import scan
from aws_key_guard import tokens
from aws_key_guard.model import Candidate
from aws_key_guard.model import Kind
from aws_key_guard.randomness import looks_random
from aws_key_guard.scan import scan_chunks
from aws_key_guard.window import CHUNK_SIZE
from tests.conftest import make_key_id
from tests.conftest import make_secret

KEY = make_key_id(1)
SECRET = make_secret(1)


@pytest.fixture(autouse=True, params=['find', 'regex', 'patterns'])
def search(request, monkeypatch):
    """Run every test with each prefix search: small inputs use find, large ones regex,
    and a read with a flood of prefixes has patterns pick those to judge."""
    chosen = functools.partial(scan.scan_chunks, search=request.param)
    monkeypatch.setattr(sys.modules[__name__], 'scan_chunks', chosen)


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
    pytest.param(
        f'{KEY}/{SECRET[:19]}',
        [('key-id', 1, 1, KEY, False), ('secret', 1, 1, f'{KEY}/{SECRET[:19]}', False)],
        id='key-id-opens-a-secret-shaped-run',
    ),
    pytest.param(
        b'\x19' + KEY.encode() + SECRET.encode() + b'deploy',
        [('key-id', 1, 2, KEY, False), ('secret', 1, 22, SECRET, False)],
        id='packed-record-columns',
    ),
    pytest.param(
        b'\xda\x14' + KEY.encode() + b'z(', [('key-id', 1, 3, KEY, False)], id='length-prefixed'
    ),
    pytest.param(
        b'\x04\x00\x35\x5d' + KEY.encode() + SECRET.encode() + b'the deploy key',
        [('key-id', 1, 5, KEY, False), ('secret', 1, 25, SECRET, False)],
        id='packed-after-a-printable-header-byte',
    ),
    pytest.param(
        f'"{KEY}{SECRET}"',
        [('key-id', 1, 2, KEY, False), ('secret', 1, 22, SECRET, False)],
        id='pair-run-together',
    ),
    pytest.param(
        f'"\\n{KEY}{SECRET}"',
        [('key-id', 1, 4, KEY, False), ('secret', 1, 24, SECRET, False)],
        id='packed-pair-after-an-escape',
    ),
    pytest.param(
        b'\x05\x00\x35\x5dC' + KEY.encode() + SECRET.encode() + b'the deploy key of the build',
        [('key-id', 1, 6, KEY, False), ('secret', 1, 26, SECRET, False)],
        id='packed-after-a-header-byte-that-is-a-letter',
    ),
    pytest.param(
        b'\x07\x00\x1f\x35\x5d' + b'u' * 58 + KEY.encode() + SECRET.encode() + b'note',
        [('key-id', 1, 64, KEY, False), ('secret', 1, 84, SECRET, False)],
        id='packed-pair-after-a-column-of-text',
    ),
    pytest.param(
        b'\x00' + f'a{KEY}{SECRET}b{make_key_id(2)}{make_secret(2)}'.encode(),
        [
            ('key-id', 1, 3, KEY, False),
            ('secret', 1, 23, SECRET, False),
            ('key-id', 1, 64, make_key_id(2), False),
            ('secret', 1, 84, make_secret(2), False),
        ],
        id='two-packed-pairs-after-one-control-byte',
    ),
    # With no key ID prefix in the read, the word SECRET alone opens literals, in text.
    pytest.param(
        f'SECRET_KEY = ("{SECRET[:20]}"\n    "{SECRET[20:]}")\n',
        [('secret', 1, 16, SECRET, True)],
        id='joined-secret-after-the-word-SECRET',
    ),
    pytest.param(
        f'\0SECRET_KEY = ("{SECRET[:20]}"\n    "{SECRET[20:]}")\n', [], id='joined-in-binary-data'
    ),
    pytest.param(
        f'aws_secret_access_key = ("{SECRET[:20]}"\n    "{SECRET[20:]}")\n',
        [],
        id='joined-after-a-lower-case-word-and-no-key-id',
    ),
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
    pytest.param(b'\t' + KEY.encode() + b'z', id='whitespace-then-joined'),
    pytest.param(b'\x0c' + KEY.encode() + b'z', id='form-feed-then-joined'),
    pytest.param(f'({KEY}{"z" * 40})', id='joined-to-forty-non-secret-chars'),
    pytest.param(f'({KEY}{SECRET[:39]})', id='joined-to-thirty-nine-secret-chars'),
    pytest.param(f'user7{KEY}{SECRET}', id='pair-run-together-inside-a-word'),
    pytest.param(
        b'\x00' + b'u' * 64 + KEY.encode() + SECRET.encode(),
        id='pair-inside-a-word-far-from-binary',
    ),
    pytest.param('\\u0041' + KEY, id='after-an-escaped-letter'),
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


@pytest.mark.parametrize('chunk', [1, 97, CHUNK_SIZE])
def test_scan_chunks_without_lines_finds_the_same_tokens(chunk):
    # Long enough that reads are dropped from the buffer between candidates.
    filler = 'no key here, just words and 12345\n' * 200
    data = f'{filler}{KEY} {SECRET}\n{filler}aws_secret_access_key={make_secret(2)}\n'.encode()
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    with_lines = scan_chunks(chunks)
    assert len(with_lines) == 3
    assert scan_chunks(chunks, lines=False) == [c._replace(line=0, col=0) for c in with_lines]
    assert scan_chunks(chunks, lines=False, limit=1) == [
        c._replace(line=0, col=0) for c in with_lines[:2]
    ]


@pytest.mark.parametrize('chunk', [1, 97, 4096, CHUNK_SIZE])
def test_scan_chunks_flood_of_prefixes_then_a_key_id(chunk):
    data = f'{"AKIA" * 5000}{KEY[:4]}{KEY} {KEY}\n'
    assert _found(data, chunk) == [('key-id', 1, 20026, KEY, False)]


RECORDS = [
    pytest.param(b'\xe3\x00z\x14{K}z({S}z\x09us-east-1', id='marshal-short-strings'),
    pytest.param(b'\xe3\x00z\x14{K}a(\x00\x00\x00{S}Z\x09us-east-1', id='marshal-long-string'),
    pytest.param(b'\n\x05alice\x12\x14{K}\x1a({S}2\tus-east-1', id='protobuf'),
    pytest.param(
        b'\x80\x03}q\x00(X\x06\x00\x00\x00key_idq\x01X\x14\x00\x00\x00{K}q\x02'
        b'X\x06\x00\x00\x00secretq\x03X(\x00\x00\x00{S}q\x04u.',
        id='pickle-protocol-3',
    ),
]


@pytest.mark.parametrize('template', RECORDS)
def test_a_secret_in_a_binary_record_ends_where_its_length_says(template):
    # The next field's type byte, a letter, touches the secret: the record's
    # length field, 40, says where the secret ends.
    data = template.replace(b'{K}', KEY.encode()).replace(b'{S}', SECRET.encode())
    expected = []
    for kind, token in (('key-id', KEY), ('secret', SECRET)):
        at = data.index(token.encode())
        line, col = data.count(b'\n', 0, at) + 1, at - data.rfind(b'\n', 0, at)
        expected.append((kind, line, col, token, False))
    assert _found(data) == expected


@pytest.mark.parametrize(
    'data',
    [
        pytest.param(f'k = {KEY}\nf({SECRET}z)\n'.encode(), id='text'),
        pytest.param(f'k = {KEY}\n\x00'.encode() + b'.' * 64 + f'({SECRET}z'.encode(), id='far'),
    ],
)
def test_a_longer_run_after_a_parenthesis_in_text_is_no_secret(data):
    assert [f[0] for f in _found(data)] == ['key-id']


@pytest.mark.parametrize('chunk', [1, 97, 4096, CHUNK_SIZE])
def test_scan_chunks_flood_of_prefixes_then_a_line_a_diff_adds(chunk):
    data = f'{"AKIA" * 5000}\n+{KEY}\n+{KEY[:4]}'
    assert _found(data, chunk) == [('key-id', 2, 2, KEY, False)]


@pytest.mark.parametrize('chunk', [97, 4096, CHUNK_SIZE])
def test_scan_chunks_record_pair_judged_in_its_own_read(chunk):
    # A prefix near a control byte early on, and a record's pair in the bytes
    # after the first read's window (its look-ahead), judged with the next.
    pair = b'\x00a' + KEY.encode() + SECRET.encode() + b'\n'
    data = b'\x00AKIA' + b'.' * 2000 + pair + b'.' * 5000
    assert _found(data, chunk) == [
        ('key-id', 1, 2008, KEY, False),
        ('secret', 1, 2028, SECRET, False),
    ]


@pytest.mark.parametrize('chunk', [97, 4096, CHUNK_SIZE])
def test_scan_chunks_record_pair_just_inside_a_read_of_joiners(chunk):
    # With reads of 4096 bytes the second window starts at 1984: the control
    # byte lies before it, and the window itself holds nothing but joiners.
    secret = SECRET.replace('/', 'z')
    data = b'b' * 1950 + b'\x00' + b'a' * 39 + f'{KEY}{secret}'.encode() + b'b' * 10000
    assert _found(data, chunk) == [
        ('key-id', 1, 1991, KEY, False),
        ('secret', 1, 2011, secret, False),
    ]


@pytest.mark.parametrize('chunk', [97, CHUNK_SIZE])
def test_scan_chunks_record_pair_whose_only_lower_case_is_the_secrets_last(chunk):
    # Capitals and digits before the key ID and in most of the secret: the last
    # byte a record's pattern looks at still decides.
    secret = SECRET.upper()[:39] + 'q'
    # The key ID as far from its control byte as a record's may be.
    pair = b'\x00\x00' + b'NAME01' * 10 + b'XYZ' + f'{KEY}{secret}'.encode()
    data = b'AKIA' * 500 + pair + b'\n' + b'.' * 2000
    assert _found(data, chunk) == [
        ('key-id', 1, 2066, KEY, False),
        ('secret', 1, 2086, secret, False),
    ]


def test_scan_chunks_key_id_in_the_look_ahead_of_a_read_of_text():
    # The first read's window holds words and a key ID; the key ID in its
    # look-ahead is judged with the next read, once.
    data = f'{KEY} ' + 'ab ' * 21800 + f'{KEY}\n' + 'cd ' * 1000
    assert _found(data) == [('key-id', 1, 1, KEY, False), ('key-id', 1, 65422, KEY, False)]


def test_scan_chunks_record_key_id_behind_an_overlapping_prefix():
    # `AKI` before a record's key ID makes a prefix that overlaps the key ID's
    # own: both readings are judged, whichever search finds the prefixes.
    data = b'\x00AKI' + f'{KEY}{SECRET}'.encode() + b'\n'
    assert _found(data) == [
        ('key-id', 1, 2, 'AKI' + KEY[:17], False),
        ('key-id', 1, 5, KEY, False),
        ('secret', 1, 22, KEY[17:] + SECRET[:37], False),
        ('secret', 1, 25, SECRET, False),
    ]


def test_scan_chunks_record_pairs_among_many_control_bytes():
    # Binary data with hundreds of control bytes, a record's pair in the first
    # read's window and another in its look-ahead.
    other, secret = make_key_id(2), make_secret(2)
    first = b'\x01' * 300 + b'\x00a' + f'{KEY}{SECRET}'.encode()
    second = b'\x00a' + f'{other}{secret}'.encode()
    data = first + b'.' * (65300 - len(first)) + second + b'\n' + b'.' * 3000
    assert _found(data) == [
        ('key-id', 1, 303, KEY, False),
        ('secret', 1, 323, SECRET, False),
        ('key-id', 1, 65303, other, False),
        ('secret', 1, 65323, secret, False),
    ]


@pytest.mark.parametrize('chunk', [1, 3, 7, 20, 64, CHUNK_SIZE])
def test_scan_chunks_close_key_ids_across_reads(chunk):
    # Each read judges some IDs while the next ones wait in its look-ahead.
    other = make_key_id(2)
    data = ' '.join([KEY, f'"\\n{other}"', KEY, f'%3D{other}']) + ' ' * 3000
    assert _found(data, chunk) == [
        ('key-id', 1, 1, KEY, False),
        ('key-id', 1, 25, other, False),
        ('key-id', 1, 47, KEY, False),
        ('key-id', 1, 71, other, False),
    ]


@pytest.mark.parametrize('chunk', [1, 7, 41, 100])
def test_scan_chunks_long_run_across_reads_is_not_a_secret(chunk):
    data = 'aws_secret_access_key=' + (SECRET * 3) + '\n' + KEY
    assert _found(data, chunk) == [('key-id', 2, 1, KEY, False)]


def test_scan_chunks_reports_offsets():
    data = f'ab\n{KEY}'.encode()
    assert scan_chunks([data]) == [Candidate(Kind.KEY_ID, 2, 1, 3, KEY.encode())]  # type: ignore[arg-type]  # token is a plain bytes on purpose


def test_looks_random_accepts_generated_secrets():
    assert all(looks_random(make_secret(seed).encode()) for seed in range(500))


SX = SECRET[:9] + '/' + SECRET[10:25] + '+' + SECRET[26:]
CREDS = f'[p]\naws_access_key_id = {KEY}\naws_secret_access_key = {SX}\n'


def _noise(seed: int, n: int) -> bytes:
    import random

    return random.Random(seed).randbytes(n)


def _layer_document(layer: str) -> bytes:
    """Text that reaches the detector only through one decoding layer, spread over reads."""
    import base64
    import urllib.parse

    filler = ''.join(f'line {i} with words and {i * 7919}\n' for i in range(80))
    if layer == 'json-escape':
        escaped = SX.replace('/', '\\/').replace('+', '\\u002B')
        return f'{filler}{{"id": "{KEY}", "s": "{escaped}"}}\n{filler}"\\n{KEY}"\n'.encode()
    if layer == 'url':
        encoded = urllib.parse.quote(SX, safe='')
        return f'{filler}u=aws://{KEY}:{encoded}@x\n{filler}k%3D{KEY}\n'.encode()
    if layer == 'base64':
        # One run far longer than a read, with the credentials in its middle.
        blob = base64.b64encode(_noise(1, 3000) + CREDS.encode() + _noise(2, 3000)).decode()
        return f'{filler}blob: {blob}\nid: {base64.b64encode(KEY.encode()).decode()}\n'.encode()
    text = f'{filler}{CREDS}{filler}{CREDS}'
    return text.encode('utf-16' if layer == 'utf-16le' else 'utf-16-be')


def _layered(data: bytes, chunk: int) -> list[tuple[str, int, int, str | None]]:
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    return [(c.kind.value, c.line, c.col, c.layer) for c in scan_chunks(chunks)]


LAYER_COUNTS = {'json-escape': 2, 'url': 2, 'base64': 3, 'utf-16le': 4, 'utf-16be': 4}
LAYER_CHUNKS = [1, 2, 3, 5, 19, 40, 41, 97, 1000, 4096, CHUNK_SIZE]


def _wrapped(data: bytes, width: int, indent: str = '', eol: str = '\n') -> str:
    import base64

    text = base64.b64encode(data).decode()
    return ''.join(f'{indent}{text[i : i + width]}{eol}' for i in range(0, len(text), width))


@pytest.mark.parametrize('chunk', LAYER_CHUNKS)
def test_wrapped_base64_does_not_depend_on_chunk_size(chunk):
    filler = ''.join(f'line {i} with words and {i * 7919}\n' for i in range(80))
    creds = CREDS.encode()
    gnu = _wrapped(creds, 76)  # as `base64` writes it: two lines
    yaml = _wrapped(creds, 64, '  ', '\r\n')  # indented, CRLF: three lines
    # Longer than a block judged whole: each line is decoded alone.
    long = _wrapped(_noise(1, 1500) + creds + _noise(2, 1500), 76)
    data = f'{filler}{gnu}{filler}creds: |\n{yaml}{filler}{long}{filler}'.encode()
    expected = _layered(data, len(data))
    assert [c for c in expected if c[1] < 250] == [
        ('key-id', 81, 33, 'base64'),
        ('secret', 82, 17, 'base64'),
        ('key-id', 164, 35, 'base64'),
        ('secret', 165, 31, 'base64'),
    ]
    assert _layered(data, chunk) == expected


WRAPPED_PAIR = f'id {KEY}\nkey {SECRET}\n'.ljust(114, '#').encode()  # two lines of 76


@pytest.mark.parametrize(
    ('data', 'expected'),
    [
        pytest.param(
            _wrapped(WRAPPED_PAIR, 76) + 'done\n',
            [('key-id', 1, 5, KEY, False), ('secret', 1, 38, SECRET, False)],
            id='last-line-full-then-text',
        ),
        pytest.param(
            _wrapped(WRAPPED_PAIR, 76)[:-1],
            [('key-id', 1, 5, KEY, False), ('secret', 1, 38, SECRET, False)],
            id='last-line-full-at-the-end',
        ),
        pytest.param(
            'aws_secret_access_key: |\n' + _wrapped(f'{SECRET}\n{"#" * 30}'.encode(), 64, '  '),
            [('secret', 2, 3, SECRET, True)],
            id='secret-first-words-outside',
        ),
        pytest.param(
            'notes: |\n' + _wrapped(f'{SECRET}\n{"#" * 30}'.encode(), 64, '  '),
            [('secret', 2, 3, SECRET, False)],
            id='secret-first-no-words',
        ),
        pytest.param(
            f'id: {_wrapped(KEY.encode(), 76)}cert: |\n' + _wrapped(_noise(3, 300), 64, '  '),
            [('key-id', 1, 5, KEY, False)],
            id='encoded-key-id-then-a-block',
        ),
        pytest.param(
            f'id: {_wrapped(KEY.encode(), 76)}cert: |\n' + _wrapped(_noise(3, 3000), 64, '  '),
            [('key-id', 1, 5, KEY, False)],
            id='encoded-key-id-then-lines-judged-alone',
        ),
    ],
)
def test_wrapped_base64_block_edges(data, expected):
    assert _found(data) == expected


@pytest.mark.parametrize('chunk', LAYER_CHUNKS)
def test_lines_too_many_to_decode_whole_are_each_judged_alone(chunk):
    # Each 64-character line decodes to 48 bytes of its own: a key ID in one line's
    # bytes is found at its place, one split between two lines is not.
    other = make_key_id(2)
    data = bytearray(_noise(4, 48 * 80))
    data[48 * 30 : 48 * 30 + 20] = KEY.encode()
    data[48 * 33 + 12 : 48 * 33 + 32] = other.encode()
    data[48 * 70 - 10 : 48 * 70 + 10] = make_key_id(3).encode()
    text = 'cert: |\n' + _wrapped(bytes(data), 64, '  ')
    assert _found(text, chunk) == [
        ('key-id', 32, 3, KEY, False),
        ('key-id', 35, 19, other, False),
    ]


@pytest.mark.parametrize('chunk', LAYER_CHUNKS)
@pytest.mark.parametrize('layer', sorted(LAYER_COUNTS))
def test_every_layer_does_not_depend_on_chunk_size(layer, chunk):
    data = _layer_document(layer)
    expected = _layered(data, len(data))
    assert [c[3] for c in expected].count(layer) == LAYER_COUNTS[layer]
    assert _layered(data, chunk) == expected


def test_base64_layer_keeps_memory_bounded_on_one_huge_line():
    import base64
    import tracemalloc

    blob = base64.b64encode(_noise(3, 3 << 20) + CREDS.encode() + _noise(4, 3 << 20))
    data = b'x: ' + blob + b'\n'
    chunk = 64 << 10
    tracemalloc.start()
    try:
        found = scan_chunks(data[i : i + chunk] for i in range(0, len(data), chunk))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(c.kind.value, c.layer) for c in found] == [('key-id', 'base64'), ('secret', 'base64')]
    assert peak < 1 << 20  # a few reads' worth, never the 8 MB line or its decoding


EDGES = [
    pytest.param(f'k={KEY}\na.{SECRET}', [('key-id', 1, 3, KEY)], id='dot-after-base64-before'),
    pytest.param(
        f'k={KEY}\n{SECRET}.{SECRET[:20]}', [('key-id', 1, 3, KEY)], id='dot-then-base64-after'
    ),
    pytest.param(
        f'k={KEY}\n{SECRET}.b.c', [('key-id', 1, 3, KEY)], id='dot-then-short-dotted-part-after'
    ),
    pytest.param(f'k={KEY}\nx-{SECRET}', [('key-id', 1, 3, KEY)], id='dash-before'),
    pytest.param(f'k={KEY}\nx+{SECRET}', [('key-id', 1, 3, KEY)], id='plus-before'),
    pytest.param(
        f'\x1b[32m{KEY}\x1b[0m \x1b[31m{SECRET}\x1b[0m\n',
        [('key-id', 1, 6, KEY), ('secret', 1, 36, SECRET)],
        id='after-colour-codes',
    ),
    pytest.param(
        f'aws_access_key_id = \x1b[01;31m\x1b[K{KEY}\x1b[m\x1b[K\n',
        [('key-id', 1, 32, KEY)],
        id='after-grep-colour-codes',
    ),
    pytest.param(
        f'"x": "id = \\u001b[1m{KEY}\\u001b[0m"\n',
        [('key-id', 1, 21, KEY)],
        id='after-json-colour-code',
    ),
    pytest.param(
        f'aws_secret_access_key = \x1b[1m{SECRET}\x1b[0m\n',
        [('secret', 1, 29, SECRET)],
        id='secret-after-a-colour-code',
    ),
    pytest.param(f'k = a\x1bb{KEY}\n', [], id='no-colour-code-before-key-id'),
    pytest.param(f'k = a+{KEY}\n', [], id='plus-before-key-id'),
    pytest.param(
        f'--- a/k\n+++ b/k\n@@ -0,0 +1,2 @@\n+{KEY}\n+{SECRET}\n',
        [('key-id', 4, 2, KEY), ('secret', 5, 2, SECRET)],
        id='lines-a-diff-adds',
    ),
    pytest.param(
        f'--- a/k\n+++ b/k\n@@ -1,2 +0,0 @@\n-{KEY}\n-{SECRET}\n',
        [('key-id', 4, 2, KEY), ('secret', 5, 2, SECRET)],
        id='lines-a-diff-removes',
    ),
    pytest.param(
        f'@@ -0,0 +1 @@\r\n+{KEY},{SECRET}\r\n',
        [('key-id', 2, 2, KEY), ('secret', 2, 23, SECRET)],
        id='diff-of-csv',
    ),
    pytest.param(f'k={KEY}\n{SECRET}_', [('key-id', 1, 3, KEY)], id='underscore-after'),
    pytest.param(
        f'k={KEY}\nThe key is {SECRET}. Done',
        [('key-id', 1, 3, KEY), ('secret', 2, 12, SECRET)],
        id='sentence-full-stop',
    ),
    pytest.param(
        f'k={KEY}\n{"Ab" * 32}\r\n{SECRET}\r\n',
        [('key-id', 1, 3, KEY)],
        id='wrapped-tail-crlf',
    ),
    pytest.param(
        f'{"Ab" * 32}\n{SECRET}\n{KEY}', [('key-id', 3, 1, KEY)], id='wrapped-tail-at-file-start'
    ),
    pytest.param(
        f'k={KEY}\nca: |\n    {"Ab" * 32}\n    {SECRET}\n',
        [('key-id', 1, 3, KEY)],
        id='wrapped-tail-indented',
    ),
    pytest.param(
        f'k={KEY}\nca: |\n  {"Ab" * 32}\n  - {SECRET}\n',
        [('key-id', 1, 3, KEY), ('secret', 4, 5, SECRET)],
        id='after-a-wrapped-line-and-more-than-an-indent',
    ),
    pytest.param(
        f'k={KEY}\nca: |\n    {SECRET}\n',
        [('key-id', 1, 3, KEY), ('secret', 3, 5, SECRET)],
        id='indented-with-no-wrapped-line-above',
    ),
    pytest.param(
        f'{"Ab" * 40}\n{SECRET}\n{KEY}',
        [('secret', 2, 1, SECRET), ('key-id', 3, 1, KEY)],
        id='long-line-before-is-not-a-wrap',
    ),
    pytest.param(
        f'{KEY}\n{"x" * 90}\n{SECRET}',
        [('key-id', 1, 1, KEY), ('secret', 3, 1, SECRET)],
        id='very-long-line-before-is-not-a-wrap',
    ),
    pytest.param(
        f'k={KEY}\n"\\t{SECRET}"',
        [('key-id', 1, 3, KEY), ('secret', 2, 4, SECRET)],
        id='after-tab-escape',
    ),
    pytest.param(
        f'k={KEY}\ns%3D{SECRET}',
        [('key-id', 1, 3, KEY), ('secret', 2, 5, SECRET)],
        id='after-percent-escape',
    ),
    pytest.param(
        f'k={KEY}\ns={"a" * 20}%2F{"a" * 19}', [('key-id', 1, 3, KEY)], id='escaped-but-not-random'
    ),
    pytest.param(
        f'k={KEY}\naws_secret_access_key=/usr/lib/python3/site-packages/pkg/module/sub/file.py',
        [('key-id', 1, 3, KEY)],
        id='path-is-not-base64-text',
    ),
]


@pytest.mark.parametrize(('data', 'expected'), EDGES)
def test_scan_chunks_token_edges(data, expected):
    assert [(k, line, col, t) for k, line, col, t, _ in _found(data)] == expected


def test_utf16_layer_skips_reads_whose_nul_bytes_are_behind_it():
    data = b'\0' + f'{"word " * 600}{KEY}\n'.encode()
    assert _layered(data, 100) == _layered(data, len(data)) == [('key-id', 1, 3002, None)]


@pytest.mark.parametrize('chunk', [1, 7])
def test_padded_base64_run_that_ends_where_a_read_is_judged(chunk):
    import base64

    pad = b'word ' * 600 + b'\n'
    data = pad + b'v=' + base64.b64encode(f'{KEY}:{SECRET}'.encode()) + b'\n' + pad  # '=='
    expected = [('key-id', 2, 3, 'base64'), ('secret', 2, 31, 'base64')]
    assert _layered(data, chunk) == _layered(data, len(data)) == expected


PLAIN = SECRET.replace('/', 'A').replace('+', 'B')


@pytest.mark.parametrize(
    ('char', 'escape'),
    [('/', '\\/'), ('/', '\\u002F'), ('/', '%2F'), ('/', '%252F'), ('+', '\\u002B'), ('+', '%2B')],
)
def test_escaped_secret_is_found_once_wherever_the_escape_is(char, escape):
    # The plain characters after (or before) an escape can be exactly 40 long
    # (`u002F` and 35 more): they are a slice of the escaped secret, not one.
    for at in range(len(PLAIN)):
        secret = PLAIN[:at] + char + PLAIN[at + 1 :]
        text = f'"SecretAccessKey": "{secret.replace(char, escape)}"\n'
        found = [(kind, token) for kind, _, _, token, _ in _found(text)]
        assert found == [('secret', secret)], at


@pytest.mark.parametrize('escape', ['\\/', '\\u002F', '%2F'])
def test_forty_plain_characters_before_an_escaped_slash_are_no_secret(escape):
    assert _found(f'"SecretAccessKey": "{PLAIN}{escape}{PLAIN[:5]}"\n') == []
    assert _found(f'"SecretAccessKey": "{PLAIN[:5]}{escape}{PLAIN}"\n') == []


def test_escaped_run_beside_aws_words_that_is_no_secret():
    escaped = 'abcdefghijklmnopqrstuvwxyz\\/ABCDEFGHIJKLM'  # a placeholder, `/` escaped
    assert _found(f'"SecretAccessKey": "{escaped}"\n') == []
    # A slice of a base64url token.
    escaped = PLAIN[:20] + '\\/' + PLAIN[21:]
    assert _found(f'"SecretAccessKey": "{escaped}-{PLAIN[:20]}"\n') == []


def test_scan_chunks_search_depends_on_its_own_input_only(monkeypatch):
    # Under 'auto' a small input is searched with bytes.find (no `re` for a
    # clean commit) and a large one with the patterns, whatever was scanned
    # before in this process.
    compiled = []

    def pattern(source):
        compiled.append(source)
        return real(source)

    real = decode.pattern
    monkeypatch.setattr(decode, 'pattern', pattern)
    small = f'id = {KEY}\n'.encode()
    large = b'x = 1\n' * (tokens.FIND_LIMIT // 6 + 1) + small
    assert [c.line for c in scan.scan_chunks([large])] == [tokens.FIND_LIMIT // 6 + 2]
    assert compiled != []
    compiled.clear()
    assert [c.line for c in scan.scan_chunks([small])] == [1]
    assert compiled == []


def test_floods_past_the_memos_size_keep_every_verdict():
    # A scan remembers tokens that hold nothing wherever they stand, and its
    # memos start over when full: floods of distinct ones, past that size,
    # leave what follows them found at its place.
    import base64

    from aws_key_guard.randomness import is_placeholder

    units = [f'Ab{i:04d}' * 7 for i in range(5000)]
    assert all(is_placeholder(u[:40].encode()) for u in units)
    texts = [
        base64.b64encode(f'plain words, line {i:05d} of the flood!'.encode()) for i in range(5000)
    ]
    assert all(decode.may_be_base64_text(t, 0, len(t)) for t in texts)
    encoded = base64.b64encode(f'aws_access_key_id={KEY}\n'.encode()).decode()
    data = (
        ''.join(f'{u[:40]}\n' for u in units)
        + ''.join(f'{t.decode()}\n' for t in texts)
        + f'id = {KEY}\nkey = {SECRET}\n{encoded}\n'
    )
    assert _found(data) == [
        ('key-id', 10001, 6, KEY, False),
        ('secret', 10002, 7, SECRET, False),
        ('key-id', 10003, 25, KEY, False),  # where its encoding starts
    ]


def test_a_hex_digest_after_an_escape_is_no_secret():
    digest = 'ab12' * 10
    assert _found(f'{{"notes": "x\\\\n{digest}"}}') == []
