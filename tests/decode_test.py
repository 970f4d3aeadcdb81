from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_key_guard import decode
from aws_key_guard import scan
from aws_key_guard import tokens
from tests.conftest import make_key_id
from tests.conftest import make_secret

SECRET = make_secret(4)


@pytest.mark.parametrize(
    ('data', 'pos', 'expected'),
    [
        pytest.param(b'a\\nb', 1, decode.Escape(3, 10, 'json-escape'), id='newline'),
        pytest.param(b'\\u0027', 0, decode.Escape(6, 0x27, 'json-escape'), id='unicode'),
        pytest.param(b'%3D', 0, decode.Escape(3, ord('='), 'url'), id='percent'),
        pytest.param(b'\\x41', 0, None, id='not-an-escape'),
        pytest.param(b'id=3DAKIA', 2, decode.Escape(5, ord('='), 'quoted-printable'), id='qp'),
        pytest.param(b'=3d', 0, None, id='qp-is-upper-case'),
    ],
)
def test_escape_at(data, pos, expected):
    assert decode.escape_at(data, pos) == expected


def test_escape_before():
    assert decode.escape_before(b'"\\u0022AKIA', 7) == decode.Escape(7, 0x22, 'json-escape')
    assert decode.escape_before(b'id%3DAKIA', 5) == decode.Escape(5, ord('='), 'url')
    assert decode.escape_before(b'idAKIA', 2) is None
    assert decode.escape_before(b'a:&#47AKIA', 6) == decode.Escape(6, ord('/'), 'html-entity')
    assert decode.escape_before(b'&#00000061AKIA', 10) == decode.Escape(10, ord('='), 'html-entity')
    # Nine digits are no reference; `#47` and `47` alone are text.
    texts = (b'&#000000047', b'#47', b'47', b'7')
    assert [decode.escape_before(b, len(b)) for b in texts] == [None] * 4


def test_next_inner_escape_past_a_flood_of_other_escapes():
    data = b'\\n' * 10 + b'%0A' * 10 + b'%2F'
    assert decode.next_inner_escape(data, 0, len(data)) == 50
    assert decode.next_inner_escape(data, 0, len(data) - 1) == -1


def test_next_inner_escape():
    data = b'a%20b\\nc\\u002Bd%252fe\\/'
    found = [decode.next_inner_escape(data, lo, len(data)) for lo in (0, 9, 16, 22)]
    assert found == [8, 15, 21, -1]


def test_next_reference_past_a_flood_of_other_references():
    data = b'&amp;' * 40 + b'&#8212;' * 40 + b'&#x2F;'
    assert decode.next_reference(data, 0, len(data)) == 480
    assert decode.next_reference(data, 0, len(data) - 1) == -1


@pytest.mark.parametrize(('after', 'found'), [(b' ', 350), (b'5', -1)])
def test_next_reference_past_a_flood_sees_where_the_last_one_ends(after, found):
    # `&#47` ends at a space, and is `&#475` before a '5': the byte past hi decides.
    data = b'&amp;' * 70 + b'&#47' + after
    assert decode.next_reference(data, 0, len(data) - 1) == found


@pytest.mark.parametrize(
    ('written', 'char'),
    [
        *((f'&#{c};'.encode(), bytes([c])) for c in b'+/09AZaz'),
        *((f'&#0{c};'.encode(), bytes([c])) for c in b'+/09'),
        *((f'&#x{c:02x};'.encode(), bytes([c])) for c in b'+/09AZaz'),
        *((f'&#X{c:02X};'.encode(), bytes([c])) for c in b'+/'),
        (b'&sol;', b'/'),
        (b'&plus;', b'+'),
        # Zero-padded, up to 8 digits.
        *((b'&#x002F;', b'/'), (b'&#x0002B;', b'+'), (b'&#0047;', b'/'), (b'&#00043;', b'+')),
        *((b'&#x0000002f;', b'/'), (b'&#00000047;', b'/'), (b'&#00000122;', b'z')),
        # No ';': HTML ends the reference where its digits end (at 'g', no digit in any base).
        *((b'&#47', b'/'), (b'&#x2F', b'/'), (b'&#X2b', b'+'), (b'&#0043', b'+')),
    ],
)
def test_character_references_of_base64_characters(written, char):
    data = b'ab' + written + b'gh'
    assert decode.inner_escape_end(data, 2) == 2 + len(written)
    assert decode.escaped_span(data, 2, 40) == decode.Span(
        0, len(data), b'ab' + char + b'gh', False
    )


