"""Floods of near-candidates are dropped in C passes: whatever follows one is judged as ever."""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

import pytest

from aws_key_guard import pipeline
from aws_key_guard import scan
from aws_key_guard.files import read_chunks
from aws_key_guard.judge import Settings
from aws_key_guard.judge import judge_file
from aws_key_guard.pipeline import scan_file
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.format_matrix_test import FOUND
from tests.format_matrix_test import QUIET

KEY, KEY2 = make_key_id(31), make_key_id(32)
SECRET, SECRET2 = make_secret(31), make_secret(32)
LINES = 40  # more secret-length runs than a read of text holds: the rest is a flood
# Each line of a flood is a run the plain scan would judge one by one.
FLOODS = {
    'hex-digests': '6f1c0e25ab39d4477a0b8e1f5c2d9a3b7e4f6c8d\n',
    'repeated-placeholder': '9aB9' * 10 + '\n',
    'short-url-encoded-runs': 'a%2F' * 12 + '\n',
    'short-reference-runs': 'a&#47;' * 12 + '\n',
    # A binary string in source: escapes, none of them of a base64 character.
    'binary-string': '\\x04S\\x01\\x00PK\\x03\\x04%\\x8ej\\xbeT\\xc1\\x8a\\x84\\xad\\x00\\x0f\n',
    # Bytes that are base64 characters, some of them '+' and '/' (`\\x2b`, `\\x2f`).
    'byte-string': '    b"\\x44\\x2b\\x82\\x6b\\x30\\x2f\\x4d\\xf9\\x0e\\x7a\\x2B\\x41"\n',
}
# Formats that are what they are only from a file's first byte: a byte order
# mark, a SQLite database's header.
_OWN_START = (b'\xff\xfe', b'\xfe\xff', b'\x00\x00\xfe\xff', b'SQLite format 3\x00')


@pytest.fixture(autouse=True, params=['find', 'regex'])
def prefix_search(request, monkeypatch):
    def scan_chunks(*args, **kwargs):
        return scan.scan_chunks(*args, **{**kwargs, 'search': request.param})

    monkeypatch.setattr(pipeline, 'scan_chunks', scan_chunks)


def _scan(tmp_path: pathlib.Path, data: bytes) -> list[tuple[str, int, int, str | None]]:
    path = tmp_path / 'sample'
    path.write_bytes(data)
    result = judge_file(scan_file(read_chunks(str(path))), str(path), Settings())
    return [(f.code, f.line, f.col, f.layer) for f in result.findings]


def _cases() -> Sequence[object]:
    cases = []
    for flood, line in FLOODS.items():
        for case in FOUND + QUIET:
            data = case.values[0]
            if not (isinstance(data, bytes) and data.startswith(_OWN_START)):
                cases.append(pytest.param(flood, line, *case.values, id=f'{flood}-{case.id}'))
    return cases


@pytest.mark.parametrize(('flood', 'line', 'data', 'expected'), _cases())
def test_format_after_a_flood_is_judged_as_alone(tmp_path, flood, line, data, expected):
    sample = data.encode() if isinstance(data, str) else data
    found = _scan(tmp_path, (line * LINES).encode() + sample)
    assert found == [(code, row + LINES, col, layer) for code, row, col, layer in expected]


def _found(data: bytes, search: str, chunk: int) -> list[tuple[str, int, int, str, bool]]:
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    found = scan.scan_chunks(chunks, search=search)  # type: ignore[arg-type]
    return [(c.kind.value, c.line, c.col, c.token.decode(), c.context) for c in found]


HEX_LINE = FLOODS['hex-digests'].encode()
SLASHED = SECRET[:9] + '/' + SECRET[10:]


@pytest.mark.parametrize(
    ('data', 'expected'),
    [
        pytest.param(
            HEX_LINE * 32 + b'A' * 100_000 + f'\n{KEY} {SECRET}\n'.encode(),
            [('key-id', 34, 1, KEY, False), ('secret', 34, 22, SECRET, False)],
            id='a-run-longer-than-the-read-ends-the-flood',
        ),
        pytest.param(
            FLOODS['short-url-encoded-runs'].encode() * LINES
            + b'\x01\n'
            + f'aws_secret_access_key={SLASHED.replace("/", "%2F")}\n'.encode(),
            [('secret', 42, 23, SLASHED, True)],
            id='a-control-byte-among-short-url-encoded-runs',
        ),
        pytest.param(
            FLOODS['short-url-encoded-runs'].encode() * 20
            + HEX_LINE * 20
            + f'{KEY} {SECRET}\n'.encode(),
            [('key-id', 41, 1, KEY, False), ('secret', 41, 22, SECRET, False)],
            id='url-encoded-runs-then-hex-digests',
        ),
    ],
)
@pytest.mark.parametrize('chunk', [4096, 1 << 16])
def test_flood_then_a_token(data, expected, chunk):
    assert _found(data, 'find', chunk) == expected
    assert _found(data, 'regex', chunk) == expected


