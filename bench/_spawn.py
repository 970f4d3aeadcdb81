"""Shared bench helpers: run the real CLI as a child, fake keys made at run time."""

from __future__ import annotations

import random
import string
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

WORK = Path(__file__).parent / '.work'
BASE32 = string.ascii_uppercase + '234567'
BASE64 = string.ascii_letters + string.digits + '+/'


class Run(NamedTuple):
    seconds: float
    peak_mib: float
    rc: int
    out_lines: int
    err: bytes


# A child's peak RSS (ru_maxrss) counts the pages of whatever it was forked or
# spawned from, so the CLI is started from this small go-between, never from
# a bench process that holds generated data.
_GO_BETWEEN = """\
import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], 'w') as f:
    f.write(f'{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')
"""


def run_cli(*args: str) -> Run:
    """Wall time and the child's own peak RSS for `python -m aws_key_guard ARGS`."""
    out, err, report = WORK / 'stdout', WORK / 'stderr', WORK / 'report'
    cli = [sys.executable, '-m', 'aws_key_guard', *args]
    with out.open('wb') as stdout, err.open('wb') as stderr:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, '-c', _GO_BETWEEN, str(report), *cli],
            stdout=stdout,
            stderr=stderr,
            check=True,
        )
        seconds = time.perf_counter() - start
    with out.open('rb') as f:
        lines = sum(chunk.count(b'\n') for chunk in iter(lambda: f.read(1 << 20), b''))
    peak_kib, rc = map(int, report.read_text().split())
    return Run(seconds, peak_kib / 1024, rc, lines, err.read_bytes())


def fake_key_id(rng: random.Random) -> str:
    return 'AKIA' + rng.choice('IJ') + ''.join(rng.choice(BASE32) for _ in range(15))


def fake_secret(rng: random.Random) -> str:
    while True:
        secret = ''.join(rng.choice(BASE64) for _ in range(40))
        if secret.lower() != secret != secret.upper() and any(c.isdigit() for c in secret):
            return secret
