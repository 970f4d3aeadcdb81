"""Names, file text and server answers are escaped for where they are printed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from aws_key_guard import check
from aws_key_guard import pipeline
from aws_key_guard._main import main
from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

KEY = make_key_id(5)
SECRET = make_secret(5)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
MESSAGE = f'AKG002 AWS secret access key [{FP}] with no access key ID'
PAIR_MESSAGE = f'AKG001 AWS access key pair: secret [{FP}] with access key ID AKIA...{KEY[-4:]}'

# (name on disk, its `github` file property, its JSON "path" line, its SARIF uri)
NAMES = [
    pytest.param(
        b'new\nline.env', 'new%0Aline.env', '"new\\nline.env"', 'new%0Aline.env', id='newline'
    ),
    pytest.param(
        b'carriage\rreturn.env',
        'carriage%0Dreturn.env',
        '"carriage\\rreturn.env"',
        'carriage%0Dreturn.env',
        id='cr',
    ),
    pytest.param(
        b'esc\x1b[31mred.env',
        'esc\\x1b[31mred.env',
        '"esc\\u001b[31mred.env"',
        'esc%1B%5B31mred.env',
        id='esc',
    ),
    pytest.param(
        b'tab\there.env', 'tab\\x09here.env', '"tab\\there.env"', 'tab%09here.env', id='tab'
    ),
    pytest.param(b'quote".env', 'quote".env', '"quote\\".env"', 'quote%22.env', id='quote'),
    pytest.param(
        b'back\\slash.env',
        'back\\slash.env',
        '"back\\\\slash.env"',
        'back%5Cslash.env',
        id='backslash',
    ),
    pytest.param(
        b'latin1-caf\xe9.env',
        'latin1-caf\\xe9.env',
        '"latin1-caf\\\\xe9.env"',
        'latin1-caf%E9.env',
        id='not-utf8',
    ),
    pytest.param(
        'utf8-caf\u00e9.env'.encode(),
        'utf8-caf\u00e9.env',
        '"utf8-caf\u00e9.env"',
        'utf8-caf%C3%A9.env',
        id='utf8',
    ),
    pytest.param(
        b'x\n::error file=forged::y.env',
        'x%0A%3A%3Aerror file=forged%3A%3Ay.env',
        '"x\\n::error file=forged::y.env"',
        'x%0A%3A%3Aerror%20file%3Dforged%3A%3Ay.env',
        id='forged-command',
    ),
    pytest.param(
        b'bell\x07del\x7f.env',
        'bell\\x07del\\x7f.env',
        '"bell\\u0007del\x7f.env"',
        'bell%07del%7F.env',
        id='bell-del',
    ),
]


def _git_quoted(name: str) -> bytes:
    """How real git prints the name (core.quotePath, its default), from `git ls-files`."""
    git('add', '--', name)
    listed = subprocess.run(
        ['git', '-c', 'core.quotePath=true', 'ls-files', '--', name],
        capture_output=True,
        check=True,
    ).stdout
    assert listed.count(b'\n') == 1
    return listed.removesuffix(b'\n')


def _write(raw: bytes, text: str) -> str:
    with open(raw, 'w') as f:
        f.write(text)
    return os.fsdecode(raw)


@pytest.mark.parametrize(('raw', 'github', 'json_path', 'uri'), NAMES)
def test_text_quotes_names_as_git_does(git_repo, capsysbinary, raw, github, json_path, uri):
    name = _write(raw, f'aws_secret_access_key: {SECRET}\n')
    assert main([name]) == 1
    assert capsysbinary.readouterr() == (
        _git_quoted(name) + f':1:24: {MESSAGE}\n'.encode(),
        next_steps('1 blocking finding in 1 file'),
    )


@pytest.mark.parametrize(('raw', 'github', 'json_path', 'uri'), NAMES)
def test_list_allowed_quotes_names_as_git_does(git_repo, capsysbinary, raw, github, json_path, uri):
    name = _write(raw, f'aws_secret_access_key: {SECRET}  # aws-key-guard: allow esc\x1b[2Jhere\n')
    assert main(['--list-allowed', name]) == 0
    out, err = capsysbinary.readouterr()
    # The reason comes from the file: a control character in it is shown escaped.
    assert out == _git_quoted(name) + (
        f':1:24: allowed {MESSAGE.removeprefix("AKG002 ")} '
        "(marker 'aws-key-guard: allow' on line 1: esc\\x1b[2Jhere)\n"
    ).encode().replace(b'allowed AWS', b'allowed AKG002 AWS')
    assert err == b''


@pytest.mark.parametrize(('raw', 'github', 'json_path', 'uri'), NAMES)
def test_github_escapes_names(tmp_path, monkeypatch, capsysbinary, raw, github, json_path, uri):
    monkeypatch.chdir(tmp_path)
    name = _write(raw, f'aws_secret_access_key: {SECRET}\n')
    assert main(['--format', 'github', name]) == 1
    out, err = capsysbinary.readouterr()
    line = f'::error file={github},line=1,col=24,title=AKG002::{MESSAGE.removeprefix("AKG002 ")}\n'
    assert out == line.encode()
    assert err == b''


@pytest.mark.parametrize(('raw', 'github', 'json_path', 'uri'), NAMES)
def test_json_and_sarif_escape_names(
    tmp_path, monkeypatch, capsysbinary, raw, github, json_path, uri
):
    monkeypatch.chdir(tmp_path)
    name = _write(raw, f'aws_secret_access_key: {SECRET}\n')
    assert main(['--format', 'json', name]) == 1
    out, err = capsysbinary.readouterr()
    assert f'      "path": {json_path},' in out.decode().splitlines()
    assert err == b''
    assert main(['--format', 'sarif', name]) == 1
    out, err = capsysbinary.readouterr()
    assert f'                  "uri": "{uri}"' in out.decode().splitlines()
    assert err == b''
    assert json.loads(out)['runs'][0]['results'][0]['ruleId'] == 'AKG002'


def test_stderr_line_for_findings_not_shown_quotes_the_name(git_repo, monkeypatch, capsysbinary):
    name = _write(b'two\n\x1b[2Jsecrets.env', f'aws_secret_access_key: {SECRET}\n' * 2)
    monkeypatch.setattr(check, 'MAX_SHOWN', 1)
    assert main([name]) == 1
    out, err = capsysbinary.readouterr()
    quoted = _git_quoted(name)
    assert out == quoted + f':1:24: {MESSAGE}\n'.encode()
    assert err == (
        b'aws-key-guard: '
        + quoted
        + b': 1 more findings not shown (at most 1 per file)\n'
        + next_steps('2 blocking findings in 1 file')
    )


def test_stderr_line_for_an_internal_error_quotes_the_name(git_repo, monkeypatch, capsysbinary):
    name = _write(b'bad\r::error::name.env', f'aws_secret_access_key: {SECRET}\n')

    def scan_chunks(chunks, **options):
        raise ZeroDivisionError

    monkeypatch.setattr(pipeline, 'scan_chunks', scan_chunks)
    where = f'escaping_test.py:{scan_chunks.__code__.co_firstlineno + 1}'
    assert main([name]) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: '
        + _git_quoted(name)
        + f': internal error ZeroDivisionError at {where}\n'.encode(),
    )


def test_submodule_note_quotes_the_names(git_repo, tmp_path, capsysbinary):
    sub = tmp_path / 'sub'
    sub.mkdir()
    git('init', '-q', cwd=sub)
    (sub / 'README').write_text('hello\n')
    git('add', '.', cwd=sub)
    git('commit', '-q', '--no-verify', '-m', 'sub', cwd=sub)
    name = 'lib/caf\u00e9\x1b[1m'
    git('-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', sub, name)
    quoted = subprocess.run(
        ['git', '-c', 'core.quotePath=true', 'ls-files', '--stage', '--', name],
        capture_output=True,
        check=True,
    ).stdout.split(b'\t', 1)[1]
    assert quoted == b'"lib/caf\\303\\251\\033[1m"\n'
    assert main(['--staged']) == 0
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: note: submodules are not scanned here: ' + quoted,
    )


def test_error_messages_show_control_characters_escaped(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    assert main(['--baseline', 'no\nsuch\x1b[2J.json', 'x.env']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: cannot read baseline no\\x0asuch\\x1b[2J.json: '
        b'No such file or directory\n',
    )
    assert main(['--output', str(Path('missing', 'out\r.txt')), 'x.env']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: missing/out\\x0d.txt: No such file or directory\n',
    )


# XML keeps a CR only as a character reference.
ARN = 'arn:aws:iam::123456789012:user/a\r\n::error::b\t\u009b2J\u00e9\u202e'
ARN_XML = ARN.replace('\r', '&#13;')
LIVE_XML = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    f'<GetCallerIdentityResult><Arn>{ARN_XML}</Arn><UserId>AIDA</UserId>'
    '<Account>123456789012</Account></GetCallerIdentityResult>'
    '<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>'
    '</GetCallerIdentityResponse>'
).encode()
ERROR_XML = (
    b'<ErrorResponse><Error><Type>Sender</Type><Code>Nope\n::error::x\xc2\x9b</Code>'
    b'<Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>'
)


@pytest.mark.parametrize(
    ('canned_endpoint', 'verdict'),
    [
        pytest.param(
            (200, LIVE_XML),
            'live: arn:aws:iam::123456789012:user/a\\x0d\\x0a::error::b\\x09\\x9b2J\\xe9\\u202e',
            id='live-arn',
        ),
        pytest.param((403, ERROR_XML), 'unverified: Nope\\x0a::error::x\\x9b', id='error-code'),
    ],
    indirect=['canned_endpoint'],
)
def test_verify_shows_the_server_words_as_printable_ascii(
    canned_endpoint, tmp_path, monkeypatch, capsysbinary, verdict
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pair.env').write_text(f'{KEY}\naws_secret_access_key: {SECRET}\n')
    assert main(['--verify', 'pair.env']) == 1
    assert capsysbinary.readouterr() == (
        f'pair.env:2:24: {PAIR_MESSAGE} at line 1 [{verdict}]\n'.encode(),
        next_steps('1 blocking finding in 1 file'),
    )
    assert canned_endpoint.requests == ['/']
    assert main(['--verify', '--format', 'github', 'pair.env']) == 1
    out, err = capsysbinary.readouterr()
    assert err == b''
    assert (
        out
        == (
            f'::error file=pair.env,line=2,col=24,title=AKG001::'
            f'{PAIR_MESSAGE.removeprefix("AKG001 ")} at line 1 [{verdict}]\n'
        ).encode()
    )
