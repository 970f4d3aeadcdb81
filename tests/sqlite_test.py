"""SQLite databases written by Python's sqlite3: each row's columns judged standing alone."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import sqlite3
import tempfile
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from aws_key_guard import pipeline
from aws_key_guard._main import main
from aws_key_guard.files import read_chunks
from aws_key_guard.pipeline import scan_file
from aws_key_guard.scan import scan_chunks
from tests.conftest import git
from tests.conftest import line_col
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import sqlite_database
from tests.conftest import where

KEY = make_key_id(31)
UTF16 = ['UTF-16le', 'UTF-16be']  # the byte orders SQLite can store text in
SECRET = make_secret(31)


def _fingerprint(secret: str) -> str:
    return 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]


def _pair(name: str, data: bytes, key: str, secret: str) -> bytes:
    (line, col), (key_line, _) = where(data, secret), where(data, key)
    return (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [{_fingerprint(secret)}] '
        f'with access key ID AKIA...{key[-4:]} at line {key_line}\n'
    ).encode()


def _cli(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> tuple[int, bytes]:
    code = main(list(args))
    return code, capsysbinary.readouterr().out


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize('length', [10, 63, 64, 65, 300, 5000])
def test_key_id_after_a_text_column_of_any_length_pairs(in_tmp, capsysbinary, length):
    # The note's last letter touches the key ID in the record's body.
    note = 'n' * (length - 1) + 'Z'
    data = sqlite_database(
        in_tmp / 'creds.db', 'note TEXT, key_id TEXT, secret TEXT', [(note, KEY, SECRET)]
    )
    assert _cli(capsysbinary, 'creds.db') == (1, _pair('creds.db', data, KEY, SECRET))


@pytest.mark.parametrize(
    ('columns', 'row'),
    [
        pytest.param(
            'key_id TEXT, user TEXT, secret TEXT', (KEY, 'alice', SECRET), id='user-between'
        ),
        pytest.param(
            'secret TEXT, note TEXT, key_id TEXT',
            (SECRET, 'rotated in May', KEY),
            id='secret-first',
        ),
        pytest.param(
            'key_id TEXT, note TEXT, secret TEXT',
            (KEY, 'AbCdEfGh1234', SECRET),
            id='base64-like-note-between',
        ),
        pytest.param(
            'id INTEGER, key_id TEXT, created REAL, user TEXT, secret TEXT',
            (7, KEY, 1.5, 'deploy', SECRET),
            id='numbers-between',
        ),
        pytest.param(
            'user TEXT, key_id TEXT, note TEXT, secret TEXT',
            ('x' * 300 + 'Q', KEY, 'y' * 700 + 'R', SECRET),
            id='long-text-around',
        ),
    ],
)
def test_secret_column_apart_from_the_key_ids_pairs(in_tmp, capsysbinary, columns, row):
    data = sqlite_database(in_tmp / 'creds.db', columns, [row])
    assert _cli(capsysbinary, 'creds.db') == (1, _pair('creds.db', data, KEY, SECRET))


@pytest.mark.parametrize(
    'columns',
    ['note TEXT, key_id TEXT, user TEXT, secret TEXT', 'secret TEXT, note TEXT, key_id TEXT'],
)
def test_rows_pair_row_by_row(in_tmp, capsysbinary, columns):
    keys = [make_key_id(40 + i) for i in range(6)]
    secrets = [make_secret(40 + i) for i in range(6)]
    rows: list[tuple[str, ...]] = [
        ('n' * 150 + str(i), keys[i], f'u{i}', secrets[i])
        if columns.startswith('note')
        else (secrets[i], 'm' * 150 + chr(65 + i), keys[i])
        for i in range(6)
    ]
    # Small pages: the rows fill three of them.
    data = sqlite_database(in_tmp / 'creds.db', columns, rows, page_size=512)
    lines = sorted(
        (where(data, secrets[i]), _pair('creds.db', data, keys[i], secrets[i])) for i in range(6)
    )
    assert _cli(capsysbinary, 'creds.db') == (1, b''.join(line for _, line in lines))


@pytest.mark.parametrize('page_size', [512, 4096, 65536])
def test_row_spilling_to_overflow_pages_pairs(in_tmp, capsysbinary, page_size):
    # The key ID and the secret lie on the chain of overflow pages, after a
    # note longer than a page.
    note = 'w' * (3 * page_size) + 'K'
    rows = [(note, KEY, 'ops', SECRET), ('short', 'none', 'ops', 'none')]
    data = sqlite_database(
        in_tmp / 'creds.db',
        'note TEXT, key_id TEXT, user TEXT, secret TEXT',
        rows,
        page_size=page_size,
    )
    assert _cli(capsysbinary, 'creds.db') == (1, _pair('creds.db', data, KEY, SECRET))


def test_key_in_text_with_lines_of_its_own_is_placed_on_its_line(in_tmp, capsysbinary):
    # A column holding a credentials file: its newlines count, as in any file.
    config = f'[default]\naws_access_key_id={KEY}\naws_secret_access_key={SECRET}\n'
    rows = [('a\nb\nc', 'n' * 100 + 'Z' + KEY, 'x'), ('cfg' * 40, config, 'y')]
    data = sqlite_database(in_tmp / 'creds.db', 'note TEXT, body TEXT, tail TEXT', rows)
    found = _cli(capsysbinary, '--format', 'json', 'creds.db')
    assert found[0] == 1
    (line, col), (key_line, _) = where(data, SECRET), where(data, KEY)
    assert [
        (f['line'], f['column'], f['key_line'], f['layer'])
        for f in json.loads(found[1])['findings']
    ] == [(line, col, key_line, None)]
    assert line > 1


def test_key_id_after_text_with_wide_characters_counts_utf16_units(in_tmp, capsysbinary):
    note = 'é' * 90 + 'Z'  # two bytes, one UTF-16 unit each
    data = sqlite_database(
        in_tmp / 'creds.db', 'note TEXT, key_id TEXT, secret TEXT', [(note, KEY, SECRET)]
    )
    code, out = _cli(capsysbinary, '--format', 'sarif', 'creds.db')
    assert code == 1
    (line, col) = where(data, SECRET)
    prefix = data[
        data.rfind(b'\n', 0, data.index(SECRET.encode())) + 1 : data.index(SECRET.encode())
    ]
    units = len(prefix.decode('utf-8', 'surrogateescape').encode('utf-16-le', 'surrogatepass')) // 2
    region = json.loads(out)['runs'][0]['results'][0]['locations'][0]['physicalLocation']['region']
    assert (region['startLine'], region['startColumn']) == (line, units + 1)
    assert units + 1 < col


def test_secret_split_between_overflow_pages_is_found_at_its_start(in_tmp, capsysbinary):
    # The page holds the row's first bytes, its overflow pages the rest: some
    # length of the note after the secret puts the page break inside the secret.
    for length in range(400, 1000):
        path = in_tmp / f'creds-{length}.db'
        data = sqlite_database(
            path,
            'key_id TEXT, secret TEXT, note TEXT',
            [(KEY, SECRET, 'v' * length)],
            page_size=512,
        )
        if SECRET.encode() not in data and SECRET[:20].encode() in data:
            break
    start = data.index(SECRET[:20].encode())
    line, col = data.count(b'\n', 0, start) + 1, start - data.rfind(b'\n', 0, start)
    code, out = _cli(capsysbinary, '--format', 'json', path.name)
    assert code == 1
    found = json.loads(out)['findings']
    assert [(f['code'], f['line'], f['column'], f['fingerprint'], f['layer']) for f in found] == [
        ('AKG001', line, col, _fingerprint(SECRET), 'sqlite')
    ]


def test_columns_after_numbers_on_overflow_pages_pair(in_tmp, capsysbinary):
    # The page break falls among the REAL columns: no text column is under way there.
    columns = 'a REAL, b REAL, c REAL, d REAL, e REAL, note TEXT, key_id TEXT, secret TEXT'
    rows = [(1.5, 2.5, 3.5, 4.5, 5.5, 'p' * 900 + 'Z', KEY, SECRET)]
    data = sqlite_database(in_tmp / 'creds.db', columns, rows, page_size=512)
    assert _cli(capsysbinary, 'creds.db') == (1, _pair('creds.db', data, KEY, SECRET))


def test_large_rowids_and_empty_columns_are_read(in_tmp, capsysbinary):
    rows = [(2**62, '', None, 'x' * 80 + 'Z', KEY, b'\x00\x01', SECRET)]
    columns = 'id INTEGER PRIMARY KEY, empty TEXT, unset TEXT, note TEXT, key_id TEXT, raw BLOB'
    columns += ', secret TEXT'
    data = sqlite_database(in_tmp / 'creds.db', columns, rows)
    assert _cli(capsysbinary, 'creds.db') == (1, _pair('creds.db', data, KEY, SECRET))


def test_hashes_uuids_and_documentation_keys_stay_quiet(in_tmp, capsysbinary):
    rows = []
    for i in range(200):
        digest = hashlib.sha1(str(i).encode(), usedforsecurity=False).hexdigest()
        rows.append(
            (
                'n' * 70 + 'Z',
                str(uuid.UUID(int=i * 7919)),
                digest,
                hashlib.sha256(digest.encode()).hexdigest(),
                'AKIAIOSFODNN7EXAMPLE',
                'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
            )
        )
    columns = 'note TEXT, id TEXT, sha1 TEXT, sha256 TEXT, key_id TEXT, secret TEXT'
    sqlite_database(in_tmp / 'quiet.db', columns, rows, page_size=1024)
    assert _cli(capsysbinary, 'quiet.db') == (0, b'')


def _scan_findings(
    data: bytes, tmp_path: Path, chunk: int | None = None
) -> list[tuple[object, ...]]:
    path = tmp_path / 'scanned.db'
    path.write_bytes(data)
    chunks = read_chunks(str(path))
    if chunk is not None:
        whole = b''.join(chunks)
        chunks = iter([whole[i : i + chunk] for i in range(0, len(whole), chunk)])
    scan = scan_file(chunks)
    assert scan.bug is None
    return [(c.kind.value, c.line, c.col, c.offset, c.layer) for c in scan.candidates]


# A file is known as a database by its first read's first 16 bytes.
@pytest.mark.parametrize('chunk', [16, 99, 100, 511, 512, 513, 4096])
def test_view_is_the_same_whatever_the_read_sizes(tmp_path, chunk):
    rows = [('n' * 900 + 'Z', make_key_id(i), f'u{i}', make_secret(i)) for i in range(4)]
    data = sqlite_database(
        tmp_path / 'creds.db', 'note TEXT, key_id TEXT, user TEXT, secret TEXT', rows, page_size=512
    )
    whole = _scan_findings(data, tmp_path)
    assert len(whole) == 8
    assert _scan_findings(data, tmp_path, chunk) == whole


def _patched(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


# The one row of _damaged(): its cell is at 655, in page 2 (bytes 512 to 1023):
# payload size (2 bytes), rowid, header size, serial types (2, 1 and 1 bytes).
DAMAGE = [
    pytest.param(16, b'\x03\xe8', id='page-size-not-a-power-of-two'),
    pytest.param(20, b'\x40', id='reserved-bytes-leave-too-little'),
    pytest.param(56, b'\x00\x00\x00\x04', id='unknown-text-encoding'),
    pytest.param(520, b'\xff\xff', id='cell-pointer-off-the-page'),
    pytest.param(520, b'\x01\xff', id='cell-running-off-the-page'),
    pytest.param(515, b'\xff\xff', id='cell-count-too-large'),
    pytest.param(658, b'\x00', id='record-header-size-zero'),
    pytest.param(661, b'\x0a', id='reserved-serial-type'),
    pytest.param(661, b'\x37', id='sizes-not-adding-up'),
    pytest.param(655, b'\x83\x60', id='payload-said-to-overflow'),
]


def _damaged(tmp_path: Path) -> bytes:
    note = 'n' * 300 + 'Z'
    data = sqlite_database(
        tmp_path / 'damaged.db',
        'note TEXT, key_id TEXT, secret TEXT',
        [(note, KEY, SECRET)],
        page_size=512,
    )
    assert data[655:663] == bytes.fromhex('826e01058467355d')  # where DAMAGE patches
    return data


@pytest.mark.parametrize(('at', 'new'), DAMAGE)
def test_damaged_database_is_scanned_as_plain_bytes(tmp_path, at, new):
    data = _patched(_damaged(tmp_path), at, new)
    plain = _scan_findings(b's' + data[1:], tmp_path)  # no longer SQLite's header
    assert _scan_findings(data, tmp_path) == plain


def test_truncated_chain_keeps_what_was_read(tmp_path):
    note = 'q' * 2000 + 'Z'
    data = sqlite_database(
        tmp_path / 'creds.db',
        'key_id TEXT, note TEXT, secret TEXT',
        [(KEY, note, SECRET)],
        page_size=512,
    )
    cut = data[: data.index(SECRET.encode()) - 600]
    assert _scan_findings(cut, tmp_path) == [
        ('key-id', 1, cut.index(KEY.encode()) + 1, cut.index(KEY.encode()), None)
    ]


def test_deleted_row_is_still_found_beside_the_live_ones(in_tmp, capsysbinary):
    # A deleted row's bytes stay in its page until overwritten: the plain scan
    # finds them there, where the leaf pages no longer list them (unless
    # secure_delete, on in some builds, zeroes them).
    gone_key, gone_secret = make_key_id(32), make_secret(32)
    path = in_tmp / 'creds.db'
    rows = [(None, gone_key, gone_secret), ('n' * 300 + 'Z', KEY, SECRET)]
    sqlite_database(path, 'note TEXT, key_id TEXT, secret TEXT', rows)
    db = sqlite3.connect(path)
    db.execute('PRAGMA secure_delete = OFF')
    db.execute('DELETE FROM creds WHERE note IS NULL')
    db.commit()
    db.close()
    data = path.read_bytes()
    lines = sorted(
        [
            (where(data, gone_secret), _pair('creds.db', data, gone_key, gone_secret)),
            (where(data, SECRET), _pair('creds.db', data, KEY, SECRET)),
        ]
    )
    assert _cli(capsysbinary, 'creds.db') == (1, b''.join(line for _, line in lines))


def test_file_with_only_the_magic_is_scanned_as_plain_bytes(in_tmp, capsysbinary):
    (in_tmp / 'short.db').write_bytes(b'SQLite format 3\x00' + f' {KEY}\n'.encode())
    lone = f'short.db:1:18: AKG003 AWS access key ID AKIA...{KEY[-4:]} with no secret\n'
    assert _cli(capsysbinary, 'short.db') == (0, lone.encode())


def test_view_stops_at_the_cap_on_candidates(in_tmp, capsysbinary, monkeypatch):
    monkeypatch.setattr(pipeline, 'MAX_CANDIDATES', 2)
    rows = [('n' * 300 + str(i), make_key_id(i), make_secret(i)) for i in range(40)]
    data = sqlite_database(
        in_tmp / 'creds.db', 'note TEXT, key_id TEXT, secret TEXT', rows, page_size=512
    )
    # The first page's rows make three candidates: the file stops at the third.
    line, col = where(data, make_key_id(1))
    cut = (
        f'creds.db:{line}:{col}: AKG900 cannot scan file: more than 10000 key-shaped tokens, '
        'not scanned past here\n'
    )
    pair = _pair('creds.db', data, make_key_id(0), make_secret(0))
    assert _cli(capsysbinary, 'creds.db') == (2, pair + cut.encode())


def test_database_inside_a_zip_has_its_rows_read(in_tmp, capsysbinary):
    data = sqlite_database(
        in_tmp / 'creds.db', 'note TEXT, key_id TEXT, secret TEXT', [('n' * 300 + 'Z', KEY, SECRET)]
    )
    with zipfile.ZipFile(in_tmp / 'backup.zip', 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('state/creds.db', data)
    pair = _pair('backup.zip!state/creds.db', data, KEY, SECRET)
    assert _cli(capsysbinary, 'backup.zip') == (1, pair)


def test_cells_piled_on_one_another_are_read_once(tmp_path):
    # 67 cell pointers, all to the one row: the page is read no further than
    # it holds bytes, and the row's tokens are found once.
    data = _damaged(tmp_path)
    piled = _patched(_patched(data, 515, b'\x00\x43'), 520, b'\x00\x8f' * 67)
    key_at, secret_at = data.index(KEY.encode()), data.index(SECRET.encode())
    assert _scan_findings(piled, tmp_path) == [
        ('key-id', 1, key_at + 1, key_at, None),
        ('secret', 1, secret_at + 1, secret_at, None),
    ]


def _fuzz_base(encoding: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            ('n' * 700 + 'Z', make_key_id(60), 'ops', make_secret(60)),
            ('short', make_key_id(61), '', make_secret(61)),
        ]
        columns = 'note TEXT, key_id TEXT, user TEXT, secret TEXT'
        path = Path(tmp, 'fuzz.db')
        return sqlite_database(path, columns, rows, page_size=512, encoding=encoding)


FUZZ_BASES = [_fuzz_base(encoding) for encoding in ('UTF-8', *UTF16)]


@settings(max_examples=300)
@given(
    st.sampled_from(FUZZ_BASES),
    st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(min_size=1, max_size=4))),
)
def test_damaged_database_never_fails_the_scan(base, patches):
    data = base
    for at, new in patches:
        data = _patched(data, at % len(base), new)[: len(base)]
    scan = scan_file(iter([data[:4096], data[4096:]]))
    assert scan.bug is None
    for c in scan.candidates:
        # A token lies in the file where it is placed (one split between pages,
        # from there on); one written with escapes is decoded.
        # In UTF-16, two bytes a character: its first lies where it is placed.
        if c.layer in (None, 'sqlite'):
            size = len(c.token) if c.layer is None else 4
            assert data[c.offset : c.offset + size] == c.token[:size]
        elif c.layer in ('utf-16le', 'utf-16be'):
            assert data[c.offset] == c.token[0]


def test_secret_named_in_the_column_before_it_is_found(in_tmp, capsysbinary):
    # A settings table of names and values: the name's last letter touches the value.
    rows = [('region', 'eu-west-1'), ('aws_secret_access_key', SECRET), ('retries', '3')]
    data = sqlite_database(in_tmp / 'settings.db', 'name TEXT, value TEXT', rows)
    line, col = where(data, SECRET)
    expected = (
        f'settings.db:{line}:{col}: AKG002 AWS secret access key [{_fingerprint(SECRET)}] '
        'with no access key ID\n'
    )
    assert _cli(capsysbinary, 'settings.db') == (1, expected.encode())


def test_database_of_hashes_with_no_aws_words_stays_quiet(in_tmp, capsysbinary):
    rows = [(hashlib.sha256(str(i).encode()).hexdigest(), str(uuid.UUID(int=i))) for i in range(50)]
    sqlite_database(in_tmp / 'hashes.db', 'digest TEXT, id TEXT', rows)
    assert _cli(capsysbinary, 'hashes.db') == (0, b'')


def test_staged_database_is_read_from_the_index(git_repo, capsysbinary):
    data = sqlite_database(
        git_repo / 'state.db', 'key_id TEXT, user TEXT, secret TEXT', [(KEY, 'deploy', SECRET)]
    )
    git('add', 'state.db')
    (git_repo / 'state.db').write_bytes(b'not staged\n')
    assert _cli(capsysbinary, '--staged') == (1, _pair('state.db', data, KEY, SECRET))


def test_chain_of_overflow_pages_looping_on_itself_ends(tmp_path):
    note = 'w' * 3000 + 'K'
    data = sqlite_database(
        tmp_path / 'loop.db',
        'note TEXT, key_id TEXT, secret TEXT',
        [(note, KEY, SECRET)],
        page_size=512,
    )
    assert data[1024:1028] == (4).to_bytes(4, 'big')  # page 3 goes on to page 4
    looped = _patched(data, 1024, (3).to_bytes(4, 'big'))
    assert _scan_findings(looped, tmp_path) == _scan_findings(b's' + looped[1:], tmp_path)


def _where16(data: bytes, offset: int) -> tuple[int, int]:
    # As the plain scan places a UTF-16 token: lines end at 0x0A bytes, columns count units.
    return data.count(b'\n', 0, offset) + 1, (offset - data.rfind(b'\n', 0, offset) - 1) // 2 + 1


def _at16(data: bytes, value: str, encoding: str) -> int:
    """Where the plain scan places value in UTF-16: at its first character's low byte."""
    return data.index(value.encode(encoding)) + (encoding == 'UTF-16be')


