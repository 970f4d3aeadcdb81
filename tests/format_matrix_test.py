"""The format matrix: keys where people really put them, and shapes that must stay quiet.

Every text is built at run time from generated keys. Expected findings are
(code, line, column, layer) of the whole pipeline on a real file.
"""

from __future__ import annotations

import base64
import json
import pathlib
import random
import tempfile
import textwrap
import urllib.parse

import pytest

from aws_key_guard import pipeline
from aws_key_guard import scan
from aws_key_guard._main import main
from aws_key_guard.files import read_chunks
from aws_key_guard.judge import Settings
from aws_key_guard.judge import judge_file
from aws_key_guard.pipeline import scan_file
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import sqlite_database
from tests.conftest import where

K1, K2, K3 = make_key_id(11), make_key_id(12), make_key_id(13)
KA = make_key_id(14, prefix='ASIA', account=609629065308)
S1, S2, S3 = make_secret(11), make_secret(12), make_secret(13)
# A secret with '/' and '+' inside, and ones that begin with '/' and end with '+'.
SX = S1[:9] + '/' + S1[10:25] + '+' + S1[26:]
S_SLASH_FIRST = '/' + S2[1:]
S_PLUS_LAST = S3[:-1] + '+'
S_MIXED = S_PLUS_LAST[:5] + '/' + S_PLUS_LAST[6:]
# A '/' and a '+' each followed by a letter that is no hex digit: where a hex
# reference with no ';' ends.
S_G = S2[:9] + '/g' + S2[11:25] + '+h' + S2[27:]
TOKEN = 'IQoJb3JpZ2luX2VjE' + (S1 + S2 + S3).replace('/', 'A') * 8  # an STS-shaped token


@pytest.fixture(autouse=True, params=['find', 'regex'])
def prefix_search(request, monkeypatch):
    """The whole matrix with both prefix searches: small inputs use find, large ones regex."""

    # scan_file passes its own search ('auto'): the one given here must win over it.
    def scan_chunks(*args, **kwargs):
        return scan.scan_chunks(*args, **{**kwargs, 'search': request.param})

    monkeypatch.setattr(pipeline, 'scan_chunks', scan_chunks)


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


PEM_BODY = b64(random.Random(1).randbytes(174))  # 232 characters: three lines of 64, one of 40


def url(text: str) -> str:
    return urllib.parse.quote(text, safe='')


def jwt(claims: dict[str, str]) -> str:
    def part(value: dict[str, str]) -> str:
        return b64(json.dumps(value)).rstrip('=').replace('+', '-').replace('/', '_')

    return f'{part({"alg": "HS256", "typ": "JWT"})}.{part(claims)}.{b64(S3)[:43]}'


def dec(text: str) -> str:
    """Every character as a decimal character reference, as some HTML encoders write it."""
    return ''.join(f'&#{ord(c)};' for c in text)


def hexref(text: str, digits: int = 2) -> str:
    return ''.join(f'&#x{ord(c):0{digits}x};' for c in text)


def refs(text: str, slash: str, plus: str) -> str:
    return text.replace('/', slash).replace('+', plus)


def nb_cell(*lines: str) -> dict[str, object]:
    return {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'source': list(lines)}


def sqlite_file(columns: str, *rows: tuple[object, ...], encoding: str = 'UTF-8') -> bytes:
    """A database as Python's sqlite3 writes it, with one table of these rows."""
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp, 'matrix.db')
        return sqlite_database(path, columns, rows, table='t', encoding=encoding)


def where16(data: bytes, value: str, encoding: str) -> tuple[int, int]:
    """Line and column (in code units) of value written in UTF-16, placed at its first low byte."""
    at = data.index(value.encode(encoding)) + (encoding == 'UTF-16be')
    return data.count(b'\n', 0, at) + 1, (at - data.rfind(b'\n', 0, at) - 1) // 2 + 1


SQLITE_AFTER_TEXT = sqlite_file('note TEXT, key_id TEXT, secret TEXT', ('n' * 300 + 'Z', K1, S1))
SQLITE_APART = sqlite_file('key_id TEXT, user TEXT, secret TEXT', (K1, 'deploy', S1))
SQLITE_SECRET_FIRST = sqlite_file('secret TEXT, note TEXT, key_id TEXT', (S1, 'rotated', K1))
SQLITE_UTF16 = {
    encoding: sqlite_file(
        'note TEXT, key_id TEXT, user TEXT, secret TEXT',
        ('n' * 300 + 'Z', K1, 'deploy', S1),
        encoding=encoding,
    )
    for encoding in ('UTF-16le', 'UTF-16be')
}

CREDENTIALS = f'[default]\naws_access_key_id = {K1}\naws_secret_access_key = {S1}\n'

