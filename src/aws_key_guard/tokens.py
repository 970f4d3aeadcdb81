"""Matchers: key IDs, secrets and session tokens in one buffer, with their boundaries. No I/O.

Words this module owns (run, escape and view are decode.py's):

- joiner: a byte that continues a token (letter, digit, '_', '+'). A key ID
  touching a joiner is a slice of a longer identifier or base64 blob; '/'
  is no joiner, since URLs and paths put key IDs there. A secret-length run
  touching '-' or '_' is a slice of a base64url or identifier token.
- packed record: binary data that keeps text columns back to back after a
  control byte (a length byte in .pyc, pickle, protobuf; a SQLite header).
  There a key ID ends where its 20 characters do, and a secret may follow
  it with no gap: 20 key ID characters running into 40 random ones by
  chance is negligible.
- reach: RECORD_REACH, how far after a control byte a packed pair is
  looked for (a record's previous column, a header byte that is a letter).
- piece: a part of a run between escapes, judged on its own.
- context: AWS words (`secret_access_key`, `session_token`) in the
  CONTEXT_BEFORE bytes before a token.
- search: how key ID prefixes are found. `bytes.find` costs no import and
  suits a commit's few kilobytes; past FIND_LIMIT bytes of one scan one
  pattern finds them, six times faster, and in a read with many (a flood of
  prefixes) patterns that check both boundaries in C pick the ones to judge.
"""

from __future__ import annotations

from aws_key_guard import decode
from aws_key_guard.randomness import is_one_case
from aws_key_guard.randomness import is_placeholder
from aws_key_guard.randomness import looks_random

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

KEY_ID: Final = 'key-id'  # the values of model.Kind, whose module a clean scan never loads
SECRET: Final = 'secret'  # noqa: S105 -- a kind's name, not a password
SESSION_TOKEN: Final = 'session-token'  # noqa: S105 -- a kind's name, not a password
KEY_ID_LEN: Final = 20
SECRET_LEN: Final = 40
# STS session tokens are hundreds of base64 characters; the fingerprint covers at
# most the first SESSION_TOKEN_MAX of them, so a token is judged in bounded memory.
SESSION_TOKEN_MIN: Final = 100
SESSION_TOKEN_MAX: Final = 1024
# Enough to reach an XML <name> element on the line above its <value>.
CONTEXT_BEFORE: Final = 96
FIND_LIMIT: Final = 1 << 20
# Past this many key ID prefixes in a read, patterns pick the ones to judge.
PREFIXES_BY_HAND: Final = 32
RECORD_REACH: Final = 64
# The shortest base64 text that can hold a key ID: 20 bytes need 27 characters.
BASE64_MIN: Final = 27
# The most triggers (joined_triggers) a read gives, the first ones: the joined
# view parses around no more (joined.TRIGGERS_MAX), so a flood costs a bounded search.
TRIGGERS_MAX: Final = 64

