"""The CLI pairs keys in reading order on real files: whole outputs, in-process."""

from __future__ import annotations

import hashlib

import pytest

from aws_key_guard._main import main
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

K = [make_key_id(20 + i) for i in range(3)]
S = [make_secret(20 + i) for i in range(3)]


def _pair(name: str, line: int, col: int, s: int, k: int, key_line: int) -> str:
    fp = 'sha256:' + hashlib.sha256(S[s].encode()).hexdigest()[:12]
    return (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [{fp}] '
        f'with access key ID AKIA...{K[k][-4:]} at line {key_line}\n'
    )


def _lone(name: str, line: int, col: int, k: int) -> str:
    return f'{name}:{line}:{col}: AKG003 AWS access key ID AKIA...{K[k][-4:]} with no secret\n'


CASES = [
    pytest.param(
        'users.env',
        f'alice_id={K[0]}\n\nalice_secret={S[0]}\nbob_id={K[1]}\nbob_secret={S[1]}\n',
        _pair('users.env', 3, 14, 0, 0, 1) + _pair('users.env', 5, 12, 1, 1, 4),
        id='blank-line-between-an-id-and-its-secret',
    ),
    pytest.param(
        'credentials',
        f'[default]\naws_access_key_id = {K[0]}\naws_secret_access_key = {S[0]}\n\n'
        f'[ci]\naws_access_key_id = {K[1]}\n\n'
        f'[deploy]\naws_access_key_id = {K[2]}\naws_secret_access_key = {S[2]}\n',
        _pair('credentials', 3, 25, 0, 0, 2)
        + _lone('credentials', 6, 21, 1)
        + _pair('credentials', 10, 25, 2, 2, 9),
        id='credentials-profile-without-secret',
    ),
    pytest.param(
        'keys.json',
        '[\n'
        + ',\n'.join(
            f'  {{\n    "SecretAccessKey": "{S[i]}",\n    "AccessKeyId": "{K[i]}"\n  }}'
            for i in range(3)
        )
        + '\n]\n',
        _pair('keys.json', 3, 25, 0, 0, 4)
        + _pair('keys.json', 7, 25, 1, 1, 8)
        + _pair('keys.json', 11, 25, 2, 2, 12),
        id='json-array-secret-first',
    ),
    pytest.param(
        'keys.yaml',
        f'access_key_ids:\n- {K[0]}\n- {K[1]}\nsecret_access_keys:\n- {S[0]}\n- {S[1]}\n',
        _pair('keys.yaml', 5, 3, 0, 0, 2) + _pair('keys.yaml', 6, 3, 1, 1, 3),
        id='ids-then-secrets',
    ),
]


def _blocked(lines: str) -> bytes:
    # What stderr ends with: the count of blocking findings (AKG003 only warns).
    count = lines.count(' AKG001 ') + lines.count(' AKG002 ')
    return next_steps(f'{count} blocking finding{"s" if count != 1 else ""} in 1 file')


@pytest.mark.parametrize(('name', 'text', 'expected'), CASES)
def test_main_pairs_in_reading_order(tmp_path, monkeypatch, capsysbinary, name, text, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text)
    assert main([name]) == 1
    assert capsysbinary.readouterr() == (expected.encode(), _blocked(expected))


def test_main_pairs_in_reading_order_within_the_configured_window(
    tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.chdir(tmp_path)
    gap = '\n' * 9
    text = (
        f'id_a={K[0]}\n{gap}AWS_SECRET_ACCESS_KEY={S[0]}\n{gap}{gap}'
        f'id_b={K[1]}\n{gap}AWS_SECRET_ACCESS_KEY={S[1]}\n'
    )
    (tmp_path / 'far.env').write_text(text)
    (tmp_path / 'pyproject.toml').write_text('[tool.aws-key-guard]\npair-window = 10\n')
    assert main(['far.env']) == 1
    expected = _pair('far.env', 11, 23, 0, 0, 1) + _pair('far.env', 40, 23, 1, 1, 30)
    assert capsysbinary.readouterr() == (expected.encode(), _blocked(expected))
    (tmp_path / 'pyproject.toml').write_text('[tool.aws-key-guard]\npair-window = 9\n')
    assert main(['far.env']) == 1
    fps = ['sha256:' + hashlib.sha256(s.encode()).hexdigest()[:12] for s in S[:2]]
    expected = (
        _lone('far.env', 1, 6, 0)
        + f'far.env:11:23: AKG002 AWS secret access key [{fps[0]}] with no access key ID\n'
        + _lone('far.env', 30, 6, 1)
        + f'far.env:40:23: AKG002 AWS secret access key [{fps[1]}] with no access key ID\n'
    )
    assert capsysbinary.readouterr() == (expected.encode(), _blocked(expected))
