from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from aws_key_guard.formats import RULES
from aws_key_guard.formats import artifact_uri
from aws_key_guard.formats import display_name
from aws_key_guard.formats import format_github
from aws_key_guard.formats import format_json
from aws_key_guard.formats import format_sarif
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Secret
from aws_key_guard.text import describe
from tests.conftest import make_key_id
from tests.conftest import make_secret

NEW = Secret(make_key_id(1, prefix='ASIA', account=609629065308).encode())
OLD = Secret(make_key_id(2).encode())
SECRET = Secret(make_secret(1).encode())
OTHER = Secret(make_secret(2).encode())
TOKEN = Secret(''.join(make_secret(i) for i in range(3, 11)).encode())  # a session token
COMMIT = '0123456789abcdef0123456789abcdef01234567'


def fp(token: bytes) -> str:
    return 'sha256:' + hashlib.sha256(token).hexdigest()[:12]


def tail(key_id: bytes) -> str:
    return key_id[-4:].decode()


PAIR = Finding(Code.PAIR, 14, 23, NEW, SECRET, 3)
LONE = Finding(Code.KEY_ID, 2, 5, key_id=OLD)
CONTEXT = Finding(Code.SECRET, 7, 24, secret=OTHER)
DECODED = Finding(Code.SECRET, 9, 7, secret=SECRET, layer='base64')
HISTORY = Finding(Code.PAIR, 4, 1, OLD, OTHER, 3, commit=COMMIT, verdict='rejected')
SESSION = Finding(Code.SESSION_TOKEN, 5, 19, secret=TOKEN)
UNREADABLE = Finding(Code.UNSCANNABLE, 1, 1, reason='Permission denied')
EVERY_KIND = (PAIR, LONE, CONTEXT, DECODED, HISTORY, SESSION, UNREADABLE)
ODD_NAME = os.fsdecode('deploy/a b,c:\u00e9\u00df \u4e2d.env'.encode() + b'\xff')


def test_display_name_keeps_utf8_and_shows_other_bytes_escaped():
    assert display_name('dir/caf\u00e9 x.env') == 'dir/caf\u00e9 x.env'
    assert display_name(os.fsdecode(b'caf\xe9.env')) == 'caf\\xe9.env'


@pytest.mark.parametrize(
    ('filename', 'uri'),
    [
        pytest.param('src/app.py', 'src/app.py', id='plain'),
        pytest.param('a b,c:d.env', 'a%20b%2Cc%3Ad.env', id='space-comma-colon'),
        pytest.param('caf\u00e9/\u4e2d.env', 'caf%C3%A9/%E4%B8%AD.env', id='non-ascii'),
        pytest.param(os.fsdecode(b'caf\xe9.env'), 'caf%E9.env', id='not-utf8'),
        pytest.param('100%#?.env', '100%25%23%3F.env', id='uri-delimiters'),
        pytest.param('././x.env', 'x.env', id='dot-segments'),
        pytest.param('/abs/a b.env', 'file:///abs/a%20b.env', id='absolute'),
    ],
)
def test_artifact_uri(filename, uri):
    assert artifact_uri(filename) == uri


