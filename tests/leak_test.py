"""No output, written file or error message holds any piece of a credential it read."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import sqlite_database

SLICE = 12  # any run this long from a credential counts as a leak


def _secret_with_slash(start: int) -> str:
    # Escaped forms need a `/` to escape.
    seed = start
    while '/' not in make_secret(seed)[1:-1]:
        seed += 1
    return make_secret(seed)


def _every_reference(value: str) -> str:
    return ''.join(f'&#{ord(c)};' for c in value)


KEYS = [make_key_id(40 + i) for i in range(9)]
PAIR = make_secret(40)
LONE = make_secret(41)
ESCAPED = _secret_with_slash(42)
ENCODED = make_secret(43)
REASON = make_secret(44)
CONFIG = make_secret(45)
JOINED = make_secret(46)
SUFFIXED = make_secret(47)
WIDE = make_secret(48)
ROW = make_secret(49)
C_ESCAPED = ESCAPED.replace('/', '\\x2F')
REFERENCED = ESCAPED.replace('/', '&#47;')
# A '/' before a letter: where a reference with no ';' ends.
UNTERMINATED = make_secret(60)[:10] + '/g' + make_secret(60)[12:]
REF_JOINED = make_secret(61)
TOKEN = 'IQoJb3JpZ2luX2VjE' + ''.join(make_secret(50 + i) for i in range(8))
CREDENTIALS = [PAIR, LONE, ESCAPED, ENCODED, REASON, CONFIG, JOINED, SUFFIXED, WIDE, ROW, TOKEN]
CREDENTIALS += [UNTERMINATED, REF_JOINED]


def _utf16_database() -> bytes:
    # The user's last letter touches the key ID: only the rows' view finds the pair.
    with tempfile.TemporaryDirectory() as tmp:
        rows = [('Ops', KEYS[8], 'rotated', ROW)]
        columns = 'user TEXT, key_id TEXT, note TEXT, secret TEXT'
        return sqlite_database(Path(tmp, 'c.db'), columns, rows, encoding='UTF-16le')


FILES = {
    # A pair, and a lone key ID (AKG003), whose body must not show whole either.
    'pair.env': f'AWS_ACCESS_KEY_ID={KEYS[0]}\nAWS_SECRET_ACCESS_KEY={PAIR}\nother={KEYS[1]}\n',
    'lone.ini': f'[default]\naws_secret_access_key = {LONE}\n',
    'session.ini': f'[default]\naws_session_token = {TOKEN}\n',
    'escaped.json': json.dumps(
        {
            'AccessKeyId': KEYS[2],
            'SecretAccessKey': ESCAPED.replace('/', '\\/'),
            'Other': ESCAPED.replace('/', '\\u002F'),
        }
    ).replace('\\\\', '\\'),
    'joined.txt': f'{KEYS[5]}/{JOINED}\n',
    'suffixed.txt': f'id={KEYS[6]}\nkey={SUFFIXED}-old\n',
    'creds16.db': _utf16_database(),
    'utf32.ini': f'aws_access_key_id={KEYS[7]}\naws_secret_access_key={WIDE}\n'.encode('utf-32'),
    'escaped.c': f'char *id = "{KEYS[2]}";\nchar *key = "{C_ESCAPED}";\n',
    'escaped.html': f'<p data-id="{KEYS[2]}" data-key="{REFERENCED}"></p>\n',
    'every-reference.xml': f'<k>{_every_reference(KEYS[2])} {_every_reference(ESCAPED)}</k>\n',
    'padded.html': f'<p data-id="{KEYS[2]}" data-key="{ESCAPED.replace("/", "&#x002F;")}"></p>\n',
    'unterminated.html': f'<p>{KEYS[3]} {UNTERMINATED.replace("/", "&#47")}</p>\n',
    'joined.html': f'<p>{KEYS[4]}&#47;{REF_JOINED}</p>\n',
    'url.txt': f'https://x.test/?aws_secret_access_key={ESCAPED.replace("/", "%2F")}\n',
    'secret.yaml': (
        'kind: Secret\ndata:\n  credentials: '
        + base64.b64encode(
            f'aws_access_key_id={KEYS[3]}\naws_secret_access_key={ENCODED}\n'.encode()
        ).decode()
        + '\n'
    ),
    # An allowed fixture whose marker's reason reaches into a secret at its
    # 200-byte cut: the first 19 of its characters lie before the cut.
    'fixture.py': (
        f'aws_access_key_id = "{KEYS[4]}"  # aws-key-guard: allow '
        + 'r' * 10
        + ' ' * 171
        + f'{REASON}\n'
    ),
}
NAMES = sorted(FILES)


def _pieces(value: str) -> set[str]:
    return {value[i : i + SLICE] for i in range(len(value) - SLICE + 1)}


# The pieces of every credential in every form it was written in, and of
# each key ID (an output shows its prefix and last four characters only).
PIECES = set().union(
    *(_pieces(v) for v in CREDENTIALS),
    *(_pieces(v.replace('/', '\\/')) for v in CREDENTIALS),
    *(_pieces(v.replace('/', '%2F')) for v in CREDENTIALS),
    *(_pieces(v.replace('/', '\\x2F')) for v in CREDENTIALS),
    *(_pieces(v.replace('/', '&#47;')) for v in CREDENTIALS),
    *(_pieces(v.replace('/', '&#x002F;')) for v in CREDENTIALS),
    *(_pieces(v.replace('/', '&#47')) for v in CREDENTIALS),
    *(_pieces(_every_reference(v)) for v in [*CREDENTIALS, *KEYS]),
    *(_pieces(k) for k in KEYS),
)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    for name, text in FILES.items():
        path = tmp_path / name
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, '-m', 'aws_key_guard', *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
    )


def _leaks(where: str, data: bytes) -> list[str]:
    text = data.decode('utf-8', 'replace')
    # Named by place and position only: a test report must not show a piece.
    return [f'{where} at {i}' for i in sorted({text.index(p) for p in PIECES if p in text})]


def _check(cwd: Path, args: list[str], written: Sequence[str] = ()) -> int:
    result = _run(cwd, *args)
    leaks = _leaks('stdout', result.stdout) + _leaks('stderr', result.stderr)
    for name in written:
        leaks += _leaks(name, (cwd / name).read_bytes())
    assert leaks == [], f'{args[: -len(NAMES)] or args}: {leaks}'
    return result.returncode


def test_inputs_are_found(workdir):
    # Every input above must give a finding, or the test below proves nothing.
    result = _run(workdir, '--format', 'json', *NAMES)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    found = {(f['path'], f['code']) for f in doc['findings']}
    assert found >= {
        ('pair.env', 'AKG001'),
        ('pair.env', 'AKG003'),
        ('lone.ini', 'AKG002'),
        ('session.ini', 'AKG004'),
        ('escaped.json', 'AKG001'),
        ('url.txt', 'AKG002'),
        ('joined.txt', 'AKG001'),
        ('suffixed.txt', 'AKG001'),
        ('utf32.ini', 'AKG001'),
        ('creds16.db', 'AKG001'),
        ('escaped.c', 'AKG001'),
        ('escaped.html', 'AKG001'),
        ('every-reference.xml', 'AKG001'),
        ('padded.html', 'AKG001'),
        ('unterminated.html', 'AKG001'),
        ('joined.html', 'AKG001'),
        ('secret.yaml', 'AKG001'),
    }
    assert 'fixture.py' not in {f['path'] for f in doc['findings']}


@pytest.mark.parametrize('fmt', ['text', 'json', 'sarif', 'github'])
def test_no_format_shows_a_credential(workdir, fmt):
    assert _check(workdir, ['--format', fmt, *NAMES]) == 1
    out = f'report.{fmt}'
    assert _check(workdir, ['--format', fmt, '--output', out, *NAMES], [out]) == 1


def test_list_allowed_shows_no_credential(workdir):
    # The fixture's marker reason holds a secret across its cut.
    assert _check(workdir, ['--list-allowed', *NAMES]) == 1
    assert _check(workdir, ['--list-allowed', 'fixture.py']) == 0


def test_baseline_holds_no_credential(workdir):
    written = ['.aws-key-guard-baseline.json']
    assert _check(workdir, ['--write-baseline', written[0], *NAMES], written) == 0
    assert _check(workdir, ['--list-allowed', *NAMES]) == 0


@pytest.mark.parametrize(
    'table',
    [
        pytest.param(f'"{CONFIG}" = true', id='unknown-key'),
        pytest.param(f'{CONFIG} = true', id='unknown-bare-key'),
        pytest.param(f'"x{CONFIG}" = true', id='unknown-key-near-a-known-one'),
        pytest.param(f'exclude = "{CONFIG}("', id='bad-regex'),
        pytest.param(f'baseline = 1\n"{CONFIG}" = 1', id='bad-value'),
        pytest.param(f'allow-fingerprints = ["{CONFIG}"]', id='bad-fingerprint'),
        pytest.param(f'pair-window = {CONFIG}', id='bad-toml'),
        pytest.param(f'"{CONFIG}" = ', id='cut-toml'),
    ],
)
def test_configuration_errors_show_no_credential(workdir, table):
    (workdir / '.aws-key-guard.toml').write_text(f'{table}\n')
    assert _check(workdir, NAMES) == 2
    assert _check(workdir, ['--format', 'json', *NAMES]) == 2


@pytest.mark.parametrize(
    'entry',
    [
        pytest.param({'path': 'a', 'code': 'AKG001', 'fingerprint': CONFIG}, id='fingerprint'),
        pytest.param(
            {'path': 'a', 'code': CONFIG, 'fingerprint': 'sha256:0123456789ab'}, id='code'
        ),
        pytest.param({CONFIG: 'a', 'code': 'AKG001', 'fingerprint': 'x'}, id='field'),
    ],
)
def test_baseline_errors_show_no_credential(workdir, entry):
    doc = {'version': 1, 'entries': [entry]}
    (workdir / '.aws-key-guard-baseline.json').write_text(json.dumps(doc))
    assert _check(workdir, NAMES) == 2
    assert _check(workdir, ['--write-baseline', '.aws-key-guard-baseline.json', *NAMES]) == 2


def test_unreadable_file_error_shows_no_credential(workdir):
    # A file that cannot be scanned among them: the AKG900 path.
    os.mkfifo(workdir / 'fifo')
    assert _check(workdir, ['fifo', *NAMES]) == 2