# Only these prefixes are credentials (AIDA, AROA, ... name users and roles).
_KEY_ID_PREFIXES: Final = (b'AKIA', b'ASIA', b'ABIA', b'ACCA')
_KEY_ID_PREFIX: Final = rb'A(?:KIA|SIA|BIA|CCA)'
# Each start, however the prefixes overlap (`AKIAKIA` holds two), as bytes.find
# finds them; slower where nearly every other byte is an 'A'.
_KEY_ID_PREFIX_AT: Final = rb'A(?=KIA|SIA|BIA|CCA)'
# The same prefixes base64-encoded at the start of a value.
_BASE64_KEY_IDS: Final = (b'QUtJQ', b'QVNJQ', b'QUJJQ', b'QUNDQ')
_BASE64_KEY_ID_AT: Final = rb'Q(?=UtJQ|VNJQ|UJJQ|UNDQ)'
# AWS words, in any case, each word after the first with an optional '-',
# '_', '.' or ' ' before it: `secret_access_key`, `SecretKey`, `session-token`.
_SEPARATORS: Final = frozenset(b'-_. ')
# Each: a first word and the words that may follow it. `aws_secret` and
# `awsSecret` name a secret too (Laravel's `AWS_SECRET`, Rails' `aws_secret:`).
_SECRET_WORDS: Final = ((b'secret', ((b'access', b'key'), (b'key',))), (b'aws', ((b'secret',),)))
_SESSION_WORDS: Final = ((b'session', ((b'token',),)),)
_TRIGGER_WORDS: Final = (b'ecret', b'ECRET')  # secret, Secret, SECRET
# Control bytes other than tab, newline, vertical tab, form feed and return.
_PACKED_BEFORE: Final = frozenset(range(0x09)) | frozenset(range(0x0E, 0x20))
_NOT_PACKED_BEFORE: Final = bytes(range(0x09, 0x0E)) + bytes(range(0x20, 0x100))
_CONTROLS: Final = bytes(range(0x09)) + bytes(range(0x0E, 0x20))
_CONTROL_MARKS: Final = bytes.maketrans(
    _CONTROLS + _NOT_PACKED_BEFORE, b'c' * len(_CONTROLS) + b' ' * len(_NOT_PACKED_BEFORE)
)
_NOT_CAPITAL: Final = bytes(range(0x41)) + bytes(range(0x5B, 0x100))
_CAPITALS: Final[dict[tuple[bytes, ...], tuple[bytes, ...]]] = {
    prefixes: tuple(p.translate(None, _NOT_CAPITAL) for p in prefixes)
    for prefixes in (_KEY_ID_PREFIXES, _BASE64_KEY_IDS)
}
# A whole key ID: no joiner after it unless it follows a control byte (a
# packed record) or 40 base64 characters follow (a packed pair).
_KEY_ID_BODY: Final = (
    rb'(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}'
    rb'(?:(?![A-Za-z0-9_+])|(?<=[\x00-\x08\x0e-\x1f].{20})|(?=[A-Za-z0-9+/]{40}))'
)
# Every escape ends in a joiner (`\nAKIA`, `%3DAKIA`, `&#47AKIA`, `=3DAKIA`): the last four
# patterns start at the escape, and the matcher decides what it stands for.
_KEY_IDS: Final = (
    rb'A(?:(?<![A-Za-z0-9_+].)|(?<=\n\+A))' + _KEY_ID_BODY,  # a line of a diff: `+AKIA...`
    rb'\\(?:[bfnrt]|u[0-9A-Fa-f]{4})(A' + _KEY_ID_BODY + rb')',
    rb'%[0-9A-Fa-f]{2}(A' + _KEY_ID_BODY + rb')',
    rb'&#[0-9]{1,8}(A' + _KEY_ID_BODY + rb')',  # one pattern each: each has a literal to seek
    rb'=3D(A' + _KEY_ID_BODY + rb')',
)
# From a control byte to the first packed pair after a joiner within reach:
# text and floods of prefixes, with no control byte, cost nothing.
_RECORD_PAIR: Final = (
    rb'[\x00-\x08\x0e-\x1f][^\x00-\x08\x0e-\x1f]{0,%d}?'
    % (RECORD_REACH - 1)
    + rb'A(?<=[A-Za-z0-9_+]A)(?:KIA|SIA|BIA|CCA)[A-Z0-9]{16}'
    rb'(?=[A-Za-z0-9+/]{40})(?=[A-Z0-9+/]{0,39}[a-z])'
)
# Every byte _RECORD_PAIR can look at from its control byte on.
_RECORD_SPAN: Final = 1 + RECORD_REACH + KEY_ID_LEN + SECRET_LEN
_BASE64: Final = frozenset(decode.BASE64_CHARS)
_JOINER_BYTES: Final = decode.BASE64_CHARS[:62] + b'_+'  # letters, digits, '_', '+'
_KEY_ID_JOINERS: Final = frozenset(_JOINER_BYTES)
# Every byte that is no joiner made ' ': `' AKIA'` is a prefix with none before it.
_NOT_JOINERS: Final = bytes(range(256)).translate(None, _JOINER_BYTES)
_BARE: Final = bytes.maketrans(_NOT_JOINERS, b' ' * len(_NOT_JOINERS))
_BARE_MAX: Final = 256  # bytes that are no joiners, each looked at by hand
_SECRET_JOINERS: Final = frozenset(b'-_')
_DOT: Final = ord('.')
_SLASH: Final = ord('/')
_PLUS: Final = ord('+')
_SECRET_SIZE: Final = SECRET_LEN  # the byte '(' as a length field
_NEWLINE: Final = ord('\n')
# A unified diff marks each added and removed line with a first '+' or '-': a
# token right after one stands at its line's start, whatever the marker joins.
_DIFF_MARKERS: Final = frozenset(b'+-')
# A secret may end in a short suffix (`<secret>-old`, `<secret>.x`): no base64url
# or JWT part is this short and then ends.
_SUFFIX_MAX: Final = 16
_ALNUM: Final = decode.BASE64_CHARS[:62]
_SUFFIX_JOINERS: Final = (b'-', b'_', b'.', b'+', b'/', b'\\', b'%')
SECRET_RUN: Final = b'x' * SECRET_LEN
BASE64_RUN: Final = b'x' * BASE64_MIN
_X: Final = ord('x')
ESCAPED_MAX: Final = decode.ESCAPE_MAX * (SECRET_LEN + 1)  # a secret, every character escaped
HTML_ENTITY: Final = 'html-entity'  # the layer of a run written with character references
_REFERENCE_FORMS: Final = (b'&#', b'&sol;', b'&plus;')
_REFERENCE_TRIGGER: Final = rb'&(?:#|sol;|plus;)'
# 'x' for each byte an escaped run may hold: base64, and the escapes' own.
_ESCAPED_RUN_MAP: Final = decode.class_map(decode.BASE64_CHARS + b'%&#;\\')
_TRIGGERS_BY_HAND: Final = 16
# `<key ID>/<secret>`: one run, whose secret a reader sees after the '/'.
PAIR_LEN: Final = KEY_ID_LEN + 1 + SECRET_LEN
# An escaped run is read as a pair up to this many characters (a path before it).
_PAIR_REACH: Final = 2 * PAIR_LEN
# The lengths of an escaped run that may hold a token.
ESCAPED_LENGTHS: Final = (KEY_ID_LEN, SECRET_LEN, PAIR_LEN)
_SPAN_LENGTHS: Final = (KEY_ID_LEN, SECRET_LEN)  # of decode.escaped_span's text, judged whole
# The lengths of a run of character references that may hold a token or a pair.
_REFERENCE_RUN_LENGTHS: Final = frozenset((*_SPAN_LENGTHS, *range(PAIR_LEN, _PAIR_REACH + 1)))
_BLANK_REACH: Final = 4096
_DENSE_REFERENCES: Final = 16  # more than an '&' in this many bytes: a flood of references


