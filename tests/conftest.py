"""Shared fixtures; fake keys are generated at run time, never committed."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from jsonschema import FormatChecker

BASE32 = string.ascii_uppercase + '234567'
BASE64 = string.ascii_letters + string.digits + '+/'
# shared/ sits beside the clone in CI; AKG_SHARED_DIR points elsewhere for local runs.
SHARED = Path(os.environ.get('AKG_SHARED_DIR', Path(__file__).parents[2] / 'shared'))


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
    path = SHARED / 'schemas' / 'sarif-schema-2.1.0.json'
    if not path.is_file():
        pytest.fail(f'SARIF schema not found at {path}; set AKG_SHARED_DIR to the shared/ folder')
    checker = FormatChecker()
    # Without rfc3986-validator the uri-reference format would pass unchecked.
    assert 'uri-reference' in checker.checkers
    schema = json.loads(path.read_text())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=checker)
