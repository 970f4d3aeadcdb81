from __future__ import annotations

import random
import tracemalloc

import pytest

from aws_key_guard._main import main
from aws_key_guard.fingerprint import is_fingerprint
from aws_key_guard.marker import MarkerWatcher
from aws_key_guard.model import Marker
from tests.conftest import make_key_id
from tests.conftest import make_secret

KEY = make_key_id(1)
SECRET = make_secret(1)
FP = 'sha256:0123456789ab'
ALLOW = 'aws-key-guard: allow'
NEXT = 'aws-key-guard: allow-next-line'


def _markers(data: str | bytes, chunk: int = 1 << 20, *, foreign: bool = True) -> list[Marker]:
    raw = data.encode() if isinstance(data, str) else data
    chunks = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    watcher = MarkerWatcher(foreign=foreign)
    assert b''.join(watcher.watch(chunks)) == raw
    return watcher.markers


def _m(line_start: int, name: str = ALLOW, reason: str = '', *fps: str) -> Marker:
    return Marker(line_start, name, 'next' in name, frozenset(fps), reason)


FINDS = [
    pytest.param(f'k = "{KEY}"  # {ALLOW}', [_m(0)], id='same-line-python'),
    pytest.param(
        f'x\nk = 1 // {ALLOW} test fixture\n', [_m(2, reason='test fixture')], id='reason'
    ),
    pytest.param('k = 1 #aws-key-guard:allow', [_m(0)], id='no-spaces'),
    pytest.param('k = 1 # aws-key-guard:\t allow', [_m(0)], id='spaces-and-tab'),
    pytest.param(f'a\n# {NEXT} fixture\nk = 1\n', [_m(13 + len(NEXT), NEXT, 'fixture')], id='next'),
    pytest.param(f'/* {ALLOW} docs */ k = "{KEY}"', [_m(0, reason='docs')], id='c-comment'),
    pytest.param(f'<!-- {ALLOW}: example -->{KEY}', [_m(0, reason='example')], id='html'),
    pytest.param(f'# {ALLOW} - why\r\n', [_m(0, reason='why')], id='dash-and-crlf'),
    pytest.param(f'# {ALLOW} {FP} two', [_m(0, ALLOW, 'two', FP)], id='fingerprint'),
    pytest.param(
        f'# {ALLOW} {FP} sha256:ba9876543210',
        [_m(0, ALLOW, '', FP, 'sha256:ba9876543210')],
        id='fingerprints',
    ),
    pytest.param(f'# {ALLOW} see {FP}', [_m(0, reason=f'see {FP}')], id='fingerprint-in-reason'),
    pytest.param(
        f'# {ALLOW} was {KEY}, now {SECRET}',
        [_m(0, reason='was [masked], now [masked]')],
        id='key-in-reason-masked',
    ),
    pytest.param(
        f'# {ALLOW} {SECRET[:10]}\\/{SECRET[10:]}',
        [_m(0, reason='[masked]')],
        id='escaped-secret-in-reason-masked',
    ),
    pytest.param(
        f'# {ALLOW} ' + '&#47;'.join((SECRET[:13], SECRET[14:27], SECRET[28:])),
        [_m(0, reason='[masked]')],
        id='secret-with-character-references-in-reason-masked',
    ),
    pytest.param(f'# {ALLOW} ' + 'é' * 300, [_m(0, reason='é' * 99)], id='reason-cut-at-200-bytes'),
    pytest.param('k  # pragma: allowlist secret', [_m(0, 'pragma: allowlist secret')], id='ds'),
    pytest.param('k  # pragma:allowlist-secret', [_m(0, 'pragma: allowlist secret')], id='ds-dash'),
    pytest.param(
        '# pragma: allowlist nextline secret\nk',
        [_m(36, 'pragma: allowlist nextline secret')],
        id='ds-nextline',
    ),
    pytest.param('k  # gitleaks:allow', [_m(0, 'gitleaks:allow')], id='gitleaks'),
    pytest.param(f'a\nb # {ALLOW}\n# {NEXT}\nc', [_m(2), _m(30 + len(NEXT), NEXT)], id='two'),
]


