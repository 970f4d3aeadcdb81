"""Shared records: candidate tokens, findings, allowed values and the one project exception."""

from __future__ import annotations

import enum
from typing import NamedTuple

# ScanError lives apart so that a clean commit never pays for enum and typing.
from aws_key_guard.error import ScanError as ScanError


class Kind(enum.Enum):
    KEY_ID = 'key-id'
    SECRET = 'secret'  # noqa: S105 -- a kind's name, not a password
    SESSION_TOKEN = 'session-token'  # noqa: S105 -- a kind's name, not a password


class Secret(bytes):
    """A credential token whose repr never shows its value."""

    def __repr__(self) -> str:
        return f'<{len(self)}-byte secret>'

    __str__ = __repr__


class Candidate(NamedTuple):
    kind: Kind
    line: int
    col: int
    offset: int
    token: Secret
    context: bool = False
    layer: str | None = None  # the decoding that revealed it; None for plain bytes


class Finding(NamedTuple):
    code: str
    line: int
    col: int
    key_id: bytes | None = None
    secret: Secret | None = None
    key_line: int | None = None
    reason: str | None = None  # why an AKG900 file could not be scanned
    layer: str | None = None
    commit: str | None = None  # the commit that introduced it, for history scans
    verdict: str | None = None  # what --verify learnt of a pair, e.g. 'rejected'


class Allowed(NamedTuple):
    line: int
    col: int
    why: str  # the marker and its reason, the baseline, the config or the built-in rule
    finding: Finding | None = None  # what would have been reported
    candidate: Candidate | None = None  # or a built-in example, dropped before pairing