class Hit:
    """A token found at offset of a buffer, with its kind, AWS context and layer (view)."""

    __slots__ = ('context', 'kind', 'layer', 'offset', 'token')

    def __init__(
        self, offset: int, kind: str, token: bytes, context: bool, layer: str | None
    ) -> None:
        self.offset = offset
        self.kind = kind
        self.token = token
        self.context = context
        self.layer = layer


class Search:
    """The prefix search of one scan: bytes.find until it has searched `limit` bytes, then re;
    a read where re finds more than `by_hand` prefixes has patterns pick those to judge."""

    __slots__ = ('_buf', '_capitals', '_prefix_buf', '_prefixes', 'by_hand', 'limit', 'searched')

    def __init__(self, limit: int = FIND_LIMIT, by_hand: int = PREFIXES_BY_HAND) -> None:
        self.limit = limit
        self.by_hand = by_hand
        self.searched = 0
        self._buf = b''
        self._capitals = b''
        self._prefix_buf = b''
        self._prefixes: list[int] | None = None

    def prefixes_in(self, buf: bytes) -> list[int] | None:
        """The key ID prefixes the search of buf's key ID starts found; None if it only knows
        there is one (the pattern search stops at the first). A buf it has not seen: None."""
        return self._prefixes if buf is self._prefix_buf else None

    def holds_capitals(self, buf: bytes, word: bytes, start: int, stop: int) -> bool:
        """False if word, all capitals, is not in buf[start:stop]: looked up in the capitals
        may_hold kept where the prefix search passed over buf with it, else searched for
        with `re`, as the prefix search was (a literal's search there takes two thirds of
        bytes.find's)."""
        if buf is self._buf:
            return word in self._capitals
        return decode.pattern(word).search(buf, start, stop) is not None

    def found_prefixes(self, buf: bytes, prefixes: list[int] | None) -> None:
        """Remember the key ID prefixes found in buf (None: at least one, not where)."""
        self._prefix_buf = buf
        self._prefixes = prefixes

    def by_pattern(self, size: int) -> bool:
        """Count size more bytes searched; True once past the limit."""
        self.searched += size
        return self.by_pattern_now()

    def by_pattern_now(self) -> bool:
        """True once this scan searches with `re` (which is then loaded)."""
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


def find_all(
    buf: bytes, start: int, stop: int, prefixes: tuple[bytes, ...], source: bytes, search: Search
) -> list[int]:
    """Sorted offsets in buf[start:stop] where one of the prefixes starts, overlapping or not
    (source, a pattern that consumes only their first byte, finds them as bytes.find does)."""
    if search.by_pattern(stop - start):
        return [m.start() for m in decode.pattern(source).finditer(buf, start, stop)]
    if not search.may_hold(buf, _CAPITALS[prefixes]):
        return []
    return _find_each(buf, start, stop, prefixes)


def _find_each(buf: bytes, start: int, stop: int, needles: tuple[bytes, ...]) -> list[int]:
    starts: list[int] = []
    for needle in needles:
        pos = buf.find(needle, start, stop)
        while pos != -1:
            starts.append(pos)
            pos = buf.find(needle, pos + 1, stop)
    return sorted(starts)


def joined_triggers(buf: bytes, start: int, stop: int, search: Search) -> list[int]:
    """Sorted offsets in buf[start:stop] of key ID prefixes and of the word `secret`: where
    literals placed next to each other may make a token (see joined.py); the first
    TRIGGERS_MAX of them.

    Called right after key_id_hits on the same buf, whose prefix search it reuses.
    In a read with no prefix only `SECRET` in capitals counts, and only in text:
    binary data (a NUL byte) holds no literals to join.
    """
    found = search.prefixes_in(buf)
    if found == []:
        if b'\0' in buf or not search.holds_capitals(buf, b'SECRET', start, stop):
            return []
        return _find_each(buf, start, stop, (b'SECRET',))[:TRIGGERS_MAX]
    if found is None:
        found = []
        for m in decode.pattern(_KEY_ID_PREFIX).finditer(buf, start, stop):
            found.append(m.start())
            if len(found) == TRIGGERS_MAX:
                break  # a flood of prefixes: the first ones are all that are parsed
    # Lower-case words are looked for only in a read that holds a prefix.
    return sorted(found + _find_each(buf, start, stop, _TRIGGER_WORDS))[:TRIGGERS_MAX]


def key_id_prefixes(buf: bytes, start: int, stop: int, search: Search) -> list[int]:
    """Sorted offsets in buf[start:stop] where a key ID prefix starts."""
    return find_all(buf, start, stop, _KEY_ID_PREFIXES, _KEY_ID_PREFIX_AT, search)


