from __future__ import annotations

import pytest

from aws_key_guard.allowlist import DOC_EXAMPLE_SECRETS
from aws_key_guard.allowlist import builtin_reason
from aws_key_guard.detect import scan_chunks
from tests.conftest import make_key_id

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
