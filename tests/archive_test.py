"""Keys inside zip, gzip and tar files: members scanned and named `archive!member`, capped."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import random
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_key_guard import archive
from aws_key_guard._main import main
from aws_key_guard.error import ScanError
from aws_key_guard.pipeline import FileScan
from aws_key_guard.pipeline import scan_file
from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps
from tests.conftest import pair_at as _pair_at
from tests.conftest import unscannable
from tests.hostile_test import _run_measured

KEY = make_key_id(16)
SECRET = make_secret(16)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]


def _in_file(name: str, data: bytes) -> bytes:
    return _pair_at(name, data, KEY, SECRET)


PROPS = f'aws.accessKeyId={KEY}\naws.secretKey={SECRET}\n'.encode()
ONE = next_steps('1 blocking finding in 1 file')
# Lines that compress to more than a read: 30 hex digits each.
NOISE = b''.join(hashlib.sha256(b'%d' % i).hexdigest()[:30].encode() + b'\n' for i in range(12000))


def _pair(name: str, line: int = 2, suffix: str = '') -> bytes:
    return (
        f'{name}:{line}:15: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line {line - 1}{suffix}\n'
    ).encode()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', method) as z:
        for name, data in members.items():
            # A fixed time: the stored bytes, and so the lines a scan of them
            # counts, must not depend on the clock (a time can hold a newline).
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = (0o40755 << 16 | 0x10) if name.endswith('/') else 0o644 << 16
            z.writestr(info, data)  # a name ending in '/' is a directory
    return out.getvalue()


def _tar(members: dict[str, bytes], mode: str = 'w') -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as t:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if name.endswith('/'):
                info.type = tarfile.DIRTYPE
            elif name.endswith('@'):
                info.name, info.type, info.linkname = name[:-1], tarfile.SYMTYPE, 'elsewhere'
            info.size = len(data) if info.isreg() else 0
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _gzip(data: bytes, name: str | None = None) -> bytes:
    out = io.BytesIO()
    # GzipFile stores the name it is given in the header (FNAME); none with ''.
    with gzip.GzipFile(name or '', 'wb', fileobj=out, mtime=0) as g:
        g.write(data)
    return out.getvalue()


# One key pair per archive, in the shapes credentials leak in.
FOUND = {
    'jar': (
        'app.jar',
        _zip(
            {
                'META-INF/MANIFEST.MF': b'Manifest-Version: 1.0\n',
                'BOOT-INF/classes/application.properties': PROPS,
            }
        ),
        'app.jar!BOOT-INF/classes/application.properties',
    ),
    'docx': (
        'runbook.docx',
        _zip({'[Content_Types].xml': b'<Types/>', 'word/': b'', 'word/document.xml': PROPS}),
        'runbook.docx!word/document.xml',
    ),
    'xlsx': ('keys.xlsx', _zip({'xl/sharedStrings.xml': PROPS}), 'keys.xlsx!xl/sharedStrings.xml'),
    'whl': (
        'tool-1.0-py3-none-any.whl',
        _zip({'tool/settings.py': PROPS, 'tool-1.0.dist-info/RECORD': b''}),
        'tool-1.0-py3-none-any.whl!tool/settings.py',
    ),
    'zip stored': ('s.zip', _zip({'a.ini': PROPS}, zipfile.ZIP_STORED), 's.zip!a.ini'),
    'zip deflated': ('d.zip', _zip({'a.ini': PROPS}), 'd.zip!a.ini'),
    'renamed zip': ('notes.txt', _zip({'a.ini': PROPS}), 'notes.txt!a.ini'),
    'tar': (
        'conf.tar',
        _tar({'config/': b'', 'config/link@': b'', 'config/credentials': PROPS}),
        'conf.tar!config/credentials',
    ),
    'tar spanning many reads': (
        'big.tar',
        _tar({'vendor.js': b'let x = 1;\n' * 30000, 'config/credentials': PROPS}),
        'big.tar!config/credentials',
    ),
    'tar.gz': (
        'conf.tar.gz',
        _tar({'config/': b'', 'config/credentials': PROPS}, 'w:gz'),
        'conf.tar.gz!config/credentials',
    ),
    'gz log': ('app.log.gz', _gzip(PROPS, 'app.log'), 'app.log.gz!app.log'),
    'gz with no name': ('blob.gz', _gzip(PROPS), 'blob.gz'),
    'zip in zip': (
        'outer.zip',
        _zip({'lib/inner.jar': _zip({'application.properties': PROPS})}),
        'outer.zip!lib/inner.jar!application.properties',
    ),
    'gzip in tar': (
        'logs.tar',
        _tar({'logs/app.log.gz': _gzip(PROPS, 'app.log')}),
        'logs.tar!logs/app.log.gz!app.log',
    ),
    'tar.gz in zip': (
        'bundle.zip',
        _zip({'conf.tgz': _tar({'c/aws.ini': PROPS}, 'w:gz')}),
        'bundle.zip!conf.tgz!c/aws.ini',
    ),
    'gzip in a nested zip': (
        'a.zip',
        _zip({'b.zip': _zip({'c.gz': _gzip(PROPS)})}),
        'a.zip!b.zip!c.gz',
    ),
    'xz': ('aws.ini.xz', lzma.compress(PROPS), 'aws.ini.xz'),
    'xz spanning many reads': ('big.xz', lzma.compress(PROPS + NOISE), 'big.xz'),
    'bz2 spanning many reads': ('big.bz2', bz2.compress(PROPS + NOISE), 'big.bz2'),
    'bz2': ('aws.ini.bz2', bz2.compress(PROPS), 'aws.ini.bz2'),
    'tar.xz': (
        'backup.tar.xz',
        _tar({'home/.aws/': b'', 'home/.aws/credentials': PROPS}, 'w:xz'),
        'backup.tar.xz!home/.aws/credentials',
    ),
    'tar.bz2': (
        'conf.tbz',
        _tar({'config/credentials': PROPS}, 'w:bz2'),
        'conf.tbz!config/credentials',
    ),
    'xz in a zip': (
        'logs.zip',
        _zip({'logs/app.log.xz': lzma.compress(PROPS)}),
        'logs.zip!logs/app.log.xz',
    ),
    'bzip2 in a tar': (
        'logs.tar',
        _tar({'app.log.bz2': bz2.compress(PROPS)}),
        'logs.tar!app.log.bz2',
    ),
}


@pytest.mark.parametrize('case', FOUND, ids=list(FOUND))
def test_a_key_in_an_archive_is_found_in_its_member(tmp_path, monkeypatch, capsysbinary, case):
    filename, data, shown = FOUND[case]
    monkeypatch.chdir(tmp_path)
    Path(filename).write_bytes(data)
    assert main([filename]) == 1
    assert capsysbinary.readouterr() == (_pair(shown), ONE)


def _zip_comments(archive_comment: bytes = b'', member_comment: bytes = b'') -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as z:
        info = zipfile.ZipInfo('a.txt', (2020, 1, 1, 0, 0, 0))
        info.comment = member_comment
        z.writestr(info, b'hello\n')
        z.comment = archive_comment
    return out.getvalue()


def _pax_tar(headers: dict[str, str]) -> bytes:
    # A POSIX tar's extended header records (pax `comment` is for people, not readers).
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo('a.txt')
        info.size, info.pax_headers = 6, headers
        t.addfile(info, io.BytesIO(b'hello\n'))
    return out.getvalue()


def _gzip_commented(comment: bytes) -> bytes:
    # RFC 1952's FCOMMENT: a NUL-ended comment after the fixed header.
    data = _gzip(b'hello\n')
    return data[:3] + bytes([data[3] | 0x10]) + data[4:10] + comment + b'\0' + data[10:]


# Keys outside every member, which unpacking never reads.
OUTSIDE = {
    'zip comment': _zip_comments(archive_comment=PROPS),
    'zip member comment': _zip_comments(member_comment=PROPS),
    'data after a zip': _zip_comments() + PROPS,
    'data after a tar': _tar({'a.txt': b'hello\n'}) + PROPS,
    'tar header comment': _pax_tar({'comment': PROPS.decode()}),
    'gzip comment': _gzip_commented(PROPS.replace(b'\n', b' ')),
}


@pytest.mark.parametrize('case', OUTSIDE, ids=list(OUTSIDE))
def test_a_key_outside_every_member_is_found_in_the_stored_bytes(
    tmp_path, monkeypatch, capsysbinary, case
):
    monkeypatch.chdir(tmp_path)
    Path('f').write_bytes(OUTSIDE[case])
    assert main(['f']) == 1
    assert capsysbinary.readouterr() == (_in_file('f', OUTSIDE[case]), ONE)


COMMENTED_ZIP = _zip_comments(archive_comment=PROPS)
PAX_TAR = _pax_tar({'comment': PROPS.decode()})
# Keys outside every member of an archive inside another: the name shown, and
# the bytes the line and column count in.
NESTED_OUTSIDE = {
    'zip comment, zip in a zip': (
        _zip({'lib/inner.jar': COMMENTED_ZIP}),
        'f!lib/inner.jar',
        COMMENTED_ZIP,
    ),
    'tar header comment, .tar.gz': (_gzip(PAX_TAR), 'f', PAX_TAR),
    'tar header comment, named .tar.gz': (_gzip(PAX_TAR, 'conf.tar'), 'f!conf.tar', PAX_TAR),
    'tar header comment, tar in a zip': (_zip({'c.tar': PAX_TAR}), 'f!c.tar', PAX_TAR),
}


@pytest.mark.parametrize('case', NESTED_OUTSIDE, ids=list(NESTED_OUTSIDE))
def test_a_key_outside_the_members_of_a_nested_archive_is_found_in_its_stored_bytes(
    tmp_path, monkeypatch, capsysbinary, case
):
    data, shown, counted = NESTED_OUTSIDE[case]
    monkeypatch.chdir(tmp_path)
    Path('f').write_bytes(data)
    assert main(['f']) == 1
    assert capsysbinary.readouterr() == (_in_file(shown, counted), ONE)


def _with_extra_field() -> bytes:
    # A member whose local header holds an extra field (as a jar's first one does).
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo('a.txt')
        info.extra = b'\xfe\xca\x00\x00'
        z.writestr(info, b'one\ntwo\n' * 12)  # 96 bytes
    return out.getvalue()


def test_zip_gaps_leave_out_the_stored_bytes_of_each_member_read_whole():
    data = _with_extra_field()
    # Read while the archive is held, as the pipeline reads them.
    gaps = [b''.join(m.gaps) for m in archive.members(data, iter([])) if m.gaps is not None]
    at = data.index(b'one\ntwo\n')
    assert gaps == [data[:at] + b'\n   ' + data[at + 96 :]]


def test_gaps_cut_only_spans_in_order():
    data = bytes(range(32))
    spans = [archive.Span(10, 4), archive.Span(2, 4), archive.Span(12, 8), archive.Span(24, 5)]
    # The second span lies before the first, the third over it: their bytes stay.
    expected = data[:10] + b'\n   ' + data[14:24] + b'\n' + data[29:]
    assert b''.join(archive.gaps(io.BytesIO(data), spans, 64)) == expected
    # outside's blanks keep lines and columns: byte 10 is a newline, then three bytes.
    blanked = data[:10] + b'\n   ' + data[14:24] + b'     ' + data[29:]
    assert b''.join(archive.outside(io.BytesIO(data), spans, 64)) == blanked
    # Reads of at least the size asked, and never an empty one to end them.
    assert list(archive.outside(io.BytesIO(data), [], 16)) == [data[:16], data[16:]]


@pytest.mark.parametrize(
    'case',
    [*OUTSIDE, 'zip in a zip', 'in a member and outside', 'clean zip', 'extra field'],
)
def test_searching_an_archives_gaps_first_changes_no_scan(monkeypatch, case):
    data = OUTSIDE | {
        'zip in a zip': NESTED_OUTSIDE['zip comment, zip in a zip'][0],
        'in a member and outside': _zip({'a.ini': PROPS}, zipfile.ZIP_STORED) + PROPS,
        'clean zip': _zip({'a.txt': b'hello\n', 'b.txt': b'x' * 5000}),
        'extra field': _with_extra_field() + PROPS,
    }
    first = scan_file([data[case]]).encode()
    monkeypatch.setattr(archive, 'gaps', lambda *args: None)
    assert scan_file([data[case]]).encode() == first
    assert (first[-1] == []) is (case == 'clean zip')


def test_a_key_both_in_a_member_and_outside_is_reported_in_the_member(
    tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)
    Path('f.zip').write_bytes(_zip({'a.ini': PROPS}, zipfile.ZIP_STORED) + PROPS)
    assert main(['f.zip']) == 1
    assert capsysbinary.readouterr() == (_pair('f.zip!a.ini'), ONE)


@pytest.mark.parametrize('compress', [lzma.compress, bz2.compress], ids=['xz', 'bzip2'])
def test_every_stream_of_a_concatenated_file_is_read(tmp_path, monkeypatch, capsysbinary, compress):
    # As `xz`, `bzip2` and `cat` make them; xz pads between streams with NULs.
    monkeypatch.chdir(tmp_path)
    # Padding longer than a read: the next stream is looked for in the reads after.
    Path('f').write_bytes(compress(b'first\n') + bytes(3 << 16) + compress(PROPS))
    assert main(['f']) == 1
    assert capsysbinary.readouterr() == (_pair('f', 3), ONE)


def test_a_text_that_starts_like_bzip2_is_read_as_text(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    Path('notes.txt').write_bytes(b'BZh9 is bzip2 at its largest block\n' + PROPS)
    assert main(['notes.txt']) == 1
    assert capsysbinary.readouterr() == (_pair('notes.txt', 3), ONE)


def test_a_clean_archive_passes(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    lone = make_secret(3).encode()  # a secret-shaped token with no context: no finding
    Path('clean.zip').write_bytes(_zip({'a.txt': b'hello\n', 'b.txt': lone}))
    Path('empty.tar').write_bytes(_tar({'nothing/': b''}))
    assert main(['clean.zip', 'empty.tar']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_member_names_are_quoted_and_cannot_forge_a_line(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    forged = '../x\nfake.env:1:1: AKG001 forged\x1b[2J.ini'
    Path('odd.zip').write_bytes(_zip({forged: PROPS, 'a!b\u202e.ini': PROPS}))
    assert main(['odd.zip']) == 1
    first = '"odd.zip!../x\\nfake.env:1:1: AKG001 forged\\033[2J.ini"'
    second = '"odd.zip!a!b\\342\\200\\256.ini"'
    assert capsysbinary.readouterr() == (
        _pair(first) + _pair(second),
        next_steps('2 blocking findings in 2 files'),
    )


def test_archives_nested_too_deep_are_named(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    third = _zip({'c.zip': _zip({'deep.ini': PROPS})})
    Path('deep.zip').write_bytes(_zip({'b.zip': third}))
    Path('double.gz').write_bytes(_gzip(_gzip(PROPS)))
    Path('deep.tgz.zip').write_bytes(_zip({'b.zip': _zip({'c.tgz': _tar({'x': PROPS}, 'w:gz')})}))
    assert main(['deep.zip', 'double.gz', 'deep.tgz.zip']) == 2
    assert capsysbinary.readouterr() == (
        unscannable('deep.zip!b.zip!c.zip', 'zip archive nested too deep, scanned as it is stored')
        + unscannable('double.gz', 'gzip archive nested too deep, scanned as it is stored')
        # A tar holds its members' bytes as they are: scanned so, still found.
        + _pair('deep.tgz.zip!b.zip!c.tgz')
        + unscannable(
            'deep.tgz.zip!b.zip!c.tgz', 'tar archive nested too deep, scanned as it is stored'
        ),
        ONE,
    )


def test_a_zip_bomb_gets_one_line_within_the_memory_bound(tmp_path):
    bomb = tmp_path / 'bomb.zip'
    with zipfile.ZipFile(bomb, 'w', zipfile.ZIP_DEFLATED) as z, z.open('zeros', 'w') as f:
        for _ in range(80):
            f.write(bytes(1 << 20))  # 80 MiB unpacked, past the member cap
    rc, out, peak_kib = _run_measured('bomb.zip', cwd=tmp_path)
    reason = 'member unpacks to more than 64 MiB, not scanned past byte 67108864'
    assert (rc, out) == (2, unscannable('bomb.zip!zeros', reason))
    assert peak_kib < 64 << 10  # bounded by the reads, not by the member


def _tar_header(info: tarfile.TarInfo, **fields: bytes) -> bytes:
    """A GNU tar header for `info`, with raw fields set by offset name, checksum recomputed."""
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    at = {'size': 124, 'type': 156, 'sparse': 386, 'realsize': 483}
    for name, value in fields.items():
        header[at[name] : at[name] + len(value)] = value
    header[148:156] = b' ' * 8
    header[148:156] = b'%06o\0 ' % sum(header)
    return bytes(header)


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 512)


def test_a_tar_member_declaring_an_exabyte_ends_at_the_data_there_is(
    tmp_path, monkeypatch, capsysbinary
):
    # tarfile skips a member by reading up to the offset its header declares.
    monkeypatch.chdir(tmp_path)
    huge = bytes([0x80]) + (1 << 62).to_bytes(11, 'big')  # base-256: 4 EiB
    header = _tar_header(tarfile.TarInfo('big.txt'), size=huge)
    Path('f.tar').write_bytes(header + _padded(b'short\n'))
    assert main(['f.tar']) == 2
    assert capsysbinary.readouterr() == (
        unscannable('f.tar!big.txt', 'damaged archive member (ReadError)')
        + unscannable('f.tar', 'damaged tar archive (EOFError)'),
        b'',
    )


def _words(lines: int) -> bytes:
    # Text that compresses to a gzip stream of 69 KB, over a read: gzip then reads
    # past its end five times before it says the stream is over.
    rng = random.Random(230)
    words = (b'alpha', b'beta', b'gamma', b'delta', b'epsilon', b'zeta', b'eta', b'theta')
    return b''.join(b' '.join(rng.choices(words, k=100)) + b'\n' for _ in range(lines))


def test_a_gzip_stream_read_to_its_end_is_whole(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    text = _words(1150)
    Path('words.txt.gz').write_bytes(gzip.compress(text, mtime=0))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        for name, data in (('words.txt', text), ('app.properties', PROPS)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    Path('conf.tar.gz').write_bytes(buf.getvalue())
    assert main(['words.txt.gz']) == 0
    assert capsysbinary.readouterr() == (b'', b'')
    assert main(['conf.tar.gz']) == 1
    assert capsysbinary.readouterr() == (_pair('conf.tar.gz!app.properties'), ONE)


def test_a_sparse_tar_member_is_read_without_its_holes(tmp_path, monkeypatch, capsysbinary):
    # GNU sparse: 4 GiB of hole, then the stored bytes. Read with its holes,
    # the member cap would end the scan in the hole and never reach the key.
    monkeypatch.chdir(tmp_path)
    hole = 4 << 30
    info = tarfile.TarInfo('sparse.ini')
    info.size = len(PROPS)
    region = b'%011o\0%011o\0' % (hole, len(PROPS))
    header = _tar_header(info, type=b'S', sparse=region, realsize=b'%011o\0' % (hole + len(PROPS)))
    Path('s.tar').write_bytes(header + _padded(PROPS) + bytes(1024))
    assert main(['s.tar']) == 1
    assert capsysbinary.readouterr() == (_pair('s.tar!sparse.ini'), ONE)


def _directory_declared(
    data: bytes, size: int, *, zip64: bool = False, comment: bytes = b''
) -> bytes:
    end = data.rindex(b'PK\x05\x06')
    record = data[end:]
    if not zip64:
        tail = record[:12] + size.to_bytes(4, 'little') + record[16:20]
        return data[:end] + tail + len(comment).to_bytes(2, 'little') + comment
    # A zip64 end record and its locator, right before the end record.
    record64 = b'PK\x06\x06' + bytes(36) + size.to_bytes(8, 'little') + bytes(8)
    locator = b'PK\x06\x07' + bytes(4) + end.to_bytes(8, 'little') + (1).to_bytes(4, 'little')
    return data[:end] + record64 + locator + record


@pytest.mark.parametrize(
    'shape',
    [{}, {'comment': b'built by hand'}, {'zip64': True}],
    ids=['end record', 'end record with comment', 'zip64 record'],
)
def test_a_zip_listing_too_much_is_scanned_as_stored(tmp_path, monkeypatch, capsysbinary, shape):
    # zipfile would read the whole central directory and keep an object per entry.
    monkeypatch.chdir(tmp_path)
    stored = _zip({'a.ini': PROPS}, zipfile.ZIP_STORED)
    Path('f.zip').write_bytes(_directory_declared(stored, archive.DIRECTORY_CAP + 1, **shape))
    assert main(['f.zip']) == 2
    reason = 'zip archive lists more than 4 MiB of members, scanned as it is stored'
    assert capsysbinary.readouterr() == (unscannable('f.zip', reason) + _pair('f.zip'), ONE)


def test_a_zip_of_many_members_past_the_directory_cap(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(archive, 'DIRECTORY_CAP', 1 << 20)
    members = {f'static/{n:05}.css': b'body {}\n' for n in range(17000)}
    many = _zip({**members, 'z.ini': PROPS}, zipfile.ZIP_STORED)
    Path('many.zip').write_bytes(many)
    Path('few.zip').write_bytes(_zip({'z.ini': PROPS}, zipfile.ZIP_STORED))
    assert main(['many.zip', 'few.zip']) == 2
    at = many.index(SECRET.encode())
    line, column = many.count(b'\n', 0, at) + 1, at - many.rindex(b'\n', 0, at)
    reason = 'zip archive lists more than 1 MiB of members, scanned as it is stored'
    found = (
        f'many.zip:{line}:{column}: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line {line - 1}\n'
    )
    assert capsysbinary.readouterr() == (
        unscannable('many.zip', reason) + found.encode() + _pair('few.zip!z.ini'),
        next_steps('2 blocking findings in 2 files'),
    )


def test_the_caps_name_where_scanning_stopped(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(archive, 'MEMBER_CAP', 1 << 20)
    monkeypatch.setattr(archive, 'FILE_CAP', 2 << 20)
    filler = b'x' * (1200 << 10)
    members = {'a.txt': filler, 'b.ini': PROPS, 'c.txt': filler, 'd.ini': PROPS}
    # Stored, so the archive spans many reads.
    Path('big.zip').write_bytes(_zip(members, zipfile.ZIP_STORED))
    assert main(['big.zip']) == 2
    assert capsysbinary.readouterr() == (
        unscannable(
            'big.zip!a.txt', 'member unpacks to more than 1 MiB, not scanned past byte 1048576'
        )
        + _pair('big.zip!b.ini')
        + unscannable('big.zip!c.txt', 'archive unpacks to more than 2 MiB, not scanned past here'),
        ONE,
    )


def _corrupt_crc(data: bytes) -> bytes:
    at = data.index(PROPS)
    return data[:at] + b'#' + data[at + 1 :]


def _bad_second_header(data: bytes) -> bytes:
    at = data.index(b'PK\x03\x04', 4)
    return data[:at] + b'PK\x03\x05' + data[at + 4 :]


def _encrypted() -> bytes:
    # zipfile writes no encryption: the central directory's flag says so.
    data = _zip({'locked.ini': PROPS}, zipfile.ZIP_STORED)
    at = data.index(b'PK\x01\x02') + 8
    return data[:at] + bytes([data[at] | 0x1]) + data[at + 1 :]


def _xz_dictionary(data: bytes, code: int) -> bytes:
    # The LZMA2 filter's one-byte dictionary size (40 is 4 GiB) in the first
    # block's header, whose CRC32 follows it; the stream header takes 12 bytes.
    size = (data[12] + 1) * 4
    header = bytearray(data[12 : 12 + size - 4])
    at = header.index(b'\x21\x01') + 2  # filter ID 0x21 (LZMA2), one byte of properties
    header[at] = code
    return data[:12] + header + zlib.crc32(header).to_bytes(4, 'little') + data[12 + size :]


def _gzip_header(flags: int, rest: bytes) -> bytes:
    return b'\x1f\x8b\x08' + bytes([flags]) + bytes(6) + rest


JAR = FOUND['jar'][1]
LOG = _gzip(PROPS, 'app.log')
TAR = _tar({'x.ini': PROPS})
DAMAGED = {
    'truncated zip': JAR[: len(JAR) // 2],
    'truncated gzip': LOG[:-12],
    'bad crc': _corrupt_crc(_zip({'x.ini': PROPS}, zipfile.ZIP_STORED)),
    'bad header': _bad_second_header(_zip({'a': b'a', 'b': PROPS})),
    'encrypted': _encrypted(),
    'gzip magic only': b'\x1f\x8b\x08',
    'gzip name unterminated': _gzip_header(0x08, b'name'),
    'tar bad checksum': TAR[:148] + b'99999999' + TAR[156:],
    'truncated xz': lzma.compress(PROPS)[:-20],
    'xz, then a gzip': lzma.compress(b'hello\n') + LOG,
    'bzip2, then a gzip': bz2.compress(b'hello\n') + LOG,
    'xz asking for 1.5 GiB': _xz_dictionary(lzma.compress(b'hello\n'), 39),
}


# The stored bytes are scanned as well: where a damaged member stores its
# bytes as they are, its key is still found, in the file itself.
@pytest.mark.parametrize(
    ('case', 'expected'),
    [
        ('truncated zip', unscannable('f', 'damaged zip archive (BadZipFile)')),
        ('truncated gzip', unscannable('f!app.log', 'damaged archive member (EOFError)')),
        (
            'bad crc',
            unscannable('f!x.ini', 'damaged archive member (BadZipFile)') + _pair('f', 2),
        ),
        ('bad header', unscannable('f!b', 'damaged archive member (BadZipFile)')),
        (
            'encrypted',
            unscannable('f!locked.ini', 'encrypted archive member, not scanned') + _pair('f', 3),
        ),
        ('gzip magic only', unscannable('f', 'damaged archive member (EOFError)')),
        ('gzip name unterminated', unscannable('f', 'damaged archive member (EOFError)')),
        (
            'tar bad checksum',
            unscannable('f', 'damaged tar archive (ReadError)') + _pair('f', 2),
        ),
        # xz hands out what it unpacked before it meets the end too soon.
        ('truncated xz', _pair('f') + unscannable('f', 'damaged archive member (EOFError)')),
        ('xz, then a gzip', unscannable('f', 'damaged archive member (LZMAError)')),
        ('bzip2, then a gzip', unscannable('f', 'damaged archive member (OSError)')),
        (
            'xz asking for 1.5 GiB',
            unscannable('f', 'xz stream needs more than 72 MiB of memory to unpack'),
        ),
    ],
)
def test_a_damaged_archive_gets_a_line_naming_the_fault(
    tmp_path, monkeypatch, capsysbinary, case, expected
):
    monkeypatch.chdir(tmp_path)
    Path('f').write_bytes(DAMAGED[case])
    assert main(['f']) == 2
    err = ONE if b'AKG001' in expected else b''
    assert capsysbinary.readouterr() == (expected, err)


def test_a_gzip_header_with_extra_field_still_names_its_member(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    plain = _gzip(PROPS)
    extra = (2).to_bytes(2, 'little') + b'ab' + b'creds.ini\0'
    Path('x.gz').write_bytes(_gzip_header(0x0C, extra + plain[10:]))
    assert main(['x.gz']) == 1
    assert capsysbinary.readouterr() == (_pair('x.gz!creds.ini'), ONE)


def test_formats_carry_the_member_path(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    Path('app.jar').write_bytes(JAR)
    assert main(['--format', 'json', 'app.jar']) == 1
    found = json.loads(capsysbinary.readouterr().out)['findings']
    assert [f['path'] for f in found] == ['app.jar!BOOT-INF/classes/application.properties']
    assert main(['--format', 'sarif', 'app.jar']) == 1
    out = capsysbinary.readouterr().out
    (result,) = json.loads(out)['runs'][0]['results']
    uri = result['locations'][0]['physicalLocation']['artifactLocation']['uri']
    assert (uri, SECRET.encode() in out) == (
        'app.jar%21BOOT-INF/classes/application.properties',
        False,
    )


def test_a_baseline_records_members_and_keeps_those_of_archives_not_rescanned(
    git_repo, capsysbinary
):
    Path('app.jar').write_bytes(JAR)
    Path('logs.tgz').write_bytes(_tar({'app.log': PROPS}, 'w:gz'))
    baseline = '.aws-key-guard-baseline.json'
    assert main(['--write-baseline', baseline, 'app.jar', 'logs.tgz']) == 0
    assert main(['--write-baseline', baseline, 'logs.tgz']) == 0
    Path('logs.tgz').unlink()
    assert main(['--write-baseline', baseline, 'README']) == 2  # no such file: not written
    capsysbinary.readouterr()
    paths = [e['path'] for e in json.loads(Path(baseline).read_text())['entries']]
    assert paths == ['app.jar!BOOT-INF/classes/application.properties', 'logs.tgz!app.log']
    assert main(['app.jar']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_a_baseline_is_not_written_past_a_damaged_member(git_repo, capsysbinary):
    Path('f.gz').write_bytes(LOG[:-12])
    assert main(['--write-baseline', 'b.json', 'f.gz']) == 2
    out, err = capsysbinary.readouterr()
    assert (out, err) == (
        unscannable('f.gz!app.log', 'damaged archive member (EOFError)'),
        b'aws-key-guard: error: b.json not written: f.gz could not be scanned\n',
    )


def test_staged_and_pushed_archives_are_read_from_git_blobs(git_repo, monkeypatch, capsysbinary):
    (git_repo / 'README').write_text('hello\n')
    git('add', '.')
    git('commit', '-q', '--no-verify', '-m', 'base')
    base = git('rev-parse', 'HEAD').strip()
    Path('app.jar').write_bytes(JAR)
    git('add', 'app.jar')
    Path('app.jar').write_bytes(b'not the staged bytes')
    assert main(['--staged']) == 1
    shown = 'app.jar!BOOT-INF/classes/application.properties'
    assert capsysbinary.readouterr() == (_pair(shown), ONE)
    git('commit', '-q', '--no-verify', '-m', 'a jar')
    leak = git('rev-parse', 'HEAD').strip()
    monkeypatch.setenv('PRE_COMMIT_FROM_REF', base)
    monkeypatch.setenv('PRE_COMMIT_TO_REF', 'HEAD')
    assert main(['README']) == 1
    assert capsysbinary.readouterr() == (_pair(shown, suffix=f' in commit {leak[:12]}'), ONE)


def test_a_read_error_inside_an_archive_is_its_fault():
    def failing() -> Iterator[bytes]:
        yield b'PK\x03\x04' + bytes(100)
        raise ScanError('Input/output error')

    scan = scan_file(failing())
    assert [(m.member, m.error) for m in scan.members] == [('', 'Input/output error')]


def test_a_bug_inside_an_archive_fails_closed(tmp_path, monkeypatch, capsysbinary):
    def broken(first: bytes, rest: Iterator[bytes]) -> Iterator[archive.Member]:
        yield from ()
        raise LookupError

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(archive, 'members', broken)
    Path('app.jar').write_bytes(JAR)
    assert main(['app.jar']) == 2
    out, err = capsysbinary.readouterr()
    assert (out, err.startswith(b'aws-key-guard: error: app.jar: internal error LookupError')) == (
        b'',
        True,
    )
    assert main(['--write-baseline', 'b.json', 'app.jar']) == 2
    out, err = capsysbinary.readouterr()
    message = b'aws-key-guard: error: b.json not written: app.jar: internal error LookupError'
    assert (out, err.startswith(message)) == (b'', True)


def test_an_archive_scan_survives_the_trip_from_a_worker():
    scan = scan_file([FOUND['zip in zip'][1]])
    sent = FileScan.decode(scan.encode())
    assert [(m.member, len(m.candidates)) for m in sent.members] == [
        ('lib/inner.jar!application.properties', 2)
    ]
    assert sent.members[0].candidates == scan.members[0].candidates


def test_a_large_run_of_archives_on_every_cpu(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    Path('filler.txt').write_bytes(b'nothing to see here\n' * (1 << 20))  # past one worker's share
    Path('app.jar').write_bytes(JAR)
    assert main(['filler.txt', 'app.jar']) == 1
    assert capsysbinary.readouterr() == (_pair(FOUND['jar'][2]), ONE)
    assert os.path.getsize('filler.txt') > 16 << 20