FOUND = [
    # --- configuration files -------------------------------------------------
    pytest.param(CREDENTIALS, [('AKG001', 3, 25, None)], id='aws-credentials'),
    pytest.param(
        f'[default]\naws_access_key_id = {K1}\naws_secret_access_key = {S1}\n\n'
        f'[staging]\naws_access_key_id = {K2}\naws_secret_access_key = {S2}\n'
        f'region = eu-west-1\n\n[prod]\naws_secret_access_key={S3}\naws_access_key_id={K3}\n',
        [('AKG001', 3, 25, None), ('AKG001', 7, 25, None), ('AKG001', 11, 23, None)],
        id='aws-credentials-profiles',
    ),
    pytest.param(
        f'[profile dev]\nregion = us-east-1\noutput = json\n'
        f'aws_access_key_id={K1}\naws_secret_access_key={S1}\n',
        [('AKG001', 5, 23, None)],
        id='aws-config',
    ),
    pytest.param(
        f'DEBUG=1\nAWS_ACCESS_KEY_ID={K1}\nAWS_SECRET_ACCESS_KEY={S1}\n',
        [('AKG001', 3, 23, None)],
        id='dotenv',
    ),
    pytest.param(
        f'AWS_ACCESS_KEY_ID="{K1}"\nAWS_SECRET_ACCESS_KEY="{S1}"\n',
        [('AKG001', 2, 24, None)],
        id='dotenv-quoted',
    ),
    pytest.param(
        f"export AWS_ACCESS_KEY_ID={K1}\nexport AWS_SECRET_ACCESS_KEY='{S1}'\n",
        [('AKG001', 2, 31, None)],
        id='shell-export',
    ),
    pytest.param(
        f'FROM python:3.12-slim\nENV AWS_ACCESS_KEY_ID={K1} \\\n    AWS_SECRET_ACCESS_KEY={S1}\n',
        [('AKG001', 3, 27, None)],
        id='dockerfile-env',
    ),
    pytest.param(
        f'FROM alpine\nARG AWS_ACCESS_KEY_ID={K1}\nARG AWS_SECRET_ACCESS_KEY={S1}\nRUN make\n',
        [('AKG001', 3, 27, None)],
        id='dockerfile-arg',
    ),
    pytest.param(
        f'services:\n  app:\n    image: app\n    environment:\n'
        f'      - AWS_ACCESS_KEY_ID={K1}\n      - AWS_SECRET_ACCESS_KEY={S1}\n',
        [('AKG001', 6, 31, None)],
        id='docker-compose',
    ),
    pytest.param(
        f'on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n'
        f'      AWS_ACCESS_KEY_ID: {K1}\n      AWS_SECRET_ACCESS_KEY: {S1}\n',
        [('AKG001', 7, 30, None)],
        id='github-actions-env',
    ),
    pytest.param(
        f'variables:\n  AWS_ACCESS_KEY_ID: "{K1}"\n  AWS_SECRET_ACCESS_KEY: "{S1}"\n'
        'deploy:\n  script: ./deploy.sh\n',
        [('AKG001', 3, 27, None)],
        id='gitlab-ci-variables',
    ),
    pytest.param(
        f'provider "aws" {{\n  region     = "us-east-1"\n  access_key = "{K1}"\n'
        f'  secret_key = "{S1}"\n}}\n',
        [('AKG001', 4, 17, None)],
        id='terraform-provider',
    ),
    pytest.param(
        f'aws_access_key = "{K1}"\naws_secret_key = "{S1}"\n',
        [('AKG001', 2, 19, None)],
        id='terraform-tfvars',
    ),
    pytest.param(
        f'apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ntype: Opaque\nstringData:\n'
        f'  AWS_ACCESS_KEY_ID: {K1}\n  AWS_SECRET_ACCESS_KEY: {S1}\n',
        [('AKG001', 8, 26, None)],
        id='kubernetes-stringdata',
    ),
    pytest.param(
        f'apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ndata:\n'
        f'  AWS_ACCESS_KEY_ID: {b64(K1)}\n  AWS_SECRET_ACCESS_KEY: {b64(S1)}\n',
        [('AKG001', 7, 26, 'base64')],
        id='kubernetes-data-base64',
    ),
    pytest.param(
        f'data:\n  AWS_ACCESS_KEY_ID: {b64(K1 + chr(10))}\n'
        f'  AWS_SECRET_ACCESS_KEY: {b64(S1 + chr(10))}\n',
        [('AKG001', 3, 26, 'base64')],
        id='kubernetes-data-base64-with-newline',
    ),
    pytest.param(
        # A certificate after it, decoded as one block; its last line of 40 is no secret.
        f'data:\n  AWS_ACCESS_KEY_ID: {b64(K1)}\n  ca.crt: |\n'
        + ''.join(f'    {PEM_BODY[i : i + 64]}\n' for i in range(0, len(PEM_BODY), 64)),
        [('AKG003', 2, 22, 'base64')],
        id='encoded-key-id-then-a-certificate',
    ),
    pytest.param(
        f'replicaCount: 2\naws:\n  region: eu-central-1\n  accessKeyId: {K1}\n'
        f'  secretAccessKey: {S1}\n',
        [('AKG001', 5, 20, None)],
        id='helm-values',
    ),
    pytest.param(
        f'---\naws_access_key: {K1}\naws_secret_key: {S1}\nbucket: logs\n',
        [('AKG001', 3, 17, None)],
        id='ansible-vars',
    ),
    pytest.param(
        f'# app\naws.accessKeyId={K1}\naws.secretKey={S1}\n',
        [('AKG001', 3, 15, None)],
        id='java-properties',
    ),
    pytest.param(
        '<?xml version="1.0"?>\n<configuration>\n  <property>\n'
        f'    <name>fs.s3a.access.key</name>\n    <value>{K1}</value>\n  </property>\n'
        '  <property>\n    <name>fs.s3a.secret.key</name>\n'
        f'    <value>{S1}</value>\n  </property>\n</configuration>\n',
        [('AKG001', 9, 12, None)],
        id='hadoop-core-site-xml',
    ),
    pytest.param(
        f'Access key ID,Secret access key\n{K1},{S1}\n',
        [('AKG001', 2, 22, None)],
        id='aws-console-csv',
    ),
    pytest.param(
        f'APP_ENV=production\nAWS_KEY=${{CI_AWS_KEY}}\nAWS_SECRET={S1}\nAWS_REGION=eu-west-1\n',
        [('AKG002', 3, 12, None)],
        id='laravel-env-aws-secret',
    ),
    pytest.param(
        f'production:\n  aws_bucket: assets\n  aws_secret: {S1}\n',
        [('AKG002', 3, 15, None)],
        id='rails-secrets-yml-aws-secret',
    ),
    pytest.param(
        f'module.exports = {{ awsRegion: "us-east-1", awsSecret: "{S1}" }};\n',
        [('AKG002', 1, 56, None)],
        id='js-config-aws-secret',
    ),
    pytest.param(
        'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n'
        'Subject: [PATCH] add the deploy credentials\n\n---\n creds.csv | 2 ++\n\n'
        'diff --git a/creds.csv b/creds.csv\nnew file mode 100644\n--- /dev/null\n'
        f'+++ b/creds.csv\n@@ -0,0 +1,2 @@\n+Access key ID,Secret access key\n+{K1},{S1}\n',
        [('AKG001', 13, 23, None)],
        id='git-format-patch-of-aws-console-csv',
    ),
    pytest.param(
        f'Rotated:\n\n```diff\n-aws_access_key_id = {K2}\n+aws_access_key_id = {K1}\n'
        f'-aws_secret_access_key = {S2}\n+aws_secret_access_key = {S1}\n```\n',
        [('AKG001', 6, 26, None), ('AKG001', 7, 26, None)],
        id='markdown-diff-of-credentials',
    ),
    pytest.param(
        'User name,Password,Access key ID,Secret access key,Console login link\n'
        f'alice,,{K1},{S1},https://123456789012.signin.aws.amazon.com/console\n',
        [('AKG001', 2, 29, None)],
        id='aws-console-csv-with-user',
    ),
    pytest.param(
        f'[default]\naccess_key = {K1}\nsecret_key = {S1}\nhost_base = s3.amazonaws.com\n',
        [('AKG001', 3, 14, None)],
        id='s3cmd-config',
    ),
    pytest.param(
        f'[Credentials]\naws_access_key_id = {K1}\naws_secret_access_key = {S1}\n',
        [('AKG001', 3, 25, None)],
        id='boto-config',
    ),
    pytest.param(
        f'AIRFLOW_CONN_AWS_DEFAULT=aws://{K1}:{url(SX)}@/?region_name=eu-west-1\n',
        [('AKG001', 1, 53, 'url')],
        id='airflow-connection-uri',
    ),
    pytest.param(
        f'[s3]\ntype = s3\nprovider = AWS\naccess_key_id = {K1}\nsecret_access_key = {S1}\n',
        [('AKG001', 5, 21, None)],
        id='rclone-config',
    ),
    pytest.param(
        f'source = "s3://{K1}:{S1}@bucket/path"\n',
        [('AKG001', 1, 37, None)],
        id='s3-uri-userinfo',
    ),
    # --- code ------------------------------------------------------------------
    pytest.param(
        'import boto3\n\n'
        f"s3 = boto3.client('s3', aws_access_key_id='{K1}', aws_secret_access_key='{S1}')\n",
        [('AKG001', 3, 90, None)],
        id='python-boto3-kwargs',
    ),
    pytest.param(
        'session = boto3.Session(\n'
        f'    aws_access_key_id="{K1}",\n    aws_secret_access_key="{S1}",\n)\n',
        [('AKG001', 3, 28, None)],
        id='python-boto3-session',
    ),
    pytest.param(
        "const s3 = new S3Client({ region: 'us-east-1', credentials: "
        f"{{ accessKeyId: '{K1}', secretAccessKey: '{S1}' }} }});\n",
        [('AKG001', 1, 118, None)],
        id='javascript',
    ),
    pytest.param(
        f'const creds: Credentials = {{\n  accessKeyId: "{K1}",\n  secretAccessKey: "{S1}",\n}};\n',
        [('AKG001', 3, 21, None)],
        id='typescript',
    ),
    pytest.param(
        f'creds := aws.Credentials{{\n\tAccessKeyID:     "{K1}",\n\tSecretAccessKey: "{S1}",\n}}\n',
        [('AKG001', 3, 20, None)],
        id='go-struct-literal',
    ),
    pytest.param(
        f'AWSCredentials c = new BasicAWSCredentials("{K1}", "{S1}");\n',
        [('AKG001', 1, 69, None)],
        id='java',
    ),
    pytest.param(
        f'val creds = BasicAWSCredentials(accessKey = "{K1}", secretKey = "{S1}")\n',
        [('AKG001', 1, 82, None)],
        id='kotlin',
    ),
    pytest.param(
        f'var creds = new BasicAWSCredentials("{K1}", "{S1}");\n',
        [('AKG001', 1, 62, None)],
        id='csharp',
    ),
    pytest.param(
        f"Aws.config.update(credentials: Aws::Credentials.new('{K1}', '{S1}'))\n",
        [('AKG001', 1, 78, None)],
        id='ruby',
    ),
    pytest.param(
        f"$s3 = new S3Client([\n    'credentials' => ['key' => '{K1}', 'secret' => '{S1}'],\n]);\n",
        [('AKG001', 2, 69, None)],
        id='php',
    ),
    pytest.param(
        f'let creds = Credentials::new("{K1}", "{S1}", None, None, "static");\n',
        [('AKG001', 1, 55, None)],
        id='rust',
    ),
    pytest.param(
        f'aws configure set aws_access_key_id {K1} && \\\n'
        f'  aws configure set aws_secret_access_key {S1}\n',
        [('AKG001', 2, 43, None)],
        id='shell-aws-configure',
    ),
    pytest.param(
        f'def handler(event):\n    # old key {K1}, secret {S1}\n    return 1\n',
        [('AKG001', 2, 44, None)],
        id='code-comment',
    ),
    pytest.param(
        f'def connect():\n    """Connect.\n\n    Uses {K1} with {S1}.\n    """\n',
        [('AKG001', 4, 36, None)],
        id='python-docstring',
    ),
    pytest.param(
        f'# Setup\n\n```ini\n[default]\naws_access_key_id = {K1}\n'
        f'aws_secret_access_key = {S1}\n```\n',
        [('AKG001', 6, 25, None)],
        id='markdown-code-fence',
    ),
    pytest.param(
        f'Use `{K1}` and `{S1}` to log in.\n',
        [('AKG001', 1, 33, None)],
        id='markdown-inline-code',
    ),
    # --- encodings and layouts -------------------------------------------------
    pytest.param(
        json.dumps({'AccessKeyId': K1, 'SecretAccessKey': SX}).replace('/', '\\/'),
        [('AKG001', 1, 61, 'json-escape')],
        id='json-escaped-slash',
    ),
    pytest.param(
        json.dumps({'AccessKeyId': K1, 'SecretAccessKey': SX})
        .replace('/', '\\u002F')
        .replace('+', '\\u002b'),
        [('AKG001', 1, 61, 'json-escape')],
        id='json-unicode-escapes',
    ),
    pytest.param(
        json.dumps(
            {
                'cells': [
                    nb_cell('import boto3\n', f'key = "{K1}"\n'),
                    nb_cell(f's3 = boto3.client("s3", aws_secret_access_key="{S1}")\n'),
                ],
                'nbformat': 4,
            },
            indent=1,
        ),
        [('AKG001', 17, 56, None)],
        id='jupyter-notebook',
    ),
    pytest.param(
        json.dumps({'cells': [nb_cell(f'creds = """\n{K1}\n{SX}\n"""')]}),
        [('AKG001', 1, 115, 'json-escape')],
        id='jupyter-notebook-key-after-newline-escape',
    ),
    pytest.param(
        '{"id": "' + K1 + '", "key": "' + ''.join(f'\\u{ord(c):04x}' for c in SX) + '"}',
        [('AKG001', 1, 40, 'json-escape')],
        id='json-every-character-escaped',
    ),
    pytest.param(
        f'id={K1}&key={"".join(f"%{ord(c):02X}" for c in SX)}\n',
        [('AKG001', 1, 29, 'url')],
        id='url-every-character-encoded',
    ),
    pytest.param(
        'Content-Type: text/plain; charset=3Dutf-8\n'
        'Content-Transfer-Encoding: quoted-printable\n\n'
        f'aws_access_key_id=3D{K1}\naws_secret_access_key=3D{S1}\n',
        [('AKG001', 5, 25, 'quoted-printable')],
        id='quoted-printable-email-body',
    ),
    pytest.param(
        # Not quoted-printable: a secret that happens to begin with 3D, after '='.
        f'aws_access_key_id={K1}\naws_secret_access_key={"3D" + S1[2:]}\n',
        [('AKG001', 2, 23, None)],
        id='secret-beginning-with-3D-after-equals',
    ),
    pytest.param(
        f'const char *id = "{K1}";\n'
        f'const char *key = "{SX.replace("/", chr(92) + "x2F").replace("+", chr(92) + "x2b")}";\n',
        [('AKG001', 2, 20, 'c-escape')],
        id='c-hex-escapes',
    ),
    pytest.param(
        f'id = b"{K1}"\n'
        f'key = b"{SX.replace("/", chr(92) + "057").replace("+", chr(92) + "053")}"\n',
        [('AKG001', 2, 9, 'c-escape')],
        id='c-octal-escapes',
    ),
    pytest.param(
        f'conn = "aws://{K1}:{url(SX)}@"\n',
        [('AKG001', 1, 36, 'url')],
        id='url-encoded-slash-and-plus',
    ),
    pytest.param(
        f'<input type="hidden" name="aws_access_key_id" value="{K1}">\n'
        '<input type="hidden" name="aws_secret_access_key" '
        f'value="{refs(SX, "&#47;", "&#43;")}">\n',
        [('AKG001', 2, 58, 'html-entity')],
        id='html-attribute-decimal-references',
    ),
    pytest.param(
        f'<appSettings>\n  <add key="AWSAccessKey" value="{K1}" />\n'
        f'  <add key="AWSSecretKey" value="{refs(SX, "&#x2F;", "&#x2B;")}" />\n</appSettings>\n',
        [('AKG001', 3, 34, 'html-entity')],
        id='web-config-hex-references',
    ),
    pytest.param(
        f'<Credentials>\n  <AccessKeyId>{K1}</AccessKeyId>\n'
        f'  <SecretAccessKey>{refs(SX, "&#x2f;", "&#x2b;")}</SecretAccessKey>\n</Credentials>\n',
        [('AKG001', 3, 20, 'html-entity')],
        id='xml-element-lower-case-hex-references',
    ),
    pytest.param(
        f'<p>Key <code>{K1}</code>, secret <code>{refs(SX, "&sol;", "&plus;")}</code></p>\n',
        [('AKG001', 1, 56, 'html-entity')],
        id='html-named-references',
    ),
    pytest.param(
        f'<p>Key <code>{K1}</code>, secret <code>{refs(SX, "&#047;", "&#043;")}</code></p>\n',
        [('AKG001', 1, 56, 'html-entity')],
        id='html-zero-padded-decimal-references',
    ),
    pytest.param(
        f'<p>Key <code>{K1}</code>, secret <code>{refs(SX, "&#x002F;", "&#x0002B;")}</code></p>\n',
        [('AKG001', 1, 56, 'html-entity')],
        id='html-zero-padded-hex-references',
    ),
    pytest.param(
        f'<Credentials>\n  <AccessKeyId>{K1}</AccessKeyId>\n'
        f'  <SecretAccessKey>{refs(SX, "&#0047;", "&#00043;")}</SecretAccessKey>\n</Credentials>\n',
        [('AKG001', 3, 20, 'html-entity')],
        id='xml-zero-padded-decimal-references',
    ),
    pytest.param(
        f'<key>\n  <id>{hexref(K1, 4)}</id>\n  <secret>{hexref(SX, 8)}</secret>\n</key>\n',
        [('AKG001', 3, 11, 'html-entity')],
        id='xml-every-character-zero-padded-hex-reference',
    ),
    pytest.param(
        f'<input type="hidden" name="aws_access_key_id" value="{K1}">\n'
        '<input type="hidden" name="aws_secret_access_key" '
        f'value="{refs(SX, "&#47", "&#43")}">\n',
        [('AKG001', 2, 58, 'html-entity')],
        id='html-decimal-references-with-no-semicolon',
    ),
    pytest.param(
        f'<p>{K1}</p>\n<p>{refs(S_G, "&#x2F", "&#X2b")}</p>\n',
        [('AKG001', 2, 4, 'html-entity')],
        id='html-hex-references-with-no-semicolon',
    ),
    pytest.param(
        f'<p>{K1}&#47;{S1}</p>\n',
        [('AKG001', 1, 29, 'html-entity')],
        id='html-key-id-and-secret-joined-by-a-decimal-reference',
    ),
    pytest.param(
        f'<Value>{K1}&#x2F;{S2}</Value>\n<Value>{K2}&#x002f;{S3}</Value>\n',
        [('AKG001', 1, 34, 'html-entity'), ('AKG001', 2, 36, 'html-entity')],
        id='xml-key-id-and-secret-joined-by-a-hex-reference',
    ),
    pytest.param(
        f'<a href="s3://{K1}&#47{S_G}@bucket">x</a>\n',
        [('AKG001', 1, 39, 'html-entity')],
        id='html-key-id-and-secret-joined-by-a-reference-with-no-semicolon',
    ),
    pytest.param(
        f'<a href="s3:&#47&#47{K1}:{S1}@bucket">x</a>\n<p>&#47{K2}</p>\n<p>key: {S2}</p>\n',
        [('AKG001', 1, 42, None), ('AKG001', 3, 9, None)],
        id='html-key-id-after-a-reference-with-no-semicolon',
    ),
    pytest.param(
        f'<p data-k="{dec(K1 + "/" + SX)}"></p>\n',
        [('AKG001', 1, 117, 'html-entity')],
        id='html-key-id-and-secret-joined-every-character-a-reference',
    ),
    pytest.param(
        f'{{"credentials": "{K1}\\/{S1}"}}\n',
        [('AKG001', 1, 40, 'json-escape')],
        id='json-key-id-and-secret-joined-by-an-escaped-slash',
    ),
    pytest.param(
        f'https://x.test/?credentials={K1}%2F{S1}\n',
        [('AKG001', 1, 52, 'url')],
        id='url-key-id-and-secret-joined-by-an-encoded-slash',
    ),
    pytest.param(
        f'<a data-id="{dec(K1)}" data-key="{dec(SX)}">x</a>\n',
        [('AKG001', 1, 125, 'html-entity')],
        id='html-every-character-decimal-reference',
    ),
    pytest.param(
        f'<key>\n  <id>{hexref(K1)}</id>\n  <secret>{hexref(SX)}</secret>\n</key>\n',
        [('AKG001', 3, 11, 'html-entity')],
        id='xml-every-character-hex-reference',
    ),
    pytest.param(
        '<script>if (a && b && c && d && e && f && g && h && i) { go(); }</script>\n'
        f'<p>{K1} {refs(SX, "&#47;", "&#43;")}</p>\n',
        [('AKG001', 2, 25, 'html-entity')],
        id='html-references-after-many-ampersands',
    ),
    pytest.param(
        f'<meta name="id" content="&quot;{K1}&quot;">\n'
        f'<meta name="key" content="&#34;{refs(SX, "&#47;", "&#43;")}&#34;">\n',
        [('AKG001', 2, 32, 'html-entity')],
        id='html-key-id-after-quot-reference',
    ),
    pytest.param(
        f'<pre>&gt;{K1}\n&gt;{S1}</pre>\n',
        [('AKG001', 2, 5, None)],
        id='html-key-id-after-gt-reference',
    ),
    pytest.param(
        # The run up to the reference is long enough for the run map to see the `%2F`.
        f'<a href="s3://x?key={K1}&amp;secret={refs(S_MIXED, "%2F", "&#43;")}">\n',
        [('AKG001', 1, 53, 'html-entity')],
        id='url-encoding-and-a-reference-in-one-secret',
    ),
    pytest.param(
        '{"id": "'
        + ''.join(f'\\u{ord(c):04x}' for c in K1)
        + '", "key": "'
        + ''.join(f'\\u{ord(c):04x}' for c in SX)
        + '"}',
        [('AKG001', 1, 140, 'json-escape')],
        id='json-key-id-and-secret-every-character-escaped',
    ),
    pytest.param(
        f'https://example.com/cb?secret={url(url(SX))}&id={K1}\n',
        [('AKG001', 1, 31, 'url')],
        id='url-double-encoded',
    ),
    pytest.param(
        f'AWS_SECRET_ACCESS_KEY: {b64(S1)}\n',
        [('AKG002', 1, 24, 'base64')],
        id='base64-secret-value',
    ),
    pytest.param(
        f'apiVersion: v1\nkind: Secret\ndata:\n  credentials: {b64(CREDENTIALS)}\n',
        [('AKG001', 4, 116, 'base64')],
        id='base64-whole-credentials-file',
    ),
    pytest.param(
        # As `base64 ~/.aws/credentials` writes it: lines of 76 characters.
        base64.encodebytes(CREDENTIALS.encode()).decode(),
        [('AKG001', 2, 25, 'base64')],
        id='base64-wrapped-credentials-file',
    ),
    pytest.param(
        'credentials: |\n'
        + ''.join(f'  {b64(CREDENTIALS)[i : i + 64]}\n' for i in range(0, 200, 64)),
        [('AKG001', 3, 39, 'base64')],
        id='pem-wrapped-credentials-in-yaml',
    ),
    pytest.param(CREDENTIALS.encode('utf-16'), [('AKG001', 3, 25, 'utf-16le')], id='utf-16le-bom'),
    pytest.param(
        CREDENTIALS.encode('utf-16-le'), [('AKG001', 3, 25, 'utf-16le')], id='utf-16le-no-bom'
    ),
    pytest.param(
        b'\xfe\xff' + CREDENTIALS.encode('utf-16-be'),
        [('AKG001', 3, 25, 'utf-16be')],
        id='utf-16be-bom',
    ),
    pytest.param(
        CREDENTIALS.encode('utf-16-be'), [('AKG001', 3, 25, 'utf-16be')], id='utf-16be-no-bom'
    ),
    pytest.param(
        CREDENTIALS.replace('\n', '\r\n').encode('utf-16'),
        [('AKG001', 3, 25, 'utf-16le')],
        id='utf-16le-crlf-powershell',
    ),
    pytest.param(CREDENTIALS.encode('utf-32'), [('AKG001', 3, 25, 'utf-32le')], id='utf-32le-bom'),
    pytest.param(
        CREDENTIALS.encode('utf-32-le'), [('AKG001', 3, 25, 'utf-32le')], id='utf-32le-no-bom'
    ),
    pytest.param(
        b'\0\0\xfe\xff' + CREDENTIALS.encode('utf-32-be'),
        [('AKG001', 3, 25, 'utf-32be')],
        id='utf-32be-bom',
    ),
    pytest.param(
        CREDENTIALS.encode('utf-32-be'), [('AKG001', 3, 25, 'utf-32be')], id='utf-32be-no-bom'
    ),
    pytest.param(
        ('résumé = 1\n' + CREDENTIALS).encode('utf-32'),
        [('AKG001', 4, 25, 'utf-32le')],
        id='utf-32le-non-ascii-line-above',
    ),
    pytest.param(CREDENTIALS.replace('\n', '\r\n'), [('AKG001', 3, 25, None)], id='crlf'),
    pytest.param(
        f'[default]\r\naws_access_key_id\t=\t{K1}\naws_secret_access_key\t=\t{S1}\r\n',
        [('AKG001', 3, 25, None)],
        id='tabs-and-mixed-line-endings',
    ),
    pytest.param(
        json.dumps({'a': [1, 2], 'aws': {'id': K1, 'key': S1}}, separators=(',', ':')),
        [('AKG001', 1, 54, None)],
        id='minified-one-line',
    ),
    pytest.param(
        f'clé:{K1}«{S1}»\n'.encode(), [('AKG001', 1, 28, None)], id='non-ascii-letters-touching'
    ),
    pytest.param(
        f'id={K1}\nkey={S_SLASH_FIRST}\n', [('AKG001', 2, 5, None)], id='secret-starts-with-slash'
    ),
    pytest.param(
        f'id={K1}\nkey={S_PLUS_LAST}\n', [('AKG001', 2, 5, None)], id='secret-ends-with-plus'
    ),
    pytest.param(f'{K1}:{S1}\n', [('AKG001', 1, 22, None)], id='one-line-key-id-first'),
    pytest.param(f'{S1} {K1}\n', [('AKG001', 1, 1, None)], id='one-line-secret-first'),
    pytest.param(f'{K1}/{S1}\n', [('AKG001', 1, 22, None)], id='one-line-joined-by-slash'),
    pytest.param(
        f'path = s3://bucket/{K1}/{SX}\n', [('AKG001', 1, 41, None)], id='slash-joined-in-a-path'
    ),
    pytest.param(
        f'id={K1}\nkey={S1}-suffix\n', [('AKG001', 2, 5, None)], id='secret-followed-by-dash-word'
    ),
    pytest.param(f'id={K1}\nkey={S1}.x\n', [('AKG001', 2, 5, None)], id='secret-followed-by-dot-x'),
    pytest.param(
        f'secret: {S1}\n' + 'filler line\n' * 5000 + f'id: {K1}\n',
        [('AKG001', 1, 9, None)],
        id='thousands-of-lines-apart-secret-first',
    ),
    pytest.param(
        f'GET / HTTP/1.1\nAuthorization: Basic {b64(f"{K1}:{S1}")}\n',
        [('AKG001', 2, 50, 'base64')],
        id='basic-auth-header',
    ),
    pytest.param(
        'payload = "' + json.dumps({'note': f'keys:\n{SX}\n{K1}'}).replace('/', '\\/') + '"\n',
        [('AKG001', 1, 29, 'json-escape')],
        id='json-escaped-slash-after-newline-escape',
    ),
    # --- base64 inside base64, and inside UTF-16 ---------------------------------
    pytest.param(
        f'apiVersion: v1\nkind: Secret\ndata:\n  credentials: {b64(b64(CREDENTIALS))}\n',
        [('AKG001', 4, 149, 'base64')],
        id='kubernetes-data-base64-of-base64-credentials',
    ),
    pytest.param(
        # `base64 ~/.aws/credentials | base64 -w0`: the inner base64 is wrapped at 76.
        f'data:\n  credentials: {b64(base64.encodebytes(CREDENTIALS.encode()))}\n',
        [('AKG001', 2, 150, 'base64')],
        id='kubernetes-data-base64-of-wrapped-base64',
    ),
    pytest.param(
        base64.encodebytes(base64.encodebytes(CREDENTIALS.encode())).decode(),
        [('AKG001', 2, 59, 'base64')],
        id='wrapped-base64-of-wrapped-base64',
    ),
    pytest.param(
        f'Authorization: Bearer {jwt({"sub": "ci", "aws": b64(CREDENTIALS)})}\n',
        [('AKG001', 1, 226, 'base64')],
        id='jwt-claim-holding-base64-credentials',
    ),
    pytest.param(
        f'payload: {b64(json.dumps({"aws_secret_access_key": b64(S1)}))}\n',
        [('AKG002', 1, 46, 'base64')],
        id='base64-json-holding-base64-secret',
    ),
    pytest.param(
        f'credentials: {b64(CREDENTIALS)}\n'.encode('utf-16'),
        [('AKG001', 1, 114, 'utf-16le')],
        id='utf-16le-bom-base64-credentials',
    ),
    pytest.param(
        f'credentials: {b64(CREDENTIALS)}\n'.encode('utf-16-be'),
        [('AKG001', 1, 114, 'utf-16be')],
        id='utf-16be-no-bom-base64-credentials',
    ),
    pytest.param(
        # PowerShell's `Out-File` of `base64 ~/.aws/credentials`: wrapped lines, CRLF.
        base64.encodebytes(CREDENTIALS.encode()).decode().replace('\n', '\r\n').encode('utf-16'),
        [('AKG001', 2, 25, 'utf-16le')],
        id='utf-16le-wrapped-base64-credentials',
    ),
    # --- session tokens (AKG004) ----------------------------------------------
    pytest.param(
        f'[default]\naws_access_key_id = {KA}\naws_secret_access_key = {S1}\n'
        f'aws_session_token = {TOKEN}\n',
        [('AKG001', 3, 25, None), ('AKG004', 4, 21, None)],
        id='session-token-credentials-file',
    ),
    pytest.param(
        json.dumps(
            {
                'Credentials': {
                    'AccessKeyId': KA,
                    'SecretAccessKey': S1,
                    'SessionToken': TOKEN,
                    'Expiration': '2026-01-01T00:00:00Z',
                }
            },
            indent=4,
        ),
        [('AKG001', 4, 29, None), ('AKG004', 5, 26, None)],
        id='session-token-sts-json',
    ),
    pytest.param(
        f'export AWS_SESSION_TOKEN="{TOKEN}"\n', [('AKG004', 1, 27, None)], id='session-token-env'
    ),
    pytest.param(
        f'data:\n  AWS_SESSION_TOKEN: {b64(TOKEN)}\n',
        [('AKG004', 2, 22, None)],  # the base64 itself is token-shaped: reported once
        id='session-token-base64-value',
    ),
    pytest.param(
        f'data:\n  credentials: {b64(CREDENTIALS + f"aws_session_token = {TOKEN}{chr(10)}")}\n',
        [('AKG001', 2, 116, 'base64'), ('AKG004', 2, 197, 'base64')],
        id='session-token-in-base64-credentials-file',
    ),
    # --- keys split into literals placed next to each other (joined.py) ---------
    pytest.param(
        f'ACCESS_KEY = ("{K1[:10]}"\n              "{K1[10:]}")\n'
        f'SECRET_KEY = ("{S1[:20]}"\n              "{S1[20:]}")\n',
        [('AKG001', 3, 16, 'joined')],
        id='python-implicit-concatenation',
    ),
    pytest.param(
        f'static final String ID = "{K1[:6]}" + "{K1[6:]}";\n'
        f'static final String SECRET = "{S1[:24]}" +\n        "{S1[24:]}";\n',
        [('AKG001', 2, 31, 'joined')],
        id='java-plus-concatenation',
    ),
    pytest.param(
        f'$id = "{K1[:12]}" . "{K1[12:]}";\n$secret = "{S1}";\n',
        [('AKG001', 2, 12, None)],
        id='php-split-key-id-whole-secret',
    ),
    pytest.param(
        f'aws:\n  access_key_id: {K1}\n  secret_access_key: >-\n    {S1[:20]}\n    {S1[20:]}\n',
        [('AKG001', 4, 5, 'joined')],
        id='yaml-folded-block-scalar',
    ),
    # --- SQLite databases: each column judged on its own (sqlite.py) ------------
    pytest.param(
        SQLITE_AFTER_TEXT,
        [('AKG001', *where(SQLITE_AFTER_TEXT, S1), None)],
        id='sqlite-key-id-after-long-text-column',
    ),
    pytest.param(
        SQLITE_APART,
        [('AKG001', *where(SQLITE_APART, S1), None)],
        id='sqlite-secret-column-after-user-column',
    ),
    pytest.param(
        SQLITE_SECRET_FIRST,
        [('AKG001', *where(SQLITE_SECRET_FIRST, S1), None)],
        id='sqlite-secret-column-before-key-id',
    ),
    *(
        pytest.param(
            data,
            [('AKG001', *where16(data, S1, encoding), encoding.lower())],
            id=f'sqlite-{encoding.lower()}-key-id-after-text-secret-apart',
        )
        for encoding, data in SQLITE_UTF16.items()
    ),
]