def _key_id_starts(buf: bytes, start: int, stop: int, search: Search) -> list[int]:
    """Sorted offsets in buf[start:stop] where a key ID may start."""
    if search.searched + stop - start <= search.limit:
        # Prefixes are capitals only: most buffers hold none once the rest is dropped.
        prefixes = key_id_prefixes(buf, start, stop, search)
        search.found_prefixes(buf, prefixes)
        return prefixes
    search.searched += stop - start
    prefixes = []
    for m in decode.pattern(_KEY_ID_PREFIX).finditer(buf, start, stop):
        if len(prefixes) >= search.by_hand:
            break
        prefixes.append(m.start())
        # `AKIAKIA` holds two: the pattern's next search starts past the first.
        if buf.startswith(_KEY_ID_PREFIXES, m.start() + 3, stop):
            prefixes.append(m.start() + 3)
    else:
        # One memchr-speed pass settles most reads; a few prefixes are each
        # judged by hand, as those bytes.find finds.
        search.found_prefixes(buf, prefixes)
        return prefixes
    search.found_prefixes(buf, None)
    lo = max(0, start - decode.ESCAPE_MAX)  # an escape may start before
    reach = max(0, lo - RECORD_REACH)
    others = buf[reach:stop].translate(None, _JOINER_BYTES)  # one pass serves three tests
    if lo and not others:
        return []  # only joiners, as in `AKIAAKIA...`, with no control byte within reach
    starts = _bare_key_ids(buf, start, stop, by_pattern=len(others) > _BARE_MAX)
    for source in _KEY_IDS[1:]:
        for m in decode.pattern(source).finditer(buf, lo):
            pos = m.start(m.lastindex or 0)
            if pos >= stop:
                break
            if pos >= start:
                starts.append(pos)
    if _holds_control(others):  # every control byte within reach is among the others
        for first in _record_pairs(buf, reach, stop):
            hi = min(first + RECORD_REACH, stop)  # prefixes that start before hi
            starts += [p for p in key_id_prefixes(buf, first, hi + 3, search) if start <= p < hi]
    return sorted(set(starts))  # the passes may find one start twice


def _bare_key_ids(buf: bytes, start: int, stop: int, *, by_pattern: bool) -> list[int]:
    """Offsets in buf[start:stop] where the first of _KEY_IDS matches (a prefix with
    no joiner before it). Text, with many bytes that are no joiners, is searched
    `by_pattern`; a read with few, as a flood of prefixes inside words, has the
    pattern tried only after those bytes. Either way finds the same offsets."""
    pattern = decode.pattern(_KEY_IDS[0])
    if by_pattern:  # the pattern's own search is the faster
        found = []
        for m in pattern.finditer(buf, start):
            if m.start() >= stop:
                break
            found.append(m.start())
        return found
    bare = (buf[start - 1 : stop + 3] if start else b' ' + buf[: stop + 3]).translate(_BARE)
    found = []
    at = bare.find(b' ')
    while at != -1 and start + at < stop:
        if bare.startswith(_KEY_ID_PREFIXES, at + 1) and pattern.match(buf, start + at):
            found.append(start + at)
        at = bare.find(b' ', at + 1)
    # A diff's `+` is a joiner to the map: the lines it marks are looked at too.
    at = buf.find(b'\n+', max(0, start - 2), stop)
    while at != -1:
        if pattern.match(buf, at + 2):
            found.append(at + 2)
        at = buf.find(b'\n+', at + 1, stop - 2)
    return sorted(found)


def _record_pairs(buf: bytes, lo: int, stop: int) -> list[int]:
    """Offsets right after each control byte in buf[lo:stop - 1] where _RECORD_PAIR matches.

    In a read with few control bytes the pattern is tried only at them: its own
    search for one costs more than the rest of a flood of prefixes.
    """
    pattern = decode.pattern(_RECORD_PAIR)
    marks = buf[lo:stop].translate(_CONTROL_MARKS)
    found = []
    if marks.count(b'c') > _BARE_MAX:
        for m in pattern.finditer(buf, lo):
            if m.start() + 1 >= stop:
                break
            found.append(m.start() + 1)
        return found
    at = marks.find(b'c')
    while at != -1:
        # A match starts at the last of a row of control bytes, and its secret
        # holds a lower-case letter: bytes with capitals and none (a flood of
        # prefixes) are passed over without the pattern.
        if (
            marks[at + 1 : at + 2] == b' '
            and not buf[lo + at : lo + at + _RECORD_SPAN].isupper()
            and pattern.match(buf, lo + at)
        ):
            found.append(lo + at + 1)
        at = marks.find(b'c', at + 1)
    return found


def _holds_control(data: bytes) -> bool:
    """True if data holds a control byte: binary data, not a word or a base64 blob."""
    return bool(data.translate(None, _NOT_PACKED_BEFORE))


def key_id_hits(buf: bytes, start: int, end: int, search: Search, layer: str | None) -> list[Hit]:
    """Key IDs that begin in buf[start:end], and the secrets packed right after them."""
    hits: list[Hit] = []
    size = len(buf)
    for pos in _key_id_starts(buf, start, min(size, end + 3), search):
        stop = pos + KEY_ID_LEN
        if pos >= end or stop > size:
            continue
        body = buf[pos + 4 : stop]
        if body.isalnum() and body.upper() == body:
            hits += _key_id_hit(buf, pos, layer)
    return hits


