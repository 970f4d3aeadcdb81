"""Keys split into string literals placed next to each other, found by the command line."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from aws_key_guard import joined
from aws_key_guard import scan
from aws_key_guard._main import main
from aws_key_guard.window import CHUNK_SIZE
from tests.conftest import make_key_id
from tests.conftest import make_secret

K, S = make_key_id(31), make_secret(31)
FP = 'sha256:' + hashlib.sha256(S.encode()).hexdigest()[:12]
# Where each piece's text goes: {k0} {k1} the key ID's pieces, {s0} ... the secret's.
KEY_PIECES = {'k0': K[:9], 'k1': K[9:]}
SECRET_PIECES = {'s0': S[:17], 's1': S[17:31], 's2': S[31:]}
PIECES = KEY_PIECES | SECRET_PIECES

FORMS = [
    pytest.param(
        'app.py',
        'ACCESS_KEY = ("{k0}"\n              "{k1}")\nSECRET_KEY = ("{s0}"\n'
        '              "{s1}"\n              "{s2}")\n',
        id='python-implicit-parentheses',
    ),
    pytest.param(
        'app.py',
        "key_id = '{k0}' '{k1}'\nsecret = b'{s0}' rb\"{s1}\" '{s2}'\n",
        id='python-implicit-same-line',
    ),
    pytest.param(
        'app.py',
        'KEY = "{k0}" + "{k1}"\nSECRET = "{s0}" + \\\n    "{s1}" + "{s2}"\n',
        id='python-plus',
    ),
    pytest.param(
        'Creds.java',
        'class Creds {{\n    static final String ID = "{k0}" + "{k1}";\n'
        '    static final String SECRET = "{s0}" +\n            "{s1}" +\n'
        '            "{s2}";\n}}\n',
        id='java-plus',
    ),
    pytest.param(
        'Creds.kt',
        'object Creds {{\n    val keyId = "{k0}" +\n        "{k1}"\n'
        '    val secretKey = "{s0}" + "{s1}" +\n        "{s2}"\n}}\n',
        id='kotlin-plus',
    ),
    pytest.param(
        'Creds.cs',
        'var id = "{k0}" + "{k1}";\nvar secret = @"{s0}" + $"{s1}"\n    + "{s2}";\n',
        id='csharp-plus',
    ),
    pytest.param(
        'creds.js',
        "const accessKeyId = '{k0}' +\n  '{k1}';\n"
        "const secretAccessKey = '{s0}' + `{s1}` +\n  '{s2}';\n",
        id='javascript-plus',
    ),
    pytest.param(
        'creds.ts',
        'export const keyId: string = "{k0}" + "{k1}";\n'
        'export const secret: string =\n  "{s0}" +\n  "{s1}" +\n  "{s2}";\n',
        id='typescript-plus',
    ),
    pytest.param(
        'creds.go',
        'const keyID = "{k0}" +\n\t"{k1}"\nconst secret = "{s0}" +\n\t"{s1}" + "{s2}"\n',
        id='go-plus',
    ),
    pytest.param(
        'creds.php',
        "<?php\n$keyId = '{k0}' . '{k1}';\n$secret = '{s0}' .\n    '{s1}' . \"{s2}\";\n",
        id='php-dot',
    ),
    pytest.param(
        'creds.pl',
        'my $key_id = "{k0}"."{k1}";\nmy $secret = "{s0}" .\n  "{s1}" .\n  "{s2}";\n',
        id='perl-dot',
    ),
    pytest.param(
        'creds.lua',
        'local key_id = "{k0}" .. "{k1}"\nlocal secret = "{s0}" ..\n  "{s1}" .. "{s2}"\n',
        id='lua-dot-dot',
    ),
    pytest.param(
        'Creds.vb',
        'Dim keyId As String = "{k0}" & "{k1}"\nDim secret As String = "{s0}" & _\n'
        '    "{s1}" & _\n    "{s2}"\n',
        id='vb-ampersand',
    ),
    pytest.param(
        'env.sh',
        'export AWS_ACCESS_KEY_ID="{k0}""{k1}"\n'
        "export AWS_SECRET_ACCESS_KEY='{s0}'\"{s1}\"'{s2}'\n",
        id='shell-adjacent-quotes',
    ),
    pytest.param(
        'deploy.sh',
        'aws configure set aws_access_key_id "{k0}"\\\n"{k1}"\n'
        'aws configure set aws_secret_access_key "{s0}"\\\n"{s1}"\\\n"{s2}"\n',
        id='shell-line-continuation',
    ),
    pytest.param(
        'creds.c',
        'static const char *key_id = "{k0}"\n    "{k1}";\n'
        'static const char *secret = "{s0}"\n    "{s1}"\n    "{s2}";\n',
        id='c-adjacent',
    ),
    pytest.param(
        'creds.h',
        '#define KEY_ID L"{k0}" L"{k1}"\n#define SECRET "{s0}" \\\n    "{s1}" \\\n    "{s2}"\n',
        id='c-macro-continuation',
    ),
    pytest.param(
        'creds.cpp',
        'const std::string key_id = "{k0}" "{k1}";\n'
        'const std::string secret = "{s0}" "{s1}" "{s2}";\n',
        id='cpp-adjacent',
    ),
    pytest.param(
        'values.yaml',
        'aws:\n  access_key_id: >-\n    {k0}\n    {k1}\n  secret_access_key: >\n'
        '    {s0}\n    {s1}\n    {s2}\n  region: eu-west-1\n',
        id='yaml-folded',
    ),
    pytest.param(
        'values.yaml',
        'access_key_id: |\n  {k0}\n  {k1}\nsecret_access_key: |-\n  {s0}\n  {s1}\n  {s2}\n',
        id='yaml-literal',
    ),
    pytest.param(
        'application.properties',
        'aws.accessKeyId={k0}\\\n    {k1}\naws.secretKey = {s0}\\\n\t{s1}\\\r\n  {s2}\n',
        id='properties-continued-lines',
    ),
    pytest.param(
        'Dockerfile',
        'ENV AWS_ACCESS_KEY_ID={k0}\\\n{k1} \\\n    AWS_SECRET_ACCESS_KEY={s0}\\\n{s1}\\\n{s2}\n',
        id='dockerfile-unquoted-continuation',
    ),
    pytest.param(
        'mail.eml',
        'Content-Transfer-Encoding: quoted-printable\n\naws_access_key_id=3D{k0}=\n{k1}\n'
        'aws_secret_access_key=3D{s0}=\r\n{s1}=\n{s2}\n',
        id='quoted-printable-soft-line-breaks',
    ),
]


def _where(text: str, piece: str) -> tuple[int, int]:
    """1-based line and column of the first character of piece in text."""
    at = text.index(piece)
    return text.count('\n', 0, at) + 1, at - text.rfind('\n', 0, at)


def _pair_line(name: str, text: str) -> bytes:
    line, col = _where(text, SECRET_PIECES['s0'])
    key_line, _ = _where(text, KEY_PIECES['k0'])
    return (
        f'{name}:{line}:{col}: AKG001 AWS access key pair: secret [{FP}] '
        f'with access key ID AKIA...{K[-4:]} at line {key_line}\n'
    ).encode()


@pytest.mark.parametrize(('name', 'template'), FORMS)
def test_joined_pair_is_found_at_its_first_pieces(
    tmp_path, monkeypatch, capsysbinary, name, template
):
    monkeypatch.chdir(tmp_path)
    text = template.format(**PIECES)
    assert K not in text  # split for real
    assert S[:20] not in text
    assert S[20:] not in text
    (tmp_path / name).write_text(text)
    assert main([name]) == 1
    assert capsysbinary.readouterr().out == _pair_line(name, text)


def _lone_line(name: str, line: int, col: int) -> bytes:
    return (
        f'{name}:{line}:{col}: AKG003 AWS access key ID AKIA...{K[-4:]} with no secret\n'.encode()
    )


HEX = hashlib.sha1(b'one').hexdigest()  # noqa: S324 -- a hash as a value, not for security
HEX2 = hashlib.sha1(b'two').hexdigest()  # noqa: S324 -- a hash as a value, not for security
WORDS = ('ThisTitleIsLongAndIt', 'GoesOnForFortyLetter')

QUIET = [
    pytest.param(f'checksum = "{HEX[:20]}" "{HEX2[:20]}"\n', id='two-hashes'),
    pytest.param(
        f'checksum = "{HEX.upper()[:20]}" + "{HEX2.upper()[:20]}"\n', id='two-hashes-upper'
    ),
    pytest.param(f'title = "{WORDS[0].lower()}" "{WORDS[1].lower()}"\n', id='two-words'),
    pytest.param(f'secret = ("{S[:20]}", "{S[20:]}")\n', id='comma'),
    pytest.param(f'secret = "{S[:20]}" + f("{S[20:]}")\n', id='function-call'),
    pytest.param(f'secret = "{S[:20]}"; "{S[20:]}"\n', id='semicolon'),
    pytest.param(f'secret = "{S[:20]}" + x + "{S[20:]}"\n', id='variable-between'),
    pytest.param(f'secret = "{S[:20]}"  {" " * 64}"{S[20:]}"\n', id='gap-too-long'),
    pytest.param(
        'secret = ' + ' '.join(f'"{S[i : i + 2]}"' for i in range(0, 40, 2)) + '\n',
        id='more-pieces-than-the-cap',
    ),
    pytest.param(f'secret = "{"x" * 240}" "{S[:20]}" "{S[20:]}"\n', id='longer-than-the-cap'),
    pytest.param(f'secret = "{S[:20]}\n"{S[20:]}"\n', id='unclosed-literal'),
    pytest.param(f'secret = "{S[:20]}\\"" "{S[20:]}"\n', id='escaped-quote-inside'),
    pytest.param(f'secret: |\n  {S[:20]}\n\n  {S[20:]}\n', id='yaml-blank-line-between'),
    pytest.param(f'secret: |\n    {S[:20]}\n  {S[20:]}\n', id='yaml-indent-changes'),
    pytest.param(f'secret:\n  - |\n  {S[:20]}\n  {S[20:]}\n', id='yaml-not-indented-under-key'),
    pytest.param(f'secret: |x\n  {S[:20]}\n  {S[20:]}\n', id='yaml-not-a-header'),
    pytest.param(f'a = b | c\n  {S[:20]}\n  {S[20:]}\nsecret = 1\n', id='yaml-pipe-without-key'),
    pytest.param(
        'secret: |\n' + ''.join(f'  {S[i : i + 2]}\n' for i in range(0, 40, 2)),
        id='yaml-more-lines-than-the-cap',
    ),
    pytest.param(
        f'secret: |\n  {"y" * 240}\n  {S[:20]}\n  {S[20:]}\n', id='yaml-longer-than-the-cap'
    ),
    pytest.param(f'secret: |\n  {S[:20]}\n  {S[20:]}{"z" * 400}\n', id='yaml-line-too-long'),
    pytest.param(f'secret = {S[:20]} \\\n{S[20:]}\n', id='continuation-after-a-blank'),
    pytest.param(f'secret = {S[:20]}\\\n\n{S[20:]}\n', id='continuation-to-a-blank-line'),
    pytest.param(f'secret = {S[:20]}\\\\\n{S[20:]}\n', id='escaped-backslash-at-line-end'),
    # '=' ends a line as a soft break only in quoted-printable text (`=3D` in the read).
    pytest.param(f'secret = {S[:20]}=\n{S[20:]}\n', id='equals-at-line-end-not-quoted-printable'),
    pytest.param(
        'secret = ' + ''.join(f'{S[i : i + 2]}\\\n' for i in range(0, 40, 2)) + '\n',
        id='continued-more-lines-than-the-cap',
    ),
]


@pytest.mark.parametrize('body', QUIET)
def test_joined_unrelated_literals_stay_apart(tmp_path, monkeypatch, capsysbinary, body):
    # A whole key ID on the first line: a secret the view made up would pair with it.
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'sample.py').write_text(f'KEY_ID = "{K}"\n{body}')
    assert main(['sample.py']) == 0
    assert capsysbinary.readouterr().out == _lone_line('sample.py', 1, 11)


def test_joined_words_with_no_key_id_stay_quiet(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'sample.py').write_text(f'title = "{WORDS[0]}" "{WORDS[1]}"\n')
    assert main(['sample.py']) == 0
    assert capsysbinary.readouterr().out == b''


def test_joined_words_are_judged_as_if_written_whole(tmp_path, monkeypatch, capsysbinary):
    # Beside a key ID, mixed-case words pair today when written in one literal;
    # split, they are judged the same, no more and no less.
    monkeypatch.chdir(tmp_path)
    outputs = []
    for title in (f'"{WORDS[0]}" "{WORDS[1]}"', f'"{"".join(WORDS)}"'):
        (tmp_path / 'sample.py').write_text(f'KEY_ID = "{K}"\ntitle = {title}\n')
        assert main(['sample.py']) == 1
        outputs.append(capsysbinary.readouterr().out)
    fingerprint = hashlib.sha256(''.join(WORDS).encode()).hexdigest()[:12]
    assert outputs == 2 * [
        f'sample.py:2:10: AKG001 AWS access key pair: secret [sha256:{fingerprint}] '
        f'with access key ID AKIA...{K[-4:]} at line 1\n'.encode()
    ]


def test_joined_token_inside_one_piece_is_reported_once(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'sample.py').write_text(f'KEY_ID = "{K}"\nsecret = "{S}" "\\n"\n')
    assert main(['sample.py']) == 1
    assert (
        capsysbinary.readouterr().out
        == (
            f'sample.py:2:11: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID AKIA...{K[-4:]} at line 1\n'
        ).encode()
    )


def test_joined_pieces_up_to_the_cap_are_joined(tmp_path, monkeypatch, capsysbinary):
    monkeypatch.chdir(tmp_path)
    cuts = [0, *range(25, 40), 40]  # one piece of 25, then 15 of one character
    assert len(cuts) - 1 == joined.PIECES_MAX
    pieces = ' '.join(f'"{S[a:b]}"' for a, b in itertools.pairwise(cuts))
    (tmp_path / 'sample.py').write_text(f'KEY_ID = "{K}"\nsecret = {pieces}\n')
    assert main(['sample.py']) == 1
    assert (
        capsysbinary.readouterr().out
        == (
            f'sample.py:2:11: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID AKIA...{K[-4:]} at line 1\n'
        ).encode()
    )


@pytest.mark.parametrize('before', [CHUNK_SIZE - 30, CHUNK_SIZE - 5, CHUNK_SIZE + 200])
def test_joined_chain_across_reads_is_found_once(tmp_path, monkeypatch, capsysbinary, before):
    # Filler lines with no trigger, then the chain near the seam of the first two reads.
    monkeypatch.chdir(tmp_path)
    filler = ('# filler line of ordinary text\n' * (before // 31 + 1))[: before - 1] + '\n'
    text = f'{filler}KEY_ID = "{K}"\nsecret = ("{S[:20]}"\n    "{S[20:]}")\n'
    (tmp_path / 'big.py').write_text(text)
    assert main(['big.py']) == 1
    line, col = _where(text, S[:20])
    assert (
        capsysbinary.readouterr().out
        == (
            f'big.py:{line}:{col}: AKG001 AWS access key pair: secret [{FP}] '
            f'with access key ID AKIA...{K[-4:]} at line {line - 1}\n'
        ).encode()
    )


def test_joined_views_only_look_near_triggers():
    # Literals far from any trigger are never parsed; a flood of triggers is cut at the cap.
    far = b'x = "' + S[:20].encode() + b'" "' + S[20:].encode() + b'"\n'
    buf = b'secret\n' + b' ' * 400 + far
    assert joined.joined_views(buf, [0], True, 96) == []
    line = b'secret = "a" "b"\n' + b' ' * 600 + b'\n'
    buf = line * (joined.TRIGGERS_MAX + 10)
    triggers = list(range(0, len(buf), len(line)))
    views = joined.joined_views(buf, triggers, True, 96)
    assert len(views) == joined.TRIGGERS_MAX


@pytest.mark.parametrize('search', ['find', 'regex'])
def test_joined_candidates_are_found_by_either_prefix_search(search):
    text = f'KEY_ID = "{K[:5]}" "{K[5:]}"\nSECRET = "{S[:20]}" + "{S[20:]}"\n'.encode()
    found = scan.scan_chunks([text], search=search)
    assert [(c.kind.value, c.line, c.col, c.layer) for c in found] == [
        ('key-id', 1, 11, 'joined'),
        ('secret', 2, 11, 'joined'),
    ]


@pytest.mark.parametrize('beside', [[], ['large.txt']])
def test_joined_secret_with_aws_words_and_no_key_id(tmp_path, monkeypatch, capsysbinary, beside):
    # No key ID prefix anywhere: the word SECRET alone opens the view, whether the
    # file is scanned alone or in a run large enough to be searched with patterns.
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'settings.py').write_text(f'AWS_SECRET_ACCESS_KEY = ("{S[:20]}"\n    "{S[20:]}")\n')
    (tmp_path / 'large.txt').write_text('nothing to see here\n' * 100_000)  # 2 MB
    assert main(['settings.py', *beside]) == 1
    assert (
        capsysbinary.readouterr().out
        == (
            f'settings.py:1:27: AKG002 AWS secret access key [{FP}] with no access key ID\n'
        ).encode()
    )
