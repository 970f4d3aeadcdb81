"""Inline allow markers, found in the byte stream on its way to the detector."""

from __future__ import annotations

from aws_key_guard import decode

# Light to import: the hook's everyday path watches every file it scans, and
# the Marker record (typing) is imported only once a marker is found.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from collections.abc import Iterator
    from typing import Final

    from aws_key_guard.model import Marker

# Every marker contains this word, so one bytes.find per read finds them all;
# on a file with no marker that search is the whole cost (bench/allow_overhead.py).
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
_EDGE: Final = len(_TRIGGER) - 1  # bytes of a trigger that can lie on either side of a seam
_TAIL: Final = _BEHIND + _EDGE
# Runs of this many key characters are masked in a reason (see mask_runs).
_RUN: Final = 20
# A reason is read _RUN bytes past its cap: a run that starts before the cap is
# then seen long enough to be masked before the reason is cut.
_AHEAD: Final = len(_TRIGGER) + max(len(f[1]) for f in _FORMS) + 1 + REASON_MAX + _RUN
_BEFORE: Final = frozenset(b': \t')  # what every marker has just before the trigger
_MARKED: Final = b':[ \t]*' + _TRIGGER
_DENSE: Final = 64  # triggers in one read past which the rest are found by pattern
# A marker word must end here: `aws-key-guard: allowed` is prose, not a marker.
_WORD: Final = frozenset(b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')
# Comment closers end a reason: what follows them on the line is code, perhaps the key.
_CLOSERS: Final = ('*/', '-->')


def _runs(text: str) -> Iterator[tuple[int, int]]:
    import re

    # 20+ characters that could be part of a key, escaped, URL-encoded or written
    # with character references (`&#47;`, `&sol;`) included.
    for m in re.finditer(rf'[A-Za-z0-9+/%\\&#;=]{{{_RUN},}}', text):
        yield m.span()


def mask_runs(text: str, limit: int | None = None) -> str:
    """The text (cut at `limit` characters) with key-like runs shown as `[masked]`."""
    # Masked before it is cut: a cut could leave too short a piece of a key to mask.
    end = len(text) if limit is None else limit
    parts = []
    pos = 0
    for start, stop in _runs(text):
        if start >= end:
            break
        parts += [text[pos:start], '[masked]']
        pos = stop
    parts.append(text[pos:end])
    return ''.join(parts)


def _parse_text(raw: bytes) -> tuple[frozenset[str], str]:
    # A character cut in two at the end of the read is dropped.
    line = raw.split(b'\n', 1)[0]
    text = line.decode('utf-8', 'ignore')
    for closer in _CLOSERS:
        text = text.split(closer, 1)[0]
    # The reason holds REASON_MAX bytes; the _RUN bytes read past them show
    # whether a run that starts before the cut is long enough to be masked.
    text = mask_runs(text, len(line[:REASON_MAX].decode('utf-8', 'ignore')))
    from aws_key_guard.fingerprint import is_fingerprint  # once a marker is found

    words = text.split()
    count = 0
    while count < len(words) and is_fingerprint(words[count]):
        count += 1
    reason = ' '.join(words[count:]).lstrip(':-').strip()
    return frozenset(words[:count]), reason


def _match(ctx: bytes, pos: int, forms: tuple[_Form, ...]) -> _Form | None:
    before = ctx[max(0, pos - _BEHIND) : pos].rstrip(b' \t')
    after = pos + len(_TRIGGER)
    for form in forms:
        prefix, suffix = form[0], form[1]
        if before.endswith(prefix) and ctx.startswith(suffix, after):
            end = after + len(suffix)
            if end == len(ctx) or ctx[end] not in _WORD:
                return form
    return None


def _triggers(chunk: bytes) -> Iterator[int]:
    """Offsets in chunk of the triggers that may be part of a marker."""
    seen = 0
    pos = chunk.find(_TRIGGER)
    while pos != -1:
        # Cheap tests first (`disallow`, `.allow(`, prose): every marker has a
        # colon shortly before the trigger and no letter right before it.
        if pos < _BEHIND or (
            chunk[pos - 1] in _BEFORE and chunk.rfind(b':', pos - _BEHIND, pos) != -1
        ):
            yield pos
        seen += 1
        if seen > _DENSE and pos >= _BEHIND:
            # A read full of the word (a flood, prose): a pattern finds, in C,
            # the few that follow a colon and blanks, as every marker's does.
            for m in decode.pattern(_MARKED).finditer(chunk, pos + 1):
                yield m.end() - len(_TRIGGER)
            return
        pos = chunk.find(_TRIGGER, pos + 1)


# A trigger's absolute offset, its line's start, up to _BEHIND bytes before it,
# and the trigger with the bytes after it, up to _AHEAD in all. A plain tuple:
# each record class costs import time on every commit.
_Hit = tuple[int, int, bytes, bytes]


class MarkerWatcher:
    """Finds the markers in the chunks that pass through watch(); `markers` holds them.

    Each read is searched in place; only small windows around hits are copied.
    """

    def __init__(self, *, foreign: bool = True, cap: int | None = None) -> None:
        self.found: list[Marker] = []
        self.forms = _FORMS if foreign else tuple(f for f in _FORMS if not f[4])
        self.cap = cap  # past this many markers, the stream is to end (cut)
        self.cut: int | None = None
        self.stop: int | None = None  # with cut: the end of the read in which the cap was passed
        self.base = 0  # absolute offset of the current read
        self.head = 0  # absolute offset of the line the current read starts in
        self.tail = b''  # the last _TAIL bytes before the current read
        self.open: list[_Hit] = []  # hits still reading the bytes after them
        # Pending next-line markers, by index in `found`: those of earlier reads
        # all wait for the next newline; those of this read, from where each
        # one's text was read to.
        self.waiting: list[int] = []
        self.fresh: list[tuple[int, int]] = []

    @property
    def markers(self) -> list[Marker]:
        """The markers found, in file order once the stream has ended."""
        return self.found

    def watch(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Pass chunks through unchanged while finding their markers.

        Past `cap` markers (waiting next-line ones count) the stream ends, and
        `cut` is the offset of the line the first one past the cap covers.
        """
        for chunk in chunks:
            self.feed(chunk)
            yield chunk
            if self.cut is not None:
                break
        self.finish()

    def feed(self, chunk: bytes) -> None:
        still_open: list[_Hit] = []
        for offset, line_start, before, after in self.open:
            hit = (offset, line_start, before, after + chunk[: _AHEAD - len(after)])
            if len(hit[3]) < _AHEAD:
                still_open.append(hit)
            else:
                self._judge(hit)
        self.open = still_open
        # A trigger that began in an earlier read: every match in this seam does,
        # and holds no newline, so its line started where this read's line did.
        seam = self.tail[-_EDGE:] + chunk[:_EDGE]
        if (pos := seam.find(_TRIGGER)) != -1:
            self._found(self.base - len(self.tail[-_EDGE:]) + pos, self.head, chunk)
        # Each hit looks back for its line's start only as far as the hit before
        # it, so a long line full of the word costs linear time.
        line_start, searched = self.head, 0
        for pos in _triggers(chunk):
            if (nl := chunk.rfind(b'\n', searched, pos)) != -1:
                line_start = self.base + nl + 1
            self._found(self.base + pos, line_start, chunk)
            searched = pos
        self._settle(chunk)
        if (nl := chunk.rfind(b'\n')) != -1:
            self.head = self.base + nl + 1
        self.tail = (self.tail + chunk[-_TAIL:])[-_TAIL:]
        self.base += len(chunk)
        if self.cap is not None and len(self.found) > self.cap:
            self.cut = self.found[self.cap].line_start
            self.stop = self.base

    def _settle(self, chunk: bytes) -> None:
        # Each newline is searched for once, whatever the number of markers
        # waiting for it: a line of nothing but markers costs linear time.
        if self.waiting and (nl := chunk.find(b'\n')) != -1:
            self._cover(self.waiting, self.base + nl + 1)
            self.waiting = []
        start, nl = -1, -1  # where the last search began, and the newline it found
        for index, search_from in self.fresh:
            if start == -1 or (nl != -1 and search_from > nl):
                start = max(0, search_from - self.base)
                nl = chunk.find(b'\n', start)
            if nl == -1:
                self.waiting.append(index)
            else:
                self._cover([index], self.base + nl + 1)
        self.fresh = []

    def _cover(self, indexes: list[int], line_start: int) -> None:
        for i in indexes:
            self.found[i] = self.found[i]._replace(line_start=line_start, pending=False)

    def _found(self, offset: int, line_start: int, chunk: bytes) -> None:
        i = offset - self.base  # negative for a trigger that began in the tail
        if i >= _BEHIND:
            before = chunk[i - _BEHIND : i]
        else:
            before = (self.tail + chunk[: max(0, i)])[: len(self.tail) + i][-_BEHIND:]
        after = (self.tail[i:] if i < 0 else b'') + chunk[max(0, i) : i + _AHEAD]
        hit = (offset, line_start, before, after)
        if len(after) < _AHEAD:
            self.open.append(hit)
        else:
            self._judge(hit)

    def finish(self) -> None:
        # Hits cut short by the end of the stream; next-line markers still
        # waiting have no line to cover.
        for hit in self.open:
            self._judge(hit)
        self.found[:] = [m for m in self.found if not m.pending]
        # In file order: a next-line marker sits above the line it covers.
        self.found.sort(key=lambda m: (m.line_start, not m.next_line, m.name, m.reason))

    def _judge(self, hit: _Hit) -> None:
        offset, line_start, before, after = hit
        ctx = before + after
        pos = len(before)
        form = _match(ctx, pos, self.forms)
        if form is None:
            return
        _, suffix, name, next_line, _ = form
        text_at = pos + len(_TRIGGER) + len(suffix)
        fingerprints, reason = _parse_text(ctx[text_at : text_at + REASON_MAX + _RUN])
        from aws_key_guard.model import Marker

        marker = Marker(line_start, name, next_line, fingerprints, reason)
        if not next_line:
            self.found.append(marker)
            return
        ctx_start = offset - pos
        if (nl := ctx.find(b'\n', text_at)) != -1:
            self.found.append(marker._replace(line_start=ctx_start + nl + 1))
        else:
            self.fresh.append((len(self.found), ctx_start + len(ctx)))
            self.found.append(marker._replace(pending=True))
