"""Plain-scan throughput of the detector against an earlier revision, side by side.

Usage: python bench/plain_scan.py [--rev REV] [--rounds N] [DIR]

Loads src/aws_key_guard/detect.py (and layers.py) as they are in the work tree
and as they were at REV (default: origin/main), then scans every *.py file under
DIR (default: this interpreter's standard library) with each, alternating,
N rounds. Prints MB/s for both and the ratio (new time / old time).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / 'src' / 'aws_key_guard'


def _load_revision(rev: str, into: Path) -> ModuleType:
    """Import the package as it was at rev, under another name."""
    pkg = into / 'akg_old'
    pkg.mkdir()
    listing = subprocess.run(
        ['git', 'ls-tree', '--name-only', rev, 'src/aws_key_guard/'],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for path in listing:
        text = subprocess.run(
            ['git', 'show', f'{rev}:{path}'], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        (pkg / Path(path).name).write_text(text.replace('aws_key_guard', 'akg_old'))
    sys.path.insert(0, str(into))
    return importlib.import_module('akg_old.detect')


def _time(scan: object, files: list[Path]) -> float:
    from aws_key_guard.intake import read_chunks

    t0 = time.perf_counter()
    for f in files:
        scan(read_chunks(str(f)))  # type: ignore[operator]
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('dir', nargs='?', default=sysconfig.get_paths()['stdlib'])
    parser.add_argument('--rev', default='origin/main')
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / 'src'))
    from aws_key_guard import detect

    files = sorted(Path(args.dir).rglob('*.py'))
    size = sum(f.stat().st_size for f in files)
    with tempfile.TemporaryDirectory() as tmp:
        old = _load_revision(args.rev, Path(tmp))
        _time(detect.scan_chunks, files)  # warm the page cache
        best_old = best_new = float('inf')
        for _ in range(args.rounds):
            best_old = min(best_old, _time(old.scan_chunks, files))
            best_new = min(best_new, _time(detect.scan_chunks, files))
    print(f'{len(files)} files, {size / 1e6:.1f} MB from {args.dir}')
    print(f'{args.rev:>12}: {best_old:.3f} s  {size / 1e6 / best_old:.1f} MB/s')
    print(f'{"work tree":>12}: {best_new:.3f} s  {size / 1e6 / best_new:.1f} MB/s')
    print(f'ratio (work tree / {args.rev}): {best_new / best_old:.3f}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