def test_format_json_whole_document():
    document = json.loads(format_json([('a b.env', [PAIR, DECODED]), ('h.txt', [HISTORY])]))
    common = {'key_line': None, 'account': None, 'layer': None, 'commit': None, 'verdict': None}
    assert document == {
        'tool': 'aws-key-guard',
        'version': '0.1.0',
        'findings': [
            {
                **common,
                'path': 'a b.env',
                'line': 14,
                'column': 23,
                'end_line': 14,
                'end_column': 63,
                'code': 'AKG001',
                'severity': 'error',
                'message': f'AWS access key pair: secret [{fp(SECRET)}] with access key ID '
                f'ASIA...{tail(NEW)} (account 609629065308) at line 3',
                'masked_key_id': f'ASIA...{tail(NEW)}',
                'key_line': 3,
                'account': '609629065308',
                'fingerprint': fp(SECRET),
            },
            {
                **common,
                'path': 'a b.env',
                'line': 9,
                'column': 7,
                'end_line': None,  # the encoded form's length is not the key's
                'end_column': None,
                'code': 'AKG002',
                'severity': 'error',
                'message': f'AWS secret access key [{fp(SECRET)}] with no access key ID',
                'masked_key_id': None,
                'fingerprint': fp(SECRET),
                'layer': 'base64',
            },
            {
                **common,
                'path': 'h.txt',
                'line': 4,
                'column': 1,
                'end_line': 4,
                'end_column': 41,
                'code': 'AKG001',
                'severity': 'error',
                'message': f'AWS access key pair: secret [{fp(OTHER)}] with access key ID '
                f'AKIA...{tail(OLD)} at line 3 in commit 0123456789ab [rejected]',
                'masked_key_id': f'AKIA...{tail(OLD)}',
                'key_line': 3,
                'fingerprint': fp(OTHER),
                'commit': COMMIT,
                'verdict': 'rejected',
            },
        ],
    }


def test_format_json_lone_key_ids_and_unreadable_files():
    files = [('x', [LONE, UNREADABLE])]
    for block, severity in ((False, 'warning'), (True, 'error')):
        findings = json.loads(format_json(files, block_lone_key_ids=block))['findings']
        assert [(f['code'], f['severity'], f['fingerprint']) for f in findings] == [
            ('AKG003', severity, fp(OLD)),
            ('AKG900', 'error', None),
        ]
        assert findings[1]['end_column'] is None


def test_format_json_empty():
    assert (
        format_json([])
        == b'{\n  "tool": "aws-key-guard",\n  "version": "0.1.0",\n  "findings": []\n}\n'
    )


def test_format_json_is_utf8_and_escapes_odd_bytes():
    document = format_json([(ODD_NAME, [LONE])])
    assert '"path": "deploy/a b,c:\u00e9\u00df \u4e2d.env\\\\xff"'.encode() in document
    assert json.loads(document)['findings'][0]['path'] == display_name(ODD_NAME)


def test_format_github_lines():
    lines = format_github('conf/app.env', [PAIR, LONE, UNREADABLE]).decode().splitlines()
    assert lines == [
        '::error file=conf/app.env,line=14,col=23,title=AKG001::AWS access key pair: secret '
        f'[{fp(SECRET)}] with access key ID ASIA...{tail(NEW)} (account 609629065308) at line 3',
        '::warning file=conf/app.env,line=2,col=5,title=AKG003::AWS access key ID '
        f'AKIA...{tail(OLD)} with no secret',
        '::error file=conf/app.env,line=1,col=1,title=AKG900::cannot scan file: Permission denied',
    ]
    blocking = format_github('f', [LONE], block_lone_key_ids=True)
    assert blocking.startswith(b'::error file=f,line=2,col=5,title=AKG003::')


def test_format_github_escapes_properties_and_data():
    odd = Finding(Code.UNSCANNABLE, 1, 1, reason='50% done,\r\nthen: stopped')
    name = os.fsdecode('a%b,c:d\r\n\u00e9'.encode() + b'\xff')
    assert (
        format_github(name, [odd])
        == (
            '::error file=a%25b%2Cc%3Ad%0D%0A\u00e9\\xff,line=1,col=1,title=AKG900'
            '::cannot scan file: 50%25 done,%0D%0Athen: stopped\n'
        ).encode()
    )


def test_format_github_no_findings():
    assert format_github('f', []) == b''


def test_rules_cover_every_code_in_the_readme():
    readme = (Path(__file__).parents[1] / 'README.md').read_text()
    documented = set(re.findall(r'^\| (AKG\d{3}) \|', readme, re.MULTILINE))
    codes = [rule.code for rule in RULES]
    assert documented
    assert documented <= set(codes)
    assert codes == sorted(set(codes))
    assert 'AKG004' in codes


def sarif_results(sarif: bytes) -> Any:
    return json.loads(sarif)['runs'][0]['results']


