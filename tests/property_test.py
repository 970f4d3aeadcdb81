"""Properties of the scanner over random bytes, random reads and planted keys."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from unittest import mock

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from aws_key_guard import archive
from aws_key_guard._main import main
from aws_key_guard.archive import archive_kind
from aws_key_guard.model import Kind
from aws_key_guard.pipeline import scan_file
from aws_key_guard.scan import scan_chunks
from tests.arfile_test import _ar
from tests.conftest import line_col
from tests.conftest import make_key_id
from tests.conftest import make_secret

KEYS = [make_key_id(i).encode() for i in range(3)]
SECRETS = [make_secret(i).encode() for i in range(3)]

# Pieces that make tokens, boundaries and lines, so random input often comes
# close to a key: plain random bytes almost never do.
PIECES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from(
        [
            *KEYS,
            *SECRETS,
            b'AKIA',
            b'ASIA',
            b'aws_secret_access_key=',
            b'\n',
            b'\r\n',
            b' ',
            b'\x00',
            b'\x14',
            b'\xff\xfe',
            b'+',
            b'/',
            # Halves of a pair, literals placed next to each other, words that open
            # joined literals, escapes: the views' triggers.
            KEYS[0][:9],
            KEYS[0][9:],
            SECRETS[0][:20],
            SECRETS[0][20:],
            b'"',
            b'" "',
            b'" +\n  "',
            b'SECRET = ',
            b'secret: ',
            b'&#47;',
            b'\\x2F',
            b'%2F',
            b'\\n',
        ]
    ),
    st.text('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz+/', max_size=50).map(str.encode),
)
DATA = st.lists(PIECES, max_size=40).map(b''.join)
CHUNK_SIZES = st.lists(st.integers(1, 200), min_size=1, max_size=8)


def _chunks(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    i = 0
    while i < len(data):
        size = sizes[i % len(sizes)]
        yield data[i : i + size]
        i += size


@given(DATA, CHUNK_SIZES)
def test_scan_never_depends_on_how_the_bytes_are_read(data, sizes):
    assert scan_chunks(_chunks(data, sizes)) == scan_chunks([data])


@given(st.binary(max_size=5000), CHUNK_SIZES)
def test_scan_of_random_bytes_never_crashes(data, sizes):
    for c in scan_chunks(_chunks(data, sizes)):
        line, col = line_col(data, c.offset)
        # A decoded token (escapes, base64, UTF-16) is not there byte for byte,
        # and UTF-16 columns count code units.
        assert c.layer is not None or data.startswith(c.token, c.offset)
        assert c.line == line
        assert c.col == col or (c.layer or '').startswith('utf-16')


@given(DATA, st.data(), CHUNK_SIZES, st.sampled_from([b' ', b'\n', b'\t', b'"', b'\x00']))
def test_planted_pair_is_found_at_its_true_place(noise, data, sizes, sep):
    at = data.draw(st.integers(0, len(noise)), label='offset')
    planted = sep + KEYS[0] + sep + SECRETS[0] + sep
    blob = noise[:at] + planted + noise[at:]
    found = {(c.kind, c.line, c.col, bytes(c.token)) for c in scan_chunks(_chunks(blob, sizes))}
    key_at = at + 1
    secret_at = key_at + len(KEYS[0]) + 1
    assert (Kind.KEY_ID, *line_col(blob, key_at), KEYS[0]) in found
    assert (Kind.SECRET, *line_col(blob, secret_at), SECRETS[0]) in found


@st.composite
def wrapped_documents(draw: st.DrawFn) -> bytes:
    """Text around base64 wrapped as `base64` and PEM write it, credentials inside or not."""
    import base64

    inner = draw(st.lists(PIECES, max_size=12).map(b''.join))
    text = base64.b64encode(inner).decode()
    width = draw(st.sampled_from([64, 76, 60]))
    indent = draw(st.sampled_from(['', '  ', '\t']))
    eol = draw(st.sampled_from(['\n', '\r\n']))
    block = ''.join(f'{indent}{text[i : i + width]}{eol}' for i in range(0, len(text), width))
    return draw(DATA) + block.encode() + draw(DATA)


@given(wrapped_documents(), CHUNK_SIZES)
def test_wrapped_base64_never_depends_on_how_the_bytes_are_read(data, sizes):
    assert scan_chunks(_chunks(data, sizes)) == scan_chunks([data])


@st.composite
def joined_documents(draw: st.DrawFn) -> bytes:
    """Text around a key ID or a secret split into literals placed next to each other."""
    token = draw(st.sampled_from([KEYS[1], SECRETS[1]]))
    cut = draw(st.integers(1, len(token) - 1))
    word = draw(st.sampled_from([b'', b'SECRET = ', b'aws_secret_access_key = ', b'id = ']))
    quote = draw(st.sampled_from([b'"', b"'"]))
    between = draw(st.sampled_from([b' ', b'\n    ', b' + ', b' +\n\t', b' . ', b'\\\n']))
    pieces = quote + token[:cut] + quote + between + quote + token[cut:] + quote
    return draw(DATA) + word + pieces + draw(DATA)


@given(st.one_of(DATA, wrapped_documents(), joined_documents()), CHUNK_SIZES)
def test_every_key_id_search_finds_the_same(data, sizes):
    # Small inputs are searched with bytes.find and judged in Python; larger
    # ones with a pattern, and a read with a flood of prefixes with patterns
    # that check boundaries in C. They must agree.
    by_find = scan_chunks(_chunks(data, sizes), search='find')
    assert scan_chunks(_chunks(data, sizes), search='regex') == by_find
    assert scan_chunks(_chunks(data, sizes), search='patterns') == by_find


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    """A zip (stored or deflated) or an ar of random members, with random bytes in its
    comment or after it: what lies outside the members and what lies in them."""
    members = draw(st.lists(DATA, min_size=1, max_size=4))
    names = [f'm{i}.txt' for i in range(len(members))]
    after = draw(DATA)
    if draw(st.booleans()):
        return _ar(dict(zip(names, members, strict=True))) + after
    out = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(out, 'w', method) as z:
        for name, member in zip(names, members, strict=True):
            z.writestr(name, member)
        z.comment = draw(DATA)[:0xFFFF]
    return out.getvalue() + after


@given(archives())
def test_searching_an_archives_gaps_first_changes_no_scan(data):
    # Where what lies between the members shows no token, the stored bytes are
    # not searched whole: a scan that always searches them finds the same.
    first = scan_file([data]).encode()
    with mock.patch.object(archive, 'gaps', return_value=None):
        assert scan_file([data]).encode() == first


@pytest.fixture(scope='module')
def workdir() -> Iterator[str]:
    # One directory for every example: Hypothesis reruns a test many times
    # within one function-scoped fixture, so tmp_path would be shared anyway.
    with tempfile.TemporaryDirectory() as path:
        yield path


# capsysbinary is read and emptied in every example.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(noise=DATA, at=st.integers(0, 10**6))
def test_planted_pair_is_reported_and_no_output_holds_a_secret(workdir, capsysbinary, noise, at):
    at %= len(noise) + 1
    blob = noise[:at] + b'\n' + KEYS[1] + b' ' + SECRETS[1] + b'\n' + noise[at:]
    name = os.path.join(workdir, 'file.bin')
    with open(name, 'wb') as f:
        f.write(blob)
    rc = main([name])
    out, err = capsysbinary.readouterr()
    line, col = line_col(blob, at + 1 + len(KEYS[1]) + 1)
    fingerprint = hashlib.sha256(SECRETS[1]).hexdigest()[:12]
    expected = (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [sha256:{fingerprint}] '
        f'with access key ID AKIA...{KEYS[1][-4:].decode()} at line {line}'
    )
    assert expected.encode() in out.splitlines()
    # Noise that starts as an archive is a damaged one: an AKG900 besides the pair.
    assert rc == (1 if archive_kind(blob) is None else 2)
    for token in (*KEYS, *SECRETS):
        assert token not in out + err


@given(st.text('ABCXYZabcxyz', min_size=1, max_size=50).map(str.encode))
def test_camel_case_is_every_capital_starting_a_lower_case_word(token):
    from aws_key_guard.randomness import _is_camel_case

    # The definition, letter by letter.
    expected = all(
        token[i + 1 : i + 2].islower() for i in range(len(token)) if token[i : i + 1].isupper()
    )
    assert _is_camel_case(token) is expected
