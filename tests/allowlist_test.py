from __future__ import annotations

import hashlib

import pytest

from aws_key_guard.allowlist import DOC_EXAMPLE_SECRETS
from aws_key_guard.allowlist import Rules
from aws_key_guard.allowlist import builtin_reason
from aws_key_guard.allowlist import cover_values
from aws_key_guard.allowlist import sort_findings
from aws_key_guard.allowlist import split_builtins
from aws_key_guard.baseline import BaselineEntry
from aws_key_guard.marker import MarkerWatcher
from aws_key_guard.model import Allowed
from aws_key_guard.model import Candidate
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Marker
from aws_key_guard.pairing import pair_candidates
from aws_key_guard.scan import scan_chunks
from tests.conftest import make_key_id
from tests.conftest import make_secret

# AWS's own documentation examples: allowed as negative cases.
DOC_KEY_IDS = [b'AKIAIOSFODNN7EXAMPLE', b'AKIAI44QH8DHBEXAMPLE']


@pytest.mark.parametrize(
    ('token', 'reason'),
    [
        *[pytest.param(t, 'AWS documentation example', id=t.decode()) for t in DOC_KEY_IDS],
        *[
            pytest.param(t, 'AWS documentation example', id=t.decode())
            for t in sorted(DOC_EXAMPLE_SECRETS)
        ],
        pytest.param(b'AKIAXXXXXXXXXXXXXXXX', 'placeholder', id='all-x'),
        pytest.param(b'AKIA0000000000000000', 'placeholder', id='all-zero'),
        pytest.param(b'AKIAABCDEFGHIJKLMNOP', 'placeholder', id='sequential-letters'),
        pytest.param(b'ASIA0123456789ABCDEF', 'placeholder', id='sequential-digits'),
    ],
)
def test_builtin_reason_allows_examples_that_are_otherwise_detected(token, reason):
    candidates = scan_chunks([b'aws_secret_access_key = ' + token])
    assert len(candidates) == 1, 'a dead allowlist entry: the detector ignores it anyway'
    assert builtin_reason(candidates[0]) == reason


@pytest.mark.parametrize(
    'token', [make_key_id(5).encode(), b'AKIA' + make_key_id(6)[5:].encode() + b'Z']
)
def test_builtin_reason_none_for_real_looking_ids(token):
    (candidate,) = scan_chunks([token])
    assert builtin_reason(candidate) is None


KEY = make_key_id(1)
KEY2 = make_key_id(2)
SECRET = make_secret(1)
SECRET2 = make_secret(2)
ALLOW = '# aws-key-guard: allow'


def _fp(value: str) -> str:
    return 'sha256:' + hashlib.sha256(value.encode()).hexdigest()[:12]


def _scan(text: str) -> tuple[list[Candidate], list[Marker]]:
    watcher = MarkerWatcher()
    candidates = scan_chunks(watcher.watch([text.encode()]))
    return candidates, watcher.markers


def _covered(text: str) -> dict[tuple[int, str], list[str]]:
    covered = cover_values(*_scan(text))
    return {(line, token.decode()): notes for (line, token), notes in covered.items()}


def test_split_builtins():
    candidates, _ = _scan(f'AKIAIOSFODNN7EXAMPLE\n{KEY}\n')
    kept, allowed = split_builtins(candidates)
    assert kept == [candidates[1]]
    assert allowed == [
        Allowed(1, 1, 'built in: AWS documentation example', candidate=candidates[0])
    ]


COVERS = [
    pytest.param(f'id={KEY} {ALLOW}', {(1, KEY)}, id='key-id'),
    pytest.param(f'{KEY} {SECRET} {ALLOW}', {(1, KEY), (1, SECRET)}, id='one-pair'),
    pytest.param(f'{KEY}\n{SECRET} {ALLOW}', {(2, SECRET)}, id='only-its-line'),
    pytest.param(
        f'# aws-key-guard: allow-next-line\n{KEY} {SECRET}\n{KEY2}',
        {(2, KEY), (2, SECRET)},
        id='next-line',
    ),
    pytest.param(f'{KEY} {KEY2} {ALLOW}', set(), id='two-key-ids-none'),
    pytest.param(f'{KEY} {SECRET} {SECRET2} {ALLOW}', set(), id='two-secrets-none'),
    pytest.param(
        f'AKIAIOSFODNN7EXAMPLE {KEY} {ALLOW} meant for the example',
        set(),
        id='example-beside-real-none',
    ),
    pytest.param(
        f'{KEY} {SECRET} {SECRET2} {ALLOW} {_fp(KEY)} {_fp(SECRET)}',
        {(1, KEY), (1, SECRET)},
        id='fingerprints-choose',
    ),
    pytest.param(f'{KEY} {ALLOW} {_fp(KEY2)}', set(), id='wrong-fingerprint'),
    pytest.param(f'{KEY} # gitleaks:allow', {(1, KEY)}, id='foreign'),
]