def _key_id_hit(buf: bytes, pos: int, layer: str | None) -> list[Hit]:
    stop = pos + KEY_ID_LEN
    secret = None
    if stop < len(buf) and buf[stop] in _KEY_ID_JOINERS:
        token = buf[stop : stop + SECRET_LEN]
        # A packed secret holds a lower-case letter (all but 8.8e-10 of random
        # ones do), as the record search's pattern asks; and no placeholder.
        if (
            token.translate(decode.PLAIN_RUN_MAP) == SECRET_RUN
            and token.upper() != token
            and not is_placeholder(token)
        ):
            secret = token  # a packed pair
        elif not (pos and buf[pos - 1] in _PACKED_BEFORE):
            return []
    via = layer
    if pos and buf[pos - 1] in _KEY_ID_JOINERS and not after_diff_marker(buf, pos):
        escape = decode.escape_before(buf, pos)  # `\nAKIA...`, `%3DAKIA...`
        if escape is not None and escape.value not in _KEY_ID_JOINERS:
            via = via or escape.layer
        elif secret is None or not _holds_control(buf[max(0, pos - RECORD_REACH) : pos]):
            return []
    hits = [Hit(pos, KEY_ID, buf[pos:stop], False, via)]
    if secret is not None:
        hits.append(Hit(stop, SECRET, secret, False, via))
    return hits


class Run:
    """A run of the run map that may hold a secret, and its plain pieces that begin in the window.

    A run with escapes in it is judged piece by piece, and each escaped span whole.
    """

    __slots__ = ('escaped', 'pieces', 'pos', 'stop')

    def __init__(self, buf: bytes, pos: int, stop: int, start: int, end: int) -> None:
        self.pos = pos
        self.stop = stop
        self.escaped = buf.find(b'\\', pos, stop) != -1 or buf.find(b'%', pos, stop) != -1
        if not self.escaped:
            cut = slash_pair(buf, pos, stop)
            self.pieces = [(cut, stop)] if cut >= start else []
        else:
            found = decode.base64_runs(buf, pos, stop, BASE64_MIN)
            self.pieces = [p for p in found if start <= p[0] < end]


def slash_pair(buf: bytes, pos: int, stop: int) -> int:
    """Where the secret of the run buf[pos:stop] starts: after `<key ID>/` if it ends in
    `<key ID>/<secret>` (one run to the run map, as '/' is base64), else at pos."""
    cut = stop - SECRET_LEN
    first = stop - PAIR_LEN
    if first < pos or buf[cut - 1] != _SLASH or buf[first : first + 4] not in _KEY_ID_PREFIXES:
        return pos
    if first > pos and buf[first - 1] != _SLASH:
        return pos
    body = buf[first + 4 : cut - 1]
    return cut if body.isalnum() and body.upper() == body else pos


def run_spans(
    runs: bytes, start: int, end: int, most: int = -1, long_run: int | None = None
) -> list[tuple[int, int]]:
    """(pos, stop) of the runs that may hold a secret beginning in [start, end) of a run map;
    with `most`, no more than that many. `long_run`, if the caller has it, is the first
    BASE64_RUN at or after start (-1: none), which any longer run begins with.

    The first may be shorter: the rest of a run that began before start.
    """
    found = []
    pos = start
    if start and runs[start - 1] == _X:
        pos = decode.run_stop(runs, start)
        found.append((decode.run_start(runs, start), pos))
    if long_run is not None:
        if long_run == -1:
            return found
        pos = max(pos, long_run)
    pos = runs.find(SECRET_RUN, pos)
    while pos != -1 and pos < end and len(found) != most:
        stop = decode.run_stop(runs, pos)
        found.append((pos, stop))
        pos = runs.find(SECRET_RUN, stop)
    return found


def inner_escapes(buf: bytes, start: int, end: int, search: Search) -> decode.InnerEscapes | None:
    """The inner escapes of a read's window, for run_hits to ask left to right; None: ask
    each run alone.

    Once the scan searches with `re`, one pass a lead finds them for every run: a
    window of runs escaped only with `\\x00` or `%20` (a binary string in source)
    costs that, not a parse a run. Otherwise a commit's few runs cost less than
    what could load `re`.
    """
    if not search.by_pattern_now():
        return None
    return decode.InnerEscapes(buf, start, min(len(buf), end + ESCAPED_MAX))


def run_hits(
    buf: bytes,
    run: Run,
    start: int,
    end: int,
    layer: str | None,
    escapes: decode.InnerEscapes | None,
) -> list[Hit]:
    """Secrets and session tokens in a run: its escaped spans, then its pieces."""
    hits = []
    lo, hi = max(run.pos, start), min(run.stop, end + ESCAPED_MAX)
    if (
        run.escaped
        and _may_hold_escaped(buf, run)
        and (escapes is None or -1 < escapes.next(lo) < hi)
    ):
        hits = _escaped_hits(buf, lo, hi, start, end)
    for piece in run.pieces:
        hit = _piece_hit(buf, *piece, layer)
        if hit is not None:
            hits.append(hit)
    return hits


def reference_hits(buf: bytes, start: int, end: int, search: Search) -> list[Hit]:
    """Key IDs and secrets that begin in buf[start:end] written with HTML or XML character
    references (`&#47;`, `&#x2F;`, `&sol;`, every character as `&#65;`).

    The run map does not see these runs: they are found from their references.
    Once the scan searches with `re`, C passes first look for a run as long as
    a token: a flood of short runs (`a&#47;b&#47;...`) costs them, not a parse a run.
    """
    hi = min(len(buf), end + ESCAPED_MAX)
    by_pattern = search.by_pattern_now()
    first = _reference_trigger(buf, start, hi, by_pattern)
    if by_pattern:
        # Binary data holds `&#` by chance, in runs far shorter than a token.
        for _ in range(_TRIGGERS_BY_HAND):
            if first == -1 or not _in_short_run(buf, first):
                break
            first = _reference_trigger(buf, first + 1, hi, by_pattern)
        if first != -1 and not _escaped_run_of_token_length(buf, start, hi):
            return []
    if first == -1:
        return []
    return _escaped_hits(buf, first, hi, start, end, references=True)