def _pair16(name: str, data: bytes, key: str, secret: str, encoding: str) -> bytes:
    line, col = _where16(data, _at16(data, secret, encoding))
    key_line, _ = _where16(data, _at16(data, key, encoding))
    return (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [{_fingerprint(secret)}] '
        f'with access key ID AKIA...{key[-4:]} at line {key_line}\n'
    ).encode()


def _codec(encoding: str) -> str:
    """Python's name for a SQLite text encoding (`UTF-16le` is `utf-16-le`)."""
    return encoding.lower().replace('utf-16', 'utf-16-')


def _pairs(name: str, data: bytes, pairs: Sequence[tuple[str, str]], encoding: str) -> bytes:
    """The AKG001 lines of these (key ID, secret) pairs, in the order of their secrets
    in data: a database's text in encoding."""

    def line(key: str, secret: str) -> bytes:
        if encoding == 'UTF-8':
            return _pair(name, data, key, secret)
        return _pair16(name, data, key, secret, encoding)

    found = sorted((data.index(s.encode(_codec(encoding))), line(k, s)) for k, s in pairs)
    return b''.join(text for _, text in found)


def _json_findings(out: bytes) -> list[tuple[object, ...]]:
    return [
        (f['code'], f['line'], f['column'], f['masked_key_id'], f['fingerprint'], f['layer'])
        for f in json.loads(out)['findings']
    ]


