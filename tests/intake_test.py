from __future__ import annotations

import errno
import os
import socket

import pytest

from aws_key_guard.intake import read_chunks
from aws_key_guard.model import ScanError


def test_read_chunks_splits_into_fixed_sizes(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'0123456789')
    assert list(read_chunks(str(path), _chunk_size=4)) == [b'0123', b'4567', b'89']


def test_read_chunks_empty_file(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'')
    assert list(read_chunks(str(path))) == []


def _fifo(path):
    os.mkfifo(path)


def _socket(path):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))


@pytest.mark.parametrize(
    ('make', 'reason'),
    [
        (lambda p: None, 'No such file or directory'),
        (os.mkdir, 'a directory, not a regular file'),
        (_fifo, 'a FIFO, not a regular file'),
        (_socket, 'No such device or address'),
    ],
)
def test_read_chunks_refuses_what_is_not_a_regular_file(tmp_path, make, reason):
    path = tmp_path / 'thing'
    make(path)
    with pytest.raises(ScanError) as excinfo:
        list(read_chunks(str(path)))
    assert str(excinfo.value) == reason


def test_read_chunks_refuses_character_devices():
    with pytest.raises(ScanError) as excinfo:
        list(read_chunks('/dev/null'))
    assert str(excinfo.value) == 'a character device, not a regular file'


def test_read_chunks_reports_a_read_error(tmp_path, monkeypatch):
    path = tmp_path / 'f'
    path.write_bytes(b'data')

    def failing_read(fd, size):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, 'read', failing_read)
    with pytest.raises(ScanError) as excinfo:
        list(read_chunks(str(path)))
    assert str(excinfo.value) == 'Input/output error'
