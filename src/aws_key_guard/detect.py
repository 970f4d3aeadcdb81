"""Pure detection: byte chunks in, candidate key IDs, secrets and session tokens out."""

from __future__ import annotations

from aws_key_guard import _base64
from aws_key_guard.randomness import is_placeholder
from aws_key_guard.randomness import looks_random

# A clean commit costs little more than Python's start-up, so this module
# imports nothing heavy: `re`, `math`, the decoders and the records (enum,
# typing) are imported where a candidate or a layer first needs them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable
    from typing import Final
    from typing import Literal

    from aws_key_guard.model import Candidate
    from aws_key_guard.model import Kind

    _Hit = tuple[int, Kind, bytes, bool, str | None]  # offset, kind, token, context, layer

# Reads of 64 KiB keep the buffer and its translations in the CPU's cache, and
# under the size at which malloc maps fresh pages for each one: a large tree
# scans in about a quarter less time than with reads of 1 MiB.
CHUNK_SIZE: Final = 1 << 16
KEY_ID_LEN: Final = 20
SECRET_LEN: Final = 40
# STS session tokens are hundreds of base64 characters; the fingerprint covers at
# most the first SESSION_TOKEN_MAX of them, so a token is judged in bounded memory.
SESSION_TOKEN_MIN: Final = 100
SESSION_TOKEN_MAX: Final = 1024
# Bytes before a token searched for words such as `aws_secret_access_key`;
# enough to reach an XML <name> element on the line above its <value>.
CONTEXT_BEFORE: Final = 96
# A token is judged only once the bytes after its longest form are in the buffer
# (a session token, twice over in UTF-16), so a run that continues into the next
# read is never cut short.
LOOKAHEAD: Final = 2 * SESSION_TOKEN_MAX + 64
# Bytes kept before the first unjudged one: context in UTF-16 (two bytes a
# character) and the start of an escaped secret (up to six bytes a character).
KEEP_BEFORE: Final = 512

# Only these prefixes are credentials (AIDA, AROA, ... name users and roles).
_KEY_ID_PREFIXES: Final = (b'AKIA', b'ASIA', b'ABIA', b'ACCA')
_KEY_ID_PREFIX: Final = rb'A(?:KIA|SIA|BIA|CCA)'
# The same prefixes base64-encoded at the start of a value.
_BASE64_KEY_IDS: Final = (b'QUtJQ', b'QVNJQ', b'QUJJQ', b'QUNDQ')
_BASE64_KEY_ID: Final = rb'Q(?:UtJQ|VNJQ|UJJQ|UNDQ)'
_CONTEXT: Final = rb'(?i)secret[-_. ]?(?:access[-_. ]?)?key'
_SESSION_CONTEXT: Final = rb'(?i)session[-_. ]?token'
_CONTEXT_WORDS: Final = {_CONTEXT: b'secret', _SESSION_CONTEXT: b'session'}
# A few bytes.find calls beat importing `re` (about 6 ms with the enum it
# pulls in) on a commit's few kilobytes, but run at a sixth of the speed of
# its literal-prefix search; the regex takes over past this many bytes of
# one scan. Each scan counts its own bytes: the same input always takes the
# same path, whatever was scanned before it in the process.
FIND_LIMIT: Final = 1 << 20
_SEARCH_LIMITS: Final = {'auto': FIND_LIMIT, 'find': 1 << 62, 'regex': -1}
# Past FIND_LIMIT whole key IDs are matched, both boundaries checked in C, so
# a flood such as `AKIAAKIA...` costs no Python per near miss. After the ID no
# joiner (see below), unless it follows a control byte: binary records keep
# text columns back to back after a length byte (20 in .pyc, pickle and
# protobuf) or a header, so there the ID ends where its 20 characters do. A
# secret may follow it with no gap, and then any byte but a joiner may come
# before it: a SQLite row's header ends in its last column's length, which
# is printable when that column is text of ten or more characters. The odds
# that 20 characters of a key ID run into 40 random ones by chance are
# negligible. Even a joiner may come before such a pair within RECORD_REACH
# bytes after a control byte: a record's previous column (a user's name), or
# a header byte that is a letter. Every escape ends in a
# joiner (`\nAKIA...`, `%3DAKIA...`): IDs after one are found by patterns that
# start at the backslash or percent sign, and _judge decides what it stands for.
# Control bytes other than tab, newline, vertical tab, form feed and return.
_PACKED_BEFORE: Final = frozenset(range(0x09)) | frozenset(range(0x0E, 0x20))
_NOT_PACKED_BEFORE: Final = bytes(b for b in range(256) if b not in _PACKED_BEFORE)
_KEY_ID_BODY: Final = (
    rb'(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}'
    rb'(?:(?![A-Za-z0-9_+])|(?<=[\x00-\x08\x0e-\x1f].{20})|(?=[A-Za-z0-9+/]{40}))'
)
_KEY_IDS: Final = (
    rb'A(?<![A-Za-z0-9_+].)' + _KEY_ID_BODY,
    rb'\\(?:[bfnrt]|u[0-9A-Fa-f]{4})(A' + _KEY_ID_BODY + rb')',
    rb'%[0-9A-Fa-f]{2}(A' + _KEY_ID_BODY + rb')',
)
RECORD_REACH: Final = 64
# From a control byte to the first packed pair after a joiner within reach:
# the search starts only at control bytes, so text and floods of prefixes
# cost nothing, and _key_id_starts then takes every prefix within reach.
_RECORD_PAIR: Final = (
    rb'[\x00-\x08\x0e-\x1f][^\x00-\x08\x0e-\x1f]{0,%d}?'
    % (RECORD_REACH - 1)
    + rb'A(?<=[A-Za-z0-9_+]A)(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}'
    rb'(?=[A-Za-z0-9+/]{40})(?=[A-Z0-9+/]{0,39}[a-z])'
)
_patterns: dict[bytes, re.Pattern[bytes]] = {}
_NOT_CAPITAL: Final = bytes(b for b in range(256) if not 0x41 <= b <= 0x5A)
_CAPITALS: Final[dict[tuple[bytes, ...], tuple[bytes, ...]]] = {
    prefixes: tuple(p.translate(None, _NOT_CAPITAL) for p in prefixes)
    for prefixes in (_KEY_ID_PREFIXES, _BASE64_KEY_IDS)
}

