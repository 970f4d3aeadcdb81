from __future__ import annotations

import hashlib
import json

import pytest

from aws_key_guard.baseline import BaselineEntry
from aws_key_guard.baseline import entry_for
from aws_key_guard.baseline import finding_fingerprint
from aws_key_guard.baseline import load_baseline
from aws_key_guard.baseline import normalize_path
from aws_key_guard.baseline import render_baseline
from aws_key_guard.baseline import write_baseline
from aws_key_guard.model import Finding
from aws_key_guard.model import ScanError
from aws_key_guard.model import Secret
from tests.conftest import make_key_id
from tests.conftest import make_secret

KEY = make_key_id(1).encode()
SECRET = Secret(make_secret(1).encode())
A = BaselineEntry('a.env', 'AKG001', 'sha256:0123456789ab')
B = BaselineEntry('dir/b.txt', 'AKG003', 'sha256:ba9876543210')


def _fp(value: bytes) -> str:
    return 'sha256:' + hashlib.sha256(value).hexdigest()[:12]


def test_finding_fingerprint_is_the_secret_else_the_key_id():
    assert finding_fingerprint(Finding('AKG001', 2, 1, KEY, SECRET, 1)) == _fp(SECRET)
    assert finding_fingerprint(Finding('AKG002', 2, 1, secret=SECRET)) == _fp(SECRET)
    assert finding_fingerprint(Finding('AKG003', 2, 1, key_id=KEY)) == _fp(KEY)


@pytest.mark.parametrize(
    ('filename', 'path'), [('a.env', 'a.env'), ('./a.env', 'a.env'), ('d//x/../b', 'd/b')]
)
def test_normalize_path(filename, path):
    assert normalize_path(filename) == path
    assert entry_for(filename, Finding('AKG003', 1, 1, key_id=KEY)) == (path, 'AKG003', _fp(KEY))


def test_render_baseline_sorted_one_entry_per_line():
    assert render_baseline([B, A, B]) == (
        '{\n'
        '  "version": 1,\n'
        '  "entries": [\n'
        '    {"path": "a.env", "code": "AKG001", "fingerprint": "sha256:0123456789ab"},\n'
        '    {"path": "dir/b.txt", "code": "AKG003", "fingerprint": "sha256:ba9876543210"}\n'
        '  ]\n'
        '}\n'
    )


def test_render_baseline_empty():
    assert render_baseline([]) == '{\n  "version": 1,\n  "entries": [\n  ]\n}\n'


def test_write_then_load_round_trip(tmp_path):
    target = tmp_path / 'baseline.json'
    odd = BaselineEntry('caf\udce9.env', 'AKG002', 'sha256:00000000000f')
    write_baseline(str(target), [A, B, odd])
    assert load_baseline(str(target)) == frozenset((A, B, odd))
    assert [p.name for p in tmp_path.iterdir()] == ['baseline.json']


def test_write_baseline_error(tmp_path):
    target = tmp_path / 'missing-dir' / 'baseline.json'
    with pytest.raises(ScanError) as excinfo:
        write_baseline(str(target), [A])
    assert str(excinfo.value) == f'cannot write baseline {target}: No such file or directory'


def test_load_baseline_missing(tmp_path):
    with pytest.raises(ScanError) as excinfo:
        load_baseline(str(tmp_path / 'nope.json'))
    assert str(excinfo.value) == (
        f'cannot read baseline {tmp_path / "nope.json"}: No such file or directory'
    )


SHAPE = ': expected an object with "version": 1 and "entries"'
GOOD = {'path': 'a', 'code': 'AKG001', 'fingerprint': 'sha256:0123456789ab'}
ENTRY_FIELDS = 'entry 1 must have exactly "path", "code", "fingerprint"'
BAD = [
    pytest.param(b'', 'is not valid JSON: Expecting value: line 1 column 1 (char 0)', id='empty'),
    pytest.param(b'\xff', 'is not valid JSON: ', id='not-utf8'),
    pytest.param(b'[' * 100000, 'is not valid JSON: ', id='too-deep'),
    pytest.param([], SHAPE, id='list'),
    pytest.param({'entries': []}, SHAPE, id='nover'),
    pytest.param(
        {'version': 2, 'entries': []},
        SHAPE,
        id='version-2',
    ),
    pytest.param(
        {'version': 1, 'entries': [], 'x': 1},
        SHAPE,
        id='extra-key',
    ),
    pytest.param({'version': 1, 'entries': {}}, ': "entries" must be a list', id='entries-dict'),
    pytest.param({'version': 1, 'entries': ['a']}, f': {ENTRY_FIELDS}', id='entry-str'),
    pytest.param(
        {'version': 1, 'entries': [{**GOOD, 'line': 3}]}, f': {ENTRY_FIELDS}', id='has-line'
    ),
    pytest.param(
        {'version': 1, 'entries': [GOOD, {**GOOD, 'path': ''}]},
        ': entry 2: "path" must be a file name',
        id='empty-path',
    ),
    pytest.param(
        {'version': 1, 'entries': [{**GOOD, 'path': 3}]},
        ': entry 1: "path" must be a file name',
        id='path-int',
    ),
    pytest.param(
        {'version': 1, 'entries': [{**GOOD, 'code': 'AKG900'}]},
        ': entry 1: unknown code',
        id='code',
    ),
    pytest.param(
        {'version': 1, 'entries': [{**GOOD, 'fingerprint': make_secret(3)}]},
        ': entry 1: "fingerprint" must be sha256: and 12 hex digits',
        id='plaintext-secret',
    ),
    pytest.param(
        {'version': 1, 'entries': [{**GOOD, 'fingerprint': None}]},
        ': entry 1: "fingerprint" must be sha256: and 12 hex digits',
        id='fingerprint-null',
    ),
]


@pytest.mark.parametrize(('content', 'message'), BAD)
def test_load_baseline_rejects(tmp_path, content, message):
    target = tmp_path / 'b.json'
    target.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    with pytest.raises(ScanError) as excinfo:
        load_baseline(str(target))
    error = str(excinfo.value)
    prefix = f'baseline {target}'
    if message.endswith(': '):  # the JSON parser's own wording varies between versions
        assert error.startswith(prefix + ' ' + message)
    else:
        assert error == f'{prefix}{"" if message.startswith(":") else " "}{message}'