@pytest.mark.parametrize('encoding', UTF16)
def test_utf16_database_pairs_every_row_with_its_own_key_id(in_tmp, capsysbinary, encoding):
    # An empty comment puts a secret right after its key ID; the index repeats the key IDs.
    keys = [make_key_id(100 + i) for i in range(50)]
    secrets = [make_secret(100 + i) for i in range(50)]
    rows = [
        (f'user{i}', 'n' * (i * 37 % 300) + 'Z', keys[i], '' if i % 5 == 0 else 'c', secrets[i])
        for i in range(50)
    ]
    path = in_tmp / 'creds.db'
    columns = 'id INTEGER PRIMARY KEY, user TEXT, note TEXT, key_id TEXT, comment TEXT, secret TEXT'
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA encoding = '{encoding}'")
    db.execute(f'CREATE TABLE creds ({columns})')
    db.executemany('INSERT INTO creds VALUES (NULL, ?, ?, ?, ?, ?)', rows)
    db.execute('CREATE INDEX by_key ON creds (key_id)')
    db.commit()
    db.close()
    data = path.read_bytes()
    expected = sorted(
        (
            'AKG001',
            *_where16(data, _at16(data, secrets[i], encoding)),
            f'AKIA...{keys[i][-4:]}',
            _fingerprint(secrets[i]),
            encoding.lower(),
        )
        for i in range(50)
    )
    code, out = _cli(capsysbinary, '--format', 'json', 'creds.db')
    assert (code, _json_findings(out)) == (1, expected)


