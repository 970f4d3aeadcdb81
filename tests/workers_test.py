from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aws_key_guard import pipeline
from aws_key_guard import workers
from aws_key_guard._main import main
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps


def test_batches_weigh_about_a_batch_each_the_heaviest_first(monkeypatch):
    monkeypatch.setattr(workers, 'FILE_WEIGHT', 1)
    monkeypatch.setattr(workers, 'BATCH', 10)
    # Weights 6, 41, 4, 31, 21, 2: [0, 1] weighs 47, [2, 3] 35, [4] 21, and [5] is left at 2.
    sizes = [5, 40, 3, 30, 20, 1]
    assert workers.batches(sizes) == [range(0, 2), range(2, 4), range(4, 5), range(5, 6)]
    # Equal weights keep their order.
    assert workers.batches([1] * 12) == [range(0, 5), range(5, 10), range(10, 12)]
    assert workers.batches([]) == []


def test_a_compressed_file_weighs_what_it_unpacks_to_and_is_handed_out_first():
    names = ['a.go', 'testdata/re2.txt.bz2', 'b.go', 'lib/App.JAR', 'notes.gz.txt']
    sizes = [300_000, 400_000, 300_000, 100_000, 300_000]
    unpacked = pipeline.unpacked_sizes(names, sizes)
    assert unpacked == [300_000, 6_400_000, 300_000, 1_600_000, 300_000]
    assert workers.batches(unpacked)[0] == range(0, 2)


def test_batches_grow_so_that_their_numbers_fit_a_page():
    # A million empty files: about a gigabyte to scan, by their weight alone.
    count = len(workers.batches([0] * 1_000_000))
    assert count == 4096 // 4 - 1
    sizes = [0] * 1_000_003
    assert len(workers.batches(sizes)) * 4 <= 4096


def test_cpus_is_what_this_process_may_use():
    assert workers.cpus() == len(os.sched_getaffinity(0))


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """Eight files, every other one failing, and a fork for any two megabytes."""
    monkeypatch.setattr(workers, 'PER_WORKER', 1 << 20)
    monkeypatch.setattr(workers, 'cpus', lambda: 3)
    names = []
    for i in range(8):
        path = tmp_path / f'{i}.txt'
        path.write_bytes((b'bad\n' if i % 2 else b'good\n') * (1 << 17) * (i + 1))
        names.append(str(path))
    return names


def _good(filename: str) -> bool:
    with open(filename, 'rb') as f:
        return f.read(4) == b'good'


def _failing(names: list[str], passes: Callable[[str], bool]) -> list[str]:
    # The names judge_files gives a result for (here: the name, where passes() is false).
    results = workers.judge_files(names, lambda f: None if passes(f) else f, str, str)
    return [r for r in results if r is not None]


def _log_judged(log: Path, passes: Callable[[str], bool], together: int) -> Callable[[str], bool]:
    # Each process appends the names it judges, and its pid, to one log, and
    # judges nothing until `together` processes have each taken a batch.
    def logged(filename: str) -> bool:
        with open(log, 'a') as f:
            f.write(f'{os.getpid()} {filename}\n')
        deadline = time.monotonic() + 30
        while len({pid for pid, _ in _judged(log)}) < together and time.monotonic() < deadline:
            time.sleep(0.01)
        return passes(filename)

    return logged


def _judged(log: Path) -> list[tuple[str, str]]:
    return [tuple(line.split(' ', 1)) for line in log.read_text().splitlines()]  # type: ignore[misc]


@pytest.mark.parametrize(
    ('per_worker', 'processes'),
    [
        # 18 MiB, a fork for each 1 MiB, 3 CPUs: three processes share the batches.
        pytest.param(1 << 20, 3, id='forked'),
        pytest.param(1 << 30, 1, id='below-the-size-that-pays'),
    ],
)
def test_failing_keeps_the_order(tree, tmp_path, per_worker, processes, monkeypatch):
    monkeypatch.setattr(workers, 'PER_WORKER', per_worker)
    log = tmp_path / 'judged.log'
    assert _failing(tree, _log_judged(log, _good, processes)) == tree[1::2]
    judged = _judged(log)
    # Each file judged once, in as many processes as pay.
    assert sorted(name for _, name in judged) == sorted(tree)
    assert len({pid for pid, _ in judged}) == processes


def test_failing_one_file_never_forks(tree):
    assert _failing(tree[1:2], _good) == tree[1:2]
    assert _failing([], _good) == []


def test_a_worker_that_dies_has_its_files_judged_here(tree, tmp_path):
    parent = os.getpid()

    def passes(filename: str) -> bool:
        if os.getpid() != parent:
            raise MemoryError  # anything at all: the child exits 1 without a word
        return _good(filename)

    log = tmp_path / 'judged.log'
    assert _failing(tree, _log_judged(log, passes, 3)) == tree[1::2]
    judged = _judged(log)
    # The workers each took a batch and died on its first file: all judged here again.
    assert len({pid for pid, _ in judged}) == 3
    assert sorted(name for pid, name in judged if pid == str(parent)) == sorted(tree)


