"""Keys inside Unix `ar` archives: Debian packages and static libraries, their members unpacked."""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_key_guard import archive
from aws_key_guard._main import main
from aws_key_guard.pipeline import scan_file
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps
from tests.conftest import pair_at as _pair_at
from tests.conftest import unscannable

KEY = make_key_id(19)
SECRET = make_secret(19)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]


def _found(name: str, data: bytes) -> bytes:
    return _pair_at(name, data, KEY, SECRET)


INI = f'[default]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n'.encode()
ONE = next_steps('1 blocking finding in 1 file')
AR = shutil.which('ar') or 'ar'
DPKG_DEB = shutil.which('dpkg-deb')
CC = shutil.which('cc')
needs_ar = pytest.mark.skipif(shutil.which('ar') is None, reason='needs ar (binutils)')


def _entry(field: bytes, data: bytes) -> bytes:
    """A member: its 60-byte header, its data, a newline to an even offset."""
    header = b'%-16s%-12d%-6d%-6d%-8o%-10d`\n' % (field, 1700000000, 0, 0, 0o644, len(data))
    return header + data + b'\n' * (len(data) % 2)


def _ar(members: dict[str, bytes], style: str = 'gnu', *, before: bytes = b'') -> bytes:
    """An ar archive as GNU ar, BSD ar or dpkg-deb ('plain') write one.

    GNU ends names with '/' and keeps those past 15 bytes in the `//` table;
    BSD puts a long name, or one with a space, NUL-padded before the data.
    `before`: entries (symbol tables) to put first.
    """
    names = []
    offset = 0  # where the next long name goes in the name table
    body = []
    for name, data in members.items():
        raw = name.encode()
        if style == 'bsd' and (len(raw) > 16 or b' ' in raw):
            padded = raw + bytes(-len(raw) % 4)
            body.append(_entry(b'#1/%d' % len(padded), padded + data))
        elif style == 'gnu' and len(raw) > 15:
            body.append(_entry(b'/%d' % offset, data))
            names.append(raw + b'/\n')
            offset += len(raw) + 2
        else:
            body.append(_entry(raw + b'/' if style == 'gnu' else raw, data))
    table = _entry(b'//', b''.join(names)) if names else b''
    return b''.join([b'!<arch>\n', before, table, *body])


def _tar(members: dict[str, bytes], mode: str = 'w') -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as t:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _gzip(data: bytes, name: str = '') -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(name, 'wb', fileobj=out, mtime=0) as g:
        g.write(data)
    return out.getvalue()


CONTROL = b'Package: app\nVersion: 1.0\nArchitecture: all\nMaintainer: Ops <ops@example.com>\n'
CONTROL += b'Description: an app\n'
# dpkg-deb's -Z, the member's suffix, and tarfile's mode for the same tar.
COMPRESSION = {'xz': ('.xz', 'w:xz'), 'gzip': ('.gz', 'w:gz'), 'none': ('', 'w')}


def build_deb(tmp_path: Path, files: dict[str, bytes], compression: str, builder: str) -> bytes:
    """A Debian package holding `files` (paths from the root; `DEBIAN/` ones are its control)."""
    files = {'DEBIAN/control': CONTROL, **files}
    if builder == 'dpkg-deb':
        if DPKG_DEB is None:
            pytest.skip('needs dpkg-deb')
        root = tmp_path / 'root'
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
            if name.startswith('DEBIAN/post'):
                (root / name).chmod(0o755)  # dpkg-deb refuses a maintainer script it cannot run
        (root / 'DEBIAN').chmod(0o755)
        out = tmp_path / 'built.deb'
        command = [
            DPKG_DEB,
            '--root-owner-group',
            f'-Z{compression}',
            '--build',
            str(root),
            str(out),
        ]
        subprocess.run(command, check=True, capture_output=True)
        shutil.rmtree(root)
        return out.read_bytes()
    # As dpkg-deb lays one out: names padded with spaces, './' before each path.
    suffix, mode = COMPRESSION[compression]
    control = {f'./{n[7:]}': d for n, d in files.items() if n.startswith('DEBIAN/')}
    contents = {f'./{n}': d for n, d in files.items() if not n.startswith('DEBIAN/')}
    return _ar(
        {
            'debian-binary': b'2.0\n',
            f'control.tar{suffix}': _tar(control, mode),
            f'data.tar{suffix}': _tar(contents, mode),
        },
        'plain',
    )


