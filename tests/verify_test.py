from __future__ import annotations

import hashlib
import sys
import time

import pytest

from aws_key_guard import __version__
from aws_key_guard import verify
from aws_key_guard._main import main
from aws_key_guard.account import decode_account
from aws_key_guard.error import ScanError
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Secret
from aws_key_guard.verify import CANARY_ACCOUNTS
from aws_key_guard.verify import Verifier
from tests.conftest import free_port
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

MADE_UP_KEY = make_key_id(7, account=210987654321).encode()
MADE_UP_SECRET = make_secret(7).encode()
ERROR_XML = (
    b'<ErrorResponse><Error><Type>Receiver</Type><Code>%s</Code>'
    b'<Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>'
)


def test_verdict_live_pair_names_its_arn(sts):
    verdict = Verifier().verdict(sts.key_id.encode(), sts.secret.encode())
    assert verdict == f'live: {sts.arn}'
    [(headers, body)] = sts.requests()
    assert body == 'Action=GetCallerIdentity&Version=2011-06-15'
    # Signed with the pair, which never travels itself; the tool names itself.
    assert headers['Authorization'].startswith(f'AWS4-HMAC-SHA256 Credential={sts.key_id}/')
    assert sts.secret not in str(headers)
    assert f' aws-key-guard/{__version__}' in headers['User-Agent']


@pytest.mark.parametrize(
    'wrong',
    [
        pytest.param('key', id='unknown-key-id'),
        pytest.param('secret', id='secret-does-not-match'),
    ],
)
def test_verdict_rejected(sts, wrong):
    key_id = MADE_UP_KEY if wrong == 'key' else sts.key_id.encode()
    assert Verifier().verdict(key_id, MADE_UP_SECRET) == 'rejected'
    assert sts.actions() == ['GetCallerIdentity']


def test_verdict_follows_the_general_endpoint_setting(sts, monkeypatch):
    monkeypatch.delenv('AWS_ENDPOINT_URL_STS')
    monkeypatch.setenv('AWS_ENDPOINT_URL', sts.url)
    assert Verifier().verdict(sts.key_id.encode(), sts.secret.encode()) == f'live: {sts.arn}'
    assert sts.actions() == ['GetCallerIdentity']


def test_each_distinct_pair_is_asked_about_once(sts):
    live = Finding(Code.PAIR, 3, 1, Secret(sts.key_id.encode()), Secret(sts.secret.encode()), 2)
    made_up = Finding(Code.PAIR, 9, 1, Secret(MADE_UP_KEY), Secret(MADE_UP_SECRET), 8)
    verifier = Verifier()
    first = verifier.verify_findings([live, made_up, live])
    again = verifier.verify_findings([made_up])
    assert [f.verdict for f in first + again] == [
        f'live: {sts.arn}',
        'rejected',
        f'live: {sts.arn}',
        'rejected',
    ]
    assert first[0] == live._replace(verdict=f'live: {sts.arn}')
    assert sts.actions() == ['GetCallerIdentity', 'GetCallerIdentity']


def test_findings_without_a_pair_are_left_alone(sts):
    findings = [
        Finding(Code.SECRET, 1, 1, secret=Secret(MADE_UP_SECRET)),
        Finding(Code.KEY_ID, 2, 1, key_id=Secret(MADE_UP_KEY)),
        Finding(Code.UNSCANNABLE, 1, 1, reason='No such file or directory'),
    ]
    assert Verifier().verify_findings(findings) == findings
    assert sts.actions() == []


@pytest.mark.parametrize('account', sorted(CANARY_ACCOUNTS))
def test_canary_keys_are_never_sent(sts, account):
    key_id = make_key_id(1, account=int(account)).encode()
    assert f'{decode_account(key_id):012d}' == account
    verdict = Verifier().verdict(key_id, MADE_UP_SECRET)
    assert verdict == f'canary: {CANARY_ACCOUNTS[account]}, not sent to STS'
    assert sts.actions() == []


