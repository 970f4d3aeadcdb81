"""Which form of the hook's `entry` starts fastest, as ratios to `python -c pass`.

    python3 -m bench.entry [--rounds 40]

pre-commit runs a python hook's `entry` from the virtualenv it made for the
hook, with that virtualenv's `bin` first on PATH. This installs the hook into
such a virtualenv (as bench/run.py does), then runs each form on the bench's
clean 10-file commit, the forms interleaved round by round, and prints the
median wall time of each and its ratio to Python's bare start-up in the same
rounds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from bench.run import CORPORA
from bench.run import ROOT
from bench.run import _hook_entry
from bench.run import _virtualenv
from bench.run import build_commit

_LAUNCHER = 'import sys; from aws_key_guard._main import main; sys.exit(main())'


def forms(env: str) -> dict[str, list[str]]:
    python = f'{env}/bin/python'
    entry = _hook_entry()
    return {
        'python -c pass (the floor)': [python, '-c', 'pass'],
        "the manifest's entry (python -I -S -c ...)": [f'{env}/bin/{entry[0]}', *entry[1:]],
        'console script (aws-key-guard)': [f'{env}/bin/aws-key-guard'],
        'python -m aws_key_guard': [python, '-m', 'aws_key_guard'],
        'a one-line launcher (python -c ...)': [python, '-c', _LAUNCHER],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=40)
    args = parser.parse_args()
    env = str(_virtualenv('aws-key-guard', str(ROOT), reinstall=True))
    commit = CORPORA / 'commit'
    build_commit(commit, pairs=False)
    files = sorted(str(p) for p in commit.iterdir())
    argvs = forms(env)
    times: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(args.rounds):
        for name, argv in argvs.items():
            extra = [] if name.startswith('python -c pass') else files
            start = time.perf_counter()
            subprocess.run([*argv, *extra], cwd=commit, check=True)  # a clean commit exits 0
            times[name].append(time.perf_counter() - start)
    floor = statistics.median(times['python -c pass (the floor)'])
    print(f'clean 10-file commit, median of {args.rounds} rounds')
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f'{name:40} {median * 1000:6.1f} ms {median / floor:5.2f}x')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