def _in_short_run(buf: bytes, pos: int) -> bool:
    """True if the bytes an escaped run may hold make a run shorter than a key ID at pos.

    No escaped run is longer than what it decodes to, so none through pos holds a token.
    """
    back = max(0, pos - KEY_ID_LEN)
    marks = buf[back : pos + KEY_ID_LEN].translate(_ESCAPED_RUN_MAP)
    stop = marks.find(b' ', pos - back)
    return stop != -1 and stop - marks.rfind(b' ', 0, pos - back) - 1 < KEY_ID_LEN


def _escaped_run_of_token_length(buf: bytes, lo: int, hi: int) -> bool:
    """False if no escaped run that begins in buf[lo:hi] decodes to a key ID's or a
    secret's length, or may end in a pair joined by '/'.

    Each inner escape and character reference is made one character: the runs
    left are as long as the escaped runs decode to. They are read from and to a
    blank, where no run goes on; with no blank near the end, any run may go on,
    and with none near the start, the first run is cut short, which only adds
    a length (a run that began before lo is not lo's).
    """
    reach = hi + _BLANK_REACH
    blanks = [at for at in (buf.find(b' ', hi, reach), buf.find(b'\n', hi, reach)) if at != -1]
    if not blanks:
        return True
    back = max(0, lo - _BLANK_REACH)
    first = max(buf.rfind(b' ', back, lo), buf.rfind(b'\n', back, lo))
    text = buf[lo if first == -1 else first : min(blanks)]
    if text.count(b'&') * _DENSE_REFERENCES > len(text):
        text = decode.escapes_as_one(text)  # a flood of references: most made one in C
    runs = decode.pattern(decode.INNER).sub(b'A', text)
    lengths = map(len, runs.translate(decode.PLAIN_RUN_MAP).split())
    return not _REFERENCE_RUN_LENGTHS.isdisjoint(lengths)


def _reference_trigger(buf: bytes, lo: int, hi: int, by_pattern: bool) -> int:
    """Offset of the first `&#`, `&sol;` or `&plus;` in buf[lo:hi], or -1.

    Text with no '&' costs one memchr-speed pass; a few '&' (`a & b`) are looked
    at by hand; many (`&&` in C, binary data) cost one pattern search once `re`
    is loaded, else one pass per form.
    """
    pos = buf.find(b'&', lo, hi)
    for _ in range(_TRIGGERS_BY_HAND):
        if pos == -1 or buf.startswith(_REFERENCE_FORMS, pos):
            return pos
        pos = buf.find(b'&', pos + 1, hi)
    if by_pattern:
        found = decode.pattern(_REFERENCE_TRIGGER).search(buf, pos, hi)
        return -1 if found is None else found.start()
    return min(
        (at for form in _REFERENCE_FORMS if (at := buf.find(form, pos, hi)) != -1), default=-1
    )


def _may_hold_escaped(buf: bytes, run: Run) -> bool:
    """False if no escaped span of run can decode to a token's length. A short run
    is measured in C first: a flood of them costs no parse."""
    if run.stop - run.pos > ESCAPED_MAX:
        return True
    short = decode.shortened(buf[run.pos : run.stop])
    return escapes_may_hold(len(short), b'\\' in short or b'%' in short)


def escapes_may_hold(size: int, others: bool) -> bool:
    """False if no escaped span of a run can decode to a key ID's or a secret's length:
    the run is size characters long with each common inner escape counted as one
    (decode.shortened), and others tells if any other escape character is left.

    With none left, the run is one span, as long as size.
    """
    return size >= KEY_ID_LEN and (others or size in ESCAPED_LENGTHS)


def _escaped_hits(
    buf: bytes, lo: int, hi: int, start: int, end: int, references: bool = False
) -> list[Hit]:
    """Tokens in the escaped runs that begin in buf[start:end], found from their inner escapes in
    [lo, hi): character references, or (by default) the other inner escapes."""
    inner = None if references else decode.InnerEscapes(buf, lo, hi)

    def find(at: int) -> int:
        return decode.next_reference(buf, at, hi) if inner is None else inner.next(at)

    hits = []
    pos = find(lo)
    while pos != -1:
        span = decode.escaped_span(buf, pos, SECRET_LEN, _SPAN_LENGTHS)
        first, pos = pos, find(span.stop)  # the rest of the run is done
        size = len(span.text)
        if not start <= span.start < end or not (size in _SPAN_LENGTHS or _may_pair(buf, span)):
            continue
        layer = _escape_layer(buf[span.start : span.stop])
        if (layer == HTML_ENTITY) != references:
            continue  # a run that holds a character reference: reference_hits judges it
        if size == KEY_ID_LEN:
            if _escaped_key_id(buf, span):
                hits.append(Hit(span.start, KEY_ID, span.text, False, layer))
        elif size != SECRET_LEN:
            hits += _escaped_pair(buf, first, layer)
        elif _stands_alone(buf, span.start, span.stop, span.after_escape):
            context = _secret_context(buf, span.start, span.stop, span.text)
            if context is not None:
                hits.append(Hit(span.start, SECRET, span.text, context, layer))
    return hits


