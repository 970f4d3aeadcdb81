"""Inline allow markers, found in the byte stream on its way to the detector."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from typing import Final
from typing import NamedTuple

# Every marker contains this word, and it is rare enough in source text that
# one bytes.find per read costs a few percent of the scan.
_TRIGGER: Final = b'allow'
REASON_MAX: Final = 200
# (text before the trigger, text after it, name as documented, covers the next line, foreign)
_Form = tuple[bytes, bytes, str, bool, bool]
_FORMS: Final[tuple[_Form, ...]] = (
    (b'aws-key-guard:', b'-next-line', 'aws-key-guard: allow-next-line', True, False),
    (b'aws-key-guard:', b'', 'aws-key-guard: allow', False, False),
    (b'pragma:', b'list nextline secret', 'pragma: allowlist nextline secret', True, True),
    (b'pragma:', b'list secret', 'pragma: allowlist secret', False, True),
    (b'pragma:', b'list-secret', 'pragma: allowlist secret', False, True),
    (b'gitleaks:', b'', 'gitleaks:allow', False, True),
)
_BEHIND: Final = 32  # room for the longest prefix plus spaces before the trigger
_AHEAD: Final = len(_TRIGGER) + max(len(f[1]) for f in _FORMS) + 1 + REASON_MAX
# A marker word must end here: `aws-key-guard: allowed` is prose, not a marker.
_WORD: Final = frozenset(b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')
_FINGERPRINT_LEN: Final = len('sha256:') + 12
_HEX: Final = frozenset('0123456789abcdef')
# Comment closers end a reason: what follows them on the line is code, perhaps the key.
_CLOSERS: Final = ('*/', '-->')


class Marker(NamedTuple):
    line_start: int  # offset of the first byte of the line it covers
    name: str
    next_line: bool
    fingerprints: frozenset[str]  # if any, it covers only the values with these
    reason: str  # key-like runs masked, so printing it never shows a credential


def is_fingerprint(word: str) -> bool:
    """True for `sha256:` and 12 lower-case hex digits, as findings print them."""
    return len(word) == _FINGERPRINT_LEN and word.startswith('sha256:') and set(word[7:]) <= _HEX


def _mask(text: str) -> str:
    import re

    # 20+ characters that could be part of a key, escaped or URL-encoded included.
    return re.sub(r'[A-Za-z0-9+/%\\]{20,}', '[masked]', text)


def _parse_text(raw: bytes) -> tuple[frozenset[str], str]:
    # Cut at REASON_MAX bytes, the last character may be a fragment: drop it.
    text = raw.split(b'\n', 1)[0].decode('utf-8', 'ignore')
    for closer in _CLOSERS:
        text = text.split(closer, 1)[0]
    words = text.split()
    count = 0
    while count < len(words) and is_fingerprint(words[count]):
        count += 1
    reason = ' '.join(words[count:]).lstrip(':-').strip()
    return frozenset(words[:count]), _mask(reason)


def _match(buf: bytes, pos: int, forms: tuple[_Form, ...]) -> _Form | None:
    before = buf[max(0, pos - _BEHIND) : pos].rstrip(b' \t')
    after = pos + len(_TRIGGER)
    for form in forms:
        prefix, suffix = form[0], form[1]
        if before.endswith(prefix) and buf.startswith(suffix, after):
            end = after + len(suffix)
            if end == len(buf) or buf[end] not in _WORD:
                return form
    return None


class _Watcher:
    def __init__(self, found: list[Marker], forms: tuple[_Form, ...]) -> None:
        self.found = found
        self.forms = forms
        self.buf = b''
        self.base = 0  # absolute offset of buf[0]
        self.start = 0  # first index of buf not yet searched
        self.head = 0  # absolute offset of the line that holds buf[0]
        self.waiting: list[Marker] = []  # next-line markers whose own line has not ended

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if self.waiting and (nl := chunk.find(b'\n')) != -1:
            line_start = self.base + len(self.buf) + nl + 1
            self.found.extend(m._replace(line_start=line_start) for m in self.waiting)
            self.waiting.clear()
        buf = self.buf = self.buf + chunk
        # A hit is judged once its reason is wholly in the buffer, or at the end.
        end = len(buf) if final else len(buf) - _AHEAD
        pos = buf.find(_TRIGGER, self.start)
        while pos != -1 and pos < end:
            self._judge(pos)
            pos = buf.find(_TRIGGER, pos + 1)
        # At the end, a next-line marker still waiting has no line to cover.
        self.start = max(self.start, end)
        keep = max(0, self.start - _BEHIND)
        if (nl := buf.rfind(b'\n', 0, keep)) != -1:
            self.head = self.base + nl + 1
        self.buf = buf[keep:]
        self.base += keep
        self.start -= keep

    def _judge(self, pos: int) -> None:
        buf = self.buf
        form = _match(buf, pos, self.forms)
        if form is None:
            return
        _, suffix, name, next_line, _ = form
        text_at = pos + len(_TRIGGER) + len(suffix)
        fingerprints, reason = _parse_text(buf[text_at : text_at + REASON_MAX])
        marker = Marker(-1, name, next_line, fingerprints, reason)
        if not next_line:
            nl = buf.rfind(b'\n', 0, pos)
            line_start = self.head if nl == -1 else self.base + nl + 1
            self.found.append(marker._replace(line_start=line_start))
        elif (nl := buf.find(b'\n', text_at)) != -1:
            self.found.append(marker._replace(line_start=self.base + nl + 1))
        else:
            self.waiting.append(marker)


def watch_markers(
    chunks: Iterable[bytes], found: list[Marker], *, foreign: bool = True
) -> Iterator[bytes]:
    """Pass chunks through unchanged, appending the markers they hold to `found`."""
    forms = _FORMS if foreign else tuple(f for f in _FORMS if not f[4])
    watcher = _Watcher(found, forms)
    for chunk in chunks:
        watcher.feed(chunk)
        yield chunk
    watcher.feed(b'', final=True)
