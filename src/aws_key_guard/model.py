"""Shared records: candidate tokens, findings, allowed values, markers, the finding codes."""

from __future__ import annotations

from aws_key_guard.fingerprint import fingerprint
from aws_key_guard.record import Choice
from aws_key_guard.record import Record


class Kind(Choice):
    KEY_ID = 'key-id'
    SECRET = 'secret'  # noqa: S105 -- a kind's name, not a password
    SESSION_TOKEN = 'session-token'  # noqa: S105 -- a kind's name, not a password


class Code(str, Choice):
    """The finding codes: stable API, never renumbered."""

    PAIR = 'AKG001'
    SECRET = 'AKG002'  # noqa: S105 -- a code's name, not a password
    KEY_ID = 'AKG003'
    SESSION_TOKEN = 'AKG004'  # noqa: S105 -- a code's name, not a password
    UNSCANNABLE = 'AKG900'

    # Printed, compared and hashed as the code itself.
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return self.value.__format__(spec)


def blocks(code: Code, *, block_lone_key_ids: bool) -> bool:
    """True if a finding with this code stops a commit (AKG900 is an error, not a finding)."""
    if code is Code.UNSCANNABLE:
        return False
    return code is not Code.KEY_ID or block_lone_key_ids


class Secret(bytes):
    """A credential token whose repr never shows its value."""

    def __repr__(self) -> str:
        return f'<{len(self)}-byte secret>'

    __str__ = __repr__


class Candidate(Record):
    kind: Kind
    line: int
    col: int
    offset: int
    token: Secret
    context: bool = False
    layer: str | None = None  # the decoding that revealed it; None for plain bytes
    # The column in UTF-16 code units, as SARIF counts, where non-ASCII text
    # before it on its line makes that differ from col (which counts bytes).
    units: int | None = None
    # The database row it stands in (sqlite.py): its key IDs and secrets pair
    # with each other first, however far apart its columns lie in the file.
    row: int | None = None


class Finding(Record):
    code: Code
    line: int
    col: int
    key_id: bytes | None = None
    secret: Secret | None = None
    key_line: int | None = None
    reason: str | None = None  # why an AKG900 file could not be scanned
    layer: str | None = None
    commit: str | None = None  # the commit that introduced it, for history scans
    verdict: str | None = None  # what --verify learnt of a pair, e.g. 'rejected'
    units: int | None = None  # the column in UTF-16 code units, where it differs from col

    @property
    def value(self) -> bytes | None:
        """What the finding is known by: its secret, else its key ID; None for AKG900."""
        return self.secret if self.secret is not None else self.key_id

    @property
    def fingerprint(self) -> str | None:
        """The value's fingerprint, as printed and as baselines store it."""
        return None if self.value is None else fingerprint(self.value)


class Allowed(Record):
    line: int
    col: int
    why: str  # the marker and its reason, the baseline, the config or the built-in rule
    finding: Finding | None = None  # what would have been reported
    candidate: Candidate | None = None  # or a built-in example, dropped before pairing


class Marker(Record):
    """An allow marker: the line it covers, and what it says."""

    line_start: int  # offset of the first byte of the line it covers
    name: str
    next_line: bool
    fingerprints: frozenset[str]  # if any, it covers only the values with these
    reason: str  # key-like runs masked, so printing it never shows a credential
    # A next-line marker whose line has not ended yet: it covers nothing, but
    # it is kept in the list, so that it counts toward any cap on markers.
    pending: bool = False