@pytest.mark.parametrize(
    'written',
    [
        *(b'&amp;', b'&quot;', b'&nbsp;', b'&#8212;', b'&#32;', b'&#x20;', b'&so', b'&sol'),
        *(b'&#;', b'&#x;', b'&#', b'&#x'),
        # More than 8 digits, or digits that go on: `&#475`, `&#x2Fcd` are other characters.
        *(b'&#000000047;', b'&#x00000002F;', b'&#475', b'&#x2F'),
    ],
)
def test_other_character_references_end_a_run(written):
    assert decode.inner_escape_end(b'ab' + written + b'cd', 2) == -1


@pytest.mark.parametrize(
    ('data', 'pos', 'expected'),
    [
        pytest.param(
            b'"ab&#47;cd&#x2b;ef"', 10, decode.Span(1, 18, b'ab/cd+ef', False), id='references'
        ),
        pytest.param(
            b'&quot;ab&sol;cd&quot;', 8, decode.Span(6, 15, b'ab/cd', False), id='after-quot'
        ),
        pytest.param(
            b'"ab%2Fcd%2Bef"', 8, decode.Span(1, 13, b'ab/cd+ef', False), id='from-second-escape'
        ),
        pytest.param(
            b'"\\nab\\/cd\\u002fef"', 5, decode.Span(3, 17, b'ab/cd/ef', True), id='after-newline'
        ),
        pytest.param(
            b' %zzab%2Fcd', 6, decode.Span(2, 11, b'zzab/cd', False), id='after-a-lone-percent'
        ),
        pytest.param(
            b'x' * 50 + b'%2F' + b'y' * 10,
            50,
            decode.Span(-1, 63, b'', False),
            id='too-long-on-the-left',
        ),
        pytest.param(
            b' ab%2F' + b'c' * 50,
            3,
            decode.Span(1, 56, b'ab/' + b'c' * 38, False),
            id='decoded-only-up-to-the-limit',
        ),
        pytest.param(
            b'ab\\/' + b'c' * 5000 + b' d',
            2,
            decode.Span(0, 5004, b'', False),
            id='far-too-long-run-ends-where-it-ends',
        ),
        pytest.param(
            b'a%2F' * 30 + b' ',
            1,
            decode.Span(0, 120, (b'a/' * 21)[:41], False),
            id='more-pieces-than-a-key-has',
        ),
        pytest.param(
            b'a%2F' * 150 + b' ',
            1,
            decode.Span(0, 600, b'', False),
            id='many-pieces-far-too-long',
        ),
    ],
)
def test_escaped_span(data, pos, expected):
    assert decode.escaped_span(data, pos, 40) == expected


def test_base64_runs():
    assert decode.base64_runs(b'ab cd/e+f%g', 1, 11, 1) == [(1, 2), (3, 9), (10, 11)]
    assert decode.base64_runs(b'ab cd/e+f%g', 1, 11, 3) == [(3, 9)]


@pytest.mark.parametrize('big_endian', [False, True])
def test_utf16_view_marks_non_ascii(big_endian):
    text = 'k=Aé€\u0000'
    region = text.encode('utf-16-be' if big_endian else 'utf-16-le')
    assert decode.utf16_view(region, big_endian=big_endian) == b'k=A\xe9\xff\x00'


@pytest.mark.parametrize('extra', range(4))
def test_decode_base64_without_padding(extra):
    raw = SECRET.encode()[: 30 + extra]
    encoded = base64.b64encode(raw).rstrip(b'=')
    assert decode.decode_base64(encoded) == raw
    assert decode.decode_base64(encoded + b'Q')[: len(raw)] == raw