def _may_pair(buf: bytes, span: decode.Span) -> bool:
    """True if an escaped run longer than a secret may end in `<key ID>/<secret>`: its text
    opens with a key ID and '/', or a key ID prefix stands in it as written."""
    text = span.text
    if len(text) <= SECRET_LEN:
        return False
    if text[:4] in _KEY_ID_PREFIXES and text[KEY_ID_LEN] == _SLASH:
        return True
    written = buf[span.start : span.stop]
    return any(prefix in written for prefix in _KEY_ID_PREFIXES)


def _escaped_pair(buf: bytes, pos: int, layer: str) -> list[Hit]:
    """The secret of the escaped run at pos if it ends in `<key ID>/<secret>` after nothing or
    a '/', as slash_pair's plain run does; and the key ID, if escaped too (a plain one is
    the plain scan's)."""
    span = decode.escaped_span(buf, pos, _PAIR_REACH)
    text = span.text
    first = len(text) - PAIR_LEN  # where the key ID starts
    if not 0 <= first <= _PAIR_REACH - PAIR_LEN or (first and text[first - 1] != _SLASH):
        return []
    key_id, secret = text[first : first + KEY_ID_LEN], text[-SECRET_LEN:]
    body = key_id[4:]
    if key_id[:4] not in _KEY_ID_PREFIXES or not body.isalnum() or body.upper() != body:
        return []
    if text[first + KEY_ID_LEN] != _SLASH or is_placeholder(secret):
        return []
    key_at = decode.escaped_offset(buf, span.start, first)
    at = decode.escaped_offset(buf, key_at, KEY_ID_LEN + 1)
    if not _stands_alone(buf, at, span.stop, True):
        return []
    hits = [Hit(at, SECRET, secret, has_context(buf, at), layer)]
    alone = first or _escaped_key_id(buf, decode.Span(key_at, span.stop, key_id, span.after_escape))
    if alone and buf[key_at : key_at + KEY_ID_LEN] != key_id:
        hits.insert(0, Hit(key_at, KEY_ID, key_id, False, layer))  # escaped: no plain one
    return hits


def _escaped_key_id(buf: bytes, span: decode.Span) -> bool:
    """True if an escaped run is a key ID written with escapes (every character as `&#65;`)."""
    body = span.text[4:]
    if span.text[:4] not in _KEY_ID_PREFIXES or not body.isalnum() or body.upper() != body:
        return False
    before = -1 if span.after_escape or not span.start else buf[span.start - 1]
    after = buf[span.stop] if span.stop < len(buf) else -1
    return before not in _KEY_ID_JOINERS and after not in _KEY_ID_JOINERS


def _escape_layer(span: bytes) -> str:
    """The layer of an escaped run: character references, URL encoding, C or JSON escapes."""
    if b'&' in span:
        return HTML_ENTITY
    if b'%' in span:
        return 'url'
    return 'c-escape' if b'\\x' in span or b'\\0' in span else 'json-escape'


def after_diff_marker(buf: bytes, pos: int) -> bool:
    """True if buf[pos - 1] is a diff's '+' or '-' at the start of a line."""
    return pos > 1 and buf[pos - 1] in _DIFF_MARKERS and buf[pos - 2] == _NEWLINE


def sized(buf: bytes, pos: int, stop: int) -> bool:
    """True if the run buf[pos:stop] is longer than a secret and a binary record's
    length field right before it says 40: a marshal (`.pyc`), pickle or protobuf
    string, which the next field's type byte may touch."""
    if stop - pos <= SECRET_LEN or pos < 1 or buf[pos - 1] not in (0, _SECRET_SIZE):
        return False
    if buf[pos - 4 : pos] == b'(\0\0\0':
        return True  # four bytes, little-endian (pickle, marshal's long strings)
    return buf[pos - 1] == _SECRET_SIZE and _holds_control(buf[max(0, pos - RECORD_REACH) : pos])


def _piece_hit(buf: bytes, pos: int, stop: int, layer: str | None) -> Hit | None:
    lead = 0
    via = layer
    record = sized(buf, pos, stop)
    if record:
        stop = pos + SECRET_LEN  # what follows is the record's next field
    elif buf[pos] == _PLUS and stop - pos == SECRET_LEN + 1 and after_diff_marker(buf, pos + 1):
        lead = 1  # `+<secret>`: the line a diff adds
    elif pos and buf[pos - 1] in b'\\%=':
        escape = decode.escape_at(buf, pos - 1)  # `\nSECRET`, `%3DSECRET`, `=3DSECRET`
        # `key=3D...` is a secret that begins with 3D unless the rest is a secret's length.
        if escape is not None and escape.layer == decode.QUOTED_PRINTABLE:
            escape = escape if stop - escape.end == SECRET_LEN else None
        if escape is not None and escape.value not in _BASE64:
            lead = escape.end - pos
            via = via or escape.layer
    if stop - pos - lead == SECRET_LEN:
        token = buf[pos + lead : stop]
        if is_one_case(token):
            return None  # a placeholder wherever it stands (most runs): settled first
        if decode.touches_inner_escape(buf, pos, stop):
            return None  # a slice of an escaped run, judged whole by _escaped_hits
        if _stands_alone(buf, pos + lead, stop, lead > 0, record):
            context = _secret_context(buf, pos + lead, stop, token)
            if context is not None:
                return Hit(pos + lead, SECRET, token, context, via)
    elif stop - pos >= SESSION_TOKEN_MIN:
        token = buf[pos : pos + SESSION_TOKEN_MAX]
        if token.lower() != token != token.upper() and has_context(buf, pos, _SESSION_WORDS):
            return Hit(pos, SESSION_TOKEN, token, True, layer)
    return None


