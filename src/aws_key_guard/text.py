"""Findings as text: one line each, names quoted as git quotes them, secrets as fingerprints."""

from __future__ import annotations

from aws_key_guard.account import decode_account
from aws_key_guard.fingerprint import fingerprint
from aws_key_guard.model import Allowed
from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Kind
from aws_key_guard.probe import DEFAULT_BASELINE
from aws_key_guard.system import fsencode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import BinaryIO
    from typing import Final

# git's quoting of names (core.quotePath, its default): a name with a control
# byte, '"', '\\' or a byte of 0x80 or more is shown in double quotes, with C
# escapes and three octal digits for the other bytes, so it stays on one line
# and cannot drive a terminal.
_QUOTED: Final = {7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 34: '"', 92: '\\'}
_NAME_BYTES: Final = [
    f'\\{_QUOTED[b]}'.encode()
    if b in _QUOTED
    else bytes([b])
    if 0x20 <= b < 0x7F
    else f'\\{b:03o}'.encode()
    for b in range(256)
]
_PLAIN_NAME_BYTES: Final = bytes(b for b in range(0x20, 0x7F) if b not in _QUOTED)


def quote_name(filename: str) -> bytes:
    """The name as git prints it with core.quotePath: as is, or quoted and escaped."""
    raw = fsencode(filename)
    if not raw.translate(None, _PLAIN_NAME_BYTES):
        return raw
    return b'"' + b''.join(_NAME_BYTES[b] for b in raw) + b'"'


def printable(text: str, *, ascii_only: bool = False, keep: str = '') -> str:
    """Text safe on one line: each character that is not printable as `\\xNN`, `\\uNNNN`.

    With ascii_only, each character beyond printable ASCII is escaped too.
    """
    if text.isprintable() and (text.isascii() or not ascii_only):
        return text
    return ''.join(
        c if c in keep or (c.isprintable() and (c.isascii() or not ascii_only)) else _escape(c)
        for c in text
    )


def _escape(char: str) -> str:
    n = ord(char)
    return f'\\x{n:02x}' if n < 0x100 else f'\\u{n:04x}' if n < 0x10000 else f'\\U{n:08x}'


def mask_key_id(key_id: bytes, *, account: bool = True) -> str:
    """A key ID's prefix and last four characters, e.g. `AKIA...WXYZ`, and its account."""
    masked = f'{key_id[:4].decode()}...{key_id[-4:].decode()}'
    number = decode_account(key_id) if account else None
    return masked if number is None else f'{masked} (account {number:012d})'


def describe(finding: Finding) -> str:
    """The message part of a finding's line."""
    message = _describe(finding)
    if finding.commit is not None:
        message += f' in commit {finding.commit[:12]}'
    if finding.verdict is not None:
        message += f' [{finding.verdict}]'
    return message


def _describe(finding: Finding) -> str:
    if finding.code is Code.UNSCANNABLE:
        return f'cannot scan file: {finding.reason}'
    if finding.key_id is not None and finding.secret is not None:
        return (
            f'AWS access key pair: secret [{fingerprint(finding.secret)}] '
            f'with access key ID {mask_key_id(finding.key_id)} at line {finding.key_line}'
        )
    if finding.code is Code.SESSION_TOKEN:
        assert finding.secret is not None  # noqa: S101 -- AKG004 always carries its token
        return f'AWS session token [{fingerprint(finding.secret)}]'
    if finding.secret is not None:
        return f'AWS secret access key [{fingerprint(finding.secret)}] with no access key ID'
    assert finding.key_id is not None  # noqa: S101 -- AKG003 always carries its key ID
    return f'AWS access key ID {mask_key_id(finding.key_id)} with no secret'


def format_finding(filename: str, finding: Finding) -> bytes:
    """`path:line:col: CODE message` as bytes; the name quoted as git quotes it."""
    message = printable(describe(finding))
    location = f':{finding.line}:{finding.col}: {finding.code} {message}\n'
    return quote_name(filename) + location.encode()


def format_allowed(filename: str, allowed: Allowed) -> bytes:
    """`path:line:col: allowed ... (why)`, for auditing what was let through."""
    if allowed.finding is not None:
        what = f'{allowed.finding.code} {describe(allowed.finding)}'
    else:
        assert allowed.candidate is not None  # noqa: S101 -- one of the two is always set
        token = allowed.candidate.token
        if allowed.candidate.kind is Kind.KEY_ID:
            # A built-in placeholder or example belongs to no account.
            what = f'AWS access key ID {mask_key_id(token, account=False)}'
        else:
            what = f'AWS secret access key [{fingerprint(token)}]'
    location = (
        f':{allowed.line}:{allowed.col}: allowed {printable(what)} ({printable(allowed.why)})\n'
    )
    return quote_name(filename) + location.encode()


def write_findings(
    stream: BinaryIO, filename: str, findings: Iterable[Finding], allowed: Iterable[Allowed] = ()
) -> None:
    """Write one line per finding, and per allowed value if any are given, in line order."""
    lines = [((f.line, f.col), format_finding(filename, f)) for f in findings]
    lines += [((a.line, a.col), format_allowed(filename, a)) for a in allowed]
    stream.write(b''.join(line for _, line in sorted(lines, key=lambda pair: pair[0])))


HOME: Final = 'https://github.com/aws-key-guard/aws-key-guard'
REAL_KEY_HELP: Final = f'{HOME}#if-it-finds-a-real-key'


def format_summary(findings: int, files: int) -> bytes:
    """The count of blocking findings and what to do next, a few lines for stderr."""
    plural = 's' if findings != 1 else ''
    where = f'{files} file' + ('s' if files != 1 else '')
    return (
        f'aws-key-guard: {findings} blocking finding{plural} in {where}\n'
        f'  a real key: deactivate and rotate it in IAM first, see {REAL_KEY_HELP}\n'
        '  a test value: add the comment `aws-key-guard: allow <reason>` '
        'to the line the finding names,\n'
        '  or record it in the baseline: '
        f'aws-key-guard --write-baseline {DEFAULT_BASELINE} FILE\n'
    ).encode()
