from __future__ import annotations

import io
import re

from aws_key_guard import progress
from aws_key_guard.progress import Progress

RATE = rb'[0-9]+\.[0-9] MB/s'


def test_progress_draws_on_a_terminal(terminal, monkeypatch):
    stream, shown = terminal
    monkeypatch.setattr(progress, 'INTERVAL', 0)
    counter = Progress(stream)
    counter.add(1_500_000)
    counter.add(500_000)
    counter.close()
    line = rb'\raws-key-guard: %d files, %s MB, ' + RATE
    assert re.fullmatch(
        line % (1, b'1.5') + line % (2, b'2.0') + line % (2, b'2.0') + rb'\r\n', shown()
    )


def test_progress_waits_between_redraws(terminal):
    stream, shown = terminal
    counter = Progress(stream)
    counter.add(10)  # sooner than INTERVAL after the start
    counter.close()
    assert re.fullmatch(rb'\raws-key-guard: 1 files, 0.0 MB, ' + RATE + rb'\r\n', shown())


def test_progress_is_silent_off_a_terminal_or_when_disabled(terminal):
    stream, shown = terminal
    for counter in (Progress(io.StringIO()), Progress(stream, enabled=False)):
        counter.add(10)
        counter.close()
        assert (counter.files, counter.size) == (1, 10)
    assert shown() == b''
