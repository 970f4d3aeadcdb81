"""Byte chunks in, candidate key IDs, secrets and session tokens out, placed by line and column.

Each read is judged as plain bytes, then through the views that may hide a
token (escapes are judged inside the matchers, UTF-16 and base64 here).
"""

from __future__ import annotations

from aws_key_guard import decode
from aws_key_guard import tokens
from aws_key_guard.randomness import is_one_case
from aws_key_guard.randomness import is_placeholder
from aws_key_guard.tokens import Hit
from aws_key_guard.window import Window

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Final
    from typing import Literal

    from aws_key_guard.model import Candidate

# A token is judged only once the bytes after its longest form are in the
# buffer (a session token, twice over in UTF-16).
LOOKAHEAD: Final = 2 * tokens.SESSION_TOKEN_MAX + 64
# Bytes kept before the first unjudged one: context in UTF-16 (two bytes a
# character) and the start of an escaped secret (tokens.ESCAPED_MAX).
KEEP_BEFORE: Final = 512
# 'auto' searches with bytes.find until FIND_LIMIT bytes, then with patterns;
# 'patterns' has patterns pick the prefixes to judge in every read, as in a flood.
_SEARCHES: Final = {
    'auto': (tokens.FIND_LIMIT, tokens.PREFIXES_BY_HAND),
    'find': (1 << 62, tokens.PREFIXES_BY_HAND),
    'regex': (-1, tokens.PREFIXES_BY_HAND),
    'patterns': (-1, 0),
}
_BASE64: Final = frozenset(decode.BASE64_CHARS)
# A wrapped block is decoded whole only if every read holds it whole.
_WRAP_REACH: Final = LOOKAHEAD - 256
# Decoded bytes kept before a judged base64 char offset cover CONTEXT_BEFORE.
_BASE64_BEFORE: Final = 4 * (tokens.CONTEXT_BEFORE // 3 + 2)
# In UTF-16 text a key ID's 20 characters alternate with NUL bytes, in both
# byte orders; binary data with NULs rarely does, and is spared the views.
_UTF16_RUN: Final = b'0x' * (tokens.KEY_ID_LEN - 1)
# In UTF-32 text three NUL bytes stand between its characters.
_UTF32_RUN: Final = b'x000' * (tokens.KEY_ID_LEN - 1) + b'x'
# NULs looked at one by one before the run map is searched, unless the map's
# first _SAMPLE bytes hold _SAMPLE_BLANKS blanks or more.
_NULS_BY_HAND: Final = 64
_SAMPLE: Final = 256
_SAMPLE_BLANKS: Final = 16
_EQUALS: Final = ord('=')
# Runs remembered per scan as decoding to nothing wherever they stand: a
# flood of one costs a set lookup each. Bounded: the set starts over when full.
_MEMO_MAX: Final = 4096
# Triggers this far before a read's start still open chains that reach into it.
_JOINED_BACK: Final = 256
# A terminal's colour codes (`ESC[1;31m`, and `ESC[K` after them), raw or escaped as JSON, a C
# string or a shell writes them: committed logs, notebook tracebacks and
# `grep --color` output put one right before a value, its `m` a joiner.
_ANSI: Final = rb'(?:\x1b|\\u001[bB]|\\x1[bB]|\\033|\\e)\[[0-9;]{0,32}[mK]'
_ANSI_LEADS: Final = (b'\x1b[', b'1b[', b'1B[', b'033[', b'\\e[')
# More secret-length runs in one read than text holds (a read is 64 KiB): past
# this many, a flood map (_flood_map) spares the rest's near-candidates.
_FLOOD_RUNS: Final = 32


def _plain(buf: bytes, pos: int, stop: int, start: int, end: int, final: bool) -> bytes | None:
    """The run buf[pos:stop] if it lies whole in the window with no escape in it: most runs."""
    if pos < start or stop > end or (stop == len(buf) and not final):
        return None
    if pos and buf[pos - 1] == _EQUALS and buf[pos : pos + 2] == b'3D':
        return None  # after `=3D`, quoted-printable's '=': the rest may be a token
    if stop - pos == tokens.SECRET_LEN + 1 and tokens.after_diff_marker(buf, pos + 1):
        return None  # `+<secret>`, a line a diff adds: the rest is a token
    if tokens.sized(buf, pos, stop):
        return None  # a binary record's string: its first 40 may be a secret
    token = buf[pos:stop]
    return None if b'\\' in token or b'%' in token else token


def _placed(view: decode.View, hits: list[Hit], buf: bytes, value: int | None) -> list[Hit]:
    """A view's hits at their offsets in buf; value is where a whole base64 value starts."""
    placed = []
    for hit in hits:
        context = hit.context
        if hit.offset == 0 and value is not None and hit.kind == tokens.SECRET and not context:
            # A whole value such as a Kubernetes `data:` entry: the words are outside.
            context = tokens.has_context(buf, value)
        placed.append(Hit(view.place(hit.offset), hit.kind, hit.token, context, view.layer))
    return placed


class _Runs:
    """What the runs of a read gave: hits, base64 runs to decode, and quiet runs (plain
    tokens that hold nothing wherever they stand)."""

    __slots__ = ('base64', 'escaped', 'hits', 'quiet')

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.base64: list[tuple[int, int]] = []
        self.quiet: list[tuple[int, int]] = []
        self.escaped = 0  # runs with escapes in them


def _flood_table(lower: bytes, other: bytes) -> bytes:
    """A translate table: 'x' for lower, 'y' for other, '0' for NUL, ' ' for every other byte."""
    table = bytearray(b' ' * 256)
    table[0] = ord('0')
    for b in other:
        table[b] = ord('y')
    for b in lower:
        table[b] = ord('x')
    return bytes(table)


def _words_table(members: bytes) -> bytes:
    """A translate table that keeps members and NUL and makes every other byte ' '."""
    table = bytearray(b' ' * 256)
    table[0] = 0
    for b in members:
        table[b] = b
    return bytes(table)


def _escape_marks() -> bytes:
    """decode.shortened's output as marks: 'x' for base64, 'e' for a common inner
    escape, 'L' for any other escape character, ' ' for every other byte."""
    table = bytearray(decode.PLAIN_RUN_MAP)
    table[1] = ord('e')
    table[ord('%')] = table[ord('\\')] = ord('L')
    return bytes(table)


_LOWER: Final = b'abcdefghijklmnopqrstuvwxyz0123456789'
_UPPER: Final = b'ABCDEFGHIJKLMNOPQRSTUVWXYZ+/'
# Run maps that mark lower-case runs apart, with and without the escape
# characters; and the runs themselves, split where those maps split.
_FLOOD_MAP: Final = _flood_table(_LOWER, _UPPER)
_FLOOD_ESCAPE_MAP: Final = _flood_table(_LOWER, _UPPER + b'\\%')
_WORDS: Final = _words_table(decode.BASE64_CHARS)
_ESCAPE_WORDS: Final = _words_table(decode.BASE64_CHARS + b'\\%')
_ESCAPE_MARKS: Final = _escape_marks()
_MARKS_TO_RUNS: Final = bytes.maketrans(b'y', b'x')
# What opens each inner escape that begins with '\\' (and some escapes that are
# not inner, which _span_marks only joins), and the same without its '\\'.
_BACKSLASH_OPENINGS: Final = (
    (b'\\x2', b'x2'),
    (b'\\05', b'05'),
    (b'\\u00', b'u00'),
    (b'\\/', b'/'),
)
# 'x' for base64 and '%'; every other byte, '\\' among them, ' '.
_SPAN_MARKS: Final = decode.class_map(decode.BASE64_CHARS + b'%')
_KEY_ID_SPAN: Final = b'x' * tokens.KEY_ID_LEN
# A one-case token is no secret; nor can base64 of 40 lower-case letters and
# digits hold a key ID: each 4-character group that encodes a key ID's
# character starts with a capital ('M' to 'W'), even nested a level down.
_LOWER_RUNS: Final = {b'x' * tokens.SECRET_LEN: b' ' * tokens.SECRET_LEN}
_PARTS_MAX: Final = 4096  # a flood of runs has one separator for each, or a few


def _flood_map(
    buf: bytes, runs: bytes, resume: int, end: int, first: _Runs, search: tokens.Search
) -> bytes:
    """The run map with three kinds of near-candidates in runs[resume:end] dropped, in C
    passes over the read: escaped runs too short for a token, runs of exactly 40
    lower-case letters and digits (hex digests), and repeats of a run the first
    runs found quiet.

    Only runs that lie whole between separators in [resume, end) are dropped.
    """
    cut = max(runs.rfind(b' ', resume, end), runs.rfind(b'0', resume, end))
    if cut <= resume:
        return runs
    if not first.escaped and runs.count(b' ', resume - 1, cut + 1) > _PARTS_MAX:
        # No escapes to weigh and too many parts to split: the map would be the run map.
        return runs
    part = buf[resume - 1 : cut + 1]
    # Escapes are weighed only in a flood of escaped runs; elsewhere they stay runs.
    plain = first.escaped and _escapes_hold_nothing(part, search)
    marks = part.translate(_FLOOD_MAP if plain else _FLOOD_ESCAPE_MAP)
    # A read of many separators would split into as many parts: its runs are judged as ever.
    if first.quiet and marks.count(b' ') <= _PARTS_MAX:
        # Split at the same bytes, marks and words pair up, each looked up in C.
        parts = marks.split(b' ')
        dropped = map(_LOWER_RUNS.get, parts, parts)
        repeats = _repeats(buf, first.quiet)
        if repeats:
            words = part.translate(_WORDS if plain else _ESCAPE_WORDS).split(b' ')
            dropped = map(repeats.get, words, dropped)
        marks = b' '.join(dropped)
    return runs[: resume - 1] + marks.translate(_MARKS_TO_RUNS) + runs[cut + 1 :]


def _holds_wide_run(runs: bytes, first: int, needle: bytes, back: int) -> bool:
    """True if runs[first:] holds needle, a wide text's run map, which begins `back`
    bytes before a NUL ('0').

    A search for the needle is slow where nearly every byte of the map matches
    one of its own (base64 with a NUL every few KB): there, while NULs are few,
    each is looked at. A map with blanks (binary data, text) is searched at once.
    """
    if runs.count(b' ', first, first + _SAMPLE) >= _SAMPLE_BLANKS:
        return runs.find(needle, first) != -1
    pos = runs.find(b'0', first + back)
    for _ in range(_NULS_BY_HAND):
        if pos == -1:
            return False
        if runs.startswith(needle, pos - back):
            return True
        pos = runs.find(b'0', pos + 1)
    return runs.find(needle, pos - back) != -1


def _repeats(buf: bytes, quiet: list[tuple[int, int]]) -> dict[bytes, bytes]:
    """Each quiet run seen more than once, to a blank as long: wherever one stands
    whole, it holds nothing."""
    seen: set[bytes] = set()
    repeats = {}
    for pos, stop in quiet:
        token = buf[pos:stop]
        if token in seen:
            repeats[token] = b' ' * len(token)
        seen.add(token)
    return repeats


def _escapes_hold_nothing(part: bytes, search: tokens.Search) -> bool:
    """True if no escaped run in part may hold a token (tokens.escapes_may_hold) or a
    plain piece to judge. Each shape of run is looked at once: a flood repeats a few.

    Where `re` is loaded already (a large scan), a part that holds a '\\' has its
    escaped runs measured in C first (_span_marks): where none is as long as a key
    ID (`\\x00` or `\\x44\\x2b` byte strings), none decodes to a token.
    """
    if b'\\' not in part and b'%' not in part:
        return True
    if b'\1' in part:
        return False  # decode.shortened's mark would join runs
    by_pattern = search.by_pattern_now()
    if by_pattern and b'\\' in part and _KEY_ID_SPAN not in _span_marks(part):
        return True
    held = False
    for marks in set(decode.shortened(part).translate(_ESCAPE_MARKS).split()):
        others = b'L' in marks
        if not others and b'e' not in marks:
            continue  # a plain run
        if tokens.BASE64_RUN in marks:
            return False
        held = held or tokens.escapes_may_hold(len(marks), others)
    if not held or not by_pattern:
        return not held
    if decode.next_inner_escape(part, 0, len(part)) == -1:
        return True  # `\\x00` strings: no run is escaped at all
    # With a '\\', _span_marks found a run as long as a key ID above.
    return b'\\' not in part and _KEY_ID_SPAN not in _span_marks(part)


def _span_marks(part: bytes) -> bytes:
    """part's escaped runs as runs of 'x' no shorter than each decodes to, in C.

    What opens an inner escape with '\\' (`\\x2`, `\\05`, `\\u00`, `\\/`) loses its
    '\\': the rest stands as it is, as many marks as the grammar reads there if
    the escape is cut short, and more than the one it decodes to if whole.
    Any other '\\' ends a run, as the grammar has it; '%' is an 'x' as it stands.
    """
    for opening, rest in _BACKSLASH_OPENINGS:
        part = part.replace(opening, rest)
    return part.translate(_SPAN_MARKS)


class _Scan:
    """What a scan carries from one read to the next: its search, its open base64 run, memos."""

    __slots__ = ('alone_stop', 'base64_origin', 'block_stop', 'search', 'silent_base64')

    def __init__(self, search: tokens.Search) -> None:
        self.search = search
        self.base64_origin = 0  # file offset where a base64 run that crosses reads starts
        self.block_stop = 0  # file offset where the last wrapped block judged whole ends
        self.alone_stop = 0  # file offset where the last wrapped lines judged alone end
        self.silent_base64: set[bytes] = set()  # runs whose whole decoding held nothing

    def judge(self, buf: bytes, base: int, start: int, end: int, final: bool) -> list[Hit]:
        """Tokens that begin in buf[start:end], at their file offsets."""
        runs = buf.translate(decode.RUN_MAP)
        hits = tokens.key_id_hits(buf, start, end, self.search, None)
        triggers = tokens.joined_triggers(buf, max(0, start - _JOINED_BACK), end, self.search)
        # Every run long enough for a secret or a base64 value holds one: most reads have none.
        long_run = runs.find(tokens.BASE64_RUN, start)
        spans = tokens.run_spans(runs, start, end, _FLOOD_RUNS + 1, long_run)
        found = self._runs(buf, spans[:_FLOOD_RUNS], start, end, final)
        if len(spans) > _FLOOD_RUNS:
            resume = spans[-1][0]
            rest = runs
            if len(found.quiet) + found.escaped >= _FLOOD_RUNS // 2:
                # More runs than text holds, most of them near-candidates: the rest are
                # looked for in a run map from which C passes have dropped the flood.
                rest = _flood_map(buf, runs, resume, end, found, self.search)
            more = self._runs(buf, tokens.run_spans(rest, resume, end), start, end, final)
            found.hits += more.hits
            found.base64 += more.base64
        hits += found.hits
        base64_runs = found.base64
        encoded = tokens.base64_key_id_runs(buf, runs, long_run, end, self.search)
        if encoded:
            # In the file's order: the lines a wrapped block passes are the ones after it.
            base64_runs = sorted(base64_runs + encoded)
        if buf.find(b'&', start, end + tokens.ESCAPED_MAX) != -1:  # most reads: memchr, no call
            hits += tokens.reference_hits(buf, start, end, self.search)
        if b'\0' in buf:  # ASCII in UTF-16 always has NUL bytes
            hits += self._utf16_hits(buf, runs, base, start, end, 2)
            hits += self._utf16_hits(buf, runs, base, start, end, 4)
        hits += self._base64_hits(buf, runs, base, start, end, final, base64_runs)
        if triggers:
            hits += self._joined_hits(buf, start, end, final, triggers)
        # Escaped codes only near a key ID prefix or `SECRET`; raw ones in text anywhere
        # (two memchr passes: binary data, with NUL bytes, holds ESC by chance).
        text_with_codes = b'\x1b' in buf and b'\0' not in buf
        if (triggers or text_with_codes) and any(lead in buf for lead in _ANSI_LEADS):
            hits += _ansi_hits(buf, start, end, self.search, hits)
        return [Hit(base + h.offset, h.kind, h.token, h.context, h.layer) for h in hits]

    def _runs(
        self, buf: bytes, spans: list[tuple[int, int]], start: int, end: int, final: bool
    ) -> _Runs:
        found = _Runs()
        if not spans:
            return found  # most reads: no run as long as a secret
        escapes = tokens.inner_escapes(buf, start, end, self.search)
        for pos, stop in spans:
            token = _plain(buf, pos, stop, start, end, final)
            if token is None or not self._no_secret(token):
                run = tokens.Run(buf, pos, stop, start, end)
                found.escaped += run.escaped
                found.hits += tokens.run_hits(buf, run, start, end, None, escapes)
                found.base64 += [p for p in run.pieces if p[1] - p[0] >= tokens.BASE64_MIN]
            elif len(token) in decode.WRAP_WIDTHS or (
                token not in self.silent_base64 and decode.may_be_base64_text(token, 0, len(token))
            ):
                # A wrapped block's first line is judged where it stands, never from the memo.
                found.base64.append((pos, stop))
            else:
                found.quiet.append((pos, stop))
        return found

    def _joined_hits(
        self, buf: bytes, start: int, end: int, final: bool, triggers: list[int]
    ) -> list[Hit]:
        """Tokens that only literals placed next to each other make, at their first piece."""
        # Loaded only by a read that holds a key ID prefix or the word secret.
        from aws_key_guard.joined import joined_views

        hits = []
        for view in joined_views(buf, triggers, final, tokens.CONTEXT_BEFORE):
            for hit in tokens.judge(view.text, view.lo, view.hi, self.search, layer=view.layer):
                offset = view.place(hit.offset)
                # Inside one piece a token is the plain scan's; outside the window, another read's.
                if view.crosses(hit.offset, len(hit.token)) and start <= offset < end:
                    hits.append(Hit(offset, hit.kind, hit.token, hit.context, view.layer))
        return hits

    def _no_secret(self, token: bytes) -> bool:
        """True if a plain run holds no secret or session token wherever it stands."""
        size = len(token)
        if size != tokens.SECRET_LEN:
            return size < tokens.SESSION_TOKEN_MIN and tokens.slash_pair(token, 0, size) == 0
        return is_one_case(token) or is_placeholder(token)

    def _utf16_hits(
        self, buf: bytes, runs: bytes, base: int, start: int, end: int, width: int
    ) -> list[Hit]:
        """Tokens in UTF-16 text (width 2) or UTF-32 text (width 4)."""
        first = max(0, start - width * (tokens.CONTEXT_BEFORE + 2))
        first += -(base + first) % width  # code units begin at multiples of width in the file
        if not _holds_wide_run(runs, first, *((_UTF16_RUN, 0) if width == 2 else (_UTF32_RUN, 1))):
            return []
        hits = []
        for view in decode.utf16_views(buf, first, start, end, width):
            found = tokens.judge(view.text, view.lo, view.hi, self.search, layer=view.layer)
            found += self._inner_base64(view.text, view.lo, view.hi, view.layer)
            hits += _placed(view, found, buf, None)
        return hits

    def _base64_hits(
        self,
        buf: bytes,
        runs: bytes,
        base: int,
        start: int,
        end: int,
        final: bool,
        found: list[tuple[int, int]],
    ) -> list[Hit]:
        if start and buf[start - 1] in _BASE64:
            # A base64 run that began before start is still open: decode its next part.
            begin = decode.base64_start(buf, runs, start) or self.base64_origin - base
            found = [(begin, decode.base64_stop(buf, runs, start)), *found]
        hits = []
        for run in found:
            if base + run[0] < self.block_stop:
                continue  # a line of a block judged whole, or of lines that hold nothing
            lines = None
            if run[0] >= start and base + run[0] >= self.alone_stop:
                lines, whole = decode.wrapped_lines(buf, base, *run, _WRAP_REACH)
                if not whole:
                    if len(lines) > 1 and self._alone_hold_nothing(buf, base, lines):
                        continue
                    lines = None
            if lines is None:
                hits += self._run_hits(buf, start, end, final, run)
            else:
                hits += self._view_hits(decode.block_view(buf, lines), buf, lines[0][0])
                self.block_stop = base + lines[-1][1]
        if buf[end - 1] in _BASE64:
            begin = decode.base64_start(buf, runs, end) or self.base64_origin - base
            self.base64_origin = base + begin
        return hits

    def _alone_hold_nothing(self, buf: bytes, base: int, lines: list[tuple[int, int]]) -> bool:
        """True if wrapped lines each judged alone (decode.wrapped_lines) give nothing:
        block_stop then passes them. Else alone_stop does, so that each is judged alone
        with no second look for the lines after it.

        Their decodings are one text, as each line's length is a multiple of four:
        with no key ID prefix and no run a view would judge in it, none holds either.
        A certificate bundle's lines then cost one decoding, not one view each.
        """
        text = decode.decode_base64(b''.join(buf[a:b] for a, b in lines))
        if text.translate(decode.RUN_MAP).find(tokens.BASE64_RUN) == -1 and not (
            tokens.key_id_prefixes(text, 0, len(text), self.search)
        ):
            self.block_stop = base + lines[-1][1]
            return True
        self.alone_stop = base + lines[-1][1]
        return False

    def _run_hits(
        self, buf: bytes, start: int, end: int, final: bool, run: tuple[int, int]
    ) -> list[Hit]:
        begin, stop = run  # begin may lie before buf when the run crossed earlier reads
        if stop - begin < tokens.BASE64_MIN:
            return []
        if (
            begin >= 0
            and (stop < len(buf) or final)
            and not decode.may_be_base64_text(buf, begin, stop)
        ):
            return []
        # A run that lies whole in the window is decoded whole: where it stands
        # changes nothing unless its decoding holds a token.
        whole = buf[begin:stop] if start <= begin and stop <= end else None
        if whole in self.silent_base64:
            return []
        view = decode.base64_view(buf, run, start, end, final, _BASE64_BEFORE)
        hits = self._view_hits(view, buf, begin if view.origin == begin else None)
        if whole is not None and not hits:
            if len(self.silent_base64) >= _MEMO_MAX:
                self.silent_base64.clear()
            self.silent_base64.add(whole)
        return hits

    def _view_hits(self, view: decode.View, buf: bytes, value: int | None) -> list[Hit]:
        text = view.text
        runs = text.translate(decode.RUN_MAP)
        found = []
        # Most long runs are identifiers, paths or binary data: skip them cheaply.
        if runs.find(tokens.SECRET_RUN) != -1 or tokens.key_id_prefixes(
            text, 0, len(text), self.search
        ):
            found = tokens.judge(text, view.lo, view.hi, self.search, runs, 'base64')
        if not found and runs.find(tokens.BASE64_RUN) != -1:
            found = self._inner_base64(text, view.lo, view.hi, 'base64')
        return _placed(view, found, buf, value)

    def _inner_base64(self, text: bytes, lo: int, hi: int, layer: str | None) -> list[Hit]:
        """Tokens in the base64 runs that begin in text[lo:hi], a view's decoded text (a
        Kubernetes value that is a base64 file, a JWT claim, base64 in UTF-16 text).

        One level deep, each run decoded whole as far as the read holds it; hits are
        placed at their index in text.
        """
        hits = []
        block_stop = 0
        for begin, stop in decode.base64_runs(text, lo, len(text), tokens.BASE64_MIN):
            if begin >= hi:
                break
            if begin < block_stop or not decode.may_be_base64_text(text, begin, stop):
                continue
            lines = decode.wrapped_block(text, 0, begin, stop, len(text))
            if lines is None:
                inner = decode.View(decode.decode_base64(text[begin:stop]), 0, 0, 'base64', begin)
            else:
                inner = decode.block_view(text, lines)
                block_stop = lines[-1][1]
            size = len(inner.text)
            for hit in tokens.judge(inner.text, 0, size, self.search, None, layer):
                context = hit.context
                if hit.offset == 0 and hit.kind == tokens.SECRET and not context:
                    context = tokens.has_context(text, begin)  # the words are outside the value
                place = inner.place(hit.offset)
                hits.append(Hit(place, hit.kind, hit.token, context, hit.layer))
        return hits


def _ansi_hits(
    buf: bytes, start: int, end: int, search: tokens.Search, found: list[Hit]
) -> list[Hit]:
    """Tokens that colour codes touch: judged with each code made blanks of its
    length (offsets, lines and columns stay), and not found already."""
    spans = [m.span() for m in decode.pattern(_ANSI).finditer(buf)]
    if not spans:
        return []
    blanked = bytearray(buf)
    for lo, hi in spans:
        blanked[lo:hi] = b' ' * (hi - lo)
    edges = {at for span in spans for at in span}
    seen = {(h.offset, h.kind) for h in found}
    return [
        h
        for h in tokens.judge(bytes(blanked), start, end, search)
        if (h.offset in edges or h.offset + len(h.token) in edges)
        and (h.offset, h.kind) not in seen
    ]


def _order(hit: Hit) -> tuple[int, str, str]:
    return hit.offset, hit.kind, hit.layer or ''


def _candidates(hits: list[Hit], window: Window) -> list[Candidate]:
    # The records module is loaded only by a scan that found something.
    from aws_key_guard.model import Candidate
    from aws_key_guard.model import Kind
    from aws_key_guard.model import Secret

    found = []
    for hit in hits:
        width = decode.WIDTHS.get(hit.layer or '', 1)
        line, col = window.locate(hit.offset, width)
        units = None if width > 1 or not col else window.units(hit.offset, col)
        token = Secret(hit.token)
        found.append(
            Candidate(Kind(hit.kind), line, col, hit.offset, token, hit.context, hit.layer, units)
        )
    return found


def scan_chunks(
    chunks: Iterable[bytes],
    *,
    limit: int | None = None,
    lines: bool = True,
    search: Literal['auto', 'find', 'regex', 'patterns'] = 'auto',
) -> list[Candidate]:
    """Find key IDs, secrets and session tokens in a stream, with 1-based line and column.

    Tokens hidden by escapes, URL encoding, base64 or UTF-16 are found too, at
    their place in the original bytes. With `limit`, reading stops as soon as
    more than `limit` have been found. Without `lines`, newlines go uncounted and
    every line and column is 0. `search` picks how key ID prefixes are found
    (see tokens.py); the same input always takes the same path.
    """
    window = Window(chunks, lookahead=LOOKAHEAD, keep=KEEP_BEFORE, lines=lines)
    scan = _Scan(tokens.Search(*_SEARCHES[search]))
    found: list[Candidate] = []
    pending: list[Hit] = []
    while True:
        if window.fill():
            pending += scan.judge(window.buf, window.base, window.start, window.end, window.final)
            if pending:
                pending.sort(key=_order)
            ready = len(pending)
            if not window.final:
                # A token found through an escape may start a few bytes past end.
                edge = window.base + window.end
                ready = next((i for i, h in enumerate(pending) if h.offset >= edge), ready)
            if ready:
                found += _candidates(pending[:ready], window)
                if limit is not None and len(found) > limit:
                    return found[: limit + 1]
                del pending[:ready]
        if window.final:
            return found
        window.slide()