def _scan(tmp_path: pathlib.Path, data: str | bytes) -> list[tuple[str, int, int, str | None]]:
    path = tmp_path / 'sample'
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    result = judge_file(scan_file(read_chunks(str(path))), str(path), Settings())
    return [(f.code, f.line, f.col, f.layer) for f in result.findings]


@pytest.mark.parametrize(('data', 'expected'), FOUND)
def test_format_is_found(tmp_path, data, expected):
    assert _scan(tmp_path, data) == expected


@pytest.mark.parametrize(
    'written',
    [
        refs(SX, '&#47;', '&#43;'),
        refs(SX, '&#x2F;', '&plus;'),
        hexref(SX),
        refs(SX, '&#x002F;', '&#0043;'),
        refs(SX, '&#47', '&#43'),
    ],
    ids=['decimal', 'hex-and-named', 'every-character', 'zero-padded', 'no-semicolon'],
)
def test_reference_secret_is_reported_as_the_plain_one(tmp_path, monkeypatch, capsys, written):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'plain.ini').write_text(f'id = {K1}\nkey = {SX}\n')
    (tmp_path / 'page.html').write_text(f'id = {K1}\nkey = {written}\n')
    assert main(['--format', 'json', 'plain.ini', 'page.html']) == 1
    findings = json.loads(capsys.readouterr().out)['findings']
    # The reference's finding: where the secret starts as written, its end unknown.
    assert [f['path'] for f in findings] == ['plain.ini', 'page.html']
    plain = {**findings[1], 'path': 'plain.ini', 'end_line': 2, 'end_column': 47, 'layer': None}
    assert plain == findings[0]
    where = (findings[1]['line'], findings[1]['column'], findings[1]['end_line'])
    assert (*where, findings[1]['end_column'], findings[1]['layer']) == (
        2,
        7,
        None,
        None,
        'html-entity',
    )


