"""Plain-scan throughput of the detector against an earlier revision, side by side.

Usage: python bench/plain_scan.py [--rev REV] [--rounds N] [--search S] [DIR]

Scans with src/aws_key_guard/scan.py as it is in the work tree and with the
package as it was at REV (default: origin/main; its detect.py, or its scan.py
where it has one), then scans every *.py file under
DIR (default: this interpreter's standard library) with each, alternating,
N rounds. Prints MB/s for both and the ratio (new time / old time). With
--search, the work tree scans with that key ID search (see scan.scan_chunks).
"""

from __future__ import annotations

import argparse
import functools
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
    old = 'akg_old.detect' if 'src/aws_key_guard/detect.py' in listing else 'akg_old.scan'
    return importlib.import_module(old)


def _time(scan: object, files: list[Path]) -> float:
    from aws_key_guard.files import read_chunks

    t0 = time.perf_counter()
    for f in files:
        scan(read_chunks(str(f)))  # type: ignore[operator]
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument('dir', nargs='?', default=sysconfig.get_paths()['stdlib'])
    parser.add_argument('--rev', default='origin/main')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--search', choices=('auto', 'find', 'regex'), default='auto')
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / 'src'))
    from aws_key_guard.scan import scan_chunks

    new = functools.partial(scan_chunks, search=args.search)

    files = sorted(Path(args.dir).rglob('*.py'))
    size = sum(f.stat().st_size for f in files)
    with tempfile.TemporaryDirectory() as tmp:
        old = _load_revision(args.rev, Path(tmp))
        _time(new, files)  # warm the page cache
        best_old = best_new = float('inf')
        for _ in range(args.rounds):
            best_old = min(best_old, _time(old.scan_chunks, files))
            best_new = min(best_new, _time(new, files))
    print(f'{len(files)} files, {size / 1e6:.1f} MB from {args.dir}')
    print(f'{args.rev:>12}: {best_old:.3f} s  {size / 1e6 / best_old:.1f} MB/s')
    print(f'{"work tree":>12}: {best_new:.3f} s  {size / 1e6 / best_new:.1f} MB/s')
    print(f'ratio (work tree / {args.rev}): {best_new / best_old:.3f}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
