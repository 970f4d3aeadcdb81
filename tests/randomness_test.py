"""The two randomness tests, with the chance that each turns a real secret away computed."""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import random
import string
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_key_guard.randomness import _ALPHABETS
from aws_key_guard.randomness import _COUNT_SHARE
from aws_key_guard.randomness import _PERIODS
from aws_key_guard.randomness import _RULES_SHARE
from aws_key_guard.randomness import _WORDS_SHARE
from aws_key_guard.randomness import ENTROPY_FLOOR
from aws_key_guard.randomness import PLACEHOLDER_BITS
from aws_key_guard.randomness import _period_hits
from aws_key_guard.randomness import _same
from aws_key_guard.randomness import _surely_random
from aws_key_guard.randomness import code_length
from aws_key_guard.randomness import is_one_case
from aws_key_guard.randomness import is_placeholder
from aws_key_guard.randomness import looks_random
from tests.conftest import BASE64
from tests.conftest import make_secret
from tests.conftest import next_steps

LENGTH, SYMBOLS = 40, 64


def _partitions(n: int, largest: int) -> list[tuple[int, ...]]:
    if n == 0:
        return [()]
    return [
        (part, *rest)
        for part in range(min(n, largest), 0, -1)
        for rest in _partitions(n - part, part)
    ]


def _entropy_at_or_under(floor: float) -> Fraction:
    # A secret's sample entropy depends only on how often each character
    # occurs: sum, over every way 40 can be split into counts, the chance
    # that 40 uniform draws from 64 characters fall into those counts.
    hits = 0
    for counts in _partitions(LENGTH, LENGTH):
        entropy = -sum(c / LENGTH * math.log2(c / LENGTH) for c in counts)
        if entropy <= floor:
            ways = math.perm(SYMBOLS, len(counts))
            for repeats in itertools.groupby(counts):
                ways //= math.factorial(len(list(repeats[1])))
            orders = math.factorial(LENGTH)
            for c in counts:
                orders //= math.factorial(c)
            hits += ways * orders
    return Fraction(hits, SYMBOLS**LENGTH)


def test_entropy_floor_turns_away_under_one_random_secret_in_a_billion():
    assert _entropy_at_or_under(ENTROPY_FLOOR) < Fraction(1, 10**9)
    # The floor this replaces turned away about one in 450,000.
    assert 1 / 460_000 < _entropy_at_or_under(4.1) < 1 / 440_000


def test_placeholder_mixture_is_a_probability_distribution():
    # The bound on is_placeholder holds only if the shares add up to at most
    # one and every model's chances do: check the whole mixture on every
    # string of one and two characters.
    shares = sum(share for _, share in _ALPHABETS) + _WORDS_SHARE + _COUNT_SHARE + _RULES_SHARE
    assert shares <= 1
    alphabet = BASE64.encode()
    for n in (1, 2):
        total = sum(2 ** -code_length(bytes(s)) for s in itertools.product(alphabet, repeat=n))
        assert total <= 1
    # Random secrets are coded in 240 bits or more, so PLACEHOLDER_BITS is
    # reached by at most 2**-30 of them.
    assert 2.0 ** (PLACEHOLDER_BITS - 240) < 1e-9


PLACEHOLDERS = [
    pytest.param(string.ascii_lowercase + string.ascii_uppercase[:14], id='alphabet'),
    pytest.param(string.digits * 4, id='digits'),
    pytest.param('qwertyuiopasdfghjklzxcvbnmQWERTYUIOPASDF', id='keyboard'),
    pytest.param('abc123' * 6 + 'ab', id='repeated-unit'),
    pytest.param('Xy' * 20, id='two-characters'),
    pytest.param('A' * 40, id='one-character'),
    pytest.param('A' * 30 + make_secret(3)[:10], id='mostly-one-character'),
    pytest.param('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123', id='counting'),
    pytest.param('da39a3ee5e6b4b0d3255bfef95601890afd80709', id='sha1-hex'),
    pytest.param('getInternalServerErrorResponseForRequest', id='camel-case-words'),
    pytest.param(''.join(random.Random(1).choices('abcdefghijklmnopqrstuvwxyz0123456789', k=40)),
                 id='lower-case-and-digits'),
]  # fmt: skip


@pytest.mark.parametrize('token', PLACEHOLDERS)
def test_is_placeholder(token):
    assert is_placeholder(token.encode())


# HYPOTHESIS_PROFILE=long draws a million (about five minutes).
DRAWS = 1_000_000 if os.environ.get('HYPOTHESIS_PROFILE') == 'long' else 20_000


