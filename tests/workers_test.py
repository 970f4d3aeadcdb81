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


def test_shares_give_the_largest_first_to_the_least_loaded():
    sizes = [5, 40, 3, 30, 20, 1]
    # 40 to A; 30 to B; 20 to B (30 < 40); then 5, 3 and 1 to A (45, 48, 49 < 50).
    assert workers.shares(sizes, 2) == [[0, 1, 2, 5], [3, 4]]
    # 40, 30 and 20 each alone; the rest to the third, the least loaded throughout.
    assert workers.shares(sizes, 3) == [[1], [3], [0, 2, 4, 5]]
    assert workers.shares([], 2) == [[], []]


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


@pytest.mark.parametrize(
    ('per_worker', 'judged_here'),
    [
        # 18 MiB, a fork for each 1 MiB, 3 CPUs: two children take all but 2 and 6.
        pytest.param(1 << 20, [2, 6], id='forked'),
        pytest.param(1 << 30, list(range(8)), id='below-the-size-that-pays'),
    ],
)
def test_failing_keeps_the_order(tree, monkeypatch, per_worker, judged_here):
    monkeypatch.setattr(workers, 'PER_WORKER', per_worker)
    judged: list[str] = []  # what this process judged: a child's list stays in the child

    def passes(filename: str) -> bool:
        judged.append(filename)
        return _good(filename)

    assert _failing(tree, passes) == tree[1::2]
    assert judged == [tree[i] for i in judged_here]


def test_failing_one_file_never_forks(tree):
    assert _failing(tree[1:2], _good) == tree[1:2]
    assert _failing([], _good) == []


def test_a_worker_that_dies_has_its_files_judged_here(tree):
    parent = os.getpid()

    def passes(filename: str) -> bool:
        if os.getpid() != parent:
            raise MemoryError  # anything at all: the child exits 1 without a word
        return _good(filename)

    assert _failing(tree, passes) == tree[1::2]


def test_main_finds_a_pair_in_a_forked_worker(tree, monkeypatch, capsysbinary, tmp_path):
    monkeypatch.chdir(tmp_path)
    key, secret = make_key_id(7), make_secret(7)
    # The smallest file goes to the last of three workers: a child judges it.
    assert 0 in workers.shares([os.path.getsize(name) for name in tree], 3)[2]
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