@pytest.mark.parametrize('encoding', UTF16)
@pytest.mark.parametrize(
    'user',
    [
        pytest.param('Zoë', id='latin-1'),
        pytest.param('Paweł Ł', id='low-byte-a-letter'),  # U+0141's low byte is "A"
        pytest.param('ops 🔑', id='surrogate-pair'),
    ],
)
def test_utf16_key_id_after_a_non_ascii_name_pairs(in_tmp, capsysbinary, encoding, user):
    data = sqlite_database(
        in_tmp / 'creds.db',
        'user TEXT, key_id TEXT, secret TEXT',
        [(user, KEY, SECRET)],
        encoding=encoding,
    )
    assert _cli(capsysbinary, 'creds.db') == (1, _pair16('creds.db', data, KEY, SECRET, encoding))


def _split(tmp_path: Path, encoding: str, first_unit: bool) -> tuple[bytes, int]:
    """A database whose overflow pages split SECRET at an odd byte, and where it starts.

    With first_unit, the break falls inside its first character.
    """
    wide = SECRET.encode(encoding)
    # A number of one byte or two moves the page break by a byte.
    for length, number in [(n // 2, 100 + n % 2 * 1000) for n in range(400, 600)]:
        path = tmp_path / f'split-{length}-{number}.db'
        rows = [(KEY, SECRET, 'v' * length, number)]
        columns = 'key_id TEXT, secret TEXT, note TEXT, n INTEGER'
        data = sqlite_database(path, columns, rows, page_size=512, encoding=encoding)
        # The rest of a split secret starts an overflow page's bytes, after its 4-byte link.
        split = next((k for k in range(len(wide)) if data.find(wide[k:]) % 512 == 4), 0)
        if split == 1 if first_unit else split > 1 and split % 2:
            # The secret follows the key ID; the plain scan places it at its first low byte.
            at = data.index(KEY.encode(encoding)) + 40
            if encoding == 'UTF-16be':
                at = data.find(wide[1:]) if split == 1 else at + 1
            return data, at
    raise AssertionError(encoding)  # pragma: no cover -- the first few lengths split it


@pytest.mark.parametrize('encoding', UTF16)
@pytest.mark.parametrize('first_unit', [False, True])
def test_utf16_secret_split_at_an_odd_byte_is_found_at_its_start(
    in_tmp, capsysbinary, encoding, first_unit
):
    data, start = _split(in_tmp, encoding, first_unit)
    (in_tmp / 'creds.db').write_bytes(data)
    line, col = _where16(data, start)
    key = f'AKIA...{KEY[-4:]}'
    code, out = _cli(capsysbinary, '--format', 'json', 'creds.db')
    assert (code, _json_findings(out)) == (
        1,
        [('AKG001', line, col, key, _fingerprint(SECRET), encoding.lower())],
    )


@pytest.mark.parametrize('encoding', UTF16)
@pytest.mark.parametrize('number', [100, 1000])
@pytest.mark.parametrize('page_size', [512, 4096])
def test_utf16_key_id_at_a_long_columns_end_pairs(
    in_tmp, capsysbinary, encoding, number, page_size
):
    # The note's middle is left out of the view; its kept tail starts at a
    # page break, at an odd byte of the column for one of the numbers. The
    # user's first letter touches the key ID's last: the plain scan misses it.
    rows = [('n' * 9000 + ' ' + KEY, 'Ops team', SECRET, number)]
    data = sqlite_database(
        in_tmp / 'creds.db',
        'note TEXT, user TEXT, secret TEXT, n INTEGER',
        rows,
        page_size=page_size,
        encoding=encoding,
    )
    assert _cli(capsysbinary, 'creds.db') == (1, _pair16('creds.db', data, KEY, SECRET, encoding))


@pytest.mark.parametrize('encoding', UTF16)
def test_utf16_long_note_across_overflow_pages_pairs(in_tmp, capsysbinary, encoding):
    rows = [('w' * 3000 + 'K', KEY, 'ops', SECRET), ('short', 'none', 'ops', 'none')]
    data = sqlite_database(
        in_tmp / 'creds.db',
        'note TEXT, key_id TEXT, user TEXT, secret TEXT',
        rows,
        page_size=512,
        encoding=encoding,
    )
    assert _cli(capsysbinary, 'creds.db') == (1, _pair16('creds.db', data, KEY, SECRET, encoding))


def _utf16_rows(tmp_path: Path, encoding: str) -> bytes:
    rows = [(f'u{i}', 'n' * 300 + 'Z', make_key_id(i), make_secret(i)) for i in range(12)]
    columns = 'user TEXT, note TEXT, key_id TEXT, secret TEXT'
    return sqlite_database(tmp_path / 'rows.db', columns, rows, page_size=512, encoding=encoding)


@pytest.mark.parametrize('encoding', UTF16)
@pytest.mark.parametrize(
    'damage',
    [
        pytest.param(lambda d: d[: len(d) // 2], id='truncated'),
        pytest.param(lambda d: d[: len(d) // 2 + 3], id='truncated-inside-a-unit'),
        pytest.param(lambda d: _patched(d, 1024, b'\x0d' + b'\xff' * 511), id='bad-page'),
        pytest.param(
            lambda d: _patched(d, 1024, b'\x0d\x00\x00\x00\x03\x00\x00\x00'), id='bad-cells'
        ),
    ],
)
def test_damaged_utf16_database_keeps_the_byte_scans_findings(tmp_path, encoding, damage):
    data = damage(_utf16_rows(tmp_path, encoding))
    plain = _scan_findings(b's' + data[1:], tmp_path)
    found = _scan_findings(data, tmp_path)
    assert set(plain) <= set(found)
    assert len(found) > len(plain)  # the view still reads the sound pages


@pytest.mark.parametrize('encoding', UTF16)
def test_utf16_text_that_runs_into_a_key_id_is_no_secret(in_tmp, capsysbinary, encoding):
    # Read as bytes, the note's last 20 letters and the key ID make one
    # 40-letter run: a secret that starts in one column and ends in the next.
    rows = [('rotated ' + make_secret(33)[:20], KEY, ' ops', SECRET)]
    data = sqlite_database(
        in_tmp / 'creds.db',
        'note TEXT, key_id TEXT, user TEXT, secret TEXT',
        rows,
        encoding=encoding,
    )
    assert _cli(capsysbinary, 'creds.db') == (1, _pair16('creds.db', data, KEY, SECRET, encoding))


def _placed(data: bytes, column: bytes, at: int) -> int:
    """The file offset of column[at]: the 16 bytes from there lie in data whole, or
    split by a page edge (the next overflow page's 4-byte number)."""
    window = column[at : at + 16]
    split = [re.escape(window[:i]) + b'.{4}' + re.escape(window[i:]) for i in range(1, 16)]
    shapes = b'|'.join([re.escape(window), *split])
    (offset,) = {m.start() for m in re.finditer(shapes, data, re.DOTALL)}
    return offset


@pytest.mark.parametrize(
    ('encoding', 'encoded'),
    [('UTF-8', False), ('UTF-8', True), ('UTF-16le', False), ('UTF-16be', False)],
    ids=['text', 'base64', 'utf-16le', 'utf-16be'],
)
def test_a_long_column_is_judged_whole_across_its_pages(in_tmp, capsysbinary, encoding, encoded):
    # A note of over 64 KiB with a credentials file 9 KB before its end; as the text
    # after it grows, a page edge falls at each place in it in turn. The byte
    # scan then reads the next page's number inside a key: the note is read
    # again as a file of its own, its pages joined, and finds what a file
    # holding its text finds, placed where each part lies in the database.
    config = f'aws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n'
    middle = base64.b64encode(config.encode()).decode() + '\n' if encoded else config
    codec = _codec(encoding)
    place = line_col if encoding == 'UTF-8' else _where16
    split = set()
    for after in range(0, 508, 7):
        note = 'lorem ipsum dolor\n' * 4000 + middle + 'sit amet\n' * 1000 + 'x' * after
        path = in_tmp / f'creds-{after}.db'
        data = sqlite_database(path, 'note TEXT', [(note,)], page_size=512, encoding=encoding)
        text = note.encode(codec)
        split |= {t for t in (KEY, SECRET, middle) if t in middle and t.encode(codec) not in data}
        found = {c.kind.value: c.offset for c in scan_file([text]).candidates}
        line, col = place(data, _placed(data, text, found['secret']))
        key_line, _ = place(data, _placed(data, text, found['key-id']))
        pair = (
            f'{path.name}:{line}:{col}: AKG001 AWS access key pair: secret '
            f'[{_fingerprint(SECRET)}] with access key ID AKIA...{KEY[-4:]} at line {key_line}\n'
        )
        assert _cli(capsysbinary, path.name) == (1, pair.encode()), after
    assert split == ({middle} if encoded else {KEY, SECRET, middle})


@pytest.mark.parametrize(('text', 'scans'), [(False, 1), (True, 2)], ids=['blobs', 'and-text'])
def test_only_a_column_whose_text_crosses_a_page_edge_is_read_again(
    in_tmp, monkeypatch, text, scans
):
    # Random bytes hold no text a key ID long on both sides of any page edge:
    # a database of them is scanned once, as any file.
    calls = []

    def counted(chunks, **options):
        calls.append(options)
        return scan_chunks(chunks, **options)

    monkeypatch.setattr(pipeline, 'scan_chunks', counted)
    rnd = random.Random(11)
    rows = [(rnd.randbytes(20_000),) for _ in range(10)] + [('lorem ipsum\n' * 2000,)] * text
    sqlite_database(in_tmp / 'blobs.db', 'data', rows, page_size=512)
    assert scan_file(read_chunks('blobs.db')).candidates == []
    assert len(calls) == scans


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


@pytest.mark.parametrize(
    ('columns', 'row'),
    [
        ('name TEXT, value TEXT', ['aws_access_key_id', KEY, 'aws_secret_access_key', SECRET]),
        ('env TEXT, a TEXT, b TEXT', ['prod', KEY, SECRET]),
        ('env TEXT, a TEXT, note TEXT, b TEXT', ['prodZ', KEY, 'x', SECRET]),
    ],
    ids=['settings-by-name', 'no-aws-word', 'after-a-letter'],
)
def test_base64_values_in_columns_of_their_own_pair(in_tmp, capsysbinary, columns, row):
    # Each value base64-encoded, in a column touching the one before it: the
    # byte scan reads the two as one run, decoded out of step. A column is
    # judged as a file holding it alone would be.
    width = columns.count(',') + 1
    encoded = [_b64(v) if v in (KEY, SECRET) else v for v in row]
    rows = [encoded[i : i + width] for i in range(0, len(encoded), width)]
    data = sqlite_database(in_tmp / 'creds.db', columns, rows)
    line, col = line_col(data, data.index(_b64(SECRET).encode()))
    key_line, _ = line_col(data, data.index(_b64(KEY).encode()))
    pair = (
        f'creds.db:{line}:{col}: AKG001 AWS access key pair: secret [{_fingerprint(SECRET)}] '
        f'with access key ID AKIA...{KEY[-4:]} at line {key_line}\n'
    )
    assert _cli(capsysbinary, 'creds.db') == (1, pair.encode())


@pytest.mark.parametrize('encoding', ['UTF-8', *UTF16])
def test_secret_on_a_page_with_no_aws_word_pairs_with_a_key_id_pages_away(
    in_tmp, capsysbinary, encoding
):
    # The secret's row says only `password`, its page nothing an AWS word: a
    # key ID anywhere in the file has every page's rows read.
    rows = [('alice', 'id', KEY), *[(f'u{i}', 'note', 'x' * 30) for i in range(300)]]
    rows.append(('alice', 'password', SECRET))
    columns = 'user TEXT, kind TEXT, value TEXT'
    data = sqlite_database(in_tmp / 'creds.db', columns, rows, encoding=encoding)
    key_at, secret_at = (data.index(t.encode(_codec(encoding))) for t in (KEY, SECRET))
    assert key_at // 4096 != secret_at // 4096
    assert _cli(capsysbinary, 'creds.db') == (
        1,
        _pairs('creds.db', data, [(KEY, SECRET)], encoding),
    )


def _without_rowid(
    path: Path, rows: list[tuple[str, str, int, str]], encoding: str, page_size: int
) -> bytes:
    db = sqlite3.connect(path)
    db.execute(f'PRAGMA page_size = {page_size}')
    db.execute(f"PRAGMA encoding = '{encoding}'")
    db.execute(
        'CREATE TABLE creds (user TEXT PRIMARY KEY, key_id TEXT, created INT, secret TEXT) '
        'WITHOUT ROWID'
    )
    db.executemany('INSERT INTO creds VALUES (?, ?, ?, ?)', rows)
    if page_size > 512:  # a second copy of each key ID
        db.execute('CREATE INDEX by_key ON creds (key_id)')
    db.commit()
    db.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    ('encoding', 'page_size', 'pages'),
    [
        ('UTF-8', 1024, {0x0A, 0x02}),
        ('UTF-16le', 1024, {0x0A, 0x02}),
        ('UTF-16be', 1024, {0x0A, 0x02}),
    ],
    ids=['utf-8', 'utf-16le', 'utf-16be'],
)
def test_rows_of_a_table_without_rowid_pair(in_tmp, capsysbinary, encoding, page_size, pages):
    # Such a table keeps its rows in an index's pages, leaves and inner pages
    # alike; the number between the key ID and the secret hides both from the
    # byte scan. The index on key_id copies each key ID: no finding of its own.
    rows = [(f'user{i:02}', make_key_id(i), 1700000000 + i, make_secret(i)) for i in range(60)]
    data = _without_rowid(in_tmp / 'creds.db', rows, encoding, page_size)
    starts = (data.index(r[3].encode(_codec(encoding))) // page_size * page_size for r in rows)
    assert {data[at] for at in starts} == pages  # the types of the secrets' pages
    pairs = [(key, secret) for _, key, _, secret in rows]
    assert _cli(capsysbinary, 'creds.db') == (1, _pairs('creds.db', data, pairs, encoding))


def _log_of(
    path: Path, columns: str, rows: Sequence[Sequence[object]], encoding: str, checkpoint: bool
) -> bytes:
    """The write-ahead log of a database in WAL mode, read while it is open: its rows
    are in the log alone until a checkpoint. With `checkpoint`, the rows are first
    written with placeholders of the same sizes and checkpointed, then updated: the
    log holds only the pages that changed, page 1 not among them."""
    db = sqlite3.connect(path)
    db.execute('PRAGMA page_size = 1024')
    db.execute(f"PRAGMA encoding = '{encoding}'")
    db.execute('PRAGMA journal_mode = wal')
    db.execute(f'CREATE TABLE creds ({columns})')
    marks = ', '.join('?' * len(rows[0]))
    insert = f'INSERT INTO creds VALUES ({marks})'  # noqa: S608 -- marks only
    if checkpoint:
        db.executemany(insert, [[_placeholder(v) for v in row] for row in rows])
        db.commit()
        db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
        names = [c.split()[0] for c in columns.split(', ')]
        sets = ', '.join(f'{n} = ?' for n in names)
        update = f'UPDATE creds SET {sets} WHERE rowid = ?'  # noqa: S608 -- our names
        db.executemany(update, [(*row, i) for i, row in enumerate(rows, 1)])
    else:
        db.executemany(insert, rows)
    db.commit()
    data = Path(f'{path}-wal').read_bytes()
    db.close()
    return data


def _placeholder(value: object) -> object:
    return 'p' * len(value) if isinstance(value, str) else value


@pytest.mark.parametrize('checkpoint', [False, True], ids=['whole', 'after-a-checkpoint'])
@pytest.mark.parametrize('encoding', ['UTF-8', *UTF16])
def test_rows_in_a_write_ahead_log_pair(in_tmp, capsysbinary, encoding, checkpoint):
    # A database in WAL mode committed while open: `app.db-wal` holds the rows.
    # The note runs on overflow pages, which the log holds too.
    rows = [('n' * 3000 + 'Z', KEY, 1700000000, SECRET), ('short', 'none', 0, 'none')]
    columns = 'note TEXT, key_id TEXT, created INT, secret TEXT'
    data = _log_of(in_tmp / 'app.db', columns, rows, encoding, checkpoint)
    frames = range(32, len(data), 1024 + 24)
    assert (1 in {int.from_bytes(data[at : at + 4], 'big') for at in frames}) != checkpoint
    (in_tmp / 'app.db-wal').write_bytes(data)
    found = _cli(capsysbinary, 'app.db-wal')
    # With no page 1, the log does not say its text is UTF-16: columns are
    # read as bytes, whose streams the scan's UTF-16 view reads.
    assert found == (1, _pairs('app.db-wal', data, [(KEY, SECRET)], encoding))


def test_a_log_declaring_no_page_size_is_scanned_as_bytes(tmp_path):
    rows = [('note', KEY, 1700000000, SECRET)]
    columns = 'note TEXT, key_id TEXT, created INT, secret TEXT'
    data = _log_of(tmp_path / 'app.db', columns, rows, 'UTF-8', checkpoint=False)
    assert [f[0] for f in _scan_findings(data, tmp_path)] == ['key-id', 'secret']
    damaged = _patched(data, 8, (1000).to_bytes(4, 'big'))
    plain = _scan_findings(b'\0' + damaged[1:], tmp_path)
    assert _scan_findings(damaged, tmp_path) == plain
    assert [f[0] for f in plain] == ['secret']


@pytest.mark.parametrize('encoding', ['UTF-8', *UTF16])
def test_rows_on_overflow_pages_pair_each_with_its_own(in_tmp, capsysbinary, encoding):
    # Each row's key ID lies on its leaf page, its secret pages away on its
    # chain, nearer other rows' key IDs: a row's tokens pair with each other.
    rows = [(f'user{i:02}', make_key_id(i), 'n' * 600, make_secret(i)) for i in range(40)]
    columns = 'user TEXT, key_id TEXT, note TEXT, secret TEXT'
    data = sqlite_database(in_tmp / 'creds.db', columns, rows, page_size=512, encoding=encoding)
    pairs = [(key, secret) for _, key, _, secret in rows]
    assert _cli(capsysbinary, 'creds.db') == (1, _pairs('creds.db', data, pairs, encoding))


def test_rows_of_a_table_without_rowid_on_overflow_pages_pair_each_with_its_own(
    in_tmp, capsysbinary
):
    # Of 512-byte pages, a UTF-16 row runs onto overflow pages, some of its
    # tokens split by a page's edge: each row's pair is named, each once.
    rows = [(f'user{i:02}', make_key_id(i), 1700000000 + i, make_secret(i)) for i in range(60)]
    data = _without_rowid(in_tmp / 'creds.db', rows, 'UTF-16be', 512)
    tokens = [token for _, key, _, secret in rows for token in (key, secret)]
    assert any(token.encode('utf-16-be') not in data for token in tokens)
    code, out = _cli(capsysbinary, 'creds.db')
    named = [
        (line.split(': ')[1], line.split('[')[1][:19], line.split('AKIA...')[1][:4])
        for line in out.decode().splitlines()
    ]
    expected = [('AKG001 AWS access key pair', _fingerprint(s), k[-4:]) for _, k, _, s in rows]
    assert (code, sorted(named)) == (1, sorted(expected))
