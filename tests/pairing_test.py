from __future__ import annotations

import pytest

from aws_key_guard.model import Candidate
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Kind
from aws_key_guard.model import Secret
from aws_key_guard.pairing import looks_like_words
from aws_key_guard.pairing import pair_candidates
from tests.conftest import make_key_id
from tests.conftest import make_secret

K1 = Secret(make_key_id(1).encode())
K2 = Secret(make_key_id(2).encode())
S1 = Secret(make_secret(1).encode())
S2 = Secret(make_secret(2).encode())


def key(token: Secret, line: int, offset: int) -> Candidate:
    return Candidate(Kind.KEY_ID, line, offset + 1, offset, token)


def secret(token: Secret, line: int, offset: int, *, context: bool = False) -> Candidate:
    return Candidate(Kind.SECRET, line, offset + 1, offset, token, context)


CASES = [
    pytest.param([key(K1, 1, 0)], [Finding(Code.KEY_ID, 1, 1, key_id=K1)], id='lone-key-id'),
    pytest.param([secret(S1, 1, 0)], [], id='secret-without-context-or-key'),
    pytest.param(
        [secret(S1, 4, 90, context=True)],
        [Finding(Code.SECRET, 4, 91, secret=S1)],
        id='context-secret',
    ),
    pytest.param(
        [key(K1, 1, 0), secret(S1, 2, 30)],
        [Finding(Code.PAIR, 2, 31, K1, S1, 1)],
        id='pair',
    ),
    pytest.param(
        [secret(S1, 1, 0), key(K1, 5000, 99999)],
        [Finding(Code.PAIR, 1, 1, K1, S1, 5000)],
        id='secret-first-far-apart',
    ),
    pytest.param(
        [key(K1, 1, 0), secret(S1, 2, 30), key(K2, 10, 300), secret(S2, 11, 330)],
        [Finding(Code.PAIR, 2, 31, K1, S1, 1), Finding(Code.PAIR, 11, 331, K2, S2, 10)],
        id='two-profiles-pair-nearest',
    ),
    pytest.param(
        [key(K1, 1, 0), secret(S1, 2, 30), key(K1, 8, 200)],
        [Finding(Code.PAIR, 2, 31, K1, S1, 1)],
        id='repeated-key-id-paired-once',
    ),
    pytest.param(
        [key(K1, 3, 40), key(K2, 3, 70), secret(S1, 3, 100)],
        [Finding(Code.KEY_ID, 3, 41, key_id=K1), Finding(Code.PAIR, 3, 101, K2, S1, 3)],
        id='same-line-tie-broken-by-bytes',
    ),
    pytest.param(
        [
            key(K1, 1, 0),
            secret(S1, 2, 30),
            Candidate(Kind.SESSION_TOKEN, 3, 21, 90, S2, True),
        ],
        [Finding(Code.PAIR, 2, 31, K1, S1, 1), Finding(Code.SESSION_TOKEN, 3, 21, secret=S2)],
        id='session-token-is-reported-on-its-own',
    ),
]


@pytest.mark.parametrize(('candidates', 'expected'), CASES)
def test_pair_candidates(candidates, expected):
    assert pair_candidates(candidates) == expected


def test_pair_candidates_window_limits_distance():
    candidates = [key(K1, 1, 0), secret(S1, 50, 900, context=True)]
    assert pair_candidates(candidates, window=10) == [
        Finding(Code.KEY_ID, 1, 1, key_id=K1),
        Finding(Code.SECRET, 50, 901, secret=S1),
    ]
    assert pair_candidates(candidates, window=49) == [Finding(Code.PAIR, 50, 901, K1, S1, 1)]


def test_pair_candidates_keeps_the_decoding_layer():
    candidates = [
        Candidate(Kind.KEY_ID, 1, 1, 0, K1, layer='utf-16'),
        Candidate(Kind.SECRET, 2, 1, 50, S1, layer='utf-16'),
        Candidate(Kind.SECRET, 3, 1, 90, S2, True, layer='url'),
    ]
    assert [f.layer for f in pair_candidates(candidates)] == ['utf-16', 'url']
    assert [f.layer for f in pair_candidates(candidates[1:])] == ['url']


WORDY = Secret(b'ASIAPACIFICSINGAPORE')


def test_pair_candidates_word_shaped_key_id_pairs_but_is_never_lone():
    assert pair_candidates([key(WORDY, 1, 0)]) == []
    assert pair_candidates([key(WORDY, 1, 0), secret(S1, 2, 30)]) == [
        Finding(Code.PAIR, 2, 31, WORDY, S1, 1)
    ]


@pytest.mark.parametrize(
    ('key_id', 'expected'),
    [
        (b'ASIAPACIFICSINGAPORE', True),
        (b'ASIA' + b'BCDFGHJKLMNPQRST', False),  # all letters, no vowels
        (b'ASIA' + b'AEIOUAE2BCDFGHJK', False),  # a digit: not words
    ],
)
def test_looks_like_words(key_id, expected):
    assert looks_like_words(key_id) is expected