@pytest.mark.parametrize(('data', 'expected'), FINDS)
def test_watch_markers_finds(data, expected):
    assert _markers(data) == expected


IGNORES = [
    pytest.param('allow allowed allowlist', id='plain-words'),
    pytest.param('aws-key-guard: allowed because', id='allowed'),
    pytest.param('aws-key-guard: allowance', id='allowance'),
    pytest.param('aws-key-guard: allow-next-lines', id='next-lines'),
    pytest.param('aws-key-guard: allow_list', id='underscore'),
    pytest.param('aws-key-guard - allow', id='no-colon'),
    pytest.param('AWS-KEY-GUARD: ALLOW', id='upper-case'),
    pytest.param('pragma: allowlist secrets', id='ds-plural'),
    pytest.param('gitleaks: disallow', id='disallow'),
    pytest.param(f'k\n# {NEXT}', id='next-line-on-last-line'),
    pytest.param(f'k\n# {NEXT} reason', id='next-line-on-last-line-with-reason'),
    pytest.param('', id='empty'),
]


@pytest.mark.parametrize('data', IGNORES)
def test_watch_markers_ignores(data):
    assert _markers(data) == []


def test_watch_markers_foreign_off():
    data = f'a # pragma: allowlist secret\nb # gitleaks:allow\nc # {ALLOW}\n'
    assert _markers(data, foreign=False) == [_m(len(data) - len(ALLOW) - 5)]
    assert len(_markers(data)) == 3


@pytest.mark.parametrize('chunk', [1, 2, 5, 19, 31, 32, 33, 100, 257, 4096])
def test_watch_markers_does_not_depend_on_chunk_size(chunk):
    filler = ''.join(f'line {i} allow {"x" * (i * 7 % 300)}\n' for i in range(40))
    data = (
        f'{filler}k = 1  # {ALLOW} fixture one\n{filler}# {NEXT} {FP} two\n'
        f'{"y" * 700}\n{"z" * 600} # gitleaks:allow\n{filler}'
        f'# {NEXT} at the end'
    )
    expected = _markers(data)
    assert [(m.name, m.reason) for m in expected] == [
        (ALLOW, 'fixture one'),
        (NEXT, 'two'),
        ('gitleaks:allow', ''),
    ]
    assert _markers(data, chunk) == expected


def test_watch_markers_next_line_resolved_in_a_later_read():
    data = f'# {NEXT} {"w " * 2500}\nkey line\n'
    assert _markers(data, 1000) == [_m(len(data) - 9, NEXT, ' '.join('w' * 100))]


def test_watch_markers_line_start_across_long_line():
    data = 'a\n' + 'q' * 5000 + f' # {ALLOW}\n'
    assert _markers(data, 1000) == [_m(2)]


@pytest.mark.parametrize(
    ('word', 'expected'),
    [
        ('sha256:0123456789ab', True),
        ('sha256:0123456789AB', False),
        ('sha256:0123456789a', False),
        ('sha256:0123456789abc', False),
        ('sha1:0123456789abcd', False),
        ('sha256:0123456789ag', False),
    ],
)
def test_is_fingerprint(word, expected):
    assert is_fingerprint(word) is expected


