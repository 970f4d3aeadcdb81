"""A bzip2 stream unpacked block by block on several threads gives what libbz2 gives alone."""

from __future__ import annotations

import bz2
import random
import threading
import time

import pytest

from aws_key_guard import archive
from aws_key_guard import bzip2
from aws_key_guard._main import main
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps
from tests.conftest import pair_at

# Random lower-case words: bzip2 keeps most of their size, and no word of one
# case is a secret.
_WORDS = bytes.maketrans(bytes(range(256)), (b'abcdefghijklmnopqrstuvwxyz0123456789 \n' * 7)[:256])


def _text(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size).translate(_WORDS)


TEXT = _text(450_000)
DATA = bz2.compress(TEXT, 1)


def _read_all(reader: bzip2.Reader, size: int = 65536) -> bytes:
    out = []
    while piece := reader.read(size):
        out.append(piece)
    reader.close()
    return b''.join(out)


def test_plan_tiles_the_stream_and_each_block_unpacks_alone():
    blocks = bzip2.plan(DATA)
    assert blocks is not None
    assert len(blocks) == 5
    assert [b[1] for b in blocks[:-1]] == [b[0] for b in blocks[1:]]
    pieces = [bz2.decompress(bzip2.block_stream(DATA, block)) for block in blocks]
    assert b''.join(pieces) == TEXT


@pytest.mark.parametrize('level', [1, 5, 9])
def test_plan_of_each_block_size(level):
    data = bz2.compress(TEXT * 3, level)
    blocks = bzip2.plan(data)
    assert blocks is not None
    assert b''.join(bz2.decompress(bzip2.block_stream(data, b)) for b in blocks) == TEXT * 3


@pytest.mark.parametrize(
    'data',
    [
        pytest.param(DATA + DATA, id='two-streams'),
        pytest.param(DATA + b'\x01', id='a-byte-after'),
        pytest.param(DATA[:-20], id='cut-short'),
        pytest.param(DATA[:-3] + bytes([DATA[-3] ^ 1]) + DATA[-2:], id='stream-crc-wrong'),
        pytest.param(bz2.compress(b''), id='no-block'),
        pytest.param(DATA[:4] + DATA[5:], id='first-block-not-where-it-begins'),
    ],
)
def test_plan_refuses_a_stream_not_laid_out_plainly(data):
    assert bzip2.plan(data) is None


def test_plan_allows_nul_padding_after_the_stream():
    assert bzip2.plan(DATA + b'\0' * 10) == bzip2.plan(DATA)


@pytest.mark.parametrize('threads', [2, 3, 8])
@pytest.mark.parametrize('size', [1, 4096, 1 << 20])
def test_reader_gives_the_stream_in_order(threads, size):
    blocks = bzip2.plan(DATA)
    assert blocks is not None
    reader = bzip2.Reader(DATA, blocks, threads)
    assert reader.readable()
    assert _read_all(reader, size if size > 1 else 99_991) == TEXT


def test_a_block_that_does_not_unpack_leaves_the_rest_to_one_thread():
    # A magic number that compressed bits hold by chance would split a block in
    # two: neither half unpacks, and the stream is unpacked from its start.
    blocks = bzip2.plan(DATA)
    assert blocks is not None
    start, stop, crc = blocks[1]
    wrong = [blocks[0], (start, (start + stop) // 2, crc), ((start + stop) // 2, stop, crc)]
    assert _read_all(bzip2.Reader(DATA, [*wrong, *blocks[2:]], 2)) == TEXT


def test_damage_fails_where_libbz2_fails():
    blocks = bzip2.plan(DATA)
    assert blocks is not None
    damaged = bytearray(DATA)
    damaged[(blocks[2][0] + blocks[2][1]) // 16] ^= 0x55
    assert bzip2.plan(bytes(damaged)) == blocks  # headers and CRCs as they were
    whole = bz2.decompress(bzip2.block_stream(DATA, blocks[0]))
    whole += bz2.decompress(bzip2.block_stream(DATA, blocks[1]))
    reader = bzip2.Reader(bytes(damaged), blocks, 2)
    given = b''
    while len(given) < len(whole):  # the blocks before the damage, each read whole
        given += reader.read(65536)
    assert given == whole
    with pytest.raises(OSError, match='Invalid data stream'):
        _read_all(reader)
    with pytest.raises(OSError, match='Invalid data stream'):
        bz2.decompress(bytes(damaged))


def test_a_stream_cut_short_ends_in_eof_error():
    blocks = bzip2.plan(DATA)
    assert blocks is not None
    with pytest.raises(EOFError):
        _read_all(bzip2.Reader(DATA[: len(DATA) - 1000], blocks, 2))


def test_closing_early_stops_every_thread():
    before = threading.active_count()
    blocks = bzip2.plan(DATA)
    assert blocks is not None
    reader = bzip2.Reader(DATA, blocks, 2)
    assert len(reader.read(1000)) == 1000
    assert threading.active_count() > before  # a thread waits to hand over its next block
    reader.close()
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before


def test_a_block_that_unpacks_to_megabytes_is_handed_over_a_piece_at_a_time():
    # bzip2 shortens runs before it compresses: a 100 kB block of one byte
    # repeated unpacks to about 5 MB, given in pieces the reader takes in turn.
    text = b'a' * (12 << 20)
    data = bz2.compress(text, 1)
    blocks = bzip2.plan(data)
    assert blocks is not None
    assert len(blocks) == 3
    assert _read_all(bzip2.Reader(data, blocks, 2)) == text
    before = threading.active_count()
    reader = bzip2.Reader(data, blocks, 2)
    assert reader.read(10) == b'a' * 10
    reader.close()  # while both threads wait with a piece of a block
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before


def test_no_thread_to_spare_unpacks_in_this_one(monkeypatch):
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, 'start', refuse)
    blocks = bzip2.plan(DATA)
    assert blocks is not None
    assert _read_all(bzip2.Reader(DATA, blocks, 2)) == TEXT


def test_a_thread_that_ends_with_nothing_to_give_is_never_waited_for():
    slot = bzip2._Slot()
    slot.start(lambda number, slot: None, 0)
    assert isinstance(slot.take(), EOFError)


@pytest.mark.parametrize('cpus', [1, 2])
@pytest.mark.parametrize(
    ('text', 'level', 'streams'),
    [
        pytest.param(TEXT, 1, 1, id='blocks-shared'),
        pytest.param(TEXT, 1, 2, id='two-streams'),
        pytest.param(TEXT, 9, 1, id='one-block'),
        pytest.param(_text(7 << 20, 3), 9, 1, id='larger-than-shared'),
    ],
)
def test_a_key_at_the_end_of_a_large_bzip2_file_is_found_on_any_cpus(
    tmp_path, monkeypatch, capsysbinary, cpus, text, level, streams
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(archive, 'cpus', lambda: cpus)
    key, secret = make_key_id(7), make_secret(7)
    pair = f'aws_access_key_id = {key}\naws_secret_access_key = {secret}\n'.encode()
    planted = text + b'\n' + pair
    data = bz2.compress(text, level) * (streams - 1) + bz2.compress(planted, level)
    assert len(data) >= archive.BZIP2_SHARED
    (tmp_path / 'dump.txt.bz2').write_bytes(data)
    assert main(['dump.txt.bz2']) == 1
    assert capsysbinary.readouterr() == (
        # A stream's content is the file's; a second stream goes on from the first.
        pair_at('dump.txt.bz2', text * (streams - 1) + planted, key, secret),
        next_steps('1 blocking finding in 1 file'),
    )
