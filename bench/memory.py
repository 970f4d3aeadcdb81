"""Peak memory on single-line files of growing size, each with a pair at its very end.

    python -m bench.memory [--sizes-mib 32 128 512]

Each file is written in pieces (never held whole), scanned by the real CLI in
a child process, and the child's peak RSS is printed beside the file size;
the output line must name the pair at line 1 and the right column.
"""

from __future__ import annotations

import argparse
import hashlib
import random

from bench._spawn import WORK
from bench._spawn import fake_key_id
from bench._spawn import fake_secret
from bench._spawn import run_cli

LIMIT_MIB = 64


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes-mib', type=int, nargs='+', default=[32, 128, 512])
    args = parser.parse_args()
    rng = random.Random(5)
    key, secret = fake_key_id(rng), fake_secret(rng)
    WORK.mkdir(exist_ok=True)
    path = WORK / 'one-line.bin'
    piece = b'name=value; ' * (1 << 16)
    print(f'{"file MiB":>8} {"time":>8} {"RSS MiB":>8}  pair found where it is')
    ok = True
    for mib in args.sizes_mib:
        written = 0
        with path.open('wb') as f:
            while written < mib << 20:
                written += f.write(piece)
            f.write(f'{key} {secret}'.encode())
        fp = hashlib.sha256(secret.encode()).hexdigest()[:12]
        run = run_cli(str(path))
        out = (WORK / 'stdout').read_bytes()
        expected = (
            f'{path}:1:{written + 22}: AKG001 AWS access key pair: secret [sha256:{fp}] '
            f'with access key ID AKIA...{key[-4:]} at line 1\n'
        ).encode()
        found = out == expected and run.rc == 1
        ok = ok and found and run.peak_mib <= LIMIT_MIB
        print(f'{mib:8} {run.seconds:7.2f}s {run.peak_mib:8.1f}  {"yes" if found else "NO"}')
    path.unlink()
    print(f'bound: {LIMIT_MIB} MiB peak RSS -> {"met" if ok else "NOT MET"}')
    return 0 if ok else 1


if __name__ == '__main__':
    raise SystemExit(main())