def test_format_sarif_validates_against_the_official_schema(sarif_validator):
    sarif = format_sarif([(ODD_NAME, EVERY_KIND), ('/abs/x.env', [PAIR])])
    document = json.loads(sarif)
    assert list(sarif_validator.iter_errors(document)) == []
    assert document['version'] == '2.1.0'
    assert [r['ruleId'] for r in sarif_results(sarif)] == [f.code for f in EVERY_KIND] + ['AKG001']


def test_format_sarif_rules():
    driver = json.loads(format_sarif([]))['runs'][0]['tool']['driver']
    assert (driver['name'], driver['semanticVersion']) == ('aws-key-guard', '0.1.0')
    assert [rule['id'] for rule in driver['rules']] == [
        'AKG001',
        'AKG002',
        'AKG003',
        'AKG004',
        'AKG900',
    ]
    levels = {rule['id']: rule['defaultConfiguration']['level'] for rule in driver['rules']}
    assert levels == {
        'AKG001': 'error',
        'AKG002': 'error',
        'AKG003': 'warning',
        'AKG004': 'error',
        'AKG900': 'error',
    }
    for rule in driver['rules']:
        # What GitHub requires, with the limits it sets, and a severity it understands.
        for field in ('shortDescription', 'fullDescription'):
            assert 0 < len(rule[field]['text']) < 1024
        assert rule['help']['text'] == rule['help']['markdown']
        assert 'security' in rule['properties']['tags']
        assert 0 < float(rule['properties']['security-severity']) <= 10
    helps = {rule['id']: rule['help']['text'] for rule in driver['rules']}
    for code in ('AKG001', 'AKG002', 'AKG003'):
        assert 'Deactivate the access key in IAM' in helps[code]
        assert 'git filter-repo --replace-text' in helps[code]
    assert 'Revoke active sessions' in helps['AKG004']


def test_format_sarif_results():
    results = sarif_results(format_sarif([('a b.env', [PAIR, DECODED, HISTORY, UNREADABLE])]))
    location = {'artifactLocation': {'uri': 'a%20b.env'}}
    assert results == [
        {
            'ruleId': 'AKG001',
            'ruleIndex': 0,
            'level': 'error',
            'message': {'text': describe(PAIR)},
            'locations': [
                {
                    'physicalLocation': {
                        **location,
                        'region': {
                            'startLine': 14,
                            'startColumn': 23,
                            'endLine': 14,
                            'endColumn': 63,
                        },
                    }
                }
            ],
            'partialFingerprints': {
                'primaryLocationLineHash': f'{fp(SECRET)[7:]}:1',
                'awsKeyGuard/v1': fp(SECRET),
            },
        },
        {
            'ruleId': 'AKG002',
            'ruleIndex': 1,
            'level': 'error',
            'message': {'text': describe(DECODED)},
            'locations': [
                {'physicalLocation': {**location, 'region': {'startLine': 9, 'startColumn': 7}}}
            ],
            'partialFingerprints': {
                'primaryLocationLineHash': f'{fp(SECRET)[7:]}:1',
                'awsKeyGuard/v1': fp(SECRET),
            },
            'properties': {'layer': 'base64'},
        },
        {
            'ruleId': 'AKG001',
            'ruleIndex': 0,
            'level': 'error',
            'message': {'text': describe(HISTORY)},
            'locations': [
                {
                    'physicalLocation': {
                        **location,
                        'region': {'startLine': 4, 'startColumn': 1, 'endLine': 4, 'endColumn': 41},
                    }
                }
            ],
            'partialFingerprints': {
                'primaryLocationLineHash': f'{fp(OTHER)[7:]}:1',
                'awsKeyGuard/v1': fp(OTHER),
            },
            'properties': {'commit': COMMIT, 'verdict': 'rejected'},
        },
        {
            'ruleId': 'AKG900',
            'ruleIndex': 4,
            'level': 'error',
            'message': {'text': 'cannot scan file: Permission denied'},
            'locations': [
                {'physicalLocation': {**location, 'region': {'startLine': 1, 'startColumn': 1}}}
            ],
            'partialFingerprints': {'primaryLocationLineHash': f'{fp(b"AKG900")[7:]}:1'},
        },
    ]


