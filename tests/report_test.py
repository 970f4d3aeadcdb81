from __future__ import annotations

import hashlib
import io
import os

import pytest

from aws_key_guard.fingerprint import fingerprint
from aws_key_guard.model import Allowed
from aws_key_guard.model import Candidate
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Kind
from aws_key_guard.model import Secret
from aws_key_guard.report import Report
from aws_key_guard.text import format_allowed
from aws_key_guard.text import format_finding
from aws_key_guard.text import mask_key_id
from aws_key_guard.text import printable
from aws_key_guard.text import write_findings
from tests.conftest import make_key_id
from tests.conftest import make_secret

OLD = Secret(make_key_id(1).encode())
NEW = Secret(make_key_id(1, prefix='ASIA', account=609629065308).encode())
SECRET = Secret(make_secret(1).encode())
FP = 'sha256:' + hashlib.sha256(SECRET).hexdigest()[:12]


def test_fingerprint_is_twelve_hex_digits_of_sha256():
    assert fingerprint(b'abc') == 'sha256:ba7816bf8f01'


@pytest.mark.parametrize(
    ('key_id', 'expected'),
    [
        (OLD, f'AKIA...{OLD[-4:].decode()}'),
        (NEW, f'ASIA...{NEW[-4:].decode()} (account 609629065308)'),
    ],
)
def test_mask_key_id(key_id, expected):
    assert mask_key_id(key_id) == expected
    assert mask_key_id(key_id, account=False) == expected.split(' (')[0]


@pytest.mark.parametrize(
    ('finding', 'line'),
    [
        (
            Finding(Code.PAIR, 14, 23, NEW, SECRET, 3),
            f'AKG001 AWS access key pair: secret [{FP}] with access key ID '
            f'ASIA...{NEW[-4:].decode()} (account 609629065308) at line 3',
        ),
        (
            Finding(Code.SECRET, 2, 5, secret=SECRET),
            f'AKG002 AWS secret access key [{FP}] with no access key ID',
        ),
        (
            Finding(Code.KEY_ID, 1, 1, key_id=OLD),
            f'AKG003 AWS access key ID AKIA...{OLD[-4:].decode()} with no secret',
        ),
        (
            Finding(Code.SESSION_TOKEN, 4, 21, secret=SECRET),
            f'AKG004 AWS session token [{FP}]',
        ),
        (
            Finding(Code.UNSCANNABLE, 1, 1, reason='No such file or directory'),
            'AKG900 cannot scan file: No such file or directory',
        ),
    ],
)
def test_format_finding(finding, line):
    expected = f'dir/a b.env:{finding.line}:{finding.col}: {line}\n'.encode()
    assert format_finding('dir/a b.env', finding) == expected
    assert format_finding('x', finding).find(SECRET) == -1


def test_format_finding_quotes_undecodable_names_as_git_does():
    name = b'caf\xe9.env'.decode('utf-8', 'surrogateescape')
    line = format_finding(name, Finding(Code.SECRET, 1, 1, secret=SECRET))
    assert (
        line
        == b'"caf\\351.env":1:1: AKG002 AWS secret access key ['
        + FP.encode()
        + b'] with no access key ID\n'
    )


def test_write_findings_one_line_each():
    stream = io.BytesIO()
    write_findings(
        stream,
        'f',
        [Finding(Code.KEY_ID, 1, 1, key_id=OLD), Finding(Code.KEY_ID, 2, 1, key_id=OLD)],
    )
    assert stream.getvalue().count(b'\n') == 2


def test_secret_repr_never_shows_the_value():
    assert repr(SECRET) == str(SECRET) == '<40-byte secret>'


def test_format_finding_names_the_commit():
    finding = Finding(Code.KEY_ID, 1, 1, key_id=OLD, commit='0123456789abcdef0123')
    assert (
        format_finding('f', finding)
        == (
            f'f:1:1: AKG003 AWS access key ID AKIA...{OLD[-4:].decode()} with no secret '
            'in commit 0123456789ab\n'
        ).encode()
    )


@pytest.mark.parametrize(
    ('fmt', 'streams'),
    [
        pytest.param('text', True, id='text'),
        pytest.param('github', True, id='github'),
        pytest.param('json', False, id='json'),
        pytest.param('sarif', False, id='sarif'),
    ],
)
def test_report_streams_lines_and_writes_documents_at_the_end(fmt, streams):
    stream = io.BytesIO()
    report = Report(stream, fmt)
    report.add('f', [Finding(Code.KEY_ID, 1, 1, key_id=OLD)])
    assert (stream.getvalue() != b'') is streams
    report.add('g', iter([Finding(Code.SECRET, 2, 5, secret=SECRET)]))
    report.finish()
    output = stream.getvalue()
    assert output.count(FP.encode()) == (1 if streams else 2)  # documents repeat it in a field
    assert output.endswith(b'\n')


def test_report_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="unknown report format: 'jsonl'"):
        Report(io.BytesIO(), 'jsonl')


def test_format_finding_ends_with_the_verdict():
    finding = Finding(
        Code.PAIR, 2, 9, NEW, SECRET, 1, commit='0123456789abcdef', verdict='rejected'
    )
    assert (
        format_finding('f', finding)
        == (
            f'f:2:9: AKG001 AWS access key pair: secret [{FP}] with access key ID '
            f'ASIA...{NEW[-4:].decode()} (account 609629065308) at line 1 '
            'in commit 0123456789ab [rejected]\n'
        ).encode()
    )


@pytest.mark.parametrize(
    ('allowed', 'line'),
    [
        pytest.param(
            Allowed(3, 5, 'baseline b.json', finding=Finding(Code.SECRET, 3, 5, secret=SECRET)),
            f'f.env:3:5: allowed AKG002 AWS secret access key [{FP}] with no access key ID'
            ' (baseline b.json)',
            id='finding',
        ),
        pytest.param(
            Allowed(1, 2, 'built in: placeholder', candidate=Candidate(Kind.KEY_ID, 1, 2, 1, OLD)),
            f'f.env:1:2: allowed AWS access key ID AKIA...{OLD[-4:].decode()}'
            ' (built in: placeholder)',
            id='key-id',
        ),
        pytest.param(
            Allowed(2, 1, 'built in: x', candidate=Candidate(Kind.SECRET, 2, 1, 9, SECRET)),
            f'f.env:2:1: allowed AWS secret access key [{FP}] (built in: x)',
            id='secret',
        ),
    ],
)
def test_format_allowed(allowed, line):
    assert format_allowed('f.env', allowed) == f'{line}\n'.encode()


@pytest.mark.parametrize(
    ('text', 'ascii_only', 'expected'),
    [
        pytest.param('plain é', False, 'plain é', id='printable-kept'),
        pytest.param('plain é', True, 'plain \\xe9', id='ascii-only'),
        pytest.param('a\x1b[2J\r\n', False, 'a\\x1b[2J\\x0d\\x0a', id='controls'),
        pytest.param('rtl\u202eflag\U000e0001', False, 'rtl\\u202eflag\\U000e0001', id='format'),
        pytest.param(os.fsdecode(b'\xff'), False, '\\udcff', id='undecodable-byte'),
    ],
)
def test_printable_escapes_what_is_not(text, ascii_only, expected):
    assert printable(text, ascii_only=ascii_only) == expected