def test_random_secrets_are_never_placeholders():
    rng = random.Random('placeholder')
    tokens = (''.join(rng.choices(BASE64, k=40)).encode() for _ in range(DRAWS))
    assert min(code_length(t) for t in tokens) > PLACEHOLDER_BITS


def low_entropy_secret(seed: int) -> str:
    """A secret as AWS could draw it, with sample entropy at or under 4.1 bits."""
    # One such secret in about 450,000 random ones: draw its characters from
    # a random few, then keep one that is no placeholder.
    rng = random.Random(f'low-entropy-{seed}')
    while True:
        chars = rng.sample(BASE64, 22)
        secret = ''.join(rng.choices(chars, k=40))
        counts = [secret.count(c) for c in set(secret)]
        entropy = -sum(c / 40 * math.log2(c / 40) for c in counts)
        if ENTROPY_FLOOR < entropy <= 4.1 and not is_placeholder(secret.encode()):
            return secret


def test_low_entropy_secrets_pass_the_floor():
    # The floor of 4.1 bits turned these away, even beside their key IDs.
    assert all(looks_random(low_entropy_secret(seed).encode()) for seed in range(20))


def test_credentials_file_with_low_entropy_secrets(tmp_path, monkeypatch, capsysbinary):
    from aws_key_guard._main import main
    from tests.conftest import make_key_id

    monkeypatch.chdir(tmp_path)
    ids = [make_key_id(50), make_key_id(51)]
    secrets = [low_entropy_secret(0), low_entropy_secret(1)]
    (tmp_path / 'credentials').write_text(
        f'[default]\naws_access_key_id = {ids[0]}\naws_secret_access_key = {secrets[0]}\n'
        f'[ci]\naws_access_key_id = {ids[1]}\naws_secret_access_key = {secrets[1]}\n'
    )
    assert main(['credentials']) == 1
    out, err = capsysbinary.readouterr()
    assert err == next_steps('2 blocking findings in 1 file')
    fps = ['sha256:' + hashlib.sha256(s.encode()).hexdigest()[:12] for s in secrets]
    assert out.decode().splitlines() == [
        f'credentials:3:25: AKG001 AWS access key pair: secret [{fps[0]}] '
        f'with access key ID AKIA...{ids[0][-4:]} at line 2',
        f'credentials:6:25: AKG001 AWS access key pair: secret [{fps[1]}] '
        f'with access key ID AKIA...{ids[1][-4:]} at line 5',
    ]


def test_one_case_tokens_are_placeholders_as_the_mixture_says():
    # is_one_case settles them before any look around; it must agree.
    rng = random.Random('one-case')
    for alphabet in (
        string.ascii_lowercase + string.digits,
        string.ascii_uppercase + string.digits,
    ):
        tokens = [''.join(rng.choices(alphabet, k=40)).encode() for _ in range(500)]
        assert all(is_one_case(t) and is_placeholder(t) for t in tokens)
    assert not is_one_case(b'abc/' * 10)
    assert not is_one_case(make_secret(4).encode())


@given(st.binary(max_size=48), st.integers(0, 50))
def test_places_that_agree_are_counted_as_a_pair_by_pair_look_does(data, k):
    a, b = data[: max(0, len(data) - k)], data[k:]
    assert _same(a, b) == sum(x == y for x, y in zip(a, b, strict=True))


# Tokens near the bound: random, with repeats, units, runs, words and keyboard rows.
_NEAR = st.lists(
    st.one_of(
        st.text(BASE64, min_size=1, max_size=12),
        st.sampled_from(['abc', 'ABCD', 'qwerty', '0123', 'Xy', 'AAAA', 'zz', '+/', 'etaoin']),
    ),
    min_size=1,
    max_size=12,
).map(lambda parts: ''.join(parts)[:60].encode())


@given(_NEAR)
def test_a_token_surely_random_is_never_a_placeholder(token):
    # The bound that spares most secrets their repeated units' hits only ever
    # says what the whole mixture says.
    if _surely_random(token):
        assert code_length(token) > PLACEHOLDER_BITS


def test_all_but_a_few_random_secrets_are_told_by_the_bound_alone():
    rng = random.Random('surely')
    tokens = [''.join(rng.choices(BASE64, k=40)).encode() for _ in range(2000)]
    told = [t for t in tokens if _surely_random(t)]
    assert len(told) >= 0.99 * len(tokens)
    assert all(code_length(t) > PLACEHOLDER_BITS for t in told)


@given(st.binary(max_size=48))
def test_each_unit_length_has_the_hits_its_own_comparison_counts(data):
    n = len(data)
    expected = [_same(data[: max(0, n - k)], data[k:]) for k in _PERIODS]
    assert _period_hits(data) == expected
