"""CI reports: one JSON document, SARIF 2.1.0 for code scanning, GitHub annotations."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Final
from typing import NamedTuple
from urllib.parse import quote

from aws_key_guard import __version__
from aws_key_guard.account import decode_account
from aws_key_guard.fingerprint import fingerprint
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import blocks
from aws_key_guard.text import HOME
from aws_key_guard.text import REAL_KEY_HELP
from aws_key_guard.text import describe
from aws_key_guard.text import mask_key_id
from aws_key_guard.text import printable

FileFindings = tuple[str, Sequence[Finding]]

SARIF_SCHEMA: Final = (
    'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'
)
# The key under which our own fingerprint is kept for SARIF consumers other than GitHub.
FINGERPRINT_KEY: Final = 'awsKeyGuard/v1'


class Rule(NamedTuple):
    code: Code
    name: str
    short: str
    full: str
    help: str  # Markdown that also reads well as plain text
    level: str
    security_severity: str
    precision: str


_LEAKED_KEY_STEPS: Final = """\
1. Deactivate the access key in IAM now and create a new one. Treat the old key \
as known to attackers from the moment it was written to disk.
2. Look in CloudTrail for calls made with the old key since then.
3. If the commit was ever pushed, purge the key from history \
(`git filter-repo --replace-text`) and force-push. Rotate first: clones, forks \
and caches keep the old history.
4. Keep credentials out of the repository from now on: environment variables, \
an AWS profile or a secrets manager.