def _run(tmp_path: Path, name: str, data: bytes) -> int:
    (tmp_path / name).write_bytes(data)
    return main([name])


BUILDERS = pytest.mark.parametrize('builder', ['dpkg-deb', 'python'])


@BUILDERS
@pytest.mark.parametrize('compression', list(COMPRESSION))
def test_a_key_in_a_debian_package_is_found_in_its_data_member(
    tmp_path, monkeypatch, capsysbinary, builder, compression
):
    monkeypatch.chdir(tmp_path)
    deb = build_deb(tmp_path, {'etc/app/credentials': INI}, compression, builder)
    assert _run(tmp_path, 'app_1.0_all.deb', deb) == 1
    suffix = COMPRESSION[compression][0]
    shown = f'app_1.0_all.deb!data.tar{suffix}!./etc/app/credentials'
    assert capsysbinary.readouterr() == (_found(shown, INI), ONE)


@BUILDERS
def test_a_key_in_a_maintainer_script_is_found_in_the_control_member(
    tmp_path, monkeypatch, capsysbinary, builder
):
    monkeypatch.chdir(tmp_path)
    script = b'#!/bin/sh\n' + INI.replace(b' = ', b'=')
    deb = build_deb(tmp_path, {'DEBIAN/postinst': script}, 'xz', builder)
    assert _run(tmp_path, 'app.deb', deb) == 1
    assert capsysbinary.readouterr() == (
        _found('app.deb!control.tar.xz!./postinst', script),
        ONE,
    )


@BUILDERS
def test_a_clean_debian_package_passes(tmp_path, monkeypatch, capsysbinary, builder):
    monkeypatch.chdir(tmp_path)
    lone = make_secret(3).encode()  # a secret-shaped token with no context: no finding
    deb = build_deb(
        tmp_path, {'usr/bin/app': b'#!/bin/sh\necho hi\n', 'etc/app.conf': lone}, 'xz', builder
    )
    assert _run(tmp_path, 'app.deb', deb) == 0
    assert _run(tmp_path, 'empty.a', b'!<arch>\n') == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_a_package_holding_a_compressed_file_has_it_unpacked(tmp_path, monkeypatch, capsysbinary):
    # A .gz inside a package's data.tar, as its changelogs are, is opened too.
    monkeypatch.chdir(tmp_path)
    files = {'var/log/app/setup.log.gz': _gzip(INI, 'setup.log')}
    assert _run(tmp_path, 'app.deb', build_deb(tmp_path, files, 'xz', 'python')) == 1
    shown = 'app.deb!data.tar.xz!./var/log/app/setup.log.gz!setup.log'
    assert capsysbinary.readouterr() == (_found(shown, INI), ONE)


def test_an_archive_inside_a_package_is_nested_too_deep(tmp_path, monkeypatch, capsysbinary):
    # A package is an ar of tars: a jar among its files is a third level.
    monkeypatch.chdir(tmp_path)
    files = {'usr/share/java/app.jar': _zip({'application.properties': INI})}
    assert _run(tmp_path, 'app.deb', build_deb(tmp_path, files, 'xz', 'python')) == 2
    reason = 'zip archive nested too deep, scanned as it is stored'
    shown = 'app.deb!data.tar.xz!./usr/share/java/app.jar'
    assert capsysbinary.readouterr() == (unscannable(shown, reason), b'')