def test_watch_markers_random_splits_agree():
    pieces = [
        f'k  # {ALLOW} one\n',
        'aws-key-guard:' + ' ' * 17 + 'allow wide gap\n',  # the widest gap still seen
        'aws-key-guard:' + ' ' * 19 + 'allow too wide\n',
        f'# {NEXT} {"n " * 150}\nnext\n',
        'allowallow aws-key-guard: allowallow\n',
        'x gitleaks:allow\n# pragma: allowlist nextline secret\n\n',
        f'{"é" * 40} # {ALLOW} {"é" * 120}\n',
    ]
    data = ''.join(pieces * 3).encode()
    expected = _markers(data)
    assert len(expected) == 18
    rng = random.Random(5)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(data)), rng.randint(1, 60)))
        chunks = [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        watcher = MarkerWatcher()
        assert b''.join(watcher.watch(chunks)) == data
        assert watcher.markers == expected


# One line of nothing but next-line markers: none of them can be settled until
# a newline comes, so they count toward the cap while they wait, and the scan
# stops there. The memory bound is what the cap and two reads need, whatever
# the file's size; the 16 MB file would need hundreds of MB if they piled up.
@pytest.mark.parametrize(
    'size', [pytest.param(2 << 20, id='2MB'), pytest.param(16 << 20, id='16MB')]
)
def test_next_line_markers_on_one_line_stop_at_the_cap(tmp_path, monkeypatch, capsysbinary, size):
    monkeypatch.chdir(tmp_path)
    unit = f'# {NEXT} '.encode()
    # A key ID at the end, so the file is no clean commit and is scanned in full.
    (tmp_path / 'markers.txt').write_bytes(unit * (size // len(unit)) + KEY.encode())
    tracemalloc.start()
    try:
        rc = main(['markers.txt'])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    out, err = capsysbinary.readouterr()
    assert (rc, err) == (2, b'')
    assert out == (
        b'markers.txt:1:1: AKG900 cannot scan file: more than 10000 allow markers, '
        b'not scanned past byte 0\n'
    )
    assert peak < 16 << 20


def test_watch_markers_settles_waiting_markers_in_one_pass():
    # Markers waiting on the same newline are settled together; a later one
    # with a newline of its own is settled at that one.
    data = f'# {NEXT} a {"x" * 300}# {NEXT} b {"y" * 300}\nfirst\n# {NEXT} c {"z" * 300}\nsecond\n'
    first = data.index('first')
    second = data.index('second')
    assert _markers(data, 64) == [
        _m(first, NEXT, 'a [masked]'),
        _m(first, NEXT, 'b [masked]'),
        _m(second, NEXT, 'c [masked]'),
    ]


@pytest.mark.parametrize(
    ('start', 'expected'),
    [
        (150, 'r' * 10 + ' [masked]'),
        (180, 'r' * 10 + ' [masked]'),
        (181, 'r' * 10 + ' [masked]'),
        (199, 'r' * 10 + ' [masked]'),
        (200, 'r' * 10),  # past the cut: not in the reason at all
        (205, 'r' * 10),
    ],
)
def test_watch_markers_masks_a_key_before_cutting_the_reason(start, expected):
    # A secret starting before the 200-byte cut is masked whole, however little of it is left.
    reason = 'r' * 10 + ' ' * (start - 11) + SECRET
    (marker,) = _markers(f'x  # {ALLOW} {reason}\n')
    assert marker.reason == expected


@pytest.mark.parametrize('chunk', [1 << 20, 4096, 777], ids=['whole', '4k', 'odd'])
def test_markers_among_a_flood_of_the_word(chunk):
    # Past many plain uses of the word in one read, the rest are found by a
    # pattern; markers there, at any read boundary, are found all the same.
    prose = 'we allow this, disallow that: allow it\n' * 200
    data = f'{prose}k = 1  # {ALLOW} flood\n{prose}x = 2  # {NEXT} later\ny = 3\n'
    first = len(prose)
    second = first + len(f'k = 1  # {ALLOW} flood\n') + len(prose)
    assert _markers(data, chunk) == [
        _m(first, reason='flood'),
        _m(second + len(f'x = 2  # {NEXT} later\n'), NEXT, 'later'),
    ]


def test_watch_ends_the_stream_after_the_read_that_passes_the_cap():
    line = f'x = 1  # {ALLOW}\n'.encode()
    chunks = [line * 10 for _ in range(5)]
    watcher = MarkerWatcher(cap=15)
    # A marker counts once the reason after it is read: the last few of each
    # read count in the next, so the sixteenth is counted in the third read.
    assert list(watcher.watch(chunks)) == chunks[:3]
    assert (watcher.cut, watcher.stop, len(watcher.markers)) == (15 * len(line), 30 * len(line), 30)
