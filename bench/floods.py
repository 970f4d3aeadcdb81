"""Adversarial 32 MB floods against an ordinary 32 MB file, side by side in one run.

    python -m bench.floods [--size-mib 32] [--rounds 3]

Each file is scanned by the real CLI in a child process; rounds interleave the
files so they share the machine's load. Prints, per file, the best time, its
ratio to the ordinary file, the child's peak RSS, exit code and output size.
"""

from __future__ import annotations

import argparse
import random
import sysconfig
from collections.abc import Callable
from pathlib import Path

from bench._spawn import BASE64
from bench._spawn import WORK
from bench._spawn import Run
from bench._spawn import fake_key_id
from bench._spawn import fake_secret
from bench._spawn import run_cli


def _repeat(unit: bytes, size: int) -> bytes:
    return (unit * (size // len(unit) + 1))[:size]


def ordinary(size: int) -> bytes:
    # Real text: the standard library's own Python sources.
    data = bytearray()
    for path in sorted(Path(sysconfig.get_paths()['stdlib']).rglob('*.py')):
        data += path.read_bytes()
        if len(data) >= size:
            break
    return _repeat(bytes(data), size)


def base64_run(size: int) -> bytes:
    rng = random.Random(1)
    unit = ''.join(rng.choice(BASE64) for _ in range(1 << 16)).encode()
    return _repeat(unit, size)


def lines_of(make: Callable[[random.Random], str], size: int) -> bytes:
    rng = random.Random(2)
    return _repeat(''.join(make(rng) + '\n' for _ in range(4096)).encode(), size)


def pairs_in_text(size: int) -> bytes:
    # Thousands of pairs spread through ordinary text: all are paired and shown
    # up to the per-file cap.
    rng = random.Random(3)
    text = ordinary(size)
    step = size // 3000
    parts = [
        text[i : i + step] + f'\n{fake_key_id(rng)} {fake_secret(rng)}\n'.encode()
        for i in range(0, size, step)
    ]
    return b''.join(parts)[:size]


def hex_lines(size: int) -> bytes:
    rng = random.Random(4)
    return _repeat(''.join(f'{rng.getrandbits(160):040x}\n' for _ in range(4096)).encode(), size)


FLOODS: dict[str, Callable[[int], bytes]] = {
    'ordinary': ordinary,
    'AKIA repeated': lambda n: _repeat(b'AKIA', n),
    'one base64 run': base64_run,
    'aws_secret_access_key= repeated': lambda n: _repeat(b'aws_secret_access_key=', n),
    '~3000 pairs in text': pairs_in_text,
    'pairs only, one per line': lambda n: lines_of(
        lambda rng: f'{fake_key_id(rng)} {fake_secret(rng)}', n
    ),
    'key IDs only, one per line': lambda n: lines_of(fake_key_id, n),
    # Beyond the list: every one of these reaches Python code.
    'allow markers repeated': lambda n: _repeat(b'x = 1  # aws-key-guard: allow\n', n),
    "'allow' repeated, no newline": lambda n: _repeat(b'allow ', n),
    '40-hex lines (git object ids)': hex_lines,
    '40-char mixed-case words': lambda n: _repeat(b'Aa' * 20 + b' ', n),
    'AKIA repeated, a NUL every 4 KiB': lambda n: _repeat(b'AKIA' * 1023 + b'\0\0\0\0', n),
    'short URL-encoded runs (a%2F...)': lambda n: _repeat(b'a%2F' * 12 + b' ', n),
    'one URL-encoded run': lambda n: _repeat(b'a%2F', n),
    'JSON newline escapes': lambda n: _repeat(b'\\n', n),
    'a binary string in source (\\x04S\\x01...)': lambda n: _repeat(
        b'\t"\\x04S\\x01\\x00PK\\x03\\x04\\n\\x00%\\x8ej\\xbeT\\xc1\\x8a\\x84\\xad\\x0f" +\n', n
    ),
    'random bytes as a byte string (b"\\x44\\x2b...")': lambda n: lines_of(
        lambda rng: '    b"' + ''.join(f'\\x{rng.randrange(256):02x}' for _ in range(16)) + '"', n
    ),
    'one character-reference run': lambda n: _repeat(b'&#47;', n),
    'short reference runs (a&#47;...)': lambda n: _repeat(b'a&#47;' * 12 + b' ', n),
    '&amp; repeated': lambda n: _repeat(b'&amp;', n),
    '&#8212; repeated': lambda n: _repeat(b'&#8212;', n),
    '&#0000000047; repeated': lambda n: _repeat(b'&#0000000047;', n),
    '&#x0000002F; repeated': lambda n: _repeat(b'&#x0000002F;', n),
    '&#47 repeated, no ;': lambda n: _repeat(b'&#47', n),
    'short runs, no ; (a&#47...)': lambda n: _repeat(b'a&#47' * 12 + b' ', n),
    "'&#' then zeros": lambda n: b'&#' + _repeat(b'0', n - 2),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mib', type=int, default=32)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib << 20
    WORK.mkdir(exist_ok=True)
    files: dict[str, Path] = {}
    for i, (name, make) in enumerate(FLOODS.items()):
        files[name] = WORK / f'flood-{i}.bin'
        files[name].write_bytes(make(size))
    best: dict[str, Run] = {}
    for _ in range(args.rounds):
        for name, path in files.items():
            run = run_cli(str(path))
            if name not in best or run.seconds < best[name].seconds:
                best[name] = run
    base = best['ordinary'].seconds
    print(f'{args.size_mib} MiB each, best of {args.rounds} rounds, `python -m aws_key_guard FILE`')
    print(f'{"file":32} {"time":>8} {"ratio":>6} {"RSS MiB":>8} {"rc":>3} {"lines":>6}  stderr')
    for name, run in best.items():
        err = run.err.decode(errors='replace').strip().split(': ', 2)[-1]
        print(
            f'{name:32} {run.seconds:7.2f}s {run.seconds / base:5.2f}x '
            f'{run.peak_mib:8.1f} {run.rc:3} {run.out_lines:6}  {err}'
        )
    for path in files.values():
        path.unlink()
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