@pytest.mark.parametrize('slash', ['&#47;', '&#x2F;', '&#x002F;', '&#47'])
def test_reference_joined_pair_is_reported_as_the_plain_one(tmp_path, monkeypatch, capsys, slash):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'plain.txt').write_text(f'{K1}/{S1}\n')
    (tmp_path / 'page.html').write_text(f'{K1}{slash}{S1}\n')
    assert main(['--format', 'json', 'plain.txt', 'page.html']) == 1
    findings = json.loads(capsys.readouterr().out)['findings']
    assert [f['path'] for f in findings] == ['plain.txt', 'page.html']
    plain = {**findings[1], 'path': 'plain.txt', 'column': 22, 'end_line': 1, 'end_column': 62}
    assert {**plain, 'layer': None} == findings[0]
    where = (findings[1]['column'], findings[1]['end_line'], findings[1]['layer'])
    assert where == (21 + len(slash), None, 'html-entity')


HEX = 'c0ffee254729296a45a3885639ac7e10bd0d9c1f'  # 40 hex digits: a git object ID
DOC_CREDENTIALS = (
    '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n'
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n'
)
# A blob of base64 with key-shaped slices inside it: an ID and a 40-char stretch.
BLOB = b64(bytes(range(256)) * 3)
BLOB = BLOB[:100] + K1 + BLOB[100:200] + S1 + BLOB[200:]
# 174 random bytes: three lines of 64 characters and a last line of exactly 40.
PEM = '\n'.join(PEM_BODY[i : i + 64] for i in range(0, len(PEM_BODY), 64))
MIME = base64.encodebytes(random.Random(2).randbytes(144)).decode()  # lines of 76, 76, 40
LONE = [('AKG003', 1, 4, None)]  # `id={K1}` on the first line