def test_format_sarif_counts_a_key_found_again_at_the_same_path():
    again = PAIR._replace(line=30)
    results = sarif_results(
        format_sarif([('f', [PAIR, again]), ('g', [PAIR]), ('f', [PAIR])], block_lone_key_ids=True)
    )
    hashes = [r['partialFingerprints']['primaryLocationLineHash'] for r in results]
    h = fp(SECRET)[7:]
    assert hashes == [f'{h}:1', f'{h}:2', f'{h}:1', f'{h}:3']


def test_format_sarif_lone_key_id_level_follows_blocking():
    for block, level in ((False, 'warning'), (True, 'error')):
        (result,) = sarif_results(format_sarif([('f', [LONE])], block_lone_key_ids=block))
        assert result['level'] == level


def test_sarif_validator_uses_the_oasis_schema(sarif_validator):
    # From a package the test extra installs, never from a folder beside the clone.
    assert sarif_validator.schema['id'] == (
        'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'
    )
    assert sarif_validator.schema['properties']['version']['enum'] == ['2.1.0']


def test_sarif_validator_rejects_what_github_would(sarif_validator):
    document = json.loads(format_sarif([('f', [PAIR])]))
    document['runs'][0]['results'][0]['locations'][0]['physicalLocation']['artifactLocation'][
        'uri'
    ] = 'a b.env'
    assert not sarif_validator.is_valid(document)
    del document['runs'][0]['results'][0]['message']
    assert not sarif_validator.is_valid(document)


@pytest.mark.parametrize(
    'render',
    [
        pytest.param(lambda files: format_json(files), id='json'),
        pytest.param(lambda files: format_sarif(files), id='sarif'),
        pytest.param(
            lambda files: b''.join(format_github(name, fs) for name, fs in files), id='github'
        ),
    ],
)
def test_no_format_shows_a_secret_or_a_whole_key_id(render):
    output = render([(ODD_NAME, EVERY_KIND)])
    for token in (SECRET, OTHER, TOKEN, NEW, OLD):
        assert token not in output
        assert token.replace(b'/', b'\\/') not in output
    assert fp(SECRET).encode() in output


def test_odd_text_in_a_reason_never_crashes_a_format():
    odd = Finding(Code.UNSCANNABLE, 1, 1, reason=os.fsdecode(b'cannot open caf\xe9'))
    assert format_github('f', [odd]).endswith(b'::cannot scan file: cannot open caf\\udce9\n')
    assert b'"message": "cannot scan file: cannot open caf\\udce9"' in format_json([('f', [odd])])
    assert b'"text": "cannot scan file: cannot open caf\\udce9"' in format_sarif([('f', [odd])])


@pytest.mark.parametrize(
    ('prefix', 'column', 'units'),
    [
        ('key = ', 7, 7),
        ('clé = ', 8, 7),  # é: two bytes, one UTF-16 code unit
        ('🔑 key = ', 12, 10),  # the emoji: four bytes, two code units (a surrogate pair)
    ],
)
def test_sarif_columns_count_utf16_code_units(
    tmp_path, monkeypatch, capsysbinary, sarif_validator, prefix, column, units
):
    from aws_key_guard._main import main

    key_id, secret = make_key_id(31), make_secret(31)
    (tmp_path / 'a.env').write_text(f'id = {key_id}\n{prefix}{secret} # ünï\n', encoding='utf-8')
    monkeypatch.chdir(tmp_path)
    assert main(['--format', 'json', 'a.env']) == 1
    assert [f['column'] for f in json.loads(capsysbinary.readouterr().out)['findings']] == [column]
    assert main(['--format', 'sarif', 'a.env']) == 1
    document = json.loads(capsysbinary.readouterr().out)
    assert list(sarif_validator.iter_errors(document)) == []
    assert document['runs'][0]['columnKind'] == 'utf16CodeUnits'
    [result] = document['runs'][0]['results']
    assert result['locations'][0]['physicalLocation']['region'] == {
        'startLine': 2,
        'startColumn': units,
        'endLine': 2,
        'endColumn': units + 40,
    }