# Reads of 4096 bytes: the first window ends at 1984, and each token below starts
# in its look-ahead, to be judged with the second read.
@pytest.mark.parametrize(
    ('data', 'expected'),
    [
        pytest.param(
            b'w ' * 500 + b'AKIA\n' + b'w ' * 500 + f'{KEY}\n'.encode() + b'w ' * 3000,
            [('key-id', 2, 1001, KEY, False)],
            id='text-with-a-prefix',
        ),
        pytest.param(
            b'\x02' * 300
            + f'\x00a{KEY2}{SECRET2}'.encode()
            + b'.' * 1638
            + f'\x00a{KEY}{SECRET}\n'.encode()
            + b'.' * 5000,
            [
                ('key-id', 1, 303, KEY2, False),
                ('secret', 1, 323, SECRET2, False),
                ('key-id', 1, 2003, KEY, False),
                ('secret', 1, 2023, SECRET, False),
            ],
            id='binary-data-with-many-control-bytes',
        ),
        pytest.param(b'\x02' * 300 + b'AKIA' + b'.' * 100, [], id='one-read-of-binary-data'),
    ],
)
def test_token_in_the_look_ahead(data, expected):
    assert _found(data, 'regex', 4096) == expected


def test_many_pairs_in_one_read_are_all_found():
    keys = [make_key_id(100 + i) for i in range(LINES)]
    secrets = [make_secret(100 + i) for i in range(LINES)]
    data = ''.join(f'{k} {s}\n' for k, s in zip(keys, secrets, strict=True)).encode()
    expected = []
    for i, (k, s) in enumerate(zip(keys, secrets, strict=True)):
        expected += [('key-id', i + 1, 1, k, False), ('secret', i + 1, 22, s, False)]
    assert _found(data, 'find', 1 << 16) == expected
    assert _found(data, 'regex', 1 << 16) == expected


def test_an_escaped_run_that_runs_on_into_character_references():
    # Escapes such as '%43' are not common inner escapes: the run is parsed, and
    # the span that goes on through `&#47;` is left to the character references' judge.
    secret = SECRET[:30] + '/' + SECRET[31:]
    written = ''.join(f'%{ord(c):02X}' for c in secret[:10]) + f'{secret[10:30]}&#47;{secret[31:]}'
    data = f'aws_secret_access_key={written}\n'.encode()
    assert _found(data, 'find', 1 << 16) == [('secret', 1, 23, secret, True)]
    assert _found(data, 'regex', 1 << 16) == [('secret', 1, 23, secret, True)]


@pytest.mark.parametrize('unit', [b'a&#47;' * 12 + b'\n', b'a&#47' * 12 + b'\n'], ids=['', 'no-;'])
@pytest.mark.parametrize('chunk', [4096, 1 << 16])
def test_short_reference_runs_over_many_reads_then_a_pair(unit, chunk):
    data = unit * 600 + f'{KEY}\n<p>{SLASHED.replace("/", "&#x002F;")}</p>\n'.encode()
    expected = [('key-id', 601, 1, KEY, False), ('secret', 602, 4, SLASHED, False)]
    assert _found(data, 'find', chunk) == expected
    assert _found(data, 'regex', chunk) == expected


def test_hex_digests_among_many_separators_then_a_pair():
    # Too many separators for the flood map to split the read: its runs are judged one by one.
    data = (HEX_LINE[:-1] + b' ' * 200 + b'\n') * LINES + f'{KEY} {SECRET}\n'.encode()
    expected = [('key-id', LINES + 1, 1, KEY, False), ('secret', LINES + 1, 22, SECRET, False)]
    assert _found(data, 'find', 1 << 16) == expected
    assert _found(data, 'regex', 1 << 16) == expected
