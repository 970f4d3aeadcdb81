from __future__ import annotations

import bisect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_key_guard import pairing
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


def test_pair_candidates_of_one_database_row_pair_first():
    # Each row's key ID and secret lie pages apart, the other row's columns
    # between them: in reading order K1 would take S2 and K2 S1.
    candidates = [
        key(K1, 1, 0)._replace(row=7),
        secret(S2, 1, 100)._replace(row=8),
        key(K2, 1, 5000)._replace(row=8),
        secret(S1, 1, 5100)._replace(row=7),
    ]
    assert pair_candidates(candidates, window=0) == [
        Finding(Code.PAIR, 1, 101, K2, S2, 1),
        Finding(Code.PAIR, 1, 5101, K1, S1, 1),
    ]
    # A row of a key ID and two secrets says nothing: reading order decides.
    uneven = [*candidates[:3], candidates[3]._replace(row=8)]
    assert pair_candidates(uneven) == [
        Finding(Code.PAIR, 1, 101, K1, S2, 1),
        Finding(Code.PAIR, 1, 5101, K2, S1, 1),
    ]


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
        # Built by join: adjacent literals would be joined, and found, by the hook itself.
        (b''.join((b'ASIA', b'BCDFGHJKLMNPQRST')), False),  # all letters, no vowels
        (b''.join((b'ASIA', b'AEIOUAE2BCDFGHJK')), False),  # a digit: not words
    ],
)
def test_looks_like_words(key_id, expected):
    assert looks_like_words(key_id) is expected


# Reading-order tables: a file's text with {K1}..{S3} in it, the candidates found
# where the tokens are, and the whole findings list named by token.
KEYS = {f'K{i}': Secret(make_key_id(10 + i).encode()) for i in range(1, 5)}
SECRETS = {f'S{i}': Secret(make_secret(10 + i).encode()) for i in range(1, 5)}


def _layout(template: str) -> tuple[bytes, list[Candidate]]:
    text = template.format(**{k: v.decode() for k, v in {**KEYS, **SECRETS}.items()}).encode()
    found = []
    for name, token in {**KEYS, **SECRETS}.items():
        start = 0
        while (offset := text.find(token, start)) >= 0:
            line = text.count(b'\n', 0, offset) + 1
            col = offset - text.rfind(b'\n', 0, offset)
            kind = Kind.KEY_ID if name[0] == 'K' else Kind.SECRET
            found.append(Candidate(kind, line, col, offset, token))
            start = offset + 1
    return text, sorted(found, key=lambda c: c.offset)


def _expect(template: str, named: list[tuple[str, ...]]) -> list[Finding]:
    """('S1', 'K2') is a pair, ('K3',) a lone key ID, each at the token's first place."""
    _, candidates = _layout(template)
    at: dict[bytes, Candidate] = {}
    for c in candidates:
        at.setdefault(c.token, c)
    findings = []
    for names in named:
        if len(names) == 2:
            s, k = at[SECRETS[names[0]]], at[KEYS[names[1]]]
            findings.append(Finding(Code.PAIR, s.line, s.col, k.token, s.token, k.line))
        else:
            k = at[KEYS[names[0]]]
            findings.append(Finding(Code.KEY_ID, k.line, k.col, key_id=k.token))
    return sorted(findings, key=lambda f: (f.line, f.col))


