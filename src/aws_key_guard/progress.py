"""Progress of a long scan on a terminal: files, megabytes and rate, on one line."""

from __future__ import annotations

import time
from typing import Final
from typing import TextIO

# Redrawing more often than this costs time and shows nothing new.
INTERVAL: Final = 0.25


class Progress:
    """Counts files and bytes; draws only when the stream is a terminal."""

    def __init__(self, stream: TextIO, *, enabled: bool = True) -> None:
        self._stream = stream
        self._live = enabled and stream.isatty()
        self._start = self._drawn = time.monotonic()
        self.files = 0
        self.size = 0

    def add(self, size: int) -> None:
        self.files += 1
        self.size += size
        if self._live and time.monotonic() - self._drawn >= INTERVAL:
            self._draw()

    def close(self) -> None:
        if self._live:
            self._draw(end='\n')

    def _draw(self, end: str = '') -> None:
        self._drawn = time.monotonic()
        seconds = max(self._drawn - self._start, 1e-9)
        mb = self.size / 1e6
        self._stream.write(
            f'\raws-key-guard: {self.files} files, {mb:.1f} MB, {mb / seconds:.1f} MB/s{end}'
        )
        self._stream.flush()
