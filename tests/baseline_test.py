from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aws_key_guard.baseline import BaselineEntry
from aws_key_guard.baseline import entry_for
from aws_key_guard.baseline import load_baseline
from aws_key_guard.baseline import normalize_path
from aws_key_guard.baseline import render_baseline
from aws_key_guard.baseline import write_baseline
from aws_key_guard.error import ScanError
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
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
    assert Finding(Code.PAIR, 2, 1, KEY, SECRET, 1).fingerprint == _fp(SECRET)
    assert Finding(Code.SECRET, 2, 1, secret=SECRET).fingerprint == _fp(SECRET)
    assert Finding(Code.KEY_ID, 2, 1, key_id=KEY).fingerprint == _fp(KEY)
    assert Finding(Code.UNSCANNABLE, 1, 1, reason='gone').fingerprint is None


@pytest.mark.parametrize(
    ('filename', 'path'), [('a.env', 'a.env'), ('./a.env', 'a.env'), ('d//x/../b', 'd/b')]
)
def test_normalize_path(filename, path):
    assert normalize_path(filename) == path
    assert entry_for(filename, Finding(Code.KEY_ID, 1, 1, key_id=KEY)) == (path, 'AKG003', _fp(KEY))


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


def _aws_key_guard(
    cwd: Path, *args: str, preexec_fn: Callable[[], object] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, '-m', 'aws_key_guard', *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, 'PYTHONDONTWRITEBYTECODE': '1'},
        preexec_fn=preexec_fn,
    )


def _pair_file(directory: Path, seed: int) -> str:
    name = f'f{seed:02}.env'
    (directory / name).write_text(f'{make_key_id(seed)}\n{make_secret(seed)}\n')
    return name


def test_write_baseline_never_follows_a_link_beside_it(tmp_path):
    # A repository can commit `<baseline>.tmp` as a link to a file of the user's.
    victim = tmp_path / 'bashrc'
    victim.write_text('export PATH\n')
    repo = tmp_path / 'repo'
    repo.mkdir()
    name = _pair_file(repo, 1)
    os.symlink(victim, repo / '.aws-key-guard-baseline.json.tmp')
    proc = _aws_key_guard(repo, '--write-baseline', '.aws-key-guard-baseline.json', name)
    _, err = proc.communicate(timeout=60)
    assert victim.read_text() == 'export PATH\n'
    assert (proc.returncode, err) == (
        0,
        b'aws-key-guard: wrote 1 entry to .aws-key-guard-baseline.json\n',
    )
    assert os.readlink(repo / '.aws-key-guard-baseline.json.tmp') == str(victim)
    written = load_baseline(str(repo / '.aws-key-guard-baseline.json'))
    assert [e.path for e in written] == [name]


def test_write_baseline_from_parallel_batches_keeps_every_entry(tmp_path):
    # As `xargs -P 8 aws-key-guard --write-baseline`: 8 writers at once, 5 files each.
    names = [_pair_file(tmp_path, seed) for seed in range(40)]
    procs = [
        _aws_key_guard(tmp_path, '--write-baseline', 'b.json', *names[i : i + 5])
        for i in range(0, 40, 5)
    ]
    results = [(proc.communicate(timeout=120)[1], proc.returncode) for proc in procs]
    wrote = re.compile(rb'aws-key-guard: wrote \d+ entries to b\.json\n')
    assert [(bool(wrote.fullmatch(err)), rc) for err, rc in results] == [(True, 0)] * 8
    entries = load_baseline(str(tmp_path / 'b.json'))
    assert sorted(e.path for e in entries) == names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, 'b.json'])


def _file_size_limit(limit: int) -> None:
    # A full disk, as far as this process can tell: writes past `limit` fail.
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_write_baseline_on_a_full_disk_leaves_the_old_one(tmp_path):
    first = _pair_file(tmp_path, 1)
    proc = _aws_key_guard(tmp_path, '--write-baseline', 'b.json', first)
    proc.communicate(timeout=60)
    old = (tmp_path / 'b.json').read_bytes()
    second = _pair_file(tmp_path, 2)
    limit = functools.partial(_file_size_limit, len(old) + 10)
    proc = _aws_key_guard(tmp_path, '--write-baseline', 'b.json', second, preexec_fn=limit)
    _, err = proc.communicate(timeout=60)
    message = f'aws-key-guard: error: cannot write baseline b.json: {os.strerror(errno.EFBIG)}\n'
    assert (proc.returncode, err) == (2, message.encode())
    assert (tmp_path / 'b.json').read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ['b.json', first, second]


def test_write_baseline_that_fails_midway_leaves_the_old_one(tmp_path):
    # In this process, so the path is measured: writes past a small size fail
    # as on a full disk, then the limit and the signal are put back.
    target = tmp_path / 'b.json'
    write_baseline(str(target), [A])
    old = target.read_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(old) + 10, hard))
    try:
        with pytest.raises(ScanError) as excinfo:
            write_baseline(str(target), [A, B])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert str(excinfo.value) == f'cannot write baseline {target}: {os.strerror(errno.EFBIG)}'
    assert target.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ['b.json']