@given(st.binary(max_size=400), st.sampled_from([b'', b'Q', b'/9', b'+']))
def test_decode_base64_is_binasciis(raw, tail):
    # Runs up to decode._BY_DIGITS_MAX characters are read as octal digits,
    # longer ones by binascii: both give the same bytes.
    import binascii

    data = base64.b64encode(raw).rstrip(b'=') + tail
    kept = data[:-1] if len(data) % 4 == 1 else data
    assert decode.decode_base64(data) == binascii.a2b_base64(kept + b'=' * (-len(kept) % 4))


def test_base64_offsets_round_trip():
    assert [decode.base64_offset(i) for i in range(7)] == [0, 1, 2, 4, 5, 6, 8]
    assert [decode.base64_index(o) for o in range(9)] == [0, 1, 2, 3, 3, 4, 5, 6, 6]


def test_records_show_their_fields():
    assert repr(decode.escape_at(b'%3D', 0)) == "Escape(3, 61, 'url')"
    assert repr(decode.escaped_span(b'a%2Fb', 1, 40)) == "Span(0, 5, b'a/b', False)"


def test_escaped_span_of_many_escapes_is_decoded_only_at_a_wanted_length():
    wanted = (20, 40)
    assert decode.escaped_span(b'a%2F' * 12 + b' ', 1, 40, wanted) == decode.Span(0, 48, b'', False)
    twenty = decode.Span(0, 40, b'a/' * 10, False)
    assert decode.escaped_span(b'a%2F' * 10 + b' ', 1, 40, wanted) == twenty
    longer = decode.Span(0, 120, (b'a/' * 21)[:41], False)  # longer than the limit: a pair's
    assert decode.escaped_span(b'a%2F' * 30 + b' ', 1, 40, wanted) == longer


def test_wrapped_block_needs_its_first_line_to_hold_only_base64():
    # 64 base64 characters, then more text on their line: no wrapped block.
    run = b'QUJD' * 16
    buf = run + b' and more\n' + run + b'\n' + run[:20] + b'\n'
    assert decode.wrapped_block(buf, 0, 0, 64, 1 << 12) is None
    block = run + b'\n' + run + b'\n' + run[:20] + b'\n'
    assert decode.wrapped_block(block, 0, 0, 64, 1 << 12) == [(0, 64), (65, 129), (130, 150)]
    # A full line, then one that is not base64: the block ends with the full line.
    ended = run + b'\n' + run + b'\n' + b'-- end of block --\n'
    assert decode.wrapped_block(ended, 0, 0, 64, 1 << 12) == [(0, 64), (65, 129)]