def test_a_static_library_has_its_objects_read(tmp_path, monkeypatch, capsysbinary):
    if CC is None or shutil.which('ar') is None:
        pytest.skip('needs cc and ar')
    monkeypatch.chdir(tmp_path)
    source = f'const char *aws_key_id = "{KEY}";\nconst char *aws_secret = "{SECRET}";\n'
    Path('creds.c').write_text(source)
    Path('a_helper_with_a_long_name.c').write_text('int helper(void) { return 1; }\n')
    subprocess.run([CC, '-c', 'creds.c', 'a_helper_with_a_long_name.c'], check=True)
    subprocess.run([AR, 'rcs', 'libapp.a', 'a_helper_with_a_long_name.o', 'creds.o'], check=True)
    library = Path('libapp.a').read_bytes()
    # The symbol table first, then the name table, as the linker wants them.
    assert (library[8:24], b'//'.ljust(16) in library) == (b'/'.ljust(16), True)
    assert main(['libapp.a']) == 1
    assert capsysbinary.readouterr() == (
        _found('libapp.a!creds.o', Path('creds.o').read_bytes()),
        ONE,
    )


@needs_ar
def test_a_long_gnu_name_names_the_member(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    Path('credentials_for_the_build.ini').write_bytes(INI)
    Path('odd.txt').write_bytes(b'odd')  # an odd size: the next member after a newline
    subprocess.run([AR, 'rc', 'conf.a', 'odd.txt', 'credentials_for_the_build.ini'], check=True)
    assert main(['conf.a']) == 1
    assert capsysbinary.readouterr() == (
        _found('conf.a!credentials_for_the_build.ini', INI),
        ONE,
    )


# Archives written here, in each style; `ar t` must list them as written.
WRITTEN = {
    'gnu': _ar({'odd.txt': b'odd', 'credentials_for_the_build.ini': INI, 'short.ini': INI}),
    'bsd': _ar(
        {'odd.txt': b'odd', 'a name with spaces.ini': INI},
        'bsd',
        before=_entry(b'#1/20', b'__.SYMDEF SORTED\0\0\0\0' + bytes(8)),
    ),
    'dpkg': _ar({'debian-binary': b'2.0\n', 'data.tar': _tar({'./etc/aws.ini': INI})}, 'plain'),
}


@needs_ar
@pytest.mark.parametrize(
    ('style', 'listed'),
    [
        ('gnu', ['odd.txt', 'credentials_for_the_build.ini', 'short.ini']),
        ('bsd', ['odd.txt', 'a name with spaces.ini']),  # the symbol table is no member
        ('dpkg', ['debian-binary', 'data.tar']),
    ],
)
def test_the_archives_written_here_are_ones_ar_lists(tmp_path, style, listed):
    (tmp_path / 'f.a').write_bytes(WRITTEN[style])
    result = subprocess.run([AR, 't', 'f.a'], cwd=tmp_path, capture_output=True, text=True)
    assert (result.returncode, result.stdout.splitlines()) == (0, listed)


@pytest.mark.parametrize(
    ('style', 'shown', 'err'),
    [
        (
            'gnu',
            ['f!credentials_for_the_build.ini', 'f!short.ini'],
            next_steps('2 blocking findings in 2 files'),
        ),
        ('bsd', ['f!a name with spaces.ini'], ONE),
        ('dpkg', ['f!data.tar!./etc/aws.ini'], ONE),
    ],
)
def test_a_key_in_an_ar_member_is_found_by_its_name(
    tmp_path, monkeypatch, capsysbinary, style, shown, err
):
    # Known by its first bytes, whatever the file's name.
    monkeypatch.chdir(tmp_path)
    assert _run(tmp_path, 'f', WRITTEN[style]) == 1
    assert capsysbinary.readouterr() == (
        b''.join(_found(name, INI) for name in shown),
        err,
    )


@pytest.mark.parametrize(
    ('outer', 'shown'),
    [
        ('zip', 'f!lib/libapp.a!creds.ini'),
        ('tar.gz', 'f!lib/libapp.a!creds.ini'),
    ],
)
def test_an_ar_inside_another_archive_is_unpacked(
    tmp_path, monkeypatch, capsysbinary, outer, shown
):
    monkeypatch.chdir(tmp_path)
    inner = {'lib/libapp.a': _ar({'creds.ini': _gzip(INI)})}
    data = _zip(inner) if outer == 'zip' else _tar(inner, 'w:gz')
    assert _run(tmp_path, 'f', data) == 1
    assert capsysbinary.readouterr() == (_found(shown, INI), ONE)


def test_an_ar_nested_too_deep_is_searched_as_stored(tmp_path, monkeypatch, capsysbinary):
    # An ar stores its members as they are, as a tar does: the key is still found.
    monkeypatch.chdir(tmp_path)
    library = _ar({'creds.ini': INI})
    data = _zip({'b.zip': _zip({'libapp.a': library})})
    assert _run(tmp_path, 'f', data) == 2
    reason = 'ar archive nested too deep, scanned as it is stored'
    assert capsysbinary.readouterr() == (
        _found('f!b.zip!libapp.a', library) + unscannable('f!b.zip!libapp.a', reason),
        ONE,
    )


# Keys where no member is: in the linker's symbol table, in GNU's name table.
OUTSIDE = {
    'symbol table': _ar({'a.o': b'\x7fELF'}, before=_entry(b'/', bytes(4) + INI)),
    'name table': _ar(
        {f'aws_access_key_id={KEY} (prod)': b'', f'aws_secret_access_key={SECRET} (prod)': b''}
    ),
    # After members of several lines: the key's line counts theirs.
    'symbol table after members': _ar(
        {'a.txt': b'one\ntwo\nthree\n', 'b.o': b'\x7fELF\n\nx'},
        before=b'',
    )
    + _entry(b'/', bytes(4) + INI),
}


@pytest.mark.parametrize('case', OUTSIDE)
def test_a_key_outside_every_member_is_found_in_the_stored_bytes(
    tmp_path, monkeypatch, capsysbinary, case
):
    monkeypatch.chdir(tmp_path)
    assert _run(tmp_path, 'f.a', OUTSIDE[case]) == 1
    assert capsysbinary.readouterr() == (_found('f.a', OUTSIDE[case]), ONE)


def test_stored_bytes_are_searched_again_only_where_a_token_lies_outside_the_members(
    monkeypatch,
):
    # A static library's bytes lie in its members: what is left, the headers,
    # is searched first, and the stored bytes, line by line, only if it shows a token.
    blanked = []
    blank = archive._blank

    def counted(*args: object) -> object:
        blanked.append(1)
        return blank(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(archive, '_blank', counted)
    clean = _ar({'a.txt': b'one\ntwo\n', 'b.o': b'\x7fELF' + bytes(100)})
    assert scan_file([clean]).is_clean()
    assert blanked == []
    outside = OUTSIDE['symbol table after members']
    assert [m.member for m in scan_file([outside]).members] == ['']
    assert blanked == [1, 1]  # a blank for each member, in the second search


# UTF-32 text, at a multiple of 4 bytes, after members whose lengths are not:
# cut short, each member must leave it in its code units.
_MEMBERS = _ar({'a.txt': b'one\ntwo\nthree\n', 'b.o': b'\x7fELF\x01\x01\x01'})
WIDE_AFTER_MEMBERS = _MEMBERS + _entry(
    b'/', bytes(4 + -(len(_MEMBERS) + 64) % 4) + INI.decode().encode('utf-32-le')
)


@pytest.mark.parametrize('case', [*OUTSIDE, 'UTF-32 after members', 'clean'])
def test_searching_the_gaps_first_changes_no_scan(monkeypatch, case):
    data = {'UTF-32 after members': WIDE_AFTER_MEMBERS, 'clean': GOOD[: GOOD.index(b'creds')]}
    data |= OUTSIDE
    first = scan_file([data[case]]).encode()
    monkeypatch.setattr(archive, 'gaps', lambda *args: None)
    assert scan_file([data[case]]).encode() == first
    assert (first[-1] == []) is (case == 'clean')


def test_gaps_are_the_stored_bytes_with_each_member_cut_to_a_newline():
    from aws_key_guard.arfile import read_members

    data = _ar({'a.txt': b'one\ntwo\n', 'b.o': b'\x7fELF' + bytes(100)}, before=_entry(b'/', b'T'))
    held = io.BytesIO(data)
    read = list(read_members(held, names_cap=1 << 20))
    a, o = (data.index(name) + 60 for name in (b'a.txt/', b'b.o/'))
    assert [(m.start, m.size) for m in read] == [(a, 8), (o, 104)]
    # Each member cut to its length modulo 4 (8 and 104 bytes: a newline, three spaces).
    expected = data[:a] + b'\n   ' + data[a + 8 : o] + b'\n   '
    # Reads of at least chunk_size bytes, but for the last.
    chunks = list(archive.gaps(held, [archive.Span(m.start, m.size) for m in read], 50))
    assert b''.join(chunks) == expected
    assert [len(c) >= 50 for c in chunks] == [True] * (len(chunks) - 1) + [False]


GOOD = _ar({'a.txt': b'hello\n', 'creds.ini': INI})
AT = GOOD.index(b'creds.ini/')  # the second member's header
SIZE_AT = AT + 48
NO_TERMINATOR = GOOD[: AT + 58] + b'  ' + GOOD[AT + 60 :]
BAD_SIZE = GOOD[:SIZE_AT] + b'0x1A      ' + GOOD[SIZE_AT + 10 :]
PAST_END = GOOD[:SIZE_AT] + b'%-10d' % (len(INI) + 100) + GOOD[SIZE_AT + 10 :]
BSD_NAME = GOOD[:AT] + b'#1/200          ' + GOOD[AT + 16 :]
LONG_NAME = GOOD[:AT] + b'/99             ' + GOOD[AT + 16 :]
# A member that ends in the middle of a line, which the appended key continues.
NO_LAST_NEWLINE = _ar({'x.bin': b'one\ntwo!'})  # even: no newline pads it
ON_ITS_LINE = NO_LAST_NEWLINE + f' id={KEY} secret={SECRET}\n'.encode()
BAD_XZ = _ar({'x.xz': b'\xfd7zXZ\x00' + INI})
DAMAGED = {
    'no terminator': (
        NO_TERMINATOR,
        unscannable('f', f'damaged ar archive (header at byte {AT} has no terminator)')
        + _found('f', NO_TERMINATOR),
    ),
    'size not decimal': (
        BAD_SIZE,
        unscannable('f', f'damaged ar archive (header at byte {AT} has no decimal size)')
        + _found('f', BAD_SIZE),
    ),
    'size past the end': (
        PAST_END,
        unscannable('f!creds.ini', f'damaged ar archive (member at byte {AT} runs past its end)')
        + _found('f', PAST_END),
    ),
    'header cut short': (
        GOOD + b'!<arch>\n',
        _found('f!creds.ini', INI)
        + unscannable('f', f'damaged ar archive (header at byte {len(GOOD)} is cut short)'),
    ),
    'a key after the last member': (
        GOOD[:AT] + INI,
        unscannable('f', f'damaged ar archive (header at byte {AT} has no terminator)')
        + _found('f', GOOD[:AT] + INI),
    ),
    "a key continuing a member's last line": (
        ON_ITS_LINE,
        unscannable(
            'f', f'damaged ar archive (header at byte {len(NO_LAST_NEWLINE)} has no terminator)'
        )
        + _found('f', ON_ITS_LINE),
    ),
    'a member that cannot be unpacked': (
        BAD_XZ,
        # Found in the member's bytes as stored.
        unscannable('f!x.xz', 'damaged archive member (LZMAError)')
        + _found('f!x.xz', b'\xfd7zXZ\x00' + INI),
    ),
    'BSD name longer than its member': (
        BSD_NAME,
        unscannable('f', f'damaged ar archive (name at byte {AT} is longer than its member)')
        + _found('f', BSD_NAME),
    ),
    'GNU name not in the table': (
        LONG_NAME,
        unscannable('f', f'damaged ar archive (name at byte {AT} is not in the name table)')
        + _found('f', LONG_NAME),
    ),
}


@pytest.mark.parametrize('case', DAMAGED)
def test_a_damaged_ar_gets_one_line_naming_the_fault(tmp_path, monkeypatch, capsysbinary, case):
    # The members before the fault are read; the stored bytes are searched.
    monkeypatch.chdir(tmp_path)
    data, expected = DAMAGED[case]
    assert _run(tmp_path, 'f', data) == 2
    assert capsysbinary.readouterr() == (expected, ONE)


def test_a_truncated_package_names_the_member_cut_off(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    deb = build_deb(tmp_path, {'etc/app/credentials': INI}, 'xz', 'dpkg-deb')
    at = deb.index(b'data.tar.xz')
    assert _run(tmp_path, 'app.deb', deb[:-100]) == 2
    reason = f'damaged ar archive (member at byte {at} runs past its end)'
    assert capsysbinary.readouterr() == (unscannable('app.deb!data.tar.xz', reason), b'')


def test_caps_hold_for_ar_members(tmp_path, monkeypatch, capsysbinary):
    # The key past the member cap is still found, in the archive's stored bytes.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(archive, 'MEMBER_CAP', 1 << 20)
    monkeypatch.setattr(archive, 'DIRECTORY_CAP', 1 << 20)
    data = _ar({'a.txt': b'hello\n', 'big.txt': b'x' * (1200 << 10) + b'\n' + INI})
    Path('f.a').write_bytes(data)
    # 40,000 long names: GNU's name table passes the cap.
    many = {f'{n:07}_a_member_with_a_long_name.o': b'' for n in range(40000)}
    Path('many.a').write_bytes(_ar(many))
    assert main(['f.a', 'many.a']) == 2
    reason = 'member unpacks to more than 1 MiB, not scanned past byte 1048576'
    table = 'ar archive names more than 1 MiB of members, scanned as it is stored'
    assert capsysbinary.readouterr() == (
        unscannable('f.a!big.txt', reason) + _found('f.a', data) + unscannable('many.a', table),
        ONE,
    )


@given(st.binary(max_size=400), st.integers(0, 400))
def test_any_bytes_after_the_magic_end_the_scan_with_no_internal_error(noise, cut):
    # An ar cut anywhere and followed by anything, or noise after the magic number.
    data = (GOOD + noise)[: 8 + cut] if cut % 2 else b'!<arch>\n' + noise
    scan = scan_file([data])
    assert [m.bug for m in scan.members if m.bug] == []


def test_a_large_ar_is_read_a_read_at_a_time(tmp_path, monkeypatch, capsysbinary):
    # Past SPOOL_MEMORY the archive is held in a temporary file, read from there.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(archive, 'AR_SPOOL_MEMORY', 1 << 16)
    filler = b''.join(
        hashlib.sha256(b'%d' % i).hexdigest()[:30].encode() + b'\n' for i in range(9000)
    )
    data = _ar({'filler.txt': filler, 'x.xz': lzma.compress(b'no key\n'), 'z.ini': INI})
    assert _run(tmp_path, 'f.a', data) == 1
    assert capsysbinary.readouterr() == (_found('f.a!z.ini', INI), ONE)