def test_thinkst_accounts_are_named():
    assert CANARY_ACCOUNTS['992382622183'] == 'Thinkst Canarytokens'
    assert CANARY_ACCOUNTS['052310077262'] == 'Thinkst Canarytokens'


@pytest.mark.parametrize(
    ('prefix', 'expected'),
    [
        ('ASIA', 'unverified: a temporary key needs its session token'),
        ('ABIA', 'unverified: ABIA keys are not sent to STS'),
        ('ACCA', 'unverified: ACCA keys are not sent to STS'),
    ],
)
def test_keys_that_cannot_sign_alone_are_not_sent(sts, prefix, expected):
    key_id = make_key_id(3, prefix=prefix, account=210987654321).encode()
    assert Verifier().verdict(key_id, MADE_UP_SECRET) == expected
    assert sts.actions() == []


def test_closed_port_is_unverified_and_not_tried_again(monkeypatch):
    url = f'http://127.0.0.1:{free_port()}'
    monkeypatch.setenv('AWS_ENDPOINT_URL_STS', url)
    verifier = Verifier()
    assert verifier.verdict(MADE_UP_KEY, MADE_UP_SECRET) == f'unverified: cannot connect to {url}'
    other = make_key_id(8).encode()
    assert verifier.verdict(other, MADE_UP_SECRET) == f'unverified: cannot connect to {url}'


def test_silent_endpoint_times_out_within_the_limit(silent_endpoint):
    verifier = Verifier(_connect_timeout=0.5, _read_timeout=0.5)
    start = time.monotonic()
    assert verifier.verdict(MADE_UP_KEY, MADE_UP_SECRET) == 'unverified: timeout'
    # One attempt, no retries: about the read timeout, with room for a busy machine.
    assert time.monotonic() - start < 3
    start = time.monotonic()
    assert verifier.verdict(make_key_id(8).encode(), MADE_UP_SECRET) == 'unverified: timeout'
    assert time.monotonic() - start < 0.4  # not called: the endpoint already failed


@pytest.mark.parametrize(
    ('canned_endpoint', 'expected'),
    [
        pytest.param((503, ERROR_XML % b'ServiceUnavailable'), 'ServiceUnavailable', id='503'),
        pytest.param((400, ERROR_XML % b'Throttling'), 'Throttling', id='throttled'),
        pytest.param((200, b'{not xml'), 'the answer is not from STS', id='garbage'),
        pytest.param((0, None), 'network error (ConnectionClosedError)', id='hang-up'),
    ],
    indirect=['canned_endpoint'],
)
def test_failed_answer_is_unverified_with_no_retry_storm(canned_endpoint, expected):
    verifier = Verifier()
    assert verifier.verdict(MADE_UP_KEY, MADE_UP_SECRET) == f'unverified: {expected}'
    assert verifier.verdict(make_key_id(8).encode(), MADE_UP_SECRET) == f'unverified: {expected}'
    assert canned_endpoint.requests == ['/']


def test_malformed_endpoint_setting_is_unverified(monkeypatch):
    monkeypatch.setenv('AWS_ENDPOINT_URL_STS', 'not a url')
    assert Verifier().verdict(MADE_UP_KEY, MADE_UP_SECRET) == (
        'unverified: Invalid endpoint: not a url'
    )


def test_no_call_starts_after_the_run_budget(sts):
    verifier = Verifier(_budget=-1)
    verdict = verifier.verdict(sts.key_id.encode(), sts.secret.encode())
    assert verdict == 'unverified: time for verification is up'
    assert sts.actions() == []


def test_without_botocore_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'botocore.session', None)  # Python's "cannot import" mark
    with pytest.raises(ScanError) as excinfo:
        Verifier()
    assert str(excinfo.value) == (
        "--verify needs botocore (botocore.session is missing): pip install 'aws-key-guard[verify]'"
    )


# The whole verification has a time budget, and no failure loses a finding.

TIME_IS_UP = 'unverified: time for verification is up'
ONE_BLOCKING = next_steps('1 blocking finding in 1 file')