A value that is a deliberate test fixture can be marked on its line with \
`aws-key-guard: allow`."""

RULES: Final = (
    Rule(
        Code.PAIR,
        'AwsAccessKeyPair',
        'AWS access key ID and secret access key in one file',
        'A file holds an AWS access key ID and a 40-character secret access key: '
        "together they are working credentials for the key's AWS account. The result "
        "is placed at the secret, which is what must go; the message names the key ID's line.",
        _LEAKED_KEY_STEPS,
        'error',
        '9.5',
        'high',
    ),
    Rule(
        Code.SECRET,
        'AwsSecretAccessKey',
        'AWS secret access key without its key ID',
        'A 40-character secret access key next to AWS wording such as '
        '`aws_secret_access_key`, with no access key ID in the same file. Key IDs are '
        'easy to find elsewhere (logs, other files, the account itself), so the secret '
        'alone counts as leaked.',
        _LEAKED_KEY_STEPS,
        'error',
        '8.5',
        'high',
    ),
    Rule(
        Code.KEY_ID,
        'AwsAccessKeyId',
        'AWS access key ID without a secret',
        'An access key ID (AKIA, ASIA, ABIA or ACCA) with no secret access key in the '
        'same file. An ID alone cannot sign requests, but it names the AWS account and '
        'often means its secret is close by. A warning unless `--block-lone-key-ids` is given.',
        'Find out where the matching secret access key is kept. If it is anywhere in '
        'this repository or its history, follow the steps for a leaked key:\n\n'
        + _LEAKED_KEY_STEPS.rsplit('\n\n', 1)[0]
        + '\n\nOtherwise remove the key ID, or mark a deliberate one with '
        '`aws-key-guard: allow`.',
        'warning',
        '3.0',
        'high',
    ),
    Rule(
        Code.SESSION_TOKEN,
        'AwsSessionToken',
        'AWS session token',
        'A session token, the third part of temporary STS credentials, next to AWS '
        'wording such as `aws_session_token` or `SessionToken`. With its temporary key '
        "ID and secret it grants the session's permissions until it expires.",
        '1. Revoke the session: for a role, use "Revoke active sessions" on the role in '
        'IAM; for tokens from `GetSessionToken`, deactivate the IAM access key that '
        'requested them.\n'
        '2. Look in CloudTrail for calls made with the temporary credentials.\n'
        '3. If the commit was ever pushed, purge the token from history '
        '(`git filter-repo --replace-text`) and force-push.',
        'error',
        '8.0',
        'high',
    ),
    Rule(
        Code.UNSCANNABLE,
        'UnscannableFile',
        'File could not be scanned',
        'A file given to aws-key-guard could not be read: missing, unreadable, or not a '
        'regular file. The scan fails closed, because an unread file may hold a key.',
        'Make the file readable by the user running the scan, or exclude it from the '
        'hook if it is not content (a socket, a device), then run the scan again. The '
        'message says why it could not be read.',
        'error',
        '5.0',
        'very-high',
    ),
)
_RULE_INDEX: Final = {rule.code: i for i, rule in enumerate(RULES)}


def severity(finding: Finding, *, block_lone_key_ids: bool = False) -> str:
    """`warning` for a lone key ID that does not block, `error` for everything else."""
    if finding.code is Code.UNSCANNABLE or blocks(
        finding.code, block_lone_key_ids=block_lone_key_ids
    ):
        return 'error'
    return 'warning'


def display_name(filename: str) -> str:
    """The name as text: UTF-8, with each byte that is not UTF-8 shown as `\\xNN`."""
    return os.fsencode(filename).decode('utf-8', 'backslashreplace')


def artifact_uri(filename: str) -> str:
    """A URI reference for the name: relative stays relative, every odd byte %-encoded."""
    raw = os.fsencode(filename)
    while raw.startswith(b'./'):
        raw = raw[2:]
    # Encoding ':' also keeps a first segment like `a:b` from reading as a scheme.
    uri = quote(raw, safe='/')
    return f'file://{uri}' if raw.startswith(b'/') else uri


def _utf8(text: str) -> bytes:
    # Names are already safe (display_name); this keeps odd text in an OS message from crashing.
    return text.encode(errors='backslashreplace')


def end_column(finding: Finding) -> int | None:
    """The column just past the token; unknown when a decoding layer revealed it."""
    token = finding.value
    if token is None or finding.layer is not None:
        return None
    return finding.col + len(token)


def _json_finding(filename: str, finding: Finding, block_lone_key_ids: bool) -> dict[str, object]:
    key_id, token, end = finding.key_id, finding.value, end_column(finding)
    account = None if key_id is None else decode_account(key_id)
    return {
        'path': display_name(filename),
        'line': finding.line,
        'column': finding.col,
        'end_line': None if end is None else finding.line,
        'end_column': end,
        'code': finding.code,
        'severity': severity(finding, block_lone_key_ids=block_lone_key_ids),
        'message': describe(finding),
        'masked_key_id': None if key_id is None else mask_key_id(key_id, account=False),
        'key_line': finding.key_line,
        'account': None if account is None else f'{account:012d}',
        'fingerprint': None if token is None else fingerprint(token),
        'layer': finding.layer,
        'commit': finding.commit,
        'verdict': finding.verdict,
    }


def format_json(files: Iterable[FileFindings], *, block_lone_key_ids: bool = False) -> bytes:
    """One JSON document listing every finding of every file."""
    findings = [
        _json_finding(filename, finding, block_lone_key_ids)
        for filename, file_findings in files
        for finding in file_findings
    ]
    document = {'tool': 'aws-key-guard', 'version': __version__, 'findings': findings}
    return _utf8(json.dumps(document, indent=2, ensure_ascii=False) + '\n')


def _escape_data(text: str) -> str:
    # '%' first, so the escapes added after it are not escaped again.
    return text.replace('%', '%25').replace('\r', '%0D').replace('\n', '%0A')


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(':', '%3A').replace(',', '%2C')


_BREAKS: Final = '\r\n'  # escaped by GitHub's own rules


def format_github(
    filename: str, findings: Iterable[Finding], *, block_lone_key_ids: bool = False
) -> bytes:
    """One `::error` (or `::warning`) workflow command per finding."""
    # GitHub's escapes cover CR, LF and its separators; other control
    # characters (ESC would drive the log viewer) are shown escaped.
    name = _escape_property(printable(display_name(filename), keep=_BREAKS))
    return _utf8(
        ''.join(
            f'::{severity(f, block_lone_key_ids=block_lone_key_ids)} '
            f'file={name},line={f.line},col={f.col},title={_escape_property(f.code)}'
            f'::{_escape_data(printable(describe(f), keep=_BREAKS))}\n'
            for f in findings
        )
    )


def _sarif_rule(rule: Rule) -> dict[str, object]:
    return {
        'id': rule.code,
        'name': rule.name,
        'shortDescription': {'text': rule.short},
        'fullDescription': {'text': rule.full},
        'defaultConfiguration': {'level': rule.level},
        'help': {'text': rule.help, 'markdown': rule.help},
        'helpUri': REAL_KEY_HELP,
        'properties': {
            'tags': ['security', 'secret', 'aws'],
            'precision': rule.precision,
            'security-severity': rule.security_severity,
        },
    }


def _sarif_result(uri: str, finding: Finding, n: int, level: str) -> dict[str, object]:
    token = finding.value
    # A file that could not be read has no token: its identity is the path and code.
    fp = fingerprint(finding.code.encode() if token is None else token)
    # GitHub matches alerts across commits by primaryLocationLineHash alone;
    # deriving it from the key, not the line, keeps the alert when lines move.
    fingerprints = {'primaryLocationLineHash': f'{fp.removeprefix("sha256:")}:{n}'}
    if token is not None:
        fingerprints[FINGERPRINT_KEY] = fp
    # SARIF counts columns in UTF-16 code units; a finding's col counts bytes.
    column = finding.col if finding.units is None else finding.units
    region = {'startLine': finding.line, 'startColumn': column}
    end = end_column(finding)
    if end is not None:
        region.update(endLine=finding.line, endColumn=end - finding.col + column)
    location = {'physicalLocation': {'artifactLocation': {'uri': uri}, 'region': region}}
    result: dict[str, object] = {
        'ruleId': finding.code,
        'ruleIndex': _RULE_INDEX[finding.code],
        'level': level,
        'message': {'text': describe(finding)},
        'locations': [location],
        'partialFingerprints': fingerprints,
    }
    properties = {'layer': finding.layer, 'commit': finding.commit, 'verdict': finding.verdict}
    if properties := {k: v for k, v in properties.items() if v is not None}:
        result['properties'] = properties
    return result


def format_sarif(files: Iterable[FileFindings], *, block_lone_key_ids: bool = False) -> bytes:
    """A SARIF 2.1.0 log that GitHub code scanning accepts."""
    results = []
    seen: dict[tuple[str, str, bytes | None], int] = {}
    for filename, findings in files:
        uri = artifact_uri(filename)
        for finding in findings:
            # The count tells apart the same key found more than once at one path.
            key = (uri, finding.code, finding.value)
            seen[key] = seen.get(key, 0) + 1
            level = severity(finding, block_lone_key_ids=block_lone_key_ids)
            results.append(_sarif_result(uri, finding, seen[key], level))
    driver = {
        'name': 'aws-key-guard',
        'version': __version__,
        'semanticVersion': __version__,
        'informationUri': HOME,
        'rules': [_sarif_rule(rule) for rule in RULES],
    }
    log = {
        '$schema': SARIF_SCHEMA,
        'version': '2.1.0',
        'runs': [{'tool': {'driver': driver}, 'columnKind': 'utf16CodeUnits', 'results': results}],
    }
    return _utf8(json.dumps(log, indent=2, ensure_ascii=False) + '\n')