def _lines(*widths: int, indent: bytes = b'') -> bytes:
    return b''.join(indent + b'QUJD' * (w // 4) + b'A' * (w % 4) + b'\n' for w in widths)


@pytest.mark.parametrize(
    ('buf', 'begin', 'reach', 'expected'),
    [
        pytest.param(
            _lines(64, 64, 20), 0, 1 << 12, ([(0, 64), (65, 129), (130, 150)], True), id='block'
        ),
        pytest.param(_lines(64, 20), 0, 1 << 12, ([(0, 64), (65, 85)], True), id='two-lines'),
        pytest.param(_lines(64) + b'-- end --\n', 0, 1 << 12, ([(0, 64)], False), id='one-line'),
        # Past reach, each line is judged alone: the ones as wide as the first, within reach.
        pytest.param(
            _lines(64, 64, 64, 20), 0, 130, ([(0, 64), (65, 129), (130, 194)], False), id='too-long'
        ),
        pytest.param(_lines(64, 76, 64, 20), 0, 130, ([(0, 64)], False), id='too-long-wider-line'),
        # A later line of a block: it and the lines as wide after it.
        pytest.param(
            _lines(64, 64, 64, 20), 65, 1 << 12, ([(65, 129), (130, 194)], False), id='later'
        ),
        pytest.param(
            _lines(64, 64, 64, indent=b'  '),
            69,
            1 << 12,
            ([(69, 133), (136, 200)], False),
            id='later-indented',
        ),
        pytest.param(_lines(60, 60, 20), 0, 1 << 12, ([], False), id='no-wrap-width'),
        pytest.param(b'x ' + _lines(64, 64, 20), 2, 1 << 12, ([], False), id='text-before'),
    ],
)
def test_wrapped_lines(buf, begin, reach, expected):
    assert decode.wrapped_lines(buf, 0, begin, begin + 64, reach) == expected


# The escape grammar written as patterns: the specification the hand-written
# parsers (which spare a commit the import of `re`) are checked against.
_INNER = re.compile(decode.INNER)
_INNER_ESCAPE = re.compile(decode.INNER_ESCAPE)
_REFERENCE = re.compile(decode.REFERENCE)
_PIECE = re.compile(decode.PIECE)
_SPAN = re.compile(decode.SPAN)
_ESCAPE = re.compile(rb'\\([bfnrt]|u[0-9A-Fa-f]{4})|%([0-9A-Fa-f]{2})|(=3D)')
_ESCAPE_BEFORE = re.compile(rb'(?:\\(?:[bfnrt]|u[0-9A-Fa-f]{4})|%[0-9A-Fa-f]{2}|=3D)\Z')
_REFERENCE_BEFORE = re.compile(rb'&#([0-9]{1,8})\Z')


def _escape_by_pattern(buf: bytes, pos: int) -> decode.Escape | None:
    m = _ESCAPE.match(buf, pos)
    if m is None:
        return None
    if m[2] is not None:
        return decode.Escape(m.end(), int(m[2], 16), 'url')
    if m[3] is not None:
        return decode.Escape(m.end(), ord('='), 'quoted-printable')
    value = int(m[1][1:], 16) if m[1][:1] == b'u' else ord('\n')
    return decode.Escape(m.end(), value, 'json-escape')


def _reference_before(buf: bytes, end: int) -> int:
    """Start of the character reference that ends at end, or -1."""
    for pos in range(max(0, end - decode.ESCAPE_MAX), end):
        reference = _REFERENCE.match(buf, pos)
        if reference is not None and reference.end() == end:
            return pos
    return -1


def _span_start_by_pattern(buf: bytes, pos: int, limit: int) -> tuple[int, bool]:
    lo = max(0, pos - decode.ESCAPE_MAX * (limit + 1))
    runs = buf[lo:pos].translate(decode.PLAIN_RUN_MAP)
    start, count = pos, 0
    while True:
        plain = lo + runs.rfind(b' ', 0, start - lo) + 1
        count += start - plain
        start = plain
        if count > limit or plain == lo > 0:
            return -1, False
        if plain and buf[plain - 1 : plain] == b';':
            reference_start = _reference_before(buf, plain)
            if reference_start == -1:
                return start, False
            count += 1
            start = reference_start
            continue
        if buf[plain - 2 : plain] == b'&#' and plain > 1:  # its digits, with no ';' after
            reference = _REFERENCE.match(buf, plain - 2)
            if reference is None:
                return start, False
            count += 1 - (reference.end() - plain)
            start = plain - 2
            continue
        if not plain or buf[plain - 1] not in b'\\%':
            return start, False
        inner = _PIECE.match(buf, plain - 1)
        if inner is None:
            break
        count += 1 - (inner.end() - plain)
        start = plain - 1
    escape = _escape_by_pattern(buf, plain - 1)
    return (start, False) if escape is None else (escape.end, True)


def _span_by_pattern(buf: bytes, pos: int, limit: int) -> decode.Span:
    start, after_escape = _span_start_by_pattern(buf, pos, limit)
    run = _SPAN.match(buf, pos if start < 0 else start)
    assert run is not None
    stop = run.end()
    if start < 0 or stop - start > decode.ESCAPE_MAX * (limit + 1):
        return decode.Span(start, stop, b'', after_escape)
    text = bytearray()
    for m in _PIECE.finditer(buf, start, stop):
        piece = m[0]
        text += decode._inner_char(piece) if piece[:1] in (b'\\', b'%', b'&') else piece
    return decode.Span(start, stop, bytes(text[: limit + 1]), after_escape)


# Bytes that make escapes, near-escapes and runs when strung together.
_ESCAPISH = st.lists(
    st.sampled_from(
        [
            *(bytes([c]) for c in b'\\%ux0123579aAbBcfFnt/+z=G \n'),
            *(b'25', b'2F', b'4a', b'7A', b'%25', b'%252f', b'\\/', b'\\u00', b'\\u002F'),
            *(b'%2', b'\\x2', b'\\05'),
            *(b'&', b'#', b';', b'&#', b'&#x', b'&#X2', b'4', b'6', b'12', b'0', b'sol', b'plus'),
            *(b'&#47;', b'&#x2F;', b'&sol;', b'&plus;', b'&#065;', b'&#122;', b'&amp;', b'&#8212;'),
            *(b'&#47', b'&#x2F', b'&#00000047', b'&#x0000002B;', b'&#000000043', b'000', b'g'),
            *(b'=', b'=3D', b'3D'),
        ]
    ),
    max_size=48,
).map(b''.join)


@given(_ESCAPISH, st.integers(0, 200), st.lists(st.integers(0, 200)))
def test_inner_escapes_asked_left_to_right_agree_with_the_grammar(data, cut, positions):
    # One read asked again and again, as a window's runs ask it: past a lead's
    # misses it looks with the grammar, and each answer stands until passed.
    hi = min(cut, len(data))
    escapes = decode.InnerEscapes(data, 0, hi)
    for pos in sorted(positions):
        found = _INNER_ESCAPE.search(data, pos, hi)
        assert escapes.next(pos) == (-1 if found is None else found.start())


_NOISE = st.lists(
    st.sampled_from(
        [
            *(b'&#47;', b'&#x2F;', b'&sol;', b'%2F', b'\\/', b'\\x2B', b'&amp;', b'%20', b'\\x00'),
            *(b'a&#47;' * 12, b'\\x04S\\x01' * 6, b'a%2F' * 12, b'ABCDEFGHIJ', b'Kq7', b' ', b'\n'),
        ]
    ),
    max_size=40,
).map(b''.join)


def _written(text: str, forms: list[int]) -> bytes:
    """text with each character as forms says: itself, `&#65;`, `&#x41;`, `%41` or `\\u0041`."""
    spelled = [
        ch.encode()
        if form == 0
        else (b'&#%d;', b'&#x%X;', b'%%%02X', b'\\u%04X')[form - 1] % ord(ch)
        for ch, form in zip(text, forms, strict=False)
    ]
    return b''.join(spelled)


@given(
    _NOISE,
    st.sampled_from(['key ID', 'secret']),
    st.integers(0, 40),
    st.lists(st.sampled_from([0, 0, 0, 1, 2, 3, 4]), min_size=40, max_size=40),
    _NOISE,
    st.sampled_from([b'', b' ', b'"', b'\n', b'&#47', b'&#65', b'&#x2F', b'=3D', b'=']),
    st.integers(0, 40),
)
def test_a_scan_that_searches_with_patterns_finds_what_one_by_hand_does(
    before, kind, i, forms, after, edge, cut
):
    # The C passes that run once `re` is loaded (a read's inner escapes looked
    # for once, character references weighed first) only spare work.
    token = make_key_id(i) if kind == 'key ID' else 'aws_secret_access_key = ' + make_secret(i)
    data = before + edge + _written(token, forms) + edge + after
    end = max(0, len(data) - cut)
    by_pattern = tokens.judge(data, 0, end, tokens.Search(-1))
    by_hand = tokens.judge(data, 0, end, tokens.Search(1 << 62))
    fields = ('offset', 'kind', 'token', 'context', 'layer')
    assert [[getattr(h, f) for f in fields] for h in by_pattern] == [
        [getattr(h, f) for f in fields] for h in by_hand
    ]


@pytest.mark.parametrize('planted', [False, True])
@pytest.mark.parametrize(
    'line',
    [b'a&#47;' * 12 + b'\n', b'lorem ipsum dolor sit amet, ' * 4 + b'a&#47;b\n'],
    ids=['dense', 'sparse'],
)
def test_reference_runs_before_a_blank_past_the_window_are_weighed_first(planted, line):
    # A window ending well before the read does, with newlines after it: the
    # runs of references are weighed in C, and parsed only if one is as long as a
    # token. Where references are dense, the common ones are made one character first.
    secret = 'aws_secret_access_key = ' + SECRET
    middle = _written(secret, [0] * 24 + [1] * 40) if planted else b''
    flood = line * 200
    data = flood[:73] + middle + b'\n' + flood
    by_pattern = tokens.judge(data, 0, 1000, tokens.Search(-1))
    by_hand = tokens.judge(data, 0, 1000, tokens.Search(1 << 62))
    fields = ('offset', 'kind', 'token', 'context', 'layer')
    found = [[getattr(h, f) for f in fields] for h in by_pattern]
    assert found == [[getattr(h, f) for f in fields] for h in by_hand]
    at = data.find(b'= ') + 2
    assert found == ([[at, 'secret', SECRET.encode(), True, 'html-entity']] if planted else [])


_FLOOD_UNITS = st.sampled_from(
    [
        *(b'&#47;', b'&#47', b'a%2F', b'&#x2b;', b'\\/', b'&sol;', b'Kq&#43', b'&plus;'),
        *(b'%2b9', b'\\x2F', b'a\\053'),
    ]
)


@given(_ESCAPISH, _FLOOD_UNITS, st.integers(0, 400), _ESCAPISH)
def test_common_escapes_made_one_leave_the_runs_as_they_were(before, unit, count, after):
    # The run map after each inner escape is made one character is the same
    # whether the common escapes were made one in C first or not.
    text = before + unit * count + after
    plain = _INNER.sub(b'A', text).translate(decode.PLAIN_RUN_MAP)
    assert _INNER.sub(b'A', decode.escapes_as_one(text)).translate(decode.PLAIN_RUN_MAP) == plain


@given(_FLOOD_UNITS, st.integers(1, 600), _ESCAPISH, st.integers(0, 12))
def test_a_run_of_escapes_ends_where_its_grammar_says(unit, count, after, cut):
    # A flood to the end of the buffer (cut anywhere, even inside an escape) is
    # measured in C; SPAN says where every run ends.
    buf = unit * count + after
    buf = buf[: max(1, len(buf) - cut)]
    escapes = [m.start() for m in _INNER.finditer(buf)]
    for pos in escapes[:1] + escapes[-1:]:  # at an inner escape, as escaped_span asks
        found = _SPAN.match(buf, pos)
        assert found is not None
        assert decode.escaped_span(buf, pos, 40).stop == found.end()


def test_inner_escapes_past_a_flood_of_each_lead():
    floods = (b'%20', b'\\u0000', b'\\x20', b'\\050')
    data = b''.join(flood * 20 for flood in floods) + b'a\\x2Fb%2F'
    escapes = decode.InnerEscapes(data, 0, len(data))
    assert [escapes.next(0), escapes.next(len(data) - 4)] == [len(data) - 8, len(data) - 3]


@given(_ESCAPISH, st.integers(0, 200), st.sampled_from([4, 8, 40]))
def test_escapes_are_parsed_as_their_grammar_says(data, cut, limit):
    hi = min(cut, len(data))
    for pos in range(len(data) + 1):
        inner = _INNER.match(data, pos)
        assert decode.inner_escape_end(data, pos) == (-1 if inner is None else inner.end())
        assert decode.escape_at(data, pos) == _escape_by_pattern(data, pos)
        before = _ESCAPE_BEFORE.search(data, max(0, pos - 6), pos)
        expected = None if before is None else _escape_by_pattern(data, before.start())
        reference = _REFERENCE_BEFORE.search(data, max(0, pos - 10), pos)
        if expected is None and reference is not None and not data[pos : pos + 1].isdigit():
            expected = decode.Escape(pos, int(reference[1]), 'html-entity')
        assert decode.escape_before(data, pos) == expected
        found = _INNER_ESCAPE.search(data, pos, hi)
        assert decode.next_inner_escape(data, pos, hi) == (-1 if found is None else found.start())
        # Where a reference with no ';' ends depends on the bytes past hi.
        found = _REFERENCE.search(data, pos)
        whole = -1 if found is None or found.end() > hi else found.start()
        assert decode.next_reference(data, pos, hi) == whole
        if inner is not None:
            assert decode.escaped_span(data, pos, limit) == _span_by_pattern(data, pos, limit)
    for pos in range(1, len(data)):
        for stop in range(pos, len(data) + 1):
            touches = bool(_INNER.match(data, stop)) or bool(_INNER.match(data, pos - 1))
            touches |= _reference_before(data, pos) != -1
            touches |= data[pos - 2 : pos] == b'&#' and bool(_REFERENCE.match(data, pos - 2))
            assert decode.touches_inner_escape(data, pos, stop) == touches


@pytest.mark.parametrize('planted', [False, True])
def test_references_in_runs_shorter_than_a_key_id_are_passed_over(planted):
    # Binary data holds `&#` by chance, between bytes no run holds: each such
    # reference is measured where it stands, and a token's run is still parsed.
    secret = 'aws_secret_access_key = ' + SECRET
    middle = _written(secret, [0] * 61 + [2] * 3) if planted else b''
    noise = b'\x00\x01&#47;ab\x7f&sol;\x00\xff&plus;Kq&#x2B;\x02' * 3  # fewer than 16
    data = noise + b'\n' + middle + b'\n' + noise
    by_pattern = tokens.judge(data, 0, len(data), tokens.Search(-1))
    by_hand = tokens.judge(data, 0, len(data), tokens.Search(1 << 62))
    fields = ('offset', 'kind', 'token', 'context', 'layer')
    found = [[getattr(h, f) for f in fields] for h in by_pattern]
    assert found == [[getattr(h, f) for f in fields] for h in by_hand]
    at = data.find(b'= ') + 2
    assert found == ([[at, 'secret', SECRET.encode(), True, 'html-entity']] if planted else [])


def _decoded_length(span: bytes) -> int:
    """How many characters a run the grammar reads decodes to: one for each inner escape."""
    pieces = decode.pattern(decode.PIECE).finditer(span)
    return sum(len(p.group()) if p.group()[:1] not in b'%\\&' else 1 for p in pieces)


@given(
    st.lists(
        st.sampled_from(
            [
                *(b'\\x2b', b'\\x2F', b'\\053', b'\\057', b'\\/', b'\\u002F', b'\\u0041'),
                *(b'%2F', b'%252f', b'%41', b'\\x41', b'\\x20', b'\\x2', b'\\05', b'\\u00'),
                *(b'\\\\', b'\\n', b'\\0', b'\\', b'"', b' ', b'\x00', b'A', b'Kq7'),
                *(b'ABCDEFGHIJ', b'x2b', b'05', b'u00', b'/', b'2F', b'x'),
            ]
        ),
        max_size=60,
    ).map(b''.join)
)
def test_span_marks_are_never_shorter_than_a_run_the_grammar_reads(text):
    # The C pass that spares a flood of byte strings may join escaped runs, never cut one.
    runs = decode.pattern(decode.SPAN).finditer(text)
    escaped = [m.group() for m in runs if decode.pattern(decode.INNER).search(m.group())]
    longest = max(map(_decoded_length, escaped), default=0)
    marks = scan._span_marks(text)
    assert max(map(len, marks.split()), default=0) >= longest


_WIDE_PIECES = st.lists(
    st.one_of(
        st.sampled_from([scan._UTF16_RUN, scan._UTF32_RUN, b'0', b'0x', b'x000', b' ', b'0000']),
        st.integers(1, 600).map(lambda n: b'x' * n),
        st.integers(1, 40).map(lambda n: b'0 ' * n),
    ),
    max_size=150,
).map(b''.join)


@given(
    _WIDE_PIECES, st.integers(0, 50), st.sampled_from([(scan._UTF16_RUN, 0), (scan._UTF32_RUN, 1)])
)
def test_nuls_looked_at_one_by_one_find_what_the_search_finds(runs, first, wide):
    needle, back = wide
    assert scan._holds_wide_run(runs, first, needle, back) == (runs.find(needle, first) != -1)


@pytest.mark.parametrize(('nuls', 'gap'), [(3, 4000), (100, 4000), (100, 10)])
@pytest.mark.parametrize('blank', [b'', b' '])
@pytest.mark.parametrize('wide', [(scan._UTF16_RUN, 0), (scan._UTF32_RUN, 1)])
def test_a_wide_run_after_many_nuls_is_found(nuls, gap, blank, wide):
    # Where nearly every byte is base64, NULs are looked at one by one, the
    # rest searched; a map with blanks (binary data) is searched at once.
    needle, back = wide
    runs = (b'x' * gap + b'0' + blank * 9) * nuls
    assert not scan._holds_wide_run(runs, 0, needle, back)
    assert scan._holds_wide_run(runs + needle, 0, needle, back)