@pytest.mark.parametrize(('text', 'expected'), COVERS)
def test_cover_values(text, expected):
    assert set(_covered(text)) == expected


def test_cover_values_notes_name_marker_line_and_reason():
    text = (
        f'# aws-key-guard: allow-next-line test fixture\n{KEY}  # gitleaks:allow\n{SECRET} {ALLOW}'
    )
    assert _covered(text) == {
        (2, KEY): [
            "marker 'aws-key-guard: allow-next-line' on line 1: test fixture",
            "marker 'gitleaks:allow' on line 2",
        ],
        (3, SECRET): ["marker 'aws-key-guard: allow' on line 3"],
    }


def _sort(text: str, rules: Rules | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    candidates, markers = _scan(text)
    findings = pair_candidates(candidates)
    covered = cover_values(candidates, markers)
    kept, allowed = sort_findings('./f.env', findings, covered, rules or Rules())
    assert all(a.finding is not None for a in allowed)
    return [f.code for f in kept], [(a.finding.code, a.why) for a in allowed if a.finding]


ON_1_AND_2 = "marker 'aws-key-guard: allow' on line 2: x; marker 'aws-key-guard: allow' on line 1"


def test_sort_findings_pair_is_allowed_by_its_secrets_line():
    # The key ID's line is marked, the secret's is not: the pair still blocks.
    assert _sort(f'{KEY} {ALLOW}\n{SECRET}\n') == (['AKG001'], [])
    # The line the pair is reported at (the secret's) is marked: allowed, and
    # the key ID is not then reported alone.
    assert _sort(f'{KEY}\n{SECRET} {ALLOW} x\n') == (
        [],
        [('AKG001', "marker 'aws-key-guard: allow' on line 2: x")],
    )
    assert _sort(f'{KEY} {ALLOW}\n{SECRET} {ALLOW} x\n') == ([], [('AKG001', ON_1_AND_2)])


def test_sort_findings_marked_fixture_and_unmarked_pair():
    text = f'{KEY} {SECRET} {ALLOW}\n\n\n{KEY2}\n{SECRET2}\n'
    assert _sort(text) == (['AKG001'], [('AKG001', "marker 'aws-key-guard: allow' on line 1")])


RULES = Rules(
    fingerprints=frozenset((_fp(SECRET),)),
    config_file='pyproject.toml [tool.aws-key-guard]',
    baseline=frozenset(
        (
            BaselineEntry('f.env', 'AKG002', _fp(SECRET2)),
            BaselineEntry('f.env', 'AKG001', _fp(KEY2)),  # wrong code: no match
            BaselineEntry('other.env', 'AKG003', _fp(KEY2)),  # wrong file: no match
        )
    ),
    baseline_file='b.json',
)


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        (f'{KEY}\n{SECRET}\n', ([], [('AKG001', f'allow-fingerprints in {RULES.config_file}')])),
        (f'aws_secret_access_key={SECRET2}\n', ([], [('AKG002', 'baseline b.json')])),
        (f'{KEY2}\n', (['AKG003'], [])),
        (f'{KEY2}\n{SECRET2}\n', (['AKG001'], [])),
    ],
)
def test_sort_findings_fingerprints_and_baseline(text, expected):
    assert _sort(text, RULES) == expected


def test_sort_findings_never_allows_akg900():
    failed = Finding(Code.UNSCANNABLE, 1, 1, reason='gone')
    assert sort_findings('f', [failed], {}, Rules()) == ([failed], [])


def test_builtin_reason_for_session_tokens():
    token = 'AQoDYXdzEPT' + make_secret(7) * 3
    sample = token[:50] + 'wEXAMPLE' + token[58:]
    (found,) = scan_chunks([f'aws_session_token = {token}'.encode()])
    (example,) = scan_chunks([f'aws_session_token = {sample}'.encode()])
    assert (builtin_reason(found), builtin_reason(example)) == (None, 'AWS documentation example')