READING_ORDER = [
    pytest.param('{K1}\n{S1}\n{K2}\n{S2}\n', [('S1', 'K1'), ('S2', 'K2')], id='id-s-id-s'),
    pytest.param(
        'secret_a={S1}\nid_a={K1}\nsecret_b={S2}\nid_b={K2}\n',
        [('S1', 'K1'), ('S2', 'K2')],
        id='s-id-s-id',
    ),
    pytest.param(
        'ids:\n- {K1}\n- {K2}\nsecrets:\n- {S1}\n- {S2}\n',
        [('S1', 'K1'), ('S2', 'K2')],
        id='id-id-s-s',
    ),
    pytest.param(
        '{K1} {S1}\n{S2}\n{K2} {K3}\n',
        [('S1', 'K1'), ('S2', 'K2'), ('K3',)],
        id='pair-on-one-line-is-no-half-of-a-block',
    ),
    pytest.param(
        'ids:\n- {K1}\n- {K2}\nsecrets:\n- {S1}\n- {S2}\n{K3} {S3}\n',
        [('S1', 'K1'), ('S2', 'K2'), ('S3', 'K3')],
        id='pair-on-one-line-after-a-block',
    ),
    pytest.param(
        '{S2}\n{K1} {S1}\n{K2}\n',
        [('S2', 'K2'), ('S1', 'K1')],
        id='pair-on-one-line-inside-a-chain',
    ),
    pytest.param(
        'alice_id={K1}\nalice_secret={S1}\nbob_id={K2}\nbob_secret={S2}\n',
        [('S1', 'K1'), ('S2', 'K2')],
        id='alice-bob-no-blank-line',
    ),
    pytest.param(
        'alice_id={K1}\n\nalice_secret={S1}\nbob_id={K2}\nbob_secret={S2}\n',
        [('S1', 'K1'), ('S2', 'K2')],
        id='alice-bob-blank-line-inside-alice',
    ),
    pytest.param(
        'alice_id={K1}\n\nalice_secret={S1}\n\nbob_id={K2}\n\nbob_secret={S2}\n',
        [('S1', 'K1'), ('S2', 'K2')],
        id='alice-bob-blank-lines-everywhere',
    ),
    pytest.param(
        '# rotated: {K3}\n\nalice_id={K1}\n\nalice_secret={S1}\nbob_id={K2}\nbob_secret={S2}\n',
        [('K3',), ('S1', 'K1'), ('S2', 'K2')],
        id='lone-id-then-alice-bob-blank-line',
    ),
    pytest.param(
        '[default]\naws_access_key_id = {K1}\naws_secret_access_key = {S1}\n\n'
        '[ci]\naws_access_key_id = {K2}\n\n'
        '[deploy]\naws_access_key_id = {K3}\naws_secret_access_key = {S3}\n',
        [('S1', 'K1'), ('K2',), ('S3', 'K3')],
        id='credentials-file-middle-profile-without-secret',
    ),
    pytest.param(
        '[default]\naws_access_key_id = {K1}\n\naws_secret_access_key = {S1}\n'
        '[ci]\naws_access_key_id = {K2}\naws_secret_access_key = {S2}\n'
        '[old]\naws_access_key_id = {K3}\n',
        [('S1', 'K1'), ('S2', 'K2'), ('K3',)],
        id='credentials-file-last-profile-without-secret',
    ),
    pytest.param(
        '['
        + ', '.join(
            f'{{{{"AccessKeyId": "{{K{i}}}", "SecretAccessKey": "{{S{i}}}"}}}}' for i in (1, 2, 3)
        )
        + ']\n',
        [('S1', 'K1'), ('S2', 'K2'), ('S3', 'K3')],
        id='json-array-one-line',
    ),
    pytest.param(
        '[\n'
        + ',\n'.join(
            f'  {{{{\n    "AccessKeyId": "{{K{i}}}",\n    "SecretAccessKey": "{{S{i}}}"\n  }}}}'
            for i in (1, 2, 3)
        )
        + '\n]\n',
        [('S1', 'K1'), ('S2', 'K2'), ('S3', 'K3')],
        id='json-array-pretty-printed',
    ),
    pytest.param(
        '[\n'
        + ',\n'.join(
            f'  {{{{\n    "SecretAccessKey": "{{S{i}}}",\n    "AccessKeyId": "{{K{i}}}"\n  }}}}'
            for i in (1, 2, 3)
        )
        + '\n]\n',
        [('S1', 'K1'), ('S2', 'K2'), ('S3', 'K3')],
        id='json-array-pretty-printed-secret-first',
    ),
    pytest.param(
        'key_id = {K1}\n\n\nsecret = {S1}\nkey_id = {K2}\n',
        [('K1',), ('S1', 'K2')],
        id='secret-with-two-ids-the-one-after-nearer',
    ),
    pytest.param(
        'key_id = {K1}\nsecret = {S1}\n\n\nkey_id = {K2}\n',
        [('S1', 'K1'), ('K2',)],
        id='secret-with-two-ids-the-one-before-nearer',
    ),
    pytest.param(
        'old = {K1}\n\n\n\n\n\n\n\nid = {K2}\nsecret = {S1}\n\n\nold_secret = {S2}\n',
        [('S1', 'K2'), ('S2', 'K1')],
        id='spread-out-ids-and-secrets-are-no-block',
    ),
    pytest.param(
        'id = {K1}\nsecret = {S1}\n# again: {K1}\nid = {K2}\nsecret = {S2}\n',
        [('S1', 'K1'), ('S2', 'K2')],
        id='repeated-key-id-shifts-nothing',
    ),
    pytest.param(
        'lone = {K2}\n\n\n\nid = {K1}\nsecret = {S1}\nsecret = {S2}\nsecret = {S3}\n',
        [('S1', 'K1'), ('S2', 'K2'), ('S3', 'K1')],
        id='extra-secrets-take-a-free-id-first-then-reuse',
    ),
    pytest.param(
        'secret = {S3}\nsecret = {S2}\nsecret = {S1}\nid = {K1}\n\n\n\nlone = {K2}\n',
        [('S1', 'K1'), ('S2', 'K1'), ('S3', 'K2')],
        id='extra-secrets-before-take-a-free-id-first-then-reuse',
    ),
]


@pytest.mark.parametrize(('template', 'named'), READING_ORDER)
def test_pair_candidates_in_reading_order(template, named):
    _, candidates = _layout(template)
    assert pair_candidates(candidates) == _expect(template, named)


def test_pair_candidates_in_reading_order_within_the_window():
    template = 'id_a={K1}\n' + '\n' * 9 + 'secret_a={S1}\n' + '\n' * 19 + 'id_b={K2}\n'
    template += '\n' * 9 + 'secret_b={S2}\n'
    _, candidates = _layout(template)
    # Each ID is 10 lines from its secret and 20 from the other profile's.
    assert pair_candidates(candidates, window=10) == _expect(template, [('S1', 'K1'), ('S2', 'K2')])
    assert pair_candidates(candidates, window=9) == _expect(template, [('K1',), ('K2',)])
    assert pair_candidates(candidates, window=25) == _expect(template, [('S1', 'K1'), ('S2', 'K2')])


def test_pair_candidates_block_pairs_beyond_the_window_fall_back():
    template = 'ids:\n- {K1}\n- {K2}\nsecrets:\n- {S1}\n- {S2}\n'
    _, candidates = _layout(template)
    assert pair_candidates(candidates, window=3) == _expect(template, [('S1', 'K1'), ('S2', 'K2')])
    # Each block pair is 3 lines apart: S1 takes K2, 2 lines up; S2 finds none.
    assert pair_candidates(candidates, window=2) == _expect(template, [('K1',), ('S1', 'K2')])


@given(st.lists(st.integers(0, 50)).map(sorted), st.integers(-1, 51))
def test_search_by_offset_is_bisects(offsets, offset):
    items = [Candidate(Kind.KEY_ID, 1, o + 1, o, Secret(b'x')) for o in offsets]
    assert pairing._after(items, offset) == bisect.bisect(offsets, offset)
