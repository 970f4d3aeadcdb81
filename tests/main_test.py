from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aws_key_guard import pipeline
from aws_key_guard import scan
from aws_key_guard._main import main
from aws_key_guard.account import decode_account
from aws_key_guard.check import MAX_SHOWN
from aws_key_guard.pairing import looks_like_words
from aws_key_guard.pipeline import MAX_CANDIDATES
from aws_key_guard.report import Report
from aws_key_guard.window import CHUNK_SIZE
from tests.conftest import free_port
from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

SRC = Path(__file__).parent.parent / 'src'

KEY = make_key_id(1)
SECRET = make_secret(1)
FP = 'sha256:' + hashlib.sha256(SECRET.encode()).hexdigest()[:12]
MASK = f'AKIA...{KEY[-4:]}'
# What a blocking text report ends with on stderr (tests/summary_test.py).
ONE_BLOCKING = next_steps('1 blocking finding in 1 file')


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'clean.py').write_text('print("hello")\n')
    (tmp_path / 'pair.env').write_text(
        f'# creds\nAWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
    )
    (tmp_path / 'lone.txt').write_text(f'user key: {KEY}\n')
    (tmp_path / 'docs.md').write_text(
        'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'
    )
    return tmp_path


def test_main_clean_file(files, capsysbinary):
    assert main(['clean.py', 'docs.md']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_main_pair_blocks(files, capsysbinary):
    assert main(['clean.py', 'pair.env']) == 1
    out, err = capsysbinary.readouterr()
    assert (
        out
        == (
            f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 2\n'
        ).encode()
    )
    assert err == ONE_BLOCKING


def test_main_lone_key_id_warns_unless_asked_to_block(files, capsysbinary):
    expected = f'lone.txt:1:11: AKG003 AWS access key ID {MASK} with no secret\n'.encode()
    assert main(['lone.txt']) == 0
    assert capsysbinary.readouterr().out == expected
    assert main(['--block-lone-key-ids', 'lone.txt']) == 1
    assert capsysbinary.readouterr().out == expected


def test_main_unreadable_file_is_an_error_but_others_are_still_scanned(files, capsysbinary):
    assert main(['missing.txt', 'pair.env']) == 2
    out, _ = capsysbinary.readouterr()
    assert out.splitlines() == [
        b'missing.txt:1:1: AKG900 cannot scan file: No such file or directory',
        (
            f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 2'
        ).encode(),
    ]


def test_main_odd_filenames(files, capsysbinary):
    name = os.fsdecode(b'-caf\xe9 \n.env')
    with open(os.fsencode(name), 'w') as f:
        f.write(f'aws_secret_access_key: {SECRET}\n')
    assert main(['--', name]) == 1
    out, _ = capsysbinary.readouterr()
    assert (
        out
        == b'"-caf\\351 \\n.env":1:24: AKG002 AWS secret access key ['
        + FP.encode()
        + b'] with no access key ID\n'
    )


def test_main_no_files(capsysbinary):
    assert main([]) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_main_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(['--no-such-option'])
    assert excinfo.value.code == 2


def test_main_help_mentions_exit_codes_and_rotation(capsys):
    with pytest.raises(SystemExit):
        main(['--help'])
    out = capsys.readouterr().out
    assert '2  usage error, a file that could not be scanned (AKG900), a configuration\n' in out
    assert 'or an internal error (one line\n' in out
    assert 'rotate it in IAM' in out


def test_python_dash_m(files):
    result = subprocess.run(
        [sys.executable, '-m', 'aws_key_guard', 'pair.env', 'clean.py'],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == ONE_BLOCKING
    assert (
        result.stdout
        == (
            f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 2\n'
        ).encode()
    )


ODD = 'dir/a b,c:\u00e9.env'  # a space, a comma, a colon and a non-ASCII letter
PAIR_MESSAGE = f'AWS access key pair: secret [{FP}] with access key ID {MASK} at line 2'
LONE_MESSAGE = f'AWS access key ID {MASK} with no secret'


def test_main_format_json_on_real_files(files, capsysbinary):
    assert main(['--format', 'json', 'clean.py', 'pair.env', 'lone.txt']) == 1
    out, err = capsysbinary.readouterr()
    assert err == b''
    common = {'key_line': None, 'account': None, 'layer': None, 'commit': None, 'verdict': None}
    assert json.loads(out) == {
        'tool': 'aws-key-guard',
        'version': '0.1.0',
        'findings': [
            {
                **common,
                'path': 'pair.env',
                'line': 3,
                'column': 23,
                'end_line': 3,
                'end_column': 63,
                'code': 'AKG001',
                'severity': 'error',
                'message': PAIR_MESSAGE,
                'masked_key_id': MASK,
                'key_line': 2,
                'fingerprint': FP,
            },
            {
                **common,
                'path': 'lone.txt',
                'line': 1,
                'column': 11,
                'end_line': 1,
                'end_column': 31,
                'code': 'AKG003',
                'severity': 'warning',
                'message': LONE_MESSAGE,
                'masked_key_id': MASK,
                'fingerprint': 'sha256:' + hashlib.sha256(KEY.encode()).hexdigest()[:12],
            },
        ],
    }


def test_main_format_github_on_real_files(files, capsysbinary):
    assert main(['--format', 'github', 'pair.env', 'lone.txt', 'missing.txt']) == 2
    assert capsysbinary.readouterr().out.decode().splitlines() == [
        f'::error file=pair.env,line=3,col=23,title=AKG001::{PAIR_MESSAGE}',
        f'::warning file=lone.txt,line=1,col=11,title=AKG003::{LONE_MESSAGE}',
        '::error file=missing.txt,line=1,col=1,title=AKG900::'
        'cannot scan file: No such file or directory',
    ]


def test_main_format_sarif_on_real_files(files, capsysbinary, sarif_validator):
    assert main(['--format', 'sarif', 'pair.env', 'clean.py', 'lone.txt']) == 1
    document = json.loads(capsysbinary.readouterr().out)
    assert list(sarif_validator.iter_errors(document)) == []
    results = document['runs'][0]['results']
    assert [(r['ruleId'], r['level'], r['locations'][0]['physicalLocation']) for r in results] == [
        (
            'AKG001',
            'error',
            {
                'artifactLocation': {'uri': 'pair.env'},
                'region': {'startLine': 3, 'startColumn': 23, 'endLine': 3, 'endColumn': 63},
            },
        ),
        (
            'AKG003',
            'warning',
            {
                'artifactLocation': {'uri': 'lone.txt'},
                'region': {'startLine': 1, 'startColumn': 11, 'endLine': 1, 'endColumn': 31},
            },
        ),
    ]


def test_main_format_sarif_with_nothing_found_is_still_a_log(files, capsysbinary, sarif_validator):
    assert main(['--format', 'sarif', 'clean.py']) == 0
    document = json.loads(capsysbinary.readouterr().out)
    assert sarif_validator.is_valid(document)
    assert document['runs'][0]['results'] == []


@pytest.mark.parametrize('fmt', ['text', 'json', 'sarif', 'github'])
@pytest.mark.parametrize(
    ('args', 'rc'),
    [
        (['clean.py', 'docs.md'], 0),
        (['pair.env'], 1),
        (['lone.txt'], 0),
        (['--block-lone-key-ids', 'lone.txt'], 1),
        (['missing.txt', 'pair.env'], 2),
    ],
)
def test_main_exit_codes_are_the_same_in_every_format(files, capsysbinary, fmt, args, rc):
    assert main(['--format', fmt, *args]) == rc


def test_main_odd_paths_in_every_format(files, capsysbinary, sarif_validator):
    raw = os.fsdecode(b'caf\xe9 x.env')
    for name in (ODD, raw):
        os.makedirs(os.path.dirname(name) or '.', exist_ok=True)
        with open(os.fsencode(name), 'w') as f:
            f.write(f'aws_secret_access_key: {SECRET}\n')
    outputs = {}
    for fmt in ('text', 'json', 'sarif', 'github'):
        assert main(['--format', fmt, ODD, raw]) == 1
        outputs[fmt] = capsysbinary.readouterr().out
    message = f'AKG002 AWS secret access key [{FP}] with no access key ID\n'.encode()
    assert outputs['text'] == (
        b'"dir/a b,c:\\303\\251.env":1:24: ' + message + b'"caf\\351 x.env":1:24: ' + message
    )
    paths = [f['path'] for f in json.loads(outputs['json'])['findings']]
    assert paths == [ODD, 'caf\\xe9 x.env']
    sarif = json.loads(outputs['sarif'])
    assert sarif_validator.is_valid(sarif)
    uris = [
        r['locations'][0]['physicalLocation']['artifactLocation']['uri']
        for r in sarif['runs'][0]['results']
    ]
    assert uris == ['dir/a%20b%2Cc%3A%C3%A9.env', 'caf%E9%20x.env']
    files = [line.split(',line=')[0] for line in outputs['github'].decode().splitlines()]
    assert files == ['::error file=dir/a b%2Cc%3A\u00e9.env', '::error file=caf\\xe9 x.env']


@pytest.mark.parametrize('fmt', ['text', 'json', 'sarif', 'github'])
def test_main_no_format_shows_the_secret(files, capsysbinary, fmt):
    assert main(['--format', fmt, 'pair.env', 'lone.txt']) == 1
    out, err = capsysbinary.readouterr()
    assert FP.encode() in out
    for leak in (SECRET, SECRET.replace('/', '\\/'), KEY):
        assert leak.encode() not in out + err


@pytest.mark.parametrize('fmt', ['text', 'json', 'sarif', 'github'])
def test_main_output_writes_the_report_to_a_file(files, capsysbinary, fmt):
    assert main(['--format', fmt, 'pair.env', 'lone.txt']) == 1
    expected = capsysbinary.readouterr().out
    assert main(['--format', fmt, '--output', 'report.out', 'pair.env', 'lone.txt']) == 1
    assert capsysbinary.readouterr() == (b'', ONE_BLOCKING if fmt == 'text' else b'')
    assert (files / 'report.out').read_bytes() == expected


def test_main_output_that_cannot_be_written_is_an_error(files, capsysbinary):
    assert main(['--output', 'no/such/dir/report.sarif', 'pair.env']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: no/such/dir/report.sarif: No such file or directory\n',
    )


def _pair_line(
    filename: str, line: int, key: str, secret: str, key_line: int, verdict: str | None = None
) -> str:
    account = decode_account(key.encode())
    mask = f'{key[:4]}...{key[-4:]}' + ('' if account is None else f' (account {account:012d})')
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    return (
        f'{filename}:{line}:23: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID {mask} at line {key_line}'
        + ('' if verdict is None else f' [{verdict}]')
        + '\n'
    )


@pytest.fixture
def leaked(sts, tmp_path, monkeypatch):
    """A file with the live moto pair, a made-up pair and a context secret."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'leak.env').write_text(
        f'AWS_ACCESS_KEY_ID={sts.key_id}\nAWS_SECRET_ACCESS_KEY={sts.secret}\n\n'
        f'AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
    )
    return sts


def test_main_verify_reports_live_and_rejected_pairs(leaked, capsysbinary):
    assert main(['--verify', 'leak.env', 'leak.env']) == 1
    out, err = capsysbinary.readouterr()
    lines = [
        _pair_line('leak.env', 2, leaked.key_id, leaked.secret, 1, f'live: {leaked.arn}'),
        _pair_line('leak.env', 5, KEY, SECRET, 4, 'rejected'),
    ]
    assert out == ''.join(lines * 2).encode()
    assert err == next_steps('4 blocking findings in 1 file')
    # Each distinct pair once per run, however often it turns up.
    assert leaked.actions() == ['GetCallerIdentity', 'GetCallerIdentity']
    assert leaked.secret.encode() not in out


def test_main_without_verify_sends_nothing(leaked, capsysbinary):
    assert main(['leak.env']) == 1
    lines = [
        _pair_line('leak.env', 2, leaked.key_id, leaked.secret, 1),
        _pair_line('leak.env', 5, KEY, SECRET, 4),
    ]
    assert capsysbinary.readouterr().out == ''.join(lines).encode()
    assert leaked.actions() == []


def test_main_verify_unreachable_endpoint_still_blocks(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pair.env').write_text(
        f'\nAWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
    )
    url = f'http://127.0.0.1:{free_port()}'
    monkeypatch.setenv('AWS_ENDPOINT_URL_STS', url)
    assert main(['--verify', 'pair.env']) == 1
    verdict = f'unverified: cannot connect to {url}'
    assert (
        capsysbinary.readouterr().out == _pair_line('pair.env', 3, KEY, SECRET, 2, verdict).encode()
    )


def test_main_verify_silent_endpoint_times_out(
    silent_endpoint, tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'pair.env').write_text(
        f'\nAWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n'
    )
    start = time.monotonic()
    assert main(['--verify', 'pair.env']) == 1
    # The default limits: 2 s to connect, 3 s to read, one attempt; loose bound for busy CI.
    assert time.monotonic() - start < 8
    expected = _pair_line('pair.env', 3, KEY, SECRET, 2, 'unverified: timeout')
    assert capsysbinary.readouterr().out == expected.encode()


def test_main_verify_without_botocore_is_a_usage_error(files):
    # No site-packages: the standard library and this source tree, as without the extra.
    result = subprocess.run(
        [sys.executable, '-S', '-m', 'aws_key_guard', '--verify', 'pair.env'],
        capture_output=True,
        check=False,
        env={**os.environ, 'PYTHONPATH': str(SRC)},
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        b'',
        b'aws-key-guard: error: --verify needs botocore (botocore is missing): '
        b"pip install 'aws-key-guard[verify]'\n",
    )


def test_main_verify_error_in_process(files, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'botocore.session', None)  # Python's "cannot import" mark
    assert main(['--verify', 'pair.env']) == 2
    assert capsys.readouterr() == (
        '',
        'aws-key-guard: error: --verify needs botocore (botocore.session is missing): '
        "pip install 'aws-key-guard[verify]'\n",
    )


def test_main_default_path_never_imports_botocore(files):
    code = (
        'import sys; from aws_key_guard._main import main; rc = main(["pair.env"]); '
        'print(rc, "botocore" in sys.modules, "aws_key_guard.verify" in sys.modules)'
    )
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == '1 False False'


# git intake through the command line, in real repositories.


def _pair(seed: int) -> tuple[str, bytes]:
    """A config file's text holding a fresh pair, and the finding it gives at line 2."""
    key, secret = make_key_id(seed), make_secret(seed)
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    text = f'AWS_ACCESS_KEY_ID={key}\nAWS_SECRET_ACCESS_KEY={secret}\n'
    finding = (
        f':2:23: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID AKIA...{key[-4:]} at line 1'
    )
    return text, finding.encode()


PAIR_TEXT, PAIR_FINDING = _pair(11)


def _head() -> str:
    return git('rev-parse', 'HEAD').strip()


def test_staged_pair_removed_from_the_working_tree_blocks(git_repo, capsysbinary):
    (git_repo / 'app.env').write_text(PAIR_TEXT)
    git('add', 'app.env')
    (git_repo / 'app.env').unlink()
    assert main(['app.env']) == 2  # the disk no longer has it...
    capsysbinary.readouterr()
    for argv in (['--staged'], ['--staged', 'app.env']):
        assert main(argv) == 1  # ...but the commit would
        assert capsysbinary.readouterr() == (b'app.env' + PAIR_FINDING + b'\n', ONE_BLOCKING)


def test_pair_only_in_an_unstaged_edit_passes_staged(git_repo, capsysbinary):
    (git_repo / 'app.env').write_text('region = eu-west-1\n')
    git('add', 'app.env')
    git('commit', '-q', '-m', 'config')
    (git_repo / 'app.env').write_text(PAIR_TEXT)
    assert main(['app.env']) == 1
    capsysbinary.readouterr()
    assert main(['--staged', 'app.env']) == 0
    assert main(['--staged']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_staged_first_commit_rename_binary_and_symlink(git_repo, capsysbinary):
    (git_repo / 'old.env').write_text(PAIR_TEXT)
    (git_repo / 'data.bin').write_bytes(b'\0\x01\xff' + PAIR_TEXT.encode() + b'\0')
    os.symlink(make_key_id(12), git_repo / 'link')  # the stored link path holds a key ID
    git('add', '.')
    assert main(['--staged']) == 1  # no HEAD yet
    lone = f'link:1:1: AKG003 AWS access key ID AKIA...{make_key_id(12)[-4:]} with no secret\n'
    assert capsysbinary.readouterr().out == (
        b'data.bin:2:23'
        + PAIR_FINDING[5:]
        + b'\n'
        + lone.encode()
        + b'old.env'
        + PAIR_FINDING
        + b'\n'
    )
    git('commit', '-q', '--no-verify', '-m', 'one')
    git('mv', 'old.env', 'new.env')
    assert main(['--staged']) == 1
    assert capsysbinary.readouterr().out == b'new.env' + PAIR_FINDING + b'\n'


def test_staged_symlink_is_never_followed(git_repo, tmp_path, capsysbinary):
    (tmp_path / 'outside.env').write_text(PAIR_TEXT)
    os.symlink(tmp_path / 'outside.env', git_repo / 'link')
    git('add', 'link')
    assert main(['--staged']) == 0
    assert main(['--staged', 'link']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_staged_skips_submodules_and_says_so_once(git_repo, tmp_path, capsysbinary):
    sub = tmp_path / 'sub'
    sub.mkdir()
    git('init', '-q', cwd=sub)
    (sub / 'app.env').write_text(PAIR_TEXT)
    git('add', '.', cwd=sub)
    git('commit', '-q', '--no-verify', '-m', 'sub', cwd=sub)
    for name in ('lib/one', 'lib/two'):
        git('-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', sub, name)
    assert main(['--staged']) == 0
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: note: submodules are not scanned here: lib/one, lib/two\n',
    )


def test_staged_empty_index_passes_without_reading_anything(git_repo, capsysbinary):
    (git_repo / 'app.env').write_text(PAIR_TEXT)  # untracked: not in the commit
    assert main(['--staged']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_staged_file_outside_the_index_is_read_from_disk(git_repo, capsysbinary):
    # pre-commit's commit-msg stage passes .git/COMMIT_EDITMSG.
    (git_repo / '.git/COMMIT_EDITMSG').write_text(PAIR_TEXT)
    assert main(['--staged', '.git/COMMIT_EDITMSG']) == 1
    assert capsysbinary.readouterr().out == b'.git/COMMIT_EDITMSG' + PAIR_FINDING + b'\n'


def test_staged_outside_a_repository_is_an_error(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('GIT_CEILING_DIRECTORIES', str(tmp_path.parent))
    assert main(['--staged']) == 2
    assert capsysbinary.readouterr() == (
        b'',
        b'aws-key-guard: error: git rev-parse: fatal: not a git repository '
        b'(or any of the parent directories): .git\n',
    )


def _no_verify_commit(git_repo: Path) -> tuple[str, str]:
    """A clean base, then a commit of a pair made with --no-verify, then its removal."""
    (git_repo / 'README').write_text('hello\n')
    git('add', '.')
    git('commit', '-q', '-m', 'base')
    base = _head()
    (git_repo / 'app.env').write_text(PAIR_TEXT)
    git('add', '.')
    git('commit', '-q', '--no-verify', '-m', 'oops')
    leak = _head()
    git('rm', '-q', 'app.env')
    git('commit', '-q', '-m', 'remove the key')
    return base, leak


def test_push_range_blocks_a_no_verify_commit(git_repo, capsysbinary):
    base, leak = _no_verify_commit(git_repo)
    expected = b'app.env' + PAIR_FINDING + f' in commit {leak[:12]}\n'.encode()
    assert main(['--from-ref', base, '--to-ref', 'HEAD']) == 1
    assert capsysbinary.readouterr() == (expected, ONE_BLOCKING)
    assert main(['--from-ref', '0' * 40, '--to-ref', 'HEAD']) == 1
    assert capsysbinary.readouterr() == (expected, ONE_BLOCKING)
    assert main(['--from-ref', leak, '--to-ref', 'HEAD']) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_push_range_from_pre_commit_environment(git_repo, monkeypatch, capsysbinary):
    base, leak = _no_verify_commit(git_repo)
    monkeypatch.setenv('PRE_COMMIT_FROM_REF', base)
    monkeypatch.setenv('PRE_COMMIT_TO_REF', _head())
    # Shared args may say --staged; at push time the range wins.
    assert main(['--staged', 'README']) == 1
    assert capsysbinary.readouterr() == (
        b'app.env' + PAIR_FINDING + f' in commit {leak[:12]}\n'.encode(),
        ONE_BLOCKING,
    )


def test_history_names_the_commit_that_added_a_deleted_key(git_repo, capsysbinary):
    _, leak = _no_verify_commit(git_repo)
    assert main(['--history']) == 1
    out, err = capsysbinary.readouterr()
    assert out == b'app.env' + PAIR_FINDING + f' in commit {leak[:12]}\n'.encode()
    assert err == ONE_BLOCKING  # stderr is not a terminal: no progress
    assert main(['--history=--all']) == 1
    assert main([f'--history={leak}..HEAD']) == 0


def test_history_unknown_revision_is_an_error(git_repo, capsysbinary):
    (git_repo / 'README').write_text('hello\n')
    git('add', '.')
    git('commit', '-q', '-m', 'base')
    assert main(['--history', 'no-such-branch']) == 2
    out, err = capsysbinary.readouterr()
    assert out == b''
    assert err.startswith(b'aws-key-guard: error: git log: ')


@pytest.mark.parametrize(
    ('argv', 'message'),
    [
        (['--from-ref', 'HEAD'], '--from-ref and --to-ref go together'),
        (['--to-ref', 'HEAD'], '--from-ref and --to-ref go together'),
        (['--from-ref=--output=x', '--to-ref', 'HEAD'], 'a revision cannot start with "-"'),
        (['--history=--output=x'], 'a revision cannot start with "-"'),
        (['--history=HEAD', 'f'], '--history takes no FILE'),
    ],
)
def test_git_intake_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f'aws-key-guard: error: {message}'


def test_history_shows_progress_on_a_terminal(git_repo, monkeypatch, capsysbinary, terminal):
    import re

    _no_verify_commit(git_repo)
    stream, shown = terminal
    monkeypatch.setattr(sys, 'stderr', stream)
    assert main(['--history']) == 1
    # README and app.env, two blobs of 6 and 80 bytes, and three commits' messages.
    steps = ONE_BLOCKING.replace(b'\n', b'\r\n')  # the terminal's line endings
    progress = rb'\raws-key-guard: 5 files, 0.0 MB, [0-9.]+ MB/s\r\n'
    assert re.fullmatch(progress + re.escape(steps), shown())


def test_exclude_type_with_staged_blobs(git_repo, capsysbinary):
    (git_repo / 'app.env').write_text(PAIR_TEXT)
    (git_repo / 'data.bin').write_bytes(b'\0' + PAIR_TEXT.encode())
    os.symlink(make_key_id(12), git_repo / 'link')
    git('add', '.')
    assert main(['--staged', '--exclude-type', 'binary', '--exclude-type', 'symlink']) == 1
    assert capsysbinary.readouterr().out == b'app.env' + PAIR_FINDING + b'\n'
    (git_repo / 'msg').write_bytes(b'\0' + PAIR_TEXT.encode())  # not in the index: from disk
    assert main(['--staged', '--exclude-type=binary', 'data.bin', 'msg']) == 0
    assert main(['--staged', '--exclude-type=text', 'msg']) == 1
    assert capsysbinary.readouterr().out == b'msg:2:23' + PAIR_FINDING[5:] + b'\n'


def test_exclude_type_with_files_on_disk(files, capsysbinary):
    assert main(['--exclude-type=text', 'pair.env', 'lone.txt']) == 0
    assert main(['--exclude-type=binary', 'missing.txt']) == 2
    assert capsysbinary.readouterr().out == (
        b'missing.txt:1:1: AKG900 cannot scan file: No such file or directory\n'
    )


def test_exclude_type_must_be_a_known_tag(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(['--exclude-type=binary', '--exclude-type=nonsense', '--exclude-type=nope'])
    assert excinfo.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        'aws-key-guard: error: unknown type tag: nonsense, nope'
    )


def test_history_verify_asks_about_pairs_found_in_commits(sts, git_repo, capsysbinary):
    (git_repo / 'leak.env').write_text(
        f'AWS_ACCESS_KEY_ID={sts.key_id}\nAWS_SECRET_ACCESS_KEY={sts.secret}\n'
    )
    git('add', '.')
    git('commit', '-q', '--no-verify', '-m', 'leak')
    assert main(['--history', '--verify']) == 1
    line = _pair_line('leak.env', 2, sts.key_id, sts.secret, 1).rstrip('\n')
    line += f' in commit {_head()[:12]} [live: {sts.arn}]\n'
    assert capsysbinary.readouterr().out == line.encode()
    assert sts.actions() == ['GetCallerIdentity']


# Allowing known values: markers, baseline, configuration, --list-allowed.

KEY2 = make_key_id(2)
SECRET2 = make_secret(2)
KEY3 = make_key_id(3)
SECRET3 = make_secret(3)
BASELINE = '.aws-key-guard-baseline.json'


def _fp(value: str) -> str:
    return 'sha256:' + hashlib.sha256(value.encode()).hexdigest()[:12]


def _pair_found(name: str, line: int, col: int, secret: str, key: str, key_line: int) -> str:
    return (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [{_fp(secret)}] '
        f'with access key ID AKIA...{key[-4:]} at line {key_line}'
    )


def _lone(name: str, line: int, col: int, key: str) -> str:
    return f'{name}:{line}:{col}: AKG003 AWS access key ID AKIA...{key[-4:]} with no secret'


def _run(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, list[str], str]:
    """Exit code, stdout lines, and stderr without a blocking report's closing next steps."""
    import re

    rc = main(list(argv))
    out, err = capsysbinary.readouterr()
    first, rest = next_steps('{count}').decode().split('{count}')
    text = err.decode()
    if text.endswith(rest):
        start = text.rindex(first, 0, len(text) - len(rest))
        count = text[start + len(first) : len(text) - len(rest)]
        assert re.fullmatch(r'\d+ blocking findings? in \d+ files?', count)
        text = text[:start]
    return rc, out.decode().splitlines(), text


FIXTURE = f"""\
# aws-key-guard: allow-next-line test fixture
FIXTURE_KEY_ID = '{KEY}'
FIXTURE_SECRET = '{SECRET}'  # aws-key-guard: allow test fixture
"""


def test_main_marked_fixture_passes(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'fixture.py').write_text(FIXTURE)
    assert _run(capsysbinary, 'fixture.py') == (0, [], '')
    assert _run(capsysbinary, '--list-allowed', 'fixture.py') == (
        0,
        [
            f'fixture.py:3:19: allowed AKG001 AWS access key pair: secret [{_fp(SECRET)}] with '
            f'access key ID AKIA...{KEY[-4:]} at line 2 (marker '
            "'aws-key-guard: allow' on line 3: test fixture; marker "
            "'aws-key-guard: allow-next-line' on line 1: test fixture)"
        ],
        '',
    )


@pytest.mark.parametrize(
    ('added', 'expected'),
    [
        pytest.param(
            f"REAL_KEY_ID = '{KEY2}'\nREAL_SECRET = '{SECRET2}'\n",
            [_pair_found('fixture.py', 5, 16, SECRET2, KEY2, 4)],
            id='unmarked-pair-on-other-lines',
        ),
        # A bare secret pairs with the marked fixture key ID: the pair blocks
        # because the marker does not cover the secret's line.
        pytest.param(
            f"OTHER = '{SECRET2}'\n",
            [_pair_found('fixture.py', 4, 10, SECRET2, KEY, 2)],
            id='secret',
        ),
        pytest.param(
            f"aws_secret_access_key = '{SECRET2}'\n",
            [_pair_found('fixture.py', 4, 26, SECRET2, KEY, 2)],
            id='context-secret',
        ),
    ],
)
def test_main_unmarked_key_beside_a_marked_fixture_blocks(
    tmp_path, monkeypatch, capsysbinary, added, expected
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'fixture.py').write_text(FIXTURE + added)
    assert _run(capsysbinary, 'fixture.py') == (1, expected, '')


def test_main_marker_on_a_line_with_two_credentials_covers_neither(
    tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)
    line = f'{{"id": "{KEY}", "secret": "{SECRET}", "new": "{SECRET2}"}}'
    (tmp_path / 'one.json').write_text(f'{line}  // aws-key-guard: allow\n')
    assert _run(capsysbinary, 'one.json') == (
        1,
        [
            _pair_found('one.json', 1, line.index(SECRET) + 1, SECRET, KEY, 1),
            _pair_found('one.json', 1, line.index(SECRET2) + 1, SECRET2, KEY, 1),
        ],
        '',
    )
    # Naming the fixture's fingerprints allows exactly those two values.
    marker = f'aws-key-guard: allow {_fp(KEY)} {_fp(SECRET)} fixture'
    (tmp_path / 'one.json').write_text(f'{line}  // {marker}\n')
    new = _pair_found('one.json', 1, line.index(SECRET2) + 1, SECRET2, KEY, 1)
    assert _run(capsysbinary, 'one.json') == (1, [new], '')


@pytest.mark.parametrize('option', ['--no-foreign-markers', None])
def test_main_foreign_markers(tmp_path, monkeypatch, capsysbinary, option):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'a.env').write_text(
        f'ID={KEY}  # pragma: allowlist secret\nSECRET={SECRET}  # gitleaks:allow\n'
    )
    if option is None:
        (tmp_path / '.aws-key-guard.toml').write_text('foreign-markers = false\n')
        assert _run(capsysbinary, 'a.env') == (1, [_pair_found('a.env', 2, 8, SECRET, KEY, 1)], '')
        (tmp_path / '.aws-key-guard.toml').unlink()
        assert _run(capsysbinary, 'a.env') == (0, [], '')
    else:
        assert _run(capsysbinary, option, 'a.env') == (
            1,
            [_pair_found('a.env', 2, 8, SECRET, KEY, 1)],
            '',
        )


def _snapshot(root: Path) -> dict[Path, tuple[bytes, int]]:
    return {
        p.relative_to(root): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob('*'))
        if p.is_file() and '.git' not in p.parts
    }


@pytest.fixture
def legacy(git_repo):
    """A repository that already holds findings before it adopts the hook."""
    (git_repo / 'config').mkdir()
    (git_repo / 'config/app.env').write_text(f'ID={KEY}\nSECRET={SECRET}\n')
    (git_repo / 'notes.txt').write_text(f'old user: {KEY2}\n')
    (git_repo / 'legacy.py').write_text(f'aws_secret_access_key = "{SECRET3}"\n')
    git('add', '.')
    git('commit', '-q', '-m', 'history with keys')
    return git_repo


LEGACY_FILES = ('config/app.env', 'legacy.py', 'notes.txt')
LEGACY_FINDINGS = [
    _pair_found('config/app.env', 2, 8, SECRET, KEY, 1),
    f'legacy.py:1:26: AKG002 AWS secret access key [{_fp(SECRET3)}] with no access key ID',
    _lone('notes.txt', 1, 11, KEY2),
]


def test_main_baseline_adopts_a_repository_with_findings(legacy, capsysbinary):
    files = git('ls-files').split()
    assert files == list(LEGACY_FILES)
    assert _run(capsysbinary, '--block-lone-key-ids', *files) == (1, LEGACY_FINDINGS, '')

    assert _run(capsysbinary, '--write-baseline', BASELINE, *files) == (
        0,
        LEGACY_FINDINGS,
        f'aws-key-guard: wrote 3 entries to {BASELINE}\n',
    )
    written = (legacy / BASELINE).read_text()
    assert written == (
        '{\n  "version": 1,\n  "entries": [\n'
        f'    {{"path": "config/app.env", "code": "AKG001", "fingerprint": "{_fp(SECRET)}"}},\n'
        f'    {{"path": "legacy.py", "code": "AKG002", "fingerprint": "{_fp(SECRET3)}"}},\n'
        f'    {{"path": "notes.txt", "code": "AKG003", "fingerprint": "{_fp(KEY2)}"}}\n'
        '  ]\n}\n'
    )
    for value in (KEY, KEY2, SECRET, SECRET3):
        assert value not in written
        assert value[4:] not in written
        assert value[:-4] not in written

    before = _snapshot(legacy)
    assert _run(capsysbinary, '--block-lone-key-ids', *files) == (0, [], '')

    # Lines inserted above and below, and the key moved within its file.
    (legacy / 'config/app.env').write_text(
        f'# header\n\nREGION=eu-west-1\nSECRET={SECRET}\nNAME=app\nID={KEY}\n# footer\n'
    )
    (legacy / 'legacy.py').write_text(
        f'import os\n\n\nclass Old:\n    aws_secret_access_key = "{SECRET3}"\n\n\nprint(1)\n'
    )
    assert _run(capsysbinary, '--block-lone-key-ids', *files) == (0, [], '')

    # A new key still blocks, beside the baselined one.
    with open(legacy / 'config/app.env', 'a') as f:
        f.write(f'\n\n\n\nNEW_ID={KEY3}\nNEW_SECRET={SECRET2}\n')
    assert _run(capsysbinary, *files) == (
        1,
        [_pair_found('config/app.env', 13, 12, SECRET2, KEY3, 12)],
        '',
    )
    assert _run(capsysbinary, '--list-allowed', 'config/app.env', 'legacy.py') == (
        1,
        [
            f'config/app.env:4:8: allowed AKG001 AWS access key pair: secret [{_fp(SECRET)}] '
            f'with access key ID AKIA...{KEY[-4:]} at line 6 (baseline {BASELINE})',
            _pair_found('config/app.env', 13, 12, SECRET2, KEY3, 12),
            f'legacy.py:5:30: allowed AKG002 AWS secret access key [{_fp(SECRET3)}] '
            f'with no access key ID (baseline {BASELINE})',
        ],
        '',
    )
    # The hook path never writes: only the files edited above changed.
    after = _snapshot(legacy)
    assert {p for p in after if after[p] != before[p]} == {
        Path('config/app.env'),
        Path('legacy.py'),
    }
    assert after[Path(BASELINE)] == before[Path(BASELINE)]


def test_main_baseline_moved_to_another_file_blocks(legacy, capsysbinary):
    assert _run(capsysbinary, '--write-baseline', BASELINE, *LEGACY_FILES)[0] == 0
    (legacy / 'legacy.py').rename(legacy / 'moved.py')
    assert _run(capsysbinary, 'moved.py') == (
        1,
        [f'moved.py:1:26: AKG002 AWS secret access key [{_fp(SECRET3)}] with no access key ID'],
        '',
    )


def test_main_write_baseline_keeps_entries_of_files_not_scanned(legacy, capsysbinary):
    assert _run(capsysbinary, '--write-baseline', BASELINE, *LEGACY_FILES)[0] == 0
    (legacy / 'notes.txt').unlink()
    (legacy / 'legacy.py').write_text('clean\n')
    (legacy / 'new.env').write_text(f'ID={KEY3}\n')
    # In batches, as xargs would run it; the entry of a deleted file goes.
    assert _run(capsysbinary, '--write-baseline', BASELINE, 'legacy.py') == (
        0,
        [],
        f'aws-key-guard: wrote 1 entry to {BASELINE}\n',
    )
    assert _run(capsysbinary, '--write-baseline', BASELINE, 'new.env') == (
        0,
        [_lone('new.env', 1, 4, KEY3)],
        f'aws-key-guard: wrote 2 entries to {BASELINE}\n',
    )
    assert (legacy / BASELINE).read_text().splitlines()[3:5] == [
        f'    {{"path": "config/app.env", "code": "AKG001", "fingerprint": "{_fp(SECRET)}"}},',
        f'    {{"path": "new.env", "code": "AKG003", "fingerprint": "{_fp(KEY3)}"}}',
    ]


def test_main_write_baseline_refuses_when_a_file_cannot_be_scanned(legacy, capsysbinary):
    assert _run(capsysbinary, '--write-baseline', BASELINE, 'gone.txt', 'legacy.py') == (
        2,
        ['gone.txt:1:1: AKG900 cannot scan file: No such file or directory'],
        f'aws-key-guard: error: {BASELINE} not written: gone.txt could not be scanned\n',
    )
    assert not (legacy / BASELINE).exists()


def test_main_write_baseline_ignores_the_old_baseline_but_not_markers(legacy, capsysbinary):
    (legacy / 'legacy.py').write_text(f'aws_secret_access_key = "{SECRET3}"  # gitleaks:allow\n')
    assert _run(capsysbinary, '--write-baseline', 'b.json', *LEGACY_FILES)[0] == 0
    assert _run(
        capsysbinary, '--baseline', 'b.json', '--write-baseline', 'b.json', 'notes.txt'
    ) == (
        0,
        [_lone('notes.txt', 1, 11, KEY2)],
        'aws-key-guard: wrote 2 entries to b.json\n',
    )
    assert [line.split('"')[3] for line in (legacy / 'b.json').read_text().splitlines()[3:-2]] == [
        'config/app.env',
        'notes.txt',
    ]


@pytest.mark.parametrize(
    ('content', 'error'),
    [
        (None, 'cannot read baseline b.json: No such file or directory'),
        ('{"version": 1}', 'baseline b.json: expected an object with "version": 1 and "entries"'),
        ('', 'baseline b.json is not valid JSON: Expecting value: line 1 column 1 (char 0)'),
    ],
)
def test_main_bad_baseline_is_an_error(legacy, capsysbinary, content, error):
    if content is not None:
        (legacy / 'b.json').write_text(content)
    expected: tuple[int, list[str], str] = (2, [], f'aws-key-guard: error: {error}\n')
    assert _run(capsysbinary, '--baseline', 'b.json', *LEGACY_FILES) == expected
    (legacy / 'pyproject.toml').write_text('[tool.aws-key-guard]\nbaseline = "b.json"\n')
    assert _run(capsysbinary, *LEGACY_FILES) == expected
    if content is not None:
        # Rewriting it is refused too, rather than clobbering what it held.
        assert _run(capsysbinary, '--write-baseline', 'b.json', 'notes.txt') == expected
        # The default baseline is read when present, and checked the same way.
        (legacy / 'pyproject.toml').unlink()
        (legacy / 'b.json').rename(legacy / BASELINE)
        assert _run(capsysbinary, *LEGACY_FILES) == (2, [], expected[2].replace('b.json', BASELINE))


CONFIG_CASES = [
    pytest.param('', ['config/app.env', 'notes.txt'], 1, LEGACY_FINDINGS[::2], id='defaults'),
    pytest.param(
        'exclude = "^config/"',
        ['config/app.env', 'notes.txt'],
        0,
        LEGACY_FINDINGS[2:],
        id='exclude',
    ),
    pytest.param(
        'block-lone-key-ids = true',
        ['notes.txt'],
        1,
        LEGACY_FINDINGS[2:],
        id='block-lone-key-ids',
    ),
    pytest.param(
        f'allow-fingerprints = ["{_fp(SECRET)}", "{_fp(KEY2)}"]\nblock-lone-key-ids = true',
        ['config/app.env', 'notes.txt'],
        0,
        [],
        id='allow-fingerprints',
    ),
    pytest.param(
        'baseline = "audit/known.json"',
        ['config/app.env', 'notes.txt', 'legacy.py'],
        1,
        [LEGACY_FINDINGS[0]],
        id='baseline',
    ),
]


@pytest.mark.parametrize(('body', 'files', 'rc', 'lines'), CONFIG_CASES)
@pytest.mark.parametrize('where', ['pyproject.toml', '.aws-key-guard.toml'])
def test_main_config_keys(legacy, capsysbinary, where, body, files, rc, lines):
    (legacy / 'audit').mkdir()
    (legacy / 'audit/known.json').write_text(
        '{"version": 1, "entries": [\n'
        f'{{"path": "legacy.py", "code": "AKG002", "fingerprint": "{_fp(SECRET3)}"}},\n'
        f'{{"path": "notes.txt", "code": "AKG003", "fingerprint": "{_fp(KEY2)}"}}]}}\n'
    )
    header = '[tool.aws-key-guard]\n' if where == 'pyproject.toml' else ''
    (legacy / where).write_text(f'{header}{body}\n')
    assert _run(capsysbinary, *files) == (rc, lines, '')


def test_main_config_pair_window(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'far.txt').write_text(f'{KEY}\n' + 'x\n' * 5 + f'{SECRET}\n')
    assert _run(capsysbinary, 'far.txt') == (1, [_pair_found('far.txt', 7, 1, SECRET, KEY, 1)], '')
    (tmp_path / 'pyproject.toml').write_text('[tool.aws-key-guard]\npair-window = 5\n')
    assert _run(capsysbinary, 'far.txt') == (0, [_lone('far.txt', 1, 1, KEY)], '')
    (tmp_path / 'pyproject.toml').write_text('[tool.aws-key-guard]\npair-window = 6\n')
    assert _run(capsysbinary, 'far.txt') == (1, [_pair_found('far.txt', 7, 1, SECRET, KEY, 1)], '')


@pytest.mark.parametrize(
    ('pyproject', 'error'),
    [
        (
            '[tool.aws-key-guard]\npair-windw = 3\n',
            "unknown key 'pair-windw'; did you mean 'pair-window'?",
        ),
        (
            '[tool.aws-key-guard]\npair-window = "3"\n',
            'pair-window must be a whole number of lines, 0 or more',
        ),
        (
            '[tool.aws-key-guard]\nblock-lone-key-ids = "no"\n',
            'block-lone-key-ids must be true or false',
        ),
    ],
)
def test_main_bad_config_is_an_error(files, capsysbinary, pyproject, error):
    (files / 'pyproject.toml').write_text(pyproject)
    assert _run(capsysbinary, 'pair.env') == (
        2,
        [],
        f'aws-key-guard: error: pyproject.toml [tool.aws-key-guard]: {error}\n',
    )


DOC = 'built in: AWS documentation example'
DOC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'  # noqa: S105 -- AWS's doc example


def test_main_list_allowed_shows_built_in_examples(files, capsysbinary):
    assert _run(capsysbinary, '--list-allowed', 'docs.md', 'clean.py') == (
        0,
        [
            f'docs.md:1:1: allowed AWS access key ID AKIA...MPLE ({DOC})',
            f'docs.md:2:1: allowed AWS secret access key [{_fp(DOC_SECRET)}] ({DOC})',
        ],
        '',
    )


def test_main_git_intake_honours_markers_exclude_and_list_allowed(legacy, capsysbinary):
    (legacy / 'pyproject.toml').write_text('[tool.aws-key-guard]\nexclude = "^config/"\n')
    (legacy / 'fixture.py').write_text(FIXTURE)
    git('add', '.')
    # The staged fixture passes on its markers; config/ is excluded by path.
    assert _run(capsysbinary, '--staged', 'fixture.py', 'config/app.env') == (0, [], '')
    git('commit', '-q', '-m', 'fixture')
    rc, out, err = _run(capsysbinary, '--history', '--list-allowed')
    commit = _head()[:12]
    assert (rc, err) == (1, '')
    first = git('rev-parse', 'HEAD~1').strip()[:12]
    # Blobs come oldest commit first; config/ stays excluded.
    assert out == [
        f'{LEGACY_FINDINGS[1]} in commit {first}',
        f'{LEGACY_FINDINGS[2]} in commit {first}',
        f'fixture.py:3:19: allowed AKG001 AWS access key pair: secret [{_fp(SECRET)}] with '
        f'access key ID AKIA...{KEY[-4:]} at line 2 in commit {commit} (marker '
        "'aws-key-guard: allow' on line 3: test fixture; marker "
        "'aws-key-guard: allow-next-line' on line 1: test fixture)",
    ]


def test_main_write_baseline_skips_excluded_files(legacy, capsysbinary):
    (legacy / '.aws-key-guard.toml').write_text('exclude = "^notes"\n')
    assert _run(capsysbinary, '--write-baseline', BASELINE, *LEGACY_FILES) == (
        0,
        LEGACY_FINDINGS[:2],
        f'aws-key-guard: wrote 2 entries to {BASELINE}\n',
    )
    assert '"notes.txt"' not in (legacy / BASELINE).read_text()


@pytest.mark.parametrize(
    ('argv', 'message'),
    [
        (['--write-baseline', 'b.json', '--staged'], '--write-baseline reads FILEs from disk'),
        (['--write-baseline', 'b.json', '--history'], '--write-baseline reads FILEs from disk'),
        (['--list-allowed', '--format', 'json', 'f'], '--list-allowed prints text'),
    ],
)
def test_main_allow_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err


def test_main_reports_layers_and_session_tokens_at_their_place(tmp_path, monkeypatch, capsysbinary):
    import base64

    token = 'FwoGZXIvYXdzE' + (SECRET * 4).replace('/', 'Q')
    manifest = (
        'apiVersion: v1\nkind: Secret\ndata:\n'
        f'  AWS_ACCESS_KEY_ID: {base64.b64encode(KEY.encode()).decode()}\n'
        f'  AWS_SECRET_ACCESS_KEY: {base64.b64encode(SECRET.encode()).decode()}\n'
        f'  session: {base64.b64encode(f"aws_session_token={token}".encode()).decode()}\n'
    )
    (tmp_path / 'secret.yaml').write_text(manifest)
    (tmp_path / 'creds.txt').write_bytes(
        f'[default]\r\naws_access_key_id = {KEY}\r\naws_secret_access_key = {SECRET}\r\n'.encode(
            'utf-16'
        )
    )
    monkeypatch.chdir(tmp_path)
    assert main(['secret.yaml', 'creds.txt']) == 1
    token_fp = 'sha256:' + hashlib.sha256(token.encode()).hexdigest()[:12]
    assert capsysbinary.readouterr().out.decode().splitlines() == [
        f'secret.yaml:5:26: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID {MASK} at line 4',
        f'secret.yaml:6:36: AKG004 AWS session token [{token_fp}]',
        f'creds.txt:3:25: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID {MASK} at line 2',
    ]


def test_main_filename_starting_with_a_dash_goes_through_the_parser(files, capsysbinary):
    (files / '-odd.env').write_text(f'id={KEY}\nkey={SECRET}\n')
    assert main(['--', '-odd.env']) == 1
    assert (
        capsysbinary.readouterr().out
        == (
            f'-odd.env:2:5: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 1\n'
        ).encode()
    )


def _fresh(code: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of code run by a fresh interpreter here."""
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=False
    )
    return result.returncode, result.stdout, result.stderr


def test_main_clean_file_imports_nothing_heavy(files):
    # A clean commit must cost little more than Python's start-up: none of
    # these may be imported on its path (DESIGN.md, Performance).
    code = (
        'import sys; before = set(sys.modules)\n'
        'from aws_key_guard._main import main\n'
        'assert main(["clean.py"]) == 0\n'
        'heavy = {"re", "argparse", "enum", "typing", "json", "hashlib", "subprocess",\n'
        '    "aws_key_guard.marker"}\n'  # markers are looked for once a file shows a token
        'print(sorted(heavy & (set(sys.modules) - before)))\n'
    )
    assert _fresh(code) == (0, '[]\n', '')


# What only other modes and formats need: a blocked everyday commit, which the
# user waits on to read, must not pay for any of it (DESIGN.md, Performance).
NOT_FOR_A_BLOCKED_COMMIT = (
    '_hashlib',  # OpenSSL, loaded by hashlib
    'argparse',
    'hashlib',
    'json',
    'shutil',
    'subprocess',
    'tomllib',
    'typing',
    'aws_key_guard.baseline',
    'aws_key_guard.cli',
    'aws_key_guard.config',
    'aws_key_guard.formats',
    'aws_key_guard.git',
    'aws_key_guard.intake',
    'aws_key_guard.progress',
    'aws_key_guard.tree',
    'aws_key_guard.verify',
)
# Nor `re`, `enum` or `collections`: AWS words are found without a pattern,
# and the records and the report cost none of them.
NOT_FOR_A_PLAIN_BLOCKED_COMMIT = (*NOT_FOR_A_BLOCKED_COMMIT, 'collections', 'enum', 're')


def _imports_of(files: list[str], heavy: tuple[str, ...]) -> tuple[int, str, str]:
    code = (
        'import sys\n'
        'from aws_key_guard._main import main\n'
        f'rc = main({files})\n'
        f'print(rc, sorted(set({heavy}) & set(sys.modules)))\n'
    )
    return _fresh(code)


def test_main_blocked_commit_imports_only_what_its_report_needs(files):
    lone = f'lone.txt:1:11: AKG003 AWS access key ID {MASK} with no secret\n'
    pair = f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
    pair += f'with access key ID {MASK} at line 2\n'
    assert _imports_of(
        ['clean.py', 'pair.env', 'lone.txt', 'docs.md'], NOT_FOR_A_PLAIN_BLOCKED_COMMIT
    ) == (0, f'{pair}{lone}1 []\n', ONE_BLOCKING.decode())


def test_main_blocked_commit_with_no_aws_words_imports_no_pattern_nor_enum(files):
    (files / 'plain.txt').write_text(f'deploy id {KEY}\nand its key {SECRET}\n')
    pair = f'plain.txt:2:13: AKG001 AWS access key pair: secret [{FP}] '
    pair += f'with access key ID {MASK} at line 1\n'
    assert _imports_of(['clean.py', 'plain.txt'], NOT_FOR_A_PLAIN_BLOCKED_COMMIT) == (
        0,
        f'{pair}1 []\n',
        ONE_BLOCKING.decode(),
    )


def test_main_blocked_commit_with_an_escaped_secret_imports_no_pattern_nor_enum(files):
    # JSON writers that escape '/' (PHP's json_encode) write `\/` in about
    # half of all secrets: escapes are parsed without `re`.
    slashed = SECRET[:20] + '/' + SECRET[21:]
    escaped = slashed.replace('/', '\\/')
    text = f'{{"id": "{KEY}", "secret": "{escaped}"}}\n'
    (files / 'creds.json').write_text(text)
    fp = 'sha256:' + hashlib.sha256(slashed.encode()).hexdigest()[:12]
    pair = f'creds.json:1:{text.index(escaped) + 1}: AKG001 AWS access key pair: '
    pair += f'secret [{fp}] with access key ID {MASK} at line 1\n'
    assert _imports_of(['clean.py', 'creds.json'], NOT_FOR_A_PLAIN_BLOCKED_COMMIT) == (
        0,
        f'{pair}1 []\n',
        ONE_BLOCKING.decode(),
    )


@pytest.mark.parametrize(('count', 'handed_on'), [(1, False), (1_000, False)])
def test_main_loose_secrets_are_judged_without_the_full_cli(files, count, handed_on):
    # Secret-shaped tokens with no AWS context and no key ID are no finding:
    # a file of test vectors stays on the light path, however many it holds.
    (files / 'vectors.txt').write_text(''.join(f'{make_secret(i)}\n' for i in range(count)))
    code = (
        'import sys\n'
        'from aws_key_guard._main import main\n'
        'assert main(["clean.py", "vectors.txt"]) == 0\n'
        'print("argparse" in sys.modules)\n'
    )
    assert _fresh(code) == (0, f'{handed_on}\n', '')


def test_main_reads_sys_argv(files, monkeypatch, capsysbinary):
    monkeypatch.setattr(sys, 'argv', ['aws-key-guard', 'clean.py', 'lone.txt'])
    assert main() == 0
    assert capsysbinary.readouterr().out == (
        f'lone.txt:1:11: AKG003 AWS access key ID {MASK} with no secret\n'.encode()
    )


@pytest.mark.parametrize(
    ('name', 'make'),
    [
        pytest.param('.aws-key-guard.toml', 'write', id='own-file'),
        pytest.param('.aws-key-guard-baseline.json', 'write', id='baseline'),
        pytest.param('pyproject.toml', 'table', id='pyproject-table'),
        pytest.param('pyproject.toml', 'mkdir', id='pyproject-unreadable'),
    ],
)
def test_main_clean_files_still_fail_closed_on_a_broken_configuration(files, capsys, name, make):
    # A clean commit skips the full CLI only when no configuration could apply.
    path = files / name
    if make == 'mkdir':
        path.mkdir()
    else:
        path.write_text('[tool.aws-key-guard]\nnot toml\n' if make == 'table' else '{')
    assert main(['clean.py']) == 2
    assert capsys.readouterr().err.startswith('aws-key-guard: error: ')


def test_main_clean_files_with_a_pyproject_of_other_tools(files, capsys):
    (files / 'pyproject.toml').write_text('[tool.ruff]\nline-length = 100\n')
    assert main(['clean.py']) == 0
    assert capsys.readouterr() == ('', '')


def test_main_push_refs_in_the_environment_go_to_the_full_cli(files, monkeypatch, capsys):
    monkeypatch.setenv('PRE_COMMIT_FROM_REF', '-x')
    with pytest.raises(SystemExit) as exit_info:
        main(['clean.py'])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.endswith('error: a revision cannot start with "-"\n')


def _numbered_pair_line(
    name: str, line: int, col: int, key: str, secret: str, key_line: int
) -> bytes:
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    return (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID AKIA...{key[-4:]} at line {key_line}\n'
    ).encode()


def test_main_caps_findings_shown_and_says_how_many_were_not(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    pairs = [(make_key_id(i), make_secret(i)) for i in range(MAX_SHOWN + 500)]
    (tmp_path / 'many.env').write_text(''.join(f'{k} {s}\n' for k, s in pairs))
    assert main(['many.env']) == 1
    out, err = capsysbinary.readouterr()
    assert out == b''.join(
        _numbered_pair_line('many.env', i, 22, k, s, i)
        for i, (k, s) in enumerate(pairs[:MAX_SHOWN], 1)
    )
    assert err == (
        b'aws-key-guard: many.env: 500 more findings not shown (at most 1000 per file)\n'
        + next_steps('1500 blocking findings in 1 file')
    )


def test_main_stops_past_the_candidate_cap_and_fails_closed(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    # Lone key IDs alone only warn, but a pair past the cap is never looked at,
    # so the file must not pass.
    # Key IDs that read as words are never reported alone: leave them out.
    keys = (make_key_id(i) for i in range(2 * MAX_CANDIDATES))
    lines = [k for k in keys if not looks_like_words(k.encode())][: MAX_CANDIDATES + 1]
    lines.append(f'{KEY} {SECRET}')
    (tmp_path / 'flood.txt').write_text('\n'.join(lines) + '\n')
    assert main(['flood.txt']) == 2
    out, err = capsysbinary.readouterr()
    assert out.splitlines() == [
        f'flood.txt:{i}:1: AKG003 AWS access key ID AKIA...{k[-4:]} with no secret'.encode()
        for i, k in enumerate(lines[:MAX_SHOWN], 1)
    ] + [
        b'flood.txt:10001:1: AKG900 cannot scan file: '
        b'more than 10000 key-shaped tokens, not scanned past here'
    ]
    assert (
        err == b'aws-key-guard: flood.txt: 9000 more findings not shown (at most 1000 per file)\n'
    )


def test_main_internal_error_fails_closed_with_one_line(files, monkeypatch, capsysbinary):
    real = scan.scan_chunks

    def scan_chunks(chunks, **options):
        found = real(chunks, **options)
        if len(found) == 1:
            raise ZeroDivisionError('would quote file bytes')
        return found

    monkeypatch.setattr(pipeline, 'scan_chunks', scan_chunks)
    where = f'main_test.py:{scan_chunks.__code__.co_firstlineno + 3}'
    assert main(['pair.env', 'lone.txt', 'clean.py']) == 2
    out, err = capsysbinary.readouterr()
    assert (
        out
        == (
            f'pair.env:3:23: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID {MASK} at line 2\n'
        ).encode()
    )
    assert (
        err
        == f'aws-key-guard: error: lone.txt: internal error ZeroDivisionError at {where}\n'.encode()
        + ONE_BLOCKING
    )


@pytest.mark.parametrize('name', ['--version', '--help', '-x', '--block-lone-key-ids', '-'])
def test_main_file_named_like_an_option_is_scanned(files, capsysbinary, name):
    (files / name).write_text(f'{KEY}\n')
    # As pre-commit calls it: the names follow the hook's args, with no `--`.
    assert main(['clean.py', name, 'lone.txt']) == 0
    out, err = capsysbinary.readouterr()
    assert (
        out
        == (
            f'{name}:1:1: AKG003 AWS access key ID {MASK} with no secret\n'
            f'lone.txt:1:11: AKG003 AWS access key ID {MASK} with no secret\n'
        ).encode()
    )
    assert err == b''


def test_main_option_is_an_option_when_no_such_file(files, capsysbinary):
    assert main(['--block-lone-key-ids', 'lone.txt']) == 1
    out, _ = capsysbinary.readouterr()
    assert out == f'lone.txt:1:11: AKG003 AWS access key ID {MASK} with no secret\n'.encode()
    assert main(['--', '--block-lone-key-ids']) == 2
    out, _ = capsysbinary.readouterr()
    assert out == b'--block-lone-key-ids:1:1: AKG900 cannot scan file: No such file or directory\n'


def test_main_refuses_abbreviated_options(files, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(['--block', 'lone.txt'])
    assert excinfo.value.code == 2


def test_main_caps_every_format(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    pairs = [f'{make_key_id(i)} {make_secret(i)}\n' for i in range(MAX_SHOWN + 1)]
    (tmp_path / 'many.env').write_text(''.join(pairs))
    assert main(['--format', 'json', 'many.env']) == 1
    out, err = capsysbinary.readouterr()
    assert len(json.loads(out)['findings']) == MAX_SHOWN
    assert err == b'aws-key-guard: many.env: 1 more findings not shown (at most 1000 per file)\n'


def test_main_internal_error_in_the_report_fails_closed(files, monkeypatch, capsysbinary):
    def finish(self):
        raise KeyError('would quote file bytes')

    monkeypatch.setattr(Report, 'finish', finish)
    where = f'main_test.py:{finish.__code__.co_firstlineno + 1}'
    assert main(['--format', 'json', 'clean.py']) == 2
    out, err = capsysbinary.readouterr()
    assert out == b''
    assert err == f'aws-key-guard: error: internal error KeyError at {where}\n'.encode()


def test_main_option_value_named_like_a_file_is_restored(files, capsysbinary):
    (files / '-x').write_text('')
    with pytest.raises(SystemExit) as excinfo:
        main(['--history', '-x'])
    assert excinfo.value.code == 2
    assert capsysbinary.readouterr().err.endswith(b'a revision cannot start with "-"\n')


def test_main_stops_past_the_marker_cap_and_fails_closed(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    line = b'x = 1  # aws-key-guard: allow\n'
    # More markers than the cap, then two reads' worth: the key is in a read
    # that never happens.
    markers = line * (MAX_CANDIDATES + 2 * CHUNK_SIZE // len(line))
    (tmp_path / 'markers.py').write_bytes(markers + f'{KEY} {SECRET}\n'.encode())
    assert main(['markers.py']) == 2
    out, err = capsysbinary.readouterr()
    offset = len(line) * MAX_CANDIDATES
    assert out == (
        b'markers.py:1:1: AKG900 cannot scan file: more than 10000 allow markers, '
        b'not scanned past byte %d\n' % offset
    )
    assert err == b''


def test_main_interrupt_anywhere_is_one_line(monkeypatch, capsys):
    from aws_key_guard import _main

    def interrupted(argv: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(_main, '_run', interrupted)
    assert main(['clean.py']) == 130
    assert capsys.readouterr() == ('', 'aws-key-guard: error: interrupted\n')