_ALNUM: Final = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
_BASE64_CHARS: Final = _ALNUM + b'+/'  # layers.BASE64_CHARS, without importing layers
_BASE64: Final = frozenset(_BASE64_CHARS)
# A key ID touching a letter, digit, '_' or '+' is a slice of a longer identifier
# or of a base64 blob; '/' is allowed because URLs and paths put IDs there.
_JOINER_BYTES: Final = _ALNUM + b'_+'
_KEY_ID_JOINERS: Final = frozenset(_JOINER_BYTES)
# A secret-length run touching '-' or '_' is a slice of a base64url or identifier
# token; touching '.' and more base64 it is one part of a dotted token (a JWT).
_SECRET_JOINERS: Final = frozenset(b'-_')
_DOT: Final = ord('.')
# Base64 bytes and the two escape characters become 'x', NUL '0', every other
# byte ' ': one translate and bytes.find then locate every run that can hold a
# secret, plain or escaped, at memchr speed, and every stretch of UTF-16 text.
_RUN_MAP: Final = bytes(
    ord('x') if b in _BASE64_CHARS + b'\\%' else ord('0') if b == 0 else ord(' ')
    for b in range(256)
)
_SECRET_RUN: Final = b'x' * SECRET_LEN
_PLAIN_RUN_MAP: Final = bytes(ord('x') if b in _BASE64_CHARS else ord(' ') for b in range(256))
# The shortest base64 text that can hold a key ID: 20 bytes need 27 characters.
_BASE64_MIN: Final = 27
_BASE64_RUN: Final = b'x' * _BASE64_MIN
_X: Final = ord('x')
_TEXT_GROUP_MAP: Final = bytes(
    ord('x') if b in b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef' else ord(' ') for b in range(256)
)
_TEXT_GROUPS: Final = b'x' * 6
# Base64 wrapped at the usual widths (PEM 64, MIME 76) ends in a short line that
# can be exactly 40 characters long: a tail, not a secret.
_WRAP_WIDTHS: Final = (64, 76)
# Such a block (as `base64` and PEM write it) is decoded joined, as one run,
# when its lines share an indent of at most _WRAP_INDENT bytes and start
# within _WRAP_REACH of its first, so that every read holds it whole.
_WRAP_INDENT: Final = 64
_WRAP_REACH: Final = LOOKAHEAD - 256
# Decoded bytes kept before a judged base64 char offset cover CONTEXT_BEFORE.
_BASE64_BEFORE: Final = 4 * (CONTEXT_BEFORE // 3 + 2)
_ESCAPED_MAX: Final = 6 * (SECRET_LEN + 1)
_UTF16_LAYERS: Final = ('utf-16le', 'utf-16be')
# Every token is at least a key ID's 20 run characters; in UTF-16 text they
# alternate with NUL bytes, and both byte orders hold this stretch of the
# translated view. Binary data with NULs rarely does, so one find spares it
# the two decoded views.
_UTF16_RUN: Final = b'0x' * (KEY_ID_LEN - 1)


def _pattern(source: bytes) -> re.Pattern[bytes]:
    if source not in _patterns:
        import re

        _patterns[source] = re.compile(source)
    return _patterns[source]


class _Search:
    """The prefix search of one scan: bytes.find until it has searched `limit` bytes, then re."""

    __slots__ = ('_buf', '_capitals', 'limit', 'searched')

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.searched = 0
        self._buf = b''
        self._capitals = b''

    def by_pattern(self, size: int) -> bool:
        """Count size more bytes searched; True once past the limit."""
        self.searched += size
        return self.searched > self.limit

    def may_hold(self, buf: bytes, capitals: tuple[bytes, ...]) -> bool:
        """False if buf holds none of the prefixes whose capital letters are `capitals`.

        One pass that drops all but capitals spares four bytes.find passes in
        most reads; both prefix searches of a read share it.
        """
        if buf is not self._buf:
            self._buf = buf
            self._capitals = buf.translate(None, _NOT_CAPITAL)
        return any(c in self._capitals for c in capitals)


def _find_all(
    buf: bytes,
    start: int,
    stop: int,
    prefixes: tuple[bytes, ...],
    pattern: bytes,
    search: _Search,
) -> list[int]:
    """Sorted offsets in buf[start:stop] where one of the prefixes (matched by pattern) starts."""
    if search.by_pattern(stop - start):
        return [m.start() for m in _pattern(pattern).finditer(buf, start, stop)]
    if not search.may_hold(buf, _CAPITALS[prefixes]):
        return []
    starts: list[int] = []
    for prefix in prefixes:
        pos = buf.find(prefix, start, stop)
        while pos != -1:
            starts.append(pos)
            pos = buf.find(prefix, pos + 1, stop)
    return sorted(starts)


def _key_id_starts(buf: bytes, start: int, stop: int, search: _Search) -> list[int]:
    """Sorted offsets in buf[start:stop] where a key ID may start."""
    if search.searched + stop - start <= search.limit:
        return _find_all(buf, start, stop, _KEY_ID_PREFIXES, _KEY_ID_PREFIX, search)
    search.searched += stop - start
    # One literal-prefix search, at memchr speed, settles most reads: a
    # prefix is rare, and the full patterns cost a pass each.
    if _pattern(_KEY_ID_PREFIX).search(buf, start, stop + 3) is None:
        return []
    lo = max(0, start - 6)  # an escape may start before
    reach = max(0, lo - RECORD_REACH)
    if lo and not buf[reach:stop].translate(None, _JOINER_BYTES):
        # Nothing but joiners, and none but joiners within a record's reach
        # before, as in `AKIAAKIA...`: every key ID needs another byte there.
        return []
    starts: list[int] = []
    for source in _KEY_IDS:
        for m in _pattern(source).finditer(buf, lo):
            pos = m.start(m.lastindex or 0)
            if pos >= stop:
                break
            if pos >= start:
                starts.append(pos)
    if _near_record(buf, reach, stop):
        for m in _pattern(_RECORD_PAIR).finditer(buf, reach):
            first = m.start() + 1
            if first >= stop:
                break
            hi = min(first + RECORD_REACH, stop)  # prefixes that start before hi
            near = _find_all(buf, first, hi + 3, _KEY_ID_PREFIXES, _KEY_ID_PREFIX, search)
            starts += [p for p in near if start <= p < hi]
    return sorted(set(starts))  # the passes may find one start twice


def _near_record(buf: bytes, lo: int, hi: int) -> bool:
    """True if buf[lo:hi] holds a control byte: binary data, not a word or a base64 blob."""
    return bool(buf[lo:hi].translate(None, _NOT_PACKED_BEFORE))


def _judge(
    buf: bytes,
    start: int,
    end: int,
    search: _Search,
    runs: bytes | None = None,
    base64_runs: list[tuple[int, int]] | None = None,
    layer: str | None = None,
) -> list[_Hit]:
    """Tokens that begin in buf[start:end]; collect base64 runs if asked to."""
    hits: list[_Hit] = []
    size = len(buf)
    if start >= size:  # a decoded view can end before the window does
        return hits
    for pos in _key_id_starts(buf, start, min(size, end + 3), search):
        stop = pos + KEY_ID_LEN
        if pos >= end or stop > size:
            continue
        body = buf[pos + 4 : stop]
        if not (body.isalnum() and body.upper() == body):
            continue
        secret = None
        if stop < size and buf[stop] in _KEY_ID_JOINERS:
            # Packed: a record's next column, the secret, may follow with no gap.
            token = buf[stop : stop + SECRET_LEN]
            if token.translate(_PLAIN_RUN_MAP) == _SECRET_RUN and not is_placeholder(token):
                secret = token
            elif not (pos and buf[pos - 1] in _PACKED_BEFORE):
                continue
        via = layer
        if pos and buf[pos - 1] in _KEY_ID_JOINERS:
            # `\nAKIA...`, `%3DAKIA...`: the letter before belongs to an escape.
            from aws_key_guard import layers

            escape = layers.escape_before(buf, pos)
            if escape is not None and escape.value not in _KEY_ID_JOINERS:
                via = via or escape.layer
            elif secret is None or not _near_record(buf, max(0, pos - RECORD_REACH), pos):
                continue
        from aws_key_guard.model import Kind

        hits.append((pos, Kind.KEY_ID, buf[pos:stop], False, via))
        if secret is not None:
            hits.append((stop, Kind.SECRET, secret, False, via))

    if runs is None:
        runs = buf.translate(_RUN_MAP)
    pos = start
    if start and runs[start - 1] == _X:
        # A run that began before `start`: its pieces that begin here are judged now.
        pos = _run_stop(runs, start)
        first = _run_start(runs, start)
        _judge_run(buf, first, pos, start, end, hits, base64_runs, layer)
    pos = runs.find(_SECRET_RUN, pos)
    while pos != -1 and pos < end:
        stop = _run_stop(runs, pos)
        _judge_run(buf, pos, stop, start, end, hits, base64_runs, layer)
        pos = runs.find(_SECRET_RUN, stop)
    if base64_runs is not None and b'Q' in buf and runs.find(_BASE64_RUN, start) != -1:
        # Shorter base64 is decoded when it starts with an encoded key ID prefix:
        # finding every short run would cost more than the whole plain scan.
        hi = min(size, end + 4)
        for pos in _find_all(buf, start, hi, _BASE64_KEY_IDS, _BASE64_KEY_ID, search):
            if pos < end and not (pos and buf[pos - 1] in _BASE64):
                stop = _base64_stop(buf, runs, pos)
                if stop - pos < SECRET_LEN:
                    base64_runs.append((pos, stop))
    return hits


def _may_be_base64_text(buf: bytes, pos: int, stop: int) -> bool:
    # Each 4-char group of base64 for ASCII text starts with A-Z or a-f (a byte
    # below 0x80); a key ID fills 6 groups in a row. Identifiers rarely do this.
    return buf[pos:stop:4].translate(_TEXT_GROUP_MAP).find(_TEXT_GROUPS) != -1


def _judge_run(
    buf: bytes,
    pos: int,
    stop: int,
    start: int,
    end: int,
    hits: list[_Hit],
    base64_runs: list[tuple[int, int]] | None,
    layer: str | None,
) -> None:
    if buf.find(b'\\', pos, stop) == -1 and buf.find(b'%', pos, stop) == -1:
        pieces = [(pos, stop)] if pos >= start else []
    else:
        # Escapes inside: judge each plain piece, then each escaped span.
        from aws_key_guard import layers

        pieces = layers.base64_runs(buf, pos, stop, _BASE64_MIN)
        pieces = [p for p in pieces if start <= p[0] < end]
        _judge_escapes(buf, max(pos, start), min(stop, end + _ESCAPED_MAX), start, end, hits)
    for piece in pieces:
        if base64_runs is not None and piece[1] - piece[0] >= _BASE64_MIN:
            base64_runs.append(piece)
        hit = _judge_piece(buf, *piece, layer)
        if hit is not None:
            hits.append(hit)


def _judge_piece(buf: bytes, pos: int, stop: int, layer: str | None) -> _Hit | None:
    lead = 0
    via = layer
    if pos and buf[pos - 1] in b'\\%':
        # `\nSECRET`, `%3DSECRET`: the piece starts inside an escape sequence.
        from aws_key_guard import layers

        escape = layers.escape_at(buf, pos - 1)
        if escape is not None and escape.value not in _BASE64:
            lead = escape.end - pos
            via = via or escape.layer
    if stop - pos - lead == SECRET_LEN:
        from aws_key_guard import layers

        if layers.touches_inner_escape(buf, pos, stop):
            return None  # a slice of an escaped run: _judge_escapes judges it whole
        token = buf[pos + lead : stop]
        if _stands_alone(buf, pos + lead, stop, lead > 0):
            context = _secret_context(buf, pos + lead, stop, token)
            if context is not None:
                from aws_key_guard.model import Kind

                return (pos + lead, Kind.SECRET, token, context, via)
    elif stop - pos >= SESSION_TOKEN_MIN:
        token = buf[pos : pos + SESSION_TOKEN_MAX]
        if token.lower() != token != token.upper() and _has_context(buf, pos, _SESSION_CONTEXT):
            from aws_key_guard.model import Kind

            return (pos, Kind.SESSION_TOKEN, token, True, layer)
    return None


def _has_context(buf: bytes, pos: int, words: bytes = _CONTEXT) -> bool:
    # Every context phrase holds its first word: most tokens have none near.
    lo = max(0, pos - CONTEXT_BEFORE)
    if buf[lo:pos].lower().find(_CONTEXT_WORDS[words]) == -1:
        return False
    return _pattern(words).search(buf, lo, pos) is not None


def _near_key_id(buf: bytes, pos: int, stop: int) -> bool:
    """True if a key ID stands within CONTEXT_BEFORE bytes before or after buf[pos:stop]."""
    for lo, hi in ((max(0, pos - CONTEXT_BEFORE), pos), (stop, stop + CONTEXT_BEFORE)):
        for prefix in _KEY_ID_PREFIXES:
            at = buf.find(prefix, lo, hi)
            while at != -1:
                body = buf[at + 4 : at + KEY_ID_LEN]
                if len(body) == KEY_ID_LEN - 4 and body.isalnum() and body.upper() == body:
                    return True
                at = buf.find(prefix, at + 1, hi)
    return False


def _secret_context(buf: bytes, pos: int, stop: int, token: bytes) -> bool | None:
    """Whether a secret-shaped token has AWS context; None if it is no secret.

    With AWS words before it or a key ID near it, only a placeholder is turned
    away; a loose token must also look random (see randomness.py for the odds).
    """
    context = _has_context(buf, pos)
    if context or _near_key_id(buf, pos, stop):
        return None if is_placeholder(token) else context
    return context if looks_random(token) and not is_placeholder(token) else None


def _stands_alone(buf: bytes, pos: int, stop: int, after_escape: bool) -> bool:
    before = -1 if after_escape or not pos else buf[pos - 1]
    after = buf[stop] if stop < len(buf) else -1
    if before in _SECRET_JOINERS or after in _SECRET_JOINERS:
        return False
    if before == _DOT and pos > 1 and buf[pos - 2] in _BASE64:
        return False
    if after == _DOT and stop + 1 < len(buf) and buf[stop + 1] in _BASE64:
        return False
    return not _ends_wrapped_block(buf, pos, after_escape)


def _ends_wrapped_block(buf: bytes, pos: int, after_escape: bool) -> bool:
    if after_escape:
        if buf[pos - 2 : pos] != b'\\n':
            return False
        brk = pos - 2
    elif buf[pos - 1 : pos] == b'\n':
        brk = pos - 1 - (buf[pos - 2 : pos - 1] == b'\r')
    else:
        return False
    from aws_key_guard import layers

    longest = max(_WRAP_WIDTHS)
    line = buf[max(0, brk - longest - 1) : brk].translate(layers.RUN_MAP)
    blank = line.rfind(b' ')
    if blank == -1 and brk > longest:
        return False
    width = len(line) - blank - 1
    if buf[brk - width - 1 : brk - width + 1] == b'\\n':
        width -= 1  # that line, too, began after an escaped newline
    return width in _WRAP_WIDTHS


def _judge_escapes(buf: bytes, lo: int, hi: int, start: int, end: int, hits: list[_Hit]) -> None:
    from aws_key_guard import layers
    from aws_key_guard.model import Kind

    pos = layers.next_inner_escape(buf, lo, hi)
    while pos != -1:
        span = layers.escaped_span(buf, pos, SECRET_LEN)
        pos = layers.next_inner_escape(buf, span.stop, hi)  # the rest of the run is done
        if not start <= span.start < end or len(span.text) != SECRET_LEN:
            continue
        if _stands_alone(buf, span.start, span.stop, span.after_escape):
            context = _secret_context(buf, span.start, span.stop, span.text)
            if context is not None:
                layer = 'url' if b'%' in buf[span.start : span.stop] else 'json-escape'
                hits.append((span.start, Kind.SECRET, span.text, context, layer))


def _judge_utf16(
    buf: bytes, runs: bytes, base: int, start: int, end: int, search: _Search
) -> list[_Hit]:
    first = max(0, start - 2 * CONTEXT_BEFORE - 4)
    first += (base + first) & 1  # code units begin at even offsets of the file
    if runs.find(_UTF16_RUN, first) == -1:
        return []
    from aws_key_guard import layers

    region = buf[first:]
    hits: list[_Hit] = []
    for shift, layer in enumerate(_UTF16_LAYERS):
        text = layers.utf16_view(region, big_endian=bool(shift))
        origin = first + shift
        lo = max(0, -(-(start - origin) // 2))
        hi = -(-(end - origin) // 2)
        for i, kind, token, context, _ in _judge(text, lo, hi, search, layer=layer):
            hits.append((origin + 2 * i, kind, token, context, layer))
    return hits


def _judge_base64(
    buf: bytes,
    base: int,
    start: int,
    end: int,
    final: bool,
    run: tuple[int, int],
    search: _Search,
) -> list[_Hit]:
    begin, stop = run  # begin may lie before buf when the run crossed earlier reads
    if stop - begin < _BASE64_MIN:
        return []
    whole = begin >= 0 and (stop < len(buf) or final)
    if whole and not _may_be_base64_text(buf, begin, stop):
        return []
    first = max(begin, start - _BASE64_BEFORE)
    first = begin + -(-(first - begin) // 4) * 4  # decode in whole 4-char groups
    if stop == len(buf) and not final:
        stop = first + (stop - first) // 4 * 4
    text = _base64.decode_base64(buf[first:stop])
    runs = text.translate(_RUN_MAP)
    # Most long runs are identifiers, paths or binary data: skip them cheaply.
    if runs.find(_SECRET_RUN) == -1 and not _find_all(
        text, 0, len(text), _KEY_ID_PREFIXES, _KEY_ID_PREFIX, search
    ):
        return []
    from aws_key_guard.model import Kind

    lo = _base64.base64_index(max(start, begin) - first)
    hi = _base64.base64_index(min(end, run[1]) - first)
    hits: list[_Hit] = []
    for i, kind, token, context, _ in _judge(text, lo, hi, search, runs, layer='base64'):
        if i == 0 and first == begin and kind is Kind.SECRET and not context:
            # A whole value such as a Kubernetes `data:` entry: the words are outside.
            context = _has_context(buf, begin)
        hits.append((first + _base64.base64_offset(i), kind, token, context, 'base64'))
    return hits


def _run_stop(runs: bytes, pos: int) -> int:
    # End of the run of 'x' that holds or starts at runs[pos]: the next ' ' or '0'.
    stop = runs.find(b' ', pos)
    stop = len(runs) if stop == -1 else stop
    nul = runs.find(b'0', pos, stop)  # bounded by the run: no pass over the rest
    return stop if nul == -1 else nul


def _run_start(runs: bytes, pos: int) -> int:
    # Start of the run of 'x' that holds runs[pos - 1]; pos itself if there is none.
    first = runs.rfind(b' ', 0, pos) + 1
    return max(first, runs.rfind(b'0', first, pos) + 1)


def _base64_start(buf: bytes, runs: bytes, pos: int) -> int:
    # Start of the base64 run that holds buf[pos - 1]; 0 if it reaches the buffer's start.
    first = _run_start(runs, pos)
    return max(first, buf.rfind(b'\\', first, pos) + 1, buf.rfind(b'%', first, pos) + 1)


def _base64_stop(buf: bytes, runs: bytes, pos: int) -> int:
    stop = _run_stop(runs, pos)
    for escape in (b'\\', b'%'):
        found = buf.find(escape, pos, stop)
        stop = stop if found == -1 else found
    return stop


def _wrapped_line(buf: bytes, pos: int, indent: bytes) -> int:
    """How many base64 characters the line at pos holds after indent; -1 if anything else."""
    if buf[pos : pos + len(indent)] != indent:
        return -1
    pos += len(indent)
    line = buf[pos : pos + max(_WRAP_WIDTHS) + 4]
    eol = line.find(b'\n')
    if eol == -1 and pos + len(line) < len(buf):
        return -1  # longer than any wrapped line
    text = line[: len(line) if eol == -1 else eol].rstrip(b'\r').rstrip(b'=')
    return len(text) if text and text.translate(_PLAIN_RUN_MAP) == b'x' * len(text) else -1


def _wrapped_block(buf: bytes, base: int, begin: int, stop: int) -> list[tuple[int, int]] | None:
    """The base64 of each line, if buf[begin:stop] opens a block wrapped at its width."""
    width = stop - begin
    if width not in _WRAP_WIDTHS:
        return None
    line_start = buf.rfind(b'\n', 0, begin) + 1
    indent = buf[line_start:begin]
    if len(indent) > _WRAP_INDENT or indent.strip(b' \t'):
        return None
    if _wrapped_line(buf, line_start, indent) != width:
        return None
    above = buf.rfind(b'\n', 0, max(0, line_start - 1)) + 1
    # A line above that starts before the buffer is far longer than a block's.
    if line_start and (above or not base) and _wrapped_line(buf, above, indent) == width:
        return None  # a later line of a block
    lines = [(begin, stop)]
    pos = line_start
    while pos := buf.find(b'\n', pos) + 1:
        if pos - line_start > _WRAP_REACH:
            return None  # too long to hold whole in every read: each line alone
        size = _wrapped_line(buf, pos, indent)
        if size == -1:
            break
        lines.append((pos + len(indent), pos + len(indent) + size))
        if size < width:
            break
    return lines if len(lines) > 1 else None


def _judge_block(buf: bytes, lines: list[tuple[int, int]], search: _Search) -> list[_Hit]:
    """Tokens in a wrapped base64 block, decoded as one run and placed in its lines."""
    text = _base64.decode_base64(b''.join(buf[a:b] for a, b in lines))
    runs = text.translate(_RUN_MAP)
    if runs.find(_SECRET_RUN) == -1 and not _find_all(
        text, 0, len(text), _KEY_ID_PREFIXES, _KEY_ID_PREFIX, search
    ):
        return []
    from aws_key_guard.model import Kind

    width = lines[0][1] - lines[0][0]
    hits: list[_Hit] = []
    for i, kind, token, context, _ in _judge(text, 0, len(text), search, runs, layer='base64'):
        at = _base64.base64_offset(i)
        row = min(at // width, len(lines) - 1)
        if i == 0 and kind is Kind.SECRET and not context:
            context = _has_context(buf, lines[0][0])  # the words are outside
        hits.append((lines[row][0] + at - row * width, kind, token, context, 'base64'))
    return hits


class _Window:
    """State that a scan carries from one read to the next."""

    def __init__(self, search: _Search) -> None:
        self.search = search
        self.base64_origin = 0  # absolute start of a base64 run that crosses reads
        self.block_stop = 0  # absolute end of the last wrapped block judged whole

    def judge(self, buf: bytes, base: int, start: int, end: int, final: bool) -> list[_Hit]:
        runs = buf.translate(_RUN_MAP)
        base64_runs: list[tuple[int, int]] = []
        hits = _judge(buf, start, end, self.search, runs, base64_runs)
        if b'\0' in buf:  # ASCII in UTF-16 always has NUL bytes
            hits += _judge_utf16(buf, runs, base, start, end, self.search)
        if start and buf[start - 1] in _BASE64:
            # A base64 run that began before `start` is still open: decode its next part.
            begin = _base64_start(buf, runs, start) or self.base64_origin - base
            base64_runs.insert(0, (begin, _base64_stop(buf, runs, start)))
        for run in base64_runs:
            if base + run[0] < self.block_stop:
                continue  # a line of a block judged whole
            lines = _wrapped_block(buf, base, *run) if run[0] >= start else None
            if lines is None:
                hits += _judge_base64(buf, base, start, end, final, run, self.search)
            else:
                hits += _judge_block(buf, lines, self.search)
                self.block_stop = base + lines[-1][1]
        if buf[end - 1] in _BASE64:
            self.base64_origin = base + (_base64_start(buf, runs, end) or self.base64_origin - base)
        return [(base + pos, kind, token, ctx, layer) for pos, kind, token, ctx, layer in hits]


def scan_chunks(
    chunks: Iterable[bytes],
    *,
    limit: int | None = None,
    lines: bool = True,
    search: Literal['auto', 'find', 'regex'] = 'auto',
) -> list[Candidate]:
    """Find key IDs, secrets and session tokens in a stream, with 1-based line and column.

    Tokens hidden by escapes, URL encoding, base64 or UTF-16 are found too, at
    their place in the original bytes; every layer works on the stream as read.
    With `limit`, reading stops as soon as more than `limit` have been found.
    Without `lines`, newlines go uncounted and every line and column is 0: for
    a caller that only asks what there is, a pass over the bytes saved.
    `search` picks how key ID prefixes are found: 'auto' with bytes.find up to
    FIND_LIMIT bytes of this scan, then with patterns.
    """
    found: list[Candidate] = []
    pending: list[_Hit] = []
    window = _Window(_Search(_SEARCH_LIMITS[search]))
    buf = b''
    base = 0  # absolute offset of buf[0]
    start = 0  # first index of buf not yet judged
    cursor = 0  # index of buf up to which newlines have been counted
    line = 1  # line number at `cursor`
    line_start = 0  # absolute offset where that line begins
    bom = False  # the file starts with a UTF-16 byte order mark
    it = iter(chunks)
    chunk = next(it, None)
    while True:
        # Read one chunk ahead: a file that fits in one read is judged in one pass.
        following = None if chunk is None else next(it, None)
        final = following is None
        if chunk:
            buf += chunk
        chunk = following
        end = len(buf) if final else len(buf) - LOOKAHEAD
        if end > start:
            if not base:
                bom = buf[:2] in (b'\xff\xfe', b'\xfe\xff')
            pending += window.judge(buf, base, start, end, final)
            ready = 0
            if pending:
                pending.sort(key=lambda h: (h[0], h[1].value, h[4] or ''))
                # A token found through an escape may start a few bytes past `end`.
                ready = (
                    len(pending)
                    if final
                    else next(
                        (i for i, h in enumerate(pending) if h[0] >= base + end), len(pending)
                    )
                )
            for offset, kind, token, context, layer in pending[:ready]:
                col = 0
                if lines:
                    pos = offset - base
                    newlines = buf.count(b'\n', cursor, pos)
                    if newlines:
                        line += newlines
                        line_start = base + buf.rfind(b'\n', cursor, pos) + 1
                    cursor = pos
                    col = offset - line_start + 1
                    if layer in _UTF16_LAYERS:
                        # Count UTF-16 code units, as an editor does, not bytes.
                        col = (offset - line_start) // 2 + 1 - int(line == 1 and bom)
                from aws_key_guard.model import Candidate
                from aws_key_guard.model import Secret

                at = line if lines else 0
                found.append(Candidate(kind, at, col, offset, Secret(token), context, layer))
                if limit is not None and len(found) > limit:
                    return found
            del pending[:ready]
            start = end
        if final:
            return found
        # Keep the unjudged tail plus the context window before it.
        keep = max(0, start - KEEP_BEFORE)
        if lines and cursor < keep:
            newlines = buf.count(b'\n', cursor, keep)
            if newlines:
                line += newlines
                line_start = base + buf.rfind(b'\n', cursor, keep) + 1
            cursor = keep
        buf = buf[keep:]
        base += keep
        start -= keep
        cursor -= keep
