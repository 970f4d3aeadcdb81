"""Is a 40-character token a random secret? Two tests, each with a computed error rate.

A secret access key is 30 random bytes in base64: 40 characters, each one of
64 with equal chance, independent of the others. Both tests below are judged
by how often they would turn such a secret away (tests/randomness_test.py
computes both exactly):

- `looks_random` (loose tokens only, which count only beside a key ID): mixed
  case, not camel-case words, and sample entropy above ENTROPY_FLOOR.
- `is_placeholder` (every token): the string is far more predictable than
  240 random bits. It is decided by the length of the token under a fixed
  mixture of simple models (the code length, in bits). For any such model,
  at most 2**-k of random strings can be coded in 240 - k bits or fewer (at
  most 2**(240 - k) strings are that likely, each with chance 2**-240), so
  a placeholder verdict at PLACEHOLDER_BITS turns a real secret away with
  chance under 2**-30, one in a billion.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

# The sample entropy of a random secret is at or under 3.8 bits a character
# with chance 3.0e-10 (4.1 would turn away one in 450,000).
ENTROPY_FLOOR: Final = 3.8
PLACEHOLDER_BITS: Final = 240 - 30

_BASE64: Final = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
# Capitals become 'U', every other byte 'l': a word's shape in one translate.
_CASE_MAP: Final = b'l' * 0x41 + b'U' * 26 + b'l' * (0x100 - 0x5B)
# The key that follows each key on a QWERTY keyboard, row after row.
_ROWS: Final = ('qwertyuiopasdfghjklzxcvbnm', 'QWERTYUIOPASDFGHJKLZXCVBNM', '1234567890')
_NEXT_KEY: Final = {ord(row[i]): ord(row[i + 1]) for row in _ROWS for i in range(len(row) - 1)}
# Alphabets a placeholder may keep to, each with its share of the mixture:
# one case and digits (the two largest shares: 40 characters of 36 code in
# 206.8 bits, under the bound only with a large share), a hex digest, one
# case, digits.
_ALPHABETS: Final = (
    (b'abcdefghijklmnopqrstuvwxyz0123456789', 1 / 4),
    (b'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 1 / 4),
    (b'0123456789abcdef', 1 / 64),
    (b'0123456789ABCDEF', 1 / 64),
    (b'abcdefghijklmnopqrstuvwxyz', 1 / 64),
    (b'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1 / 64),
    (b'0123456789', 1 / 64),
)
_WORDS_SHARE: Final = 1 / 32
_COUNT_SHARE: Final = 1 / 16
_RULES_SHARE: Final = 1 / 4  # split evenly among the rules
# How often each letter occurs in English text, in hundredths of a per cent:
# identifiers made of words (`getInternalServerErrorResponse...`) code short.
_LETTERS: Final = dict(
    zip(
        b'etaoinshrdlcumwfgypbvkjxqz',
        (1270, 906, 817, 751, 697, 675, 633, 609, 599, 425, 403, 278, 276,
         241, 236, 223, 202, 197, 193, 129, 98, 77, 15, 15, 10, 7),
        strict=True,
    )
)  # fmt: skip
_PERIODS: Final = range(1, 17)  # a unit of up to 16 characters, repeated
# The guess from the character before (0: none): the next or previous one
# of the base64 alphabet, the next key on a keyboard row.
_B64: Final = _BASE64.encode()
_NO_NEXT_KEY: Final = bytes(c for c in _B64 if c not in _NEXT_KEY)
_GUESSES: Final = (
    bytes.maketrans(_B64, _B64[1:] + b'\0'),
    bytes.maketrans(_B64, b'\0' + _B64[:-1]),
    bytes.maketrans(
        bytes(_NEXT_KEY) + _NO_NEXT_KEY, bytes(_NEXT_KEY.values()) + bytes(len(_NO_NEXT_KEY))
    ),
)
_GUESS: Final = 0.75


_word_table: dict[int, float] = {}  # filled once, by the first token judged
_rule_table: list[float] = []  # likewise: _rule_bits, and the units' bonus
# The adaptive model's bits, summed ahead (filled as long tokens need them):
# _positions[n] = sum of log2(i + 32) for i < n, _repeats[k] = sum of
# log2(j + 0.5) for j < k. Its code length depends on the counts alone.
_positions: list[float] = [0.0]
_repeats: list[float] = [0.0]
_placeholders: dict[bytes, bool] = {}  # is_placeholder's verdicts, at most _CACHE_MAX
_CACHE_MAX: Final = 4096
# _surely_random's sum must stay this far under 1: float rounding never decides.
_SURELY: Final = 0.999


def _word_bits() -> dict[int, float]:
    # Letters as in English words, a tenth of them capitals; digits and the
    # two symbols keep a small share, so every base64 character has a chance.
    # Worked out when a token is first judged: a clean commit never needs it.
    if not _word_table:
        _word_table.update(_word_chances())
    return _word_table


def _word_chances() -> dict[int, float]:
    import math

    total = sum(_LETTERS.values())
    chance = {}
    for letter, count in _LETTERS.items():
        chance[letter] = 0.9 * 0.9 * count / total
        chance[letter - 32] = 0.9 * 0.1 * count / total
    for c in b'0123456789+/':
        chance[c] = 0.1 / 12
    return {c: -math.log2(p) for c, p in chance.items()}


def looks_random(token: bytes) -> bool:
    """True for a 40-char token that could be a secret rather than a word or hash."""
    if token.lower() == token or token.upper() == token:
        return False
    if token.isalpha() and _is_camel_case(token):
        return False
    import math

    n = len(token)
    counts = (token.count(b) for b in set(token))
    entropy = -sum(c / n * math.log2(c / n) for c in counts)
    return entropy > ENTROPY_FLOOR


def _is_camel_case(token: bytes) -> bool:
    # Identifiers such as `getInternalServerErrorResponseForRequest`: every
    # capital starts a lower-case word. For letters only: no capital is
    # followed by a capital or ends the token.
    shape = token.translate(_CASE_MAP)
    return b'UU' not in shape and not shape.endswith(b'U')


def is_one_case(token: bytes) -> bool:
    """True for 40 characters of one case and digits: a placeholder, found at C speed.

    The first two alphabets of the mixture code any such token in 208.8 bits.
    """
    return (token.lower() == token or token.upper() == token) and token.isalnum()


def is_placeholder(token: bytes) -> bool:
    """True for a token such as `abcd...`, `qwerty...`, a repeated unit or a hex digest.

    Verdicts are remembered (a bounded cache): a flood of one token, or a
    token judged on two paths, is worked out once.
    """
    verdict = _placeholders.get(token)
    if verdict is None:
        if len(_placeholders) >= _CACHE_MAX:
            _placeholders.clear()
        verdict = not _surely_random(token) and code_length(token) <= PLACEHOLDER_BITS
        _placeholders[token] = verdict
    return verdict


def _surely_random(token: bytes) -> bool:
    """True if even a bound that favours every model codes the token in more than
    PLACEHOLDER_BITS: most random secrets, told without the repeated units' hits.

    The bound: no alphabet where the token mixes cases; the words and the
    guesses as code_length has them; the adaptive count as if every repeat
    were of one character; a unit of any length repeated, with as many hits as
    characters that occurred before (each hit is one of them), or, where that
    is too loose, with its own hits.
    """
    import math

    n = len(token)
    repeats = n - len(set(token))
    if is_one_case(token) or repeats > n - _PERIODS[-1]:
        return False  # an alphabet may code it, or units repeat too often to bound so
    _fill_tables(n)
    words = _word_bits()
    share, hit, miss = _rule_bits()
    lengths = [
        -math.log2(_WORDS_SHARE) + sum(map(words.__getitem__, token)),
        _positions[n] - math.log2(_COUNT_SHARE) - _repeats[repeats + 1] + n - repeats - 1,
        *_guess_lengths(token),
    ]
    chance = sum(2 ** (PLACEHOLDER_BITS - bits) for bits in lengths)
    # A unit of k with `repeats` hits codes in units - k * (miss - 6) bits: summed over k.
    units = share + repeats * hit + (n - repeats) * miss
    periods = 2 ** (PLACEHOLDER_BITS - units) * _rule_table[3]
    if chance + periods >= _SURELY:  # a quarter of random secrets: each unit's hits counted
        periods = sum(2 ** (PLACEHOLDER_BITS - bits) for bits in _period_lengths(token))
    return chance + periods < _SURELY


def code_length(token: bytes) -> float:
    """Bits to code the token under a mixture of simple models, each with its share.

    The models: a uniform choice from a small alphabet; letters as in English
    words; an adaptive count of the characters seen so far (a string of one
    or few characters); and rules that guess each character from those before
    it (a unit repeated, the next or previous character of the base64
    alphabet, the next key on a keyboard). The shares add up to less than 1,
    so the mixture is a probability distribution and the bound above holds.
    """
    import math

    n = len(token)
    lengths = [
        n * math.log2(len(alphabet)) - math.log2(share)
        for alphabet, share in _ALPHABETS
        if not token.translate(None, alphabet)
    ]
    words = _word_bits()
    _fill_tables(n)
    word_bits = -math.log2(_WORDS_SHARE)
    adaptive = _positions[n] - math.log2(_COUNT_SHARE)
    for c in set(token):
        count = token.count(c)
        word_bits += count * words[c]
        adaptive -= _repeats[count]
    lengths += (word_bits, adaptive)
    lengths += _rule_lengths(token)
    best = min(lengths)
    return best - math.log2(sum(2 ** (best - bits) for bits in lengths))


def _fill_tables(n: int) -> None:
    import math

    while len(_positions) <= n:
        i = len(_positions) - 1
        _positions.append(_positions[i] + math.log2(i + 32))
        _repeats.append(_repeats[i] + math.log2(i + 0.5))


def _rule_bits() -> tuple[float, float, float]:
    """A rule's share of the mixture, and the bits of a character it guesses and misses.

    A rule's model gives its guess _GUESS of the chance and shares the rest out
    evenly; where it makes no guess, every character has 1/64 (6 bits).
    """
    if not _rule_table:  # worked out once, when a token is first judged
        import math

        share = -math.log2(_RULES_SHARE / (len(_PERIODS) + len(_GUESSES)))
        hit, miss = -math.log2(_GUESS + (1 - _GUESS) / 64), -math.log2((1 - _GUESS) / 64)
        # Then, for _surely_random, the sum over k of 2 ** (k * (miss - 6)):
        # a unit of k has its first k characters at 6 bits, not `miss`.
        _rule_table.extend((share, hit, miss, sum(2 ** (k * (miss - 6)) for k in _PERIODS)))
    share, hit, miss = _rule_table[:3]
    return share, hit, miss


def _rule_lengths(token: bytes) -> list[float]:
    # Hits are counted by translate() and _agree(): a few C passes for all the rules.
    return _period_lengths(token) + _guess_lengths(token)


def _period_lengths(token: bytes) -> list[float]:
    n = len(token)
    share, hit, miss = _rule_bits()
    lengths = []
    for k, hits in zip(_PERIODS, _period_hits(token), strict=True):
        blind = min(k, n)  # a unit of k repeated: no guess for the first k
        lengths.append(share + hits * hit + (n - hits - blind) * miss + blind * 6)
    return lengths


def _period_hits(token: bytes) -> list[int]:
    """For each unit length k, the places where the token repeats the character k before.

    Every shifted copy is compared with the token at once, over their
    concatenations; each length's share of the agreement is then counted.
    """
    n = len(token)
    shifts = [k for k in _PERIODS if k < n]
    agree = _agree(
        b''.join([token[: n - k] for k in shifts]), b''.join([token[k:] for k in shifts])
    )
    hits = []
    at = 0
    for k in shifts:
        hits.append(agree.count(0, at, at + n - k))
        at += n - k
    return hits + [0] * (len(_PERIODS) - len(shifts))


def _guess_lengths(token: bytes) -> list[float]:
    # Each character guessed from the one before it.
    n = len(token)
    share, hit, miss = _rule_bits()
    lengths = []
    for table in _GUESSES:
        guess = token[:-1].translate(table)
        hits = _same(guess, token[1:])
        blind = 1 + guess.count(0)
        lengths.append(share + hits * hit + (n - hits - blind) * miss + blind * 6)
    return lengths


def _same(a: bytes, b: bytes) -> int:
    """The places where a and b (as long as each other) hold the same byte, counted in C."""
    return _agree(a, b).count(0)


def _agree(a: bytes, b: bytes) -> bytes:
    # Their XOR, byte by byte: a zero where a and b hold the same.
    return (int.from_bytes(a, 'big') ^ int.from_bytes(b, 'big')).to_bytes(len(a), 'big')
