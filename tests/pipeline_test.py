"""Each file is opened and scanned once per run, whichever path the run takes."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from aws_key_guard import pipeline
from aws_key_guard import scan
from aws_key_guard._main import main
from aws_key_guard.error import ScanError
from aws_key_guard.pipeline import FileScan
from aws_key_guard.pipeline import scan_file
from tests.conftest import make_key_id
from tests.conftest import make_secret

_opened: Counter[str] | None = None


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _opened is not None and event == 'open' and isinstance(args[0], str):
        _opened[os.path.basename(args[0])] += 1


sys.addaudithook(_audit)  # hooks stay for the process: this one counts only when asked


@pytest.fixture
def opened() -> Iterator[Counter[str]]:
    """How often each file name was opened (by any means) while the test ran."""
    global _opened
    _opened = Counter()
    try:
        yield _opened
    finally:
        _opened = None


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per scan of a file's bytes."""
    done: list[int] = []
    real = scan.scan_chunks

    def scan_chunks(chunks: object, **options: object) -> object:
        done.append(1)
        return real(chunks, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, 'scan_chunks', scan_chunks)
    return done


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pair.env').write_text(f'id = {make_key_id(5)}\nkey = {make_secret(5)}\n')
    (tmp_path / 'clean.txt').write_text('nothing here\n')
    (tmp_path / 'lone.txt').write_text(f'old {make_key_id(6)}\n')
    return tmp_path


@pytest.mark.parametrize(
    ('config', 'args'),
    [
        pytest.param(None, [], id='everyday'),
        pytest.param('[tool.aws-key-guard]\npair-window = 9\n', [], id='configured'),
        pytest.param(None, ['--format', 'json'], id='json'),
        pytest.param(None, ['--list-allowed'], id='list-allowed'),
    ],
)
def test_a_file_with_a_finding_is_opened_and_scanned_once(
    work, opened, scans, capsysbinary, config, args
):
    if config is not None:
        (work / 'pyproject.toml').write_text(config)
    assert main([*args, 'clean.txt', 'pair.env', 'lone.txt']) == 1
    capsysbinary.readouterr()
    assert (opened['pair.env'], opened['lone.txt'], opened['clean.txt']) == (1, 1, 1)
    assert len(scans) == 3


def test_file_scan_survives_the_trip_from_a_worker(work):
    scan = scan_file([(work / 'pair.env').read_bytes() + b'# aws-key-guard: allow x\n'])
    sent = FileScan.decode(scan.encode())
    assert (sent.candidates, sent.markers, sent.error, sent.overflow, sent.cut, sent.bug) == (
        scan.candidates,
        scan.markers,
        None,
        None,
        None,
        None,
    )
    assert len(scan.candidates) == 2
    assert len(scan.markers) == 1


@pytest.mark.parametrize('filler_lines', [0, 40_000], ids=['held', 'past-the-hold'])
def test_markers_cover_their_lines_before_and_past_the_hold(work, capsysbinary, filler_lines):
    # Markers are searched for once a file shows a token: at once in a small
    # file, as it streams in one larger than what a scan holds back.
    filler = 'x = 1  # nothing to see\n' * filler_lines
    key, secret = make_key_id(7), make_secret(7)
    (work / 'big.py').write_text(
        f'{filler}id = "{key}"  # aws-key-guard: allow test account\n'
        f'key = "{secret}"  # aws-key-guard: allow test account\n'
        f'other = "{make_key_id(8)}"\n'
    )
    assert main(['big.py']) == 0
    assert capsysbinary.readouterr() == (
        b'big.py:%d:10: AKG003 AWS access key ID %s...%s with no secret\n'
        % (filler_lines + 3, make_key_id(8)[:4].encode(), make_key_id(8)[-4:].encode()),
        b'',
    )


def test_a_read_error_past_the_first_read_is_the_files_error():
    def reads() -> Iterator[bytes]:
        yield b'x = 1\n'
        raise ScanError('Input/output error')

    scan = scan_file(reads())
    assert (scan.error, scan.candidates, scan.is_clean()) == ('Input/output error', [], False)


def test_the_first_bytes_that_open_the_database_view_are_sqlites():
    # pipeline keeps its own copy: sqlite.py is imported only for such a file.
    from aws_key_guard import sqlite

    assert (sqlite.MAGIC, *sqlite.WAL_MAGICS) == pipeline._SQLITE