def with_lone_key(text: str) -> str:
    """A lone key ID first, so a secret-shaped token below would be paired with it."""
    return f'id={K1}\n{text}'


SQLITE_QUIET = sqlite_file(
    'key_id TEXT, note TEXT, secret TEXT, sha1 TEXT, id TEXT',
    (
        'AKIAIOSFODNN7EXAMPLE',
        'n' * 100 + 'Z',
        'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        HEX,
        '6f1c2e0a-8d4b-4c1e-9a57-3b2d1f0e9c8a',
    ),
)

QUIET = [
    pytest.param(DOC_CREDENTIALS, [], id='aws-documentation-pair'),
    pytest.param(SQLITE_QUIET, [], id='sqlite-documentation-keys-hashes-uuids'),
    pytest.param(
        'AKIAI44QH8DHBEXAMPLE je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n',
        [],
        id='aws-documentation-pair-two',
    ),
    pytest.param(
        DOC_CREDENTIALS + f'aws_session_token = {TOKEN[:40]}wEXAMPLE{TOKEN[48:]}\n',
        [],
        id='aws-documentation-session-token',
    ),
    pytest.param(f'aws_access_key_id = {K1[:13]}EXAMPLE\n', [], id='key-id-ending-example'),
    pytest.param(
        'aws_access_key_id = AKIAXXXXXXXXXXXXXXXX\naws_secret_access_key = ' + 'x' * 40 + '\n',
        [],
        id='placeholder-xs',
    ),
    pytest.param('AWS_ACCESS_KEY_ID=AKIA0000000000000000\n', [], id='placeholder-zeros'),
    pytest.param('AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n', [], id='placeholder-sequential'),
    pytest.param(
        'AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}\n',
        [],
        id='shell-variable-reference',
    ),
    pytest.param(
        'key = os.environ["AWS_SECRET_ACCESS_KEY"]\ntoken = os.environ["AWS_SESSION_TOKEN"]\n',
        [],
        id='python-environ-reference',
    ),
    pytest.param(
        '    env:\n      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n'
        '      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n',
        [],
        id='github-actions-secret-reference',
    ),
    pytest.param(
        with_lone_key(f'aws_secret_access_key: {HEX}\ncommit {HEX}\n'),
        LONE,
        id='git-sha-beside-aws-words',
    ),
    pytest.param(
        with_lone_key(f'    - uses: aws-actions/configure-aws-credentials@{HEX.upper()} # v4\n'),
        LONE,
        id='sha-pinned-action',
    ),
    pytest.param(
        with_lone_key(f'SHA1 (aws-secret-key.tar.gz) = {HEX}\n'),
        LONE,
        id='checksum-line',
    ),
    pytest.param(
        with_lone_key(
            '"node_modules/aws-sdk": {\n  "version": "2.1.0",\n'
            f'  "integrity": "sha512-{b64(bytes(range(64)))[:86]}=="\n}}\n'
        ),
        LONE,
        id='npm-lock-integrity',
    ),
    pytest.param(
        with_lone_key(f'"@aws-sdk/client-s3@^3.0.0":\n  integrity sha1-{b64(bytes(range(20)))}\n'),
        LONE,
        id='yarn-lock-integrity',
    ),
    pytest.param(
        with_lone_key(
            json.dumps({'outputs': [{'data': {'image/png': BLOB, 'text/plain': 'aws secret'}}]})
        ),
        LONE,
        id='notebook-image-with-key-shaped-slices',
    ),
    pytest.param(
        with_lone_key(f'<img alt="aws secret key" src="data:image/png;base64,{BLOB}">\n'),
        LONE,
        id='data-uri-with-key-shaped-slices',
    ),
    pytest.param(
        with_lone_key(f'-----BEGIN CERTIFICATE-----\n{PEM}\n-----END CERTIFICATE-----\n'),
        LONE,
        id='pem-body-last-line-of-forty',
    ),
    pytest.param(
        with_lone_key(f'ca.crt: |\n{textwrap.indent(PEM, "    ")}\n'),
        LONE,
        id='pem-body-indented-last-line-of-forty',
    ),
    pytest.param(
        with_lone_key(json.dumps({'data': {'application/x-pem-file': PEM}})),
        LONE,
        id='pem-body-in-json-string',
    ),
    *[
        pytest.param(f'"UserId": "{prefix}{K1[4:]}"\n', [], id=f'iam-unique-id-{prefix.lower()}')
        for prefix in ('AIDA', 'AROA', 'AGPA', 'AIPA', 'ANPA', 'ANVA', 'APKA', 'ASCA')
    ],
    pytest.param('TODAYINASIAASACKOFRICEWASSOLD\n', [], id='prefix-inside-longer-word'),
    pytest.param('region = ASIAPACIFICSINGAPORE\n', [], id='word-shaped-key-id'),
    pytest.param(f'REGION_{KA} = 3\n', [], id='key-id-inside-identifier'),
    pytest.param(
        f'https://bucket.s3.amazonaws.com/f.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256'
        f'&X-Amz-Credential={K1}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request'
        f'&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host'
        f'&X-Amz-Signature={"ab12" * 16}\n',
        [('AKG003', 1, 89, None)],
        id='presigned-url-sigv4',
    ),
    pytest.param(
        f'https://b.s3.amazonaws.com/f?X-Amz-Credential={KA}%2F20240101%2Fus-east-1%2Fs3'
        f'%2Faws4_request&X-Amz-Security-Token={url(TOKEN[:300] + "/" + TOKEN[300:600])}'
        f'&X-Amz-Signature={"cd34" * 16}\n',
        [('AKG003', 1, 47, None)],
        id='presigned-url-with-security-token',
    ),
    pytest.param(
        f'https://bucket.s3.amazonaws.com/f.txt?AWSAccessKeyId={K1}'
        f'&Expires=1700000000&Signature={url(b64(bytes(range(40, 60))))}\n',
        [('AKG003', 1, 54, None)],
        id='presigned-url-sigv2',
    ),
    pytest.param(
        with_lone_key(f'aws_secret_access_key_github = ghp_{S1[:36].replace("/", "a")}\n'),
        LONE,
        id='github-token',
    ),
    pytest.param(
        with_lone_key(f'token = github_pat_{S1[:22]}_{(S2 + S3)[:59]}\n'.replace('/', 'b')),
        LONE,
        id='github-fine-grained-token',
    ),
    pytest.param(
        with_lone_key(f'SLACK_BOT_TOKEN=xoxb-1234567890-1234567890123-{S1[:24]}\n'),
        LONE,
        id='slack-token',
    ),
    pytest.param(
        with_lone_key(f'STRIPE_SECRET_KEY=sk_live_{(S1 + S2 + S3)[:99].replace("/", "c")}\n'),
        LONE,
        id='stripe-key',
    ),
    pytest.param(
        with_lone_key(
            'DefaultEndpointsProtocol=https;AccountName=aws;'
            f'AccountKey={b64(bytes(range(100, 164)))};EndpointSuffix=core.windows.net\n'
        ),
        LONE,
        id='azure-storage-key',
    ),
    pytest.param(
        with_lone_key(
            'aws_secret_access_key = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.'
            f'{S1.replace("/", "_").replace("+", "-")[:40]}.{S2[:43]}\n'
        ),
        LONE,
        id='jwt-beside-aws-words',
    ),
    pytest.param(
        with_lone_key(
            'aws_secret_access_key = '
            + '-'.join(x.replace('/', '_').replace('+', '-') for x in (S1, S2[:30], S3))
            + '\n'
        ),
        LONE,
        id='base64url-token-with-secret-length-part',
    ),
    pytest.param(
        with_lone_key(f'aws_secret_access_key = {S1.replace("/", "_")}.{S2[:30]}.{S3}\n'),
        LONE,
        id='dotted-token-with-secret-length-part',
    ),
    pytest.param(
        with_lone_key(f'data:\n  blob: {b64(b64(random.Random(3).randbytes(300)))}\n'),
        LONE,
        id='base64-of-base64-of-random-bytes',
    ),
    pytest.param(
        with_lone_key(
            f'data:\n  tls.crt: {b64(f"-----BEGIN CERTIFICATE-----{chr(10)}{PEM}{chr(10)}")}\n'
        ),
        LONE,
        id='kubernetes-data-base64-of-pem',
    ),
    pytest.param(
        with_lone_key(f'blob: {b64(random.Random(4).randbytes(300))}\n').encode('utf-16'),
        [('AKG003', 1, 4, 'utf-16le')],
        id='utf-16le-base64-of-random-bytes',
    ),
    pytest.param(f'{K1[:-1]}/{S1}\n', [], id='slash-joined-short-key-id'),
    pytest.param(f'x{K1}/{S1}\n', [], id='slash-joined-key-id-inside-a-word'),
    pytest.param(f'AKIA{K1[4:].lower()}/{S1}\n', [], id='slash-joined-lower-case-key-id'),
    pytest.param(
        with_lone_key('aws_secret_access_key = getInternalServerErrorResponseForRequest\n'),
        LONE,
        id='identifier-beside-aws-words',
    ),
    pytest.param(
        with_lone_key(f'aws_secret_access_key_backup: |\n{MIME}'),
        LONE,
        id='mime-wrapped-base64',
    ),
    pytest.param(
        '<p>Tom &amp; Jerry&nbsp;&#8212; <a href="/search?q=aws&amp;page=2&lang=en">next</a>'
        ' &lt;b&gt; &#169; &#x2014; &#39;&#x27;</p>\n'
        'https://example.test/callback?code=abc&state=xyz&scope=openid&amp;x=1\n',
        [],
        id='html-ordinary-references',
    ),
    pytest.param(
        with_lone_key('if (a && b && c && d && e && f && g && h && i) { x &= y & z; }\n'),
        LONE,
        id='c-many-ampersands',
    ),
    pytest.param(
        with_lone_key(f'<p>aws_secret_access_key: {dec(HEX)}</p>\n<p>{hexref(HEX)}</p>\n'),
        LONE,
        id='html-references-of-a-hex-digest',
    ),
    pytest.param(
        f'<p>{dec("AKIAIOSFODNN7EXAMPLE")} '
        f'{hexref("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")}</p>\n'
        '<p>AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI&#47;K7MDENG&sol;bPxRfiCYEXAMPLEKEY</p>\n',
        [],
        id='html-references-of-aws-documentation-keys',
    ),
    pytest.param(
        f'<p>x_{dec(K1)} {dec(K2)}_x {dec("AKIA" + K3[4:].lower())} {dec("AIDA" + K3[4:])}</p>\n',
        [],
        id='html-references-of-no-key-id',
    ),
    pytest.param(
        with_lone_key(
            f'<p>aws_secret_access_key: {S2[:20]}&#00470;{S2[21:]}</p>\n'
            f'<p>aws_secret_access_key: {S3[:20]}&#x0002E;{S3[21:]}</p>\n'
        ),
        LONE,
        id='html-zero-padded-references-of-no-base64-character',
    ),
    pytest.param(
        # S2[10] is a digit: `&#475`, `&#x2F5` are other characters to an HTML parser.
        with_lone_key(
            f'<p>aws_secret_access_key: {S2[:9]}&#47{S2[10:]}</p>\n'
            f'<p>aws_secret_access_key: {S2[:9]}&#x2F{S2[10:]}</p>\n'
        ),
        LONE,
        id='html-references-with-no-semicolon-whose-digits-go-on',
    ),
    pytest.param(
        with_lone_key(
            '<p>See <a href="https:&#47&#47docs.example.test&#47iam&#47access-keys&#47rotate">'
            'rotating keys</a> and https:&#x2F&#x2Fexample.test&#x2Fa&#x2Fb</p>\n'
        ),
        LONE,
        id='html-url-with-references-with-no-semicolon',
    ),
    pytest.param(
        # The last line's key ID stands alone: its secret is one character short.
        f'x{K1}&#47;{S1}\n{K1[:-1]}&#x2F;{S1}\n{K1}&#47;{S1[:-1]}&amp;\n',
        [('AKG003', 3, 1, None)],
        id='html-reference-joined-no-pair',
    ),
    pytest.param(
        f'AKIA{K1[4:].lower()}&#47;{S1}\n{K1}&#43;{S1}\n{K1}&#47;{"aB" * 20}\n'
        f'{K1}&#47;{S1}-{S2}\n{"a&#47;" * 25}\n',
        [('AKG003', 2, 1, None), ('AKG003', 3, 1, None), ('AKG003', 4, 1, None)],
        id='html-reference-joined-not-a-pair',
    ),
    pytest.param(f'_{dec(K1)}&#47;{S1}\n', [], id='html-reference-joined-key-id-inside-a-word'),
    pytest.param(
        # `&#65` is 'A', and `&#x2FA` one character: each key ID is inside a longer word.
        with_lone_key(f'<p>&#65{K2}</p>\n<p>&#x2F{K3}</p>\n<p>x&#0000000047{K2}</p>\n'),
        LONE,
        id='html-key-id-after-a-reference-that-joins-it',
    ),
]


@pytest.mark.parametrize(('data', 'expected'), QUIET)
def test_shape_stays_quiet(tmp_path, data, expected):
    assert _scan(tmp_path, data) == expected


def test_matrix_covers_enough_formats():
    assert len(FOUND) >= 60
    assert len(QUIET) >= 25