def has_context(
    buf: bytes,
    pos: int,
    words: tuple[tuple[bytes, tuple[tuple[bytes, ...], ...]], ...] = _SECRET_WORDS,
) -> bool:
    """True if AWS words stand in the CONTEXT_BEFORE bytes before pos (no `re` needed)."""
    text = buf[max(0, pos - CONTEXT_BEFORE) : pos].lower()
    for first, endings in words:
        at = text.find(first)
        while at != -1:  # most tokens have no first word near: one find settles them
            for ending in endings:
                end = at + len(first)
                for word in ending:
                    end += end < len(text) and text[end] in _SEPARATORS
                    if not text.startswith(word, end):
                        break
                    end += len(word)
                else:
                    return True
            at = text.find(first, at + 1)
    return False


def _near_key_id(buf: bytes, pos: int, stop: int) -> bool:
    """True if a key ID stands within CONTEXT_BEFORE bytes before or after buf[pos:stop]."""
    for lo, hi in ((max(0, pos - CONTEXT_BEFORE), pos), (stop, stop + CONTEXT_BEFORE)):
        if buf.find(b'IA', lo, hi) == -1 and buf.find(b'CCA', lo, hi) == -1:
            continue  # every prefix holds one of the two: most windows have neither
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
    context = has_context(buf, pos)
    if context or _near_key_id(buf, pos, stop):
        return None if is_placeholder(token) else context
    return context if looks_random(token) and not is_placeholder(token) else None


def _stands_alone(buf: bytes, pos: int, stop: int, after_escape: bool, sized: bool = False) -> bool:
    """True if no joiner or dotted part touches buf[pos:stop], nor does it end a wrapped
    block; what follows a `sized` one, whose record says where it ends, does not count."""
    before = -1 if after_escape or not pos else buf[pos - 1]
    after = -1 if sized or stop >= len(buf) else buf[stop]
    if before in _SECRET_JOINERS and not after_diff_marker(buf, pos):
        return False
    # Touching '.' and more base64, it is one part of a dotted token (a JWT).
    if before == _DOT and pos > 1 and buf[pos - 2] in _BASE64:
        return False
    if after in _SECRET_JOINERS and not _short_suffix(buf, stop + 1):
        return False
    dotted = after == _DOT and stop + 1 < len(buf) and buf[stop + 1] in _BASE64
    if dotted and not _short_suffix(buf, stop + 1):
        return False
    return not decode.ends_wrapped_block(buf, pos, after_escape)


def _short_suffix(buf: bytes, pos: int) -> bool:
    """True if buf[pos:] starts with a short word that ends the token (`-old`, `.x`).

    The parts of a base64url or dotted token (a JWT) after a secret-length one
    are long, or are joined on by yet another '-', '_' or '.'.
    """
    word = buf[pos : pos + _SUFFIX_MAX + 1]
    size = len(word) - len(word.lstrip(_ALNUM))
    return 0 < size <= _SUFFIX_MAX and buf[pos + size : pos + size + 1] not in _SUFFIX_JOINERS


def judge(
    buf: bytes,
    start: int,
    end: int,
    search: Search,
    runs: bytes | None = None,
    layer: str | None = None,
) -> list[Hit]:
    """Tokens that begin in buf[start:end] (a view's text: no further view is looked for)."""
    if start >= len(buf):  # a decoded view can end before the window does
        return []
    if runs is None:
        runs = buf.translate(decode.RUN_MAP)
    hits = key_id_hits(buf, start, end, search, layer)
    escapes = inner_escapes(buf, start, end, search)
    for pos, stop in run_spans(runs, start, end):
        hits += run_hits(buf, Run(buf, pos, stop, start, end), start, end, layer, escapes)
    return hits + reference_hits(buf, start, end, search)


def base64_key_id_runs(
    buf: bytes, runs: bytes, long_run: int, end: int, search: Search
) -> list[tuple[int, int]]:
    """Base64 runs shorter than a secret that begin in [long_run, end) with an encoded key ID
    prefix, where long_run is the read's first BASE64_RUN from its window's start (-1: none).

    Finding every short run would cost more than the whole plain scan. A run shorter
    than BASE64_MIN holds no key ID: one that does lies in a BASE64_RUN, at or after
    the first.
    """
    if long_run == -1 or b'Q' not in buf:
        return []
    found = []
    hi = min(len(buf), end + 4)
    for pos in find_all(buf, long_run, hi, _BASE64_KEY_IDS, _BASE64_KEY_ID_AT, search):
        if pos < end and not (pos and buf[pos - 1] in _BASE64):
            stop = decode.base64_stop(buf, runs, pos)
            if stop - pos < SECRET_LEN:
                found.append((pos, stop))
    return found