def _pair_finding(seed: int) -> Finding:
    key_id, secret = make_key_id(seed).encode(), make_secret(seed).encode()
    return Finding(Code.PAIR, 2, 23, Secret(key_id), Secret(secret), 1)


def _pair_line(seed: int, verdict: str) -> bytes:
    key_id, secret = make_key_id(seed), make_secret(seed)
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    return (
        f'pair.env:2:23: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID AKIA...{key_id[-4:]} at line 1 [{verdict}]\n'
    ).encode()


@pytest.fixture
def pair_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pair.env').write_text(
        f'AWS_ACCESS_KEY_ID={make_key_id(4)}\nAWS_SECRET_ACCESS_KEY={make_secret(4)}\n'
    )
    return tmp_path / 'pair.env'


def test_slow_drip_endpoint_is_given_up_when_the_budget_ends(slow_drip_endpoint):
    verifier = Verifier(_budget=1.5)
    start = time.monotonic()
    verified = verifier.verify_findings([_pair_finding(4), _pair_finding(5)])
    elapsed = time.monotonic() - start
    assert [f.verdict for f in verified] == [TIME_IS_UP, TIME_IS_UP]
    # A bound, not a speed: the budget and room for a busy machine, where
    # the endpoint alone would take over an hour to finish its answer.
    assert elapsed < 1.5 + 3
    assert len(slow_drip_endpoint) == 1  # the second pair was never sent


def test_main_verify_slow_drip_endpoint_ends_within_the_budget(
    slow_drip_endpoint, pair_file, monkeypatch, capsysbinary
):
    monkeypatch.setattr(verify, 'RUN_BUDGET', 1.5)
    start = time.monotonic()
    assert main(['--verify', 'pair.env']) == 1
    assert time.monotonic() - start < 1.5 + 3
    assert capsysbinary.readouterr() == (_pair_line(4, TIME_IS_UP), ONE_BLOCKING)


def test_budget_starts_at_the_first_request(sts):
    verifier = Verifier(_budget=2)
    time.sleep(2.2)  # scanning before any pair is found takes none of it
    assert verifier.verdict(sts.key_id.encode(), sts.secret.encode()) == f'live: {sts.arn}'


NO_ARN_XML = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b'<GetCallerIdentityResult><Account>123456789012</Account></GetCallerIdentityResult>'
    b'</GetCallerIdentityResponse>'
)


@pytest.mark.parametrize(
    ('canned_endpoint', 'verdict'),
    [
        pytest.param(
            (200, b'<html><body>Sign in to the proxy</body></html>'),
            'unverified: the answer is not from STS',
            id='html-page',
        ),
        pytest.param((200, NO_ARN_XML), 'unverified: the answer is not from STS', id='no-arn'),
    ],
    indirect=['canned_endpoint'],
)
def test_main_verify_odd_answer_keeps_the_finding(
    canned_endpoint, pair_file, capsysbinary, verdict
):
    assert main(['--verify', 'pair.env']) == 1
    assert capsysbinary.readouterr() == (_pair_line(4, verdict), ONE_BLOCKING)
    assert canned_endpoint.requests == ['/']


def test_main_verify_missing_profile_keeps_the_finding(sts, pair_file, monkeypatch, capsysbinary):
    monkeypatch.setenv('AWS_PROFILE', 'no-such-profile')
    assert main(['--verify', 'pair.env']) == 1
    verdict = 'unverified: AWS configuration error (ProfileNotFound)'
    assert capsysbinary.readouterr() == (_pair_line(4, verdict), ONE_BLOCKING)
    assert sts.actions() == []


def test_unexpected_error_in_a_call_is_unverified_with_its_type_only(sts, monkeypatch):
    def create_client(*args, **kwargs):
        raise RuntimeError('would quote the request')

    verifier = Verifier()
    monkeypatch.setattr(verifier._session, 'create_client', create_client)
    verdict = verifier.verdict(sts.key_id.encode(), sts.secret.encode())
    assert verdict == 'unverified: unexpected error (RuntimeError)'
    assert sts.actions() == []