def test_main_finds_a_pair_in_a_forked_worker(tree, monkeypatch, capsysbinary, tmp_path):
    monkeypatch.chdir(tmp_path)
    key, secret = make_key_id(7), make_secret(7)
    # The pair is in the lightest batch, taken last: a forked worker is likely to judge it.
    assert workers.batches([os.path.getsize(name) for name in tree])[-1] == range(0, 2)
    with open(tree[0], 'ab') as f:
        f.write(f'id = {key}\nkey = {secret}\n'.encode())
    # A name that cannot be read weighs nothing and is still reported.
    assert main([os.path.basename(name) for name in tree] + ['gone.txt']) == 2
    fingerprint = hashlib.sha256(secret.encode()).hexdigest()[:12]
    assert capsysbinary.readouterr() == (
        (
            f'0.txt:131074:7: AKG001 AWS access key pair: secret [sha256:{fingerprint}] '
            f'with access key ID AKIA...{key[-4:]} at line 131073\n'
            'gone.txt:1:1: AKG900 cannot scan file: No such file or directory\n'
        ).encode(),
        next_steps('1 blocking finding in 1 file'),
    )


def test_main_with_a_configuration_shares_the_scan_too(tree, monkeypatch, capsysbinary, tmp_path):
    # The full command line judges the files first as the everyday path does;
    # a file of allow markers and nothing else is clean there as well.
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pyproject.toml').write_text('[tool.aws-key-guard]\npair-window = 5\n')
    (tmp_path / 'markers.py').write_bytes(b'x = 1  # aws-key-guard: allow\n' * 10_001)
    parent = os.getpid()
    judged: list[str] = []

    real = pipeline._read

    def read(filename: str, **options: Any) -> pipeline.FileScan | None:
        if os.getpid() == parent:
            judged.append(filename)
        return real(filename, **options)

    monkeypatch.setattr(pipeline, '_read', read)
    key, secret = make_key_id(8), make_secret(8)
    with open(tree[7], 'ab') as f:
        f.write(f'{key}:{secret}\n'.encode())
    names = [os.path.basename(name) for name in tree]
    assert main([*names, 'markers.py']) == 1
    fingerprint = hashlib.sha256(secret.encode()).hexdigest()[:12]
    assert capsysbinary.readouterr() == (
        (
            f'7.txt:1048577:22: AKG001 AWS access key pair: secret [sha256:{fingerprint}] '
            f'with access key ID AKIA...{key[-4:]} at line 1048577\n'
        ).encode(),
        next_steps('1 blocking finding in 1 file'),
    )
    # The parent judged only its share: the rest went to forked workers.
    assert 0 < len(judged) < len(names) + 1


def test_a_failed_fork_judges_its_share_here(tree, monkeypatch):
    # As root, RLIMIT_NPROC never stops a fork: fork fails as it would at the limit.
    def fork() -> int:
        raise BlockingIOError(errno.EAGAIN, 'Resource temporarily unavailable')

    monkeypatch.setattr(os, 'fork', fork)
    judged: list[str] = []

    def passes(filename: str) -> bool:
        judged.append(filename)
        return _good(filename)

    assert _failing(tree, passes) == tree[1::2]
    assert sorted(judged) == sorted(tree)  # every share, in this one process


def _slow_tree(tmp_path: Path) -> list[str]:
    # Two files that take each process seconds to judge: runs of 41 base64
    # characters (none a secret) are about the slowest clean input there is.
    if workers.cpus() < 2:
        pytest.skip('one CPU: the scan never forks')
    run = b'A' * 20 + b'a' * 21 + b' '
    names = []
    for i in range(2):
        (tmp_path / f'{i}.txt').write_bytes(run * ((32 << 20) // len(run)))
        names.append(f'{i}.txt')
    return names


def _stat(pid: int) -> list[str]:
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()  # state, ppid, ...
    except FileNotFoundError:
        return []


def _children(pid: int) -> list[int]:
    return [int(p) for p in os.listdir('/proc') if p.isdigit() and _stat(int(p))[1:2] == [str(pid)]]


def _running(pid: int) -> bool:
    return _stat(pid)[:1] not in ([], ['Z'])


def _worker_of(hook: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and hook.poll() is None:
        children = _children(hook.pid)
        if children:
            return children[0]
        time.sleep(0.01)
    pytest.fail('no worker was forked')


def _gone_soon(pid: int) -> bool:
    # A worker left alone would scan on for seconds.
    deadline = time.monotonic() + 2
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    return not _running(pid)


@pytest.mark.parametrize(
    ('signum', 'returncode', 'stderr'),
    [
        pytest.param(signal.SIGTERM, -signal.SIGTERM, b'', id='SIGTERM'),
        pytest.param(signal.SIGINT, 130, b'aws-key-guard: error: interrupted\n', id='SIGINT'),
    ],
)
def test_workers_stop_with_the_hook(tmp_path, signum, returncode, stderr):
    names = _slow_tree(tmp_path)
    command = [sys.executable, '-m', 'aws_key_guard', *names]
    # Files, not pipes: a pipe stays open while a worker holds it.
    with open(tmp_path / 'out', 'wb') as out, open(tmp_path / 'err', 'wb') as err:
        # SIGINT as a terminal delivers it, even where this run ignores it
        # (a shell's background job): Python then installs its own handler.
        hook = subprocess.Popen(
            command,
            cwd=tmp_path,
            stdout=out,
            stderr=err,
            preexec_fn=_default_sigint,
        )
    worker = _worker_of(hook)
    os.kill(hook.pid, signum)
    assert hook.wait(timeout=60) == returncode
    assert _gone_soon(worker)
    assert (tmp_path / 'out').read_bytes() == b''
    assert (tmp_path / 'err').read_bytes() == stderr


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
