"""What allowing known values costs: marker watching in the scan, config reading at start-up.

Run: python bench/allow_overhead.py [CORPUS_DIR]
Everything is measured side by side in one run and reported as ratios.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aws_key_guard.marker import MarkerWatcher
from aws_key_guard.scan import scan_chunks
from aws_key_guard.window import CHUNK_SIZE

ROUNDS = 7


def _corpus(root: Path, limit: int = 8 << 20) -> bytes:
    parts: list[bytes] = []
    size = 0
    for path in sorted(root.rglob('*.py')):
        data = path.read_bytes()
        parts.append(data)
        size += len(data)
        if size >= limit:
            break
    return b''.join(parts)


def _best(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_scan(corpus: bytes) -> None:
    chunks = [corpus[i : i + CHUNK_SIZE] for i in range(0, len(corpus), CHUNK_SIZE)]
    plain = _best(lambda: scan_chunks(chunks))
    watched = _best(lambda: scan_chunks(MarkerWatcher().watch(chunks)))
    mib = len(corpus) / (1 << 20)
    print(f'scan of {mib:.1f} MiB of Python source, best of {ROUNDS}:')
    print(f'  detector alone        {plain * 1e3:8.1f} ms')
    print(f'  detector + markers    {watched * 1e3:8.1f} ms   ratio {watched / plain:.3f}')


def _hook(cwd: Path, files: list[str]) -> float:
    # Installed packages run from bytecode: let the first run write it.
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONDONTWRITEBYTECODE'}
    command = [sys.executable, '-m', 'aws_key_guard', *files]
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=False)
    return time.perf_counter() - start


def bench_startup() -> None:
    cases = {
        'no pyproject.toml': None,
        'pyproject.toml, no table': '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n',
        'pyproject.toml with table': '[tool.aws-key-guard]\npair-window = 20\n',
    }
    with tempfile.TemporaryDirectory() as tmp:
        dirs: dict[str, tuple[Path, list[str]]] = {}
        for name, text in cases.items():
            d = Path(tmp) / str(len(dirs))
            d.mkdir()
            files = []
            for i in range(10):
                (d / f'f{i}.py').write_text(f'def f{i}():\n    return {i}\n' * 50)
                files.append(f'f{i}.py')
            if text is not None:
                (d / 'pyproject.toml').write_text(text)
            dirs[name] = (d, files)
        runs = 30
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(runs):  # interleaved, so drift hits every case alike
            for name, (d, files) in dirs.items():
                times[name].append(_hook(d, files))
    base = sorted(times['no pyproject.toml'])[runs // 2]
    print(f'hook on a clean 10-file commit (python -m), median of {runs}:')
    for name in cases:
        median = sorted(times[name])[runs // 2]
        print(f'  {name:28s}{median * 1e3:7.1f} ms   ratio {median / base:.3f}')


if __name__ == '__main__':
    root = Path(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.__file__))
    bench_scan(_corpus(root))
    bench_startup()
