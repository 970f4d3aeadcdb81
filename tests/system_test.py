from __future__ import annotations

import os
import posix
import sys

from aws_key_guard import system


def test_lexists(tmp_path):
    (tmp_path / 'file').write_text('x')
    (tmp_path / 'dangling').symlink_to(tmp_path / 'missing')
    names = ('file', 'dangling', 'missing', 'nul\0byte')
    assert [system.lexists(str(tmp_path / n)) for n in names] == [True, True, False, False]


def test_getenv_reads_os_environ_once_os_is_imported(monkeypatch):
    # A change made through os.environ after start-up is seen.
    monkeypatch.setenv('AWS_KEY_GUARD_TEST', 'changed')
    assert system.getenv('AWS_KEY_GUARD_TEST') == os.environ['AWS_KEY_GUARD_TEST'] == 'changed'


def test_getenv_reads_the_start_up_environment_without_os(monkeypatch):
    # As the hook runs: `os` never imported, posix.environ holds bytes.
    monkeypatch.delitem(sys.modules, 'os')
    monkeypatch.setitem(posix.environ, b'AWS_KEY_GUARD_TEST', b'caf\xc3\xa9 \xff')
    found = [system.getenv('AWS_KEY_GUARD_TEST'), system.getenv('AWS_KEY_GUARD_UNSET')]
    assert found == ['caf\xe9 \udcff', None]


def test_fsencode_is_os_fsencode():
    for name in ('plain.txt', 'caf\xe9', 'bad\udcff'):
        assert system.fsencode(name) == os.fsencode(name)
