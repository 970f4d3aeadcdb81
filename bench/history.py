"""`--history` over 5,000+ commits of real code, side by side with `git log -p | rg`.

Builds the history deterministically in a temporary directory with
`git fast-import`: the standard library's .py files added one per commit,
each commit also editing one earlier file, and one key pair committed and
deleted in the next commit (then re-added elsewhere, to show it is scanned
once). Then checks that every blob and commit message is listed and prints
the timings of both tools and their ratio.

    python bench/history.py [--commits N] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import string
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

KEY_ID_PATTERN = r'(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}'


def _fake_pair(rng: random.Random) -> bytes:
    # Generated at run time: no key literal is ever committed to this repository.
    key = 'AKIA' + rng.choice('IJ') + ''.join(rng.choices(string.ascii_uppercase + '234567', k=15))
    secret = ''.join(rng.choices(string.ascii_letters + string.digits + '+/', k=37)) + 'a1Z'
    return f'AWS_ACCESS_KEY_ID={key}\nAWS_SECRET_ACCESS_KEY={secret}\n'.encode()


def _sources() -> list[Path]:
    root = Path(sysconfig.get_paths()['stdlib'])
    found = [p for p in root.rglob('*.py') if 'site-packages' not in p.parts and p.is_file()]
    return sorted(found)


def _edit(content: bytes, n: int, rng: random.Random) -> bytes:
    lines = content.split(b'\n')
    at = rng.randrange(len(lines) + 1)
    lines.insert(at, f'# edit {n}: revisited'.encode())
    return b'\n'.join(lines)


def _stream(commits: int) -> Iterator[bytes]:
    """A fast-import stream for the whole history."""
    rng = random.Random(20240601)
    sources = _sources()
    root = Path(sysconfig.get_paths()['stdlib'])
    tree: dict[str, bytes] = {}
    pair = _fake_pair(rng)
    for n in range(1, commits + 1):
        changes: list[tuple[str, bytes | None]] = []
        if n <= len(sources):
            path = sources[n - 1]
            changes.append((path.relative_to(root).as_posix(), path.read_bytes()))
        if len(tree) > 1:
            name = rng.choice(sorted(tree))
            changes.append((name, _edit(tree[name], n, rng)))
        if n == commits // 2:
            changes.append(('deploy/creds.env', pair))
        if n == commits // 2 + 1:
            changes.append(('deploy/creds.env', None))
        if n == commits * 4 // 5:
            changes.append(('old/creds-copy.env', pair))  # the same blob, already scanned
        body = [f'commit refs/heads/main\nmark :{n}\n'.encode()]
        when = 1_700_000_000 + n * 60
        message = f'change {n}'.encode()
        body.append(f'committer Bench <bench@example.com> {when} +0000\n'.encode())
        body.append(b'data %d\n%s\n' % (len(message), message))
        if n > 1:
            body.append(f'from :{n - 1}\n'.encode())
        for name, content in changes:
            if content is None:
                del tree[name]
                body.append(f'D {name}\n'.encode())
            else:
                tree[name] = content
                body.append(f'M 100644 inline {name}\ndata {len(content)}\n'.encode())
                body.append(content + b'\n')
        yield b''.join(body)


def build(repo: Path, commits: int) -> None:
    subprocess.run(['git', 'init', '-q', '-b', 'main', str(repo)], check=True)
    proc = subprocess.Popen(['git', 'fast-import', '--quiet'], cwd=repo, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in _stream(commits):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait():
        raise SystemExit('git fast-import failed')
    subprocess.run(['git', 'gc', '-q'], cwd=repo, check=True)


def _timed(cmd: list[str], repo: Path) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=repo, capture_output=True, check=False)
    return time.perf_counter() - start, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--commits', type=int, default=5000)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / 'repo'
        start = time.perf_counter()
        build(repo, args.commits)
        print(f'built {args.commits} commits in {time.perf_counter() - start:.1f}s')

        os.chdir(repo)
        from aws_key_guard.intake import history_blobs

        listed = list(history_blobs('HEAD'))
        check = subprocess.run(
            ['git', 'cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectsize)'],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split('\n')
        sizes = [int(line.split()[1]) for line in check if line.startswith('blob ')]
        # A content is listed at each path that adds it; cli.scan_blobs reads it once.
        oids = [b.oid for b in listed if b.kind == 'blob']
        messages = len(listed) - len(oids)
        print(
            f'blobs in the repository: {len(sizes)}, listed: {len(oids)}, '
            f'distinct: {len(set(oids))}, {sum(sizes) / 1e6:.1f} MB; commit messages: {messages}'
        )
        if len(set(oids)) != len(sizes) or messages != args.commits:
            raise SystemExit('every blob and every commit message must be listed')

        guard = [sys.executable, '-m', 'aws_key_guard', '--history']
        peer = ['bash', '-c', f"git log -p --no-color | rg -c '{KEY_ID_PATTERN}'"]
        patches = subprocess.run(['git', 'log', '-p', '--no-color'], capture_output=True)
        patch_bytes = len(patches.stdout)
        ours, theirs = [], []
        for _ in range(args.repeat):
            seconds, out = _timed(guard, repo)
            ours.append(seconds)
            seconds, hits = _timed(peer, repo)
            theirs.append(seconds)
        leak = subprocess.run(
            ['git', 'log', '--format=%H', f'--grep=^change {args.commits // 2}$'],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if f'in commit {leak[:12]}'.encode() not in out:
            raise SystemExit('the finding must name the commit that added the key')
        print(f'aws-key-guard found (the pair added in change {args.commits // 2}):')
        sys.stdout.write(re.sub(rb'\[sha256:[0-9a-f]+\]', b'[sha256:...]', out).decode())
        print(f'git log -p | rg matched {hits.decode().strip()} lines')
        mb = sum(sizes) / 1e6
        best, peer_best = min(ours), min(theirs)
        print(
            f'aws-key-guard --history: {best:.2f}s for {mb:.1f} MB of blobs '
            f'({mb / best:.1f} MB/s, {len(sizes) / best:.0f} blobs/s)'
        )
        print(
            f'git log -p | rg:         {peer_best:.2f}s for {patch_bytes / 1e6:.1f} MB of patches '
            f'({patch_bytes / 1e6 / peer_best:.1f} MB/s)'
        )
        print(f'time ratio (aws-key-guard / git log -p | rg): {best / peer_best:.2f}x')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
