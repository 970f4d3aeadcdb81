"""Hostile and broken input through the real CLI: odd files, odd names, odd bytes."""

from __future__ import annotations

import hashlib
import os
import py_compile
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps
from tests.conftest import where

KEY = make_key_id(1)
SECRET = make_secret(1)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
LONE = f'AKG003 AWS access key ID AKIA...{KEY[-4:]} with no secret'.encode()


def _pair(line: int, col: int, key_line: int) -> bytes:
    return (
        f':{line}:{col}: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{KEY[-4:]} at line {key_line}\n'
    ).encode()


def _run(
    *args: str | bytes, cwd: Path, prefix: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[bytes]:
    # A hang fails the test through the timeout instead of stalling the suite.
    return subprocess.run(
        [*prefix, sys.executable, '-m', 'aws_key_guard', *args],
        cwd=cwd,
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
    )


# With a type filter, telling text from binary must not open them either.
@pytest.mark.parametrize('options', [(), ('--exclude-type', 'binary')])
def test_special_files_are_refused_without_reading_them(tmp_path, options):
    os.mkfifo(tmp_path / 'fifo')  # opening it for reading would wait for a writer
    (tmp_path / 'pair.env').write_text(f'{KEY}\n{SECRET}\n')
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / 'sock'))
        sock.listen()
        # /dev/zero never ends: reading it would never return.
        result = _run(*options, 'fifo', 'sock', '/dev/zero', 'pair.env', cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == (
        b'fifo:1:1: AKG900 cannot scan file: a FIFO, not a regular file\n'
        b'sock:1:1: AKG900 cannot scan file: a socket, not a regular file\n'
        b'/dev/zero:1:1: AKG900 cannot scan file: a character device, not a regular file\n'
        b'pair.env' + _pair(2, 1, 1)
    )
    assert result.stderr == next_steps('1 blocking finding in 1 file')


@pytest.mark.parametrize('options', [(), ('--exclude-type', 'binary')])
def test_vanished_files_are_errors_not_tracebacks(tmp_path, options):
    (tmp_path / 'gone.env').write_text(f'{KEY}\n{SECRET}\n')
    (tmp_path / 'link.env').symlink_to(tmp_path / 'gone.env')
    (tmp_path / 'gone.env').unlink()  # listed by git, removed before the hook read it
    result = _run(*options, 'gone.env', 'link.env', cwd=tmp_path)
    assert result.returncode == 2
    # The dangling link is still there: git stores its target's name, which is clean.
    assert result.stdout == b'gone.env:1:1: AKG900 cannot scan file: No such file or directory\n'
    assert result.stderr == b''


def _unprivileged() -> tuple[str, ...]:
    if os.geteuid() != 0:
        return ()
    # Root reads any file whatever its mode; without these two capabilities
    # it obeys the mode like everyone else, as CI's root must here.
    setpriv = shutil.which('setpriv')
    if setpriv is None:  # pragma: no cover -- util-linux is on every machine we run on
        pytest.skip('running as root and setpriv (util-linux) is missing')
    return (setpriv, '--bounding-set=-dac_override,-dac_read_search', '--')


@pytest.mark.parametrize('options', [(), ('--exclude-type', 'binary')])
def test_file_that_lost_its_permissions_is_an_error(tmp_path, options):
    (tmp_path / 'locked.env').write_text(f'{KEY}\n{SECRET}\n')
    (tmp_path / 'locked.env').chmod(0)
    (tmp_path / 'pair.env').write_text(f'{KEY}\n{SECRET}\n')
    result = _run(*options, 'locked.env', 'pair.env', cwd=tmp_path, prefix=_unprivileged())
    assert result.returncode == 2
    assert result.stdout == (
        b'locked.env:1:1: AKG900 cannot scan file: Permission denied\npair.env' + _pair(2, 1, 1)
    )
    assert result.stderr == next_steps('1 blocking finding in 1 file')


ODD_NAMES = [
    b'with space.env',
    b'new\nline.env',
    b'-leading-dash.env',
    b'--version',
    b'caf\xe9-latin1.env',  # not UTF-8
    'café-ü-日本.env'.encode(),
    b'\xff\xfe.env',
]
# As git prints them (core.quotePath): one line each, whatever the bytes.
QUOTED_NAMES = [
    b'with space.env',
    b'"new\\nline.env"',
    b'-leading-dash.env',
    b'--version',
    b'"caf\\351-latin1.env"',
    b'"caf\\303\\251-\\303\\274-\\346\\227\\245\\346\\234\\254.env"',
    b'"\\377\\376.env"',
]


@pytest.mark.parametrize('locale', ['C', 'C.UTF-8'])
def test_odd_filenames_are_read_and_reported_quoted_as_git_does(tmp_path, locale):
    for name in ODD_NAMES:
        with open(os.path.join(os.fsencode(tmp_path), name), 'wb') as f:
            f.write(KEY.encode() + b'\n')
    result = _run(*ODD_NAMES, cwd=tmp_path, LC_ALL=locale)
    assert result.returncode == 0
    assert result.stdout == b''.join(name + b':1:1: ' + LONE + b'\n' for name in QUOTED_NAMES)
    assert result.stderr == b''


def test_any_bytes_around_a_pair(tmp_path):
    (tmp_path / 'mixed.bin').write_bytes(
        b'\x00\xff\xfe caf\xc3\xa9 caf\xe9 \x80\x00\n'
        + b'\x00'.join([KEY.encode(), SECRET.encode(), b'\xc3\x28'])
    )
    result = _run('mixed.bin', cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == b'mixed.bin' + _pair(2, 22, 2)


def test_pair_in_compiled_python_is_found(tmp_path):
    source = tmp_path / 'settings.py'
    source.write_text(f'ACCESS_KEY_ID = {KEY!r}\nSECRET_ACCESS_KEY = {SECRET!r}\nREGION = "zz"\n')
    pyc = tmp_path / 'settings.pyc'
    py_compile.compile(str(source), cfile=str(pyc), doraise=True)
    data = pyc.read_bytes()
    (key_line, _), (line, col) = where(data, KEY), where(data, SECRET)
    result = _run('settings.pyc', cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == b'settings.pyc' + _pair(line, col, key_line)


@pytest.mark.parametrize('note', ['deploy', None, 'the deploy key of the build', 10**9])
@pytest.mark.parametrize('user', [None, 'ci-deploy'])
def test_pair_in_sqlite_database_is_found(tmp_path, user, note):
    # SQLite keeps a row's text columns back to back, their lengths in the
    # record header: the key ID follows a header byte or the user's name, and
    # the secret touches it. A last column of text of ten or more characters
    # makes the header's last byte printable, for some lengths a letter.
    db = sqlite3.connect(tmp_path / 'creds.db')
    db.execute(
        'CREATE TABLE creds '
        '(id INTEGER PRIMARY KEY, user TEXT, key_id TEXT, secret TEXT, note TEXT)'
    )
    db.execute('INSERT INTO creds VALUES (1, ?, ?, ?, ?)', (user, KEY, SECRET, note))
    db.commit()
    db.close()
    data = (tmp_path / 'creds.db').read_bytes()
    (key_line, _), (line, col) = where(data, KEY), where(data, SECRET)
    result = _run('creds.db', cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == b'creds.db' + _pair(line, col, key_line)


# A child's peak RSS (ru_maxrss) counts the pages of whatever it was forked
# or spawned from, so the CLI is started from a small go-between, not pytest.
GO_BETWEEN = """\
import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], 'w') as f:
    f.write(f'{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')
"""


def _run_measured(name: str, cwd: Path) -> tuple[int, bytes, int]:
    """Exit code, stdout and the CLI's own peak RSS in KiB."""
    cli = [sys.executable, '-m', 'aws_key_guard', name]
    report = cwd / 'report'
    result = subprocess.run(
        [sys.executable, '-c', GO_BETWEEN, report, *cli], cwd=cwd, capture_output=True, check=True
    )
    peak_kib, rc = map(int, report.read_text().split())
    return rc, result.stdout, peak_kib


def test_huge_single_line_is_scanned_in_bounded_memory(tmp_path):
    # bench/memory.py does the same with 512 MB; this size keeps CI quick
    # while already being more than the bound it asserts.
    size = 96 << 20
    filler = b'name=value; ' * (1 << 16)
    with (tmp_path / 'one-line.txt').open('wb') as f:
        for _ in range(size // len(filler)):
            f.write(filler)
        f.write(f'{KEY} {SECRET}'.encode())
    rc, out, peak_kib = _run_measured('one-line.txt', tmp_path)
    assert (rc, out) == (1, b'one-line.txt' + _pair(1, size + 22, 1))
    assert peak_kib < 64 << 10
