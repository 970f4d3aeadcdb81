"""A bzip2 stream unpacked block by block on several CPUs, in order, into bounded memory.

Imported by archive.py only for a bzip2 stream large enough to share: a commit
with none never loads it (nor `threading`).

Words this module owns:

- block: bzip2 compresses its input in blocks of at most 900 kB, each opened by
  a 48-bit magic number (the digits of pi) and its CRC, at any bit offset: the
  blocks are a bit stream, not byte-aligned. The stream ends with another
  magic number (the digits of the square root of pi), the CRC of the whole
  stream, and padding to a byte.
- plan: where each block starts and stops, in bits, and its CRC. The blocks of
  a plan tile the stream, and the whole stream's CRC is their CRCs combined,
  so no block is missed or counted twice; each block is then unpacked as a
  stream of its own (its CRC is its stream's), which libbz2 checks.

A block that does not unpack (damage, or a magic number the compressed bits
hold by chance) ends the sharing: the stream is then unpacked from its start
in this thread, past the bytes already given, and fails where it would fail.
"""

from __future__ import annotations

import bz2
import io
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Final

_BLOCK: Final = 0x314159265359
_END: Final = 0x177245385090
_MAGIC_BITS: Final = 48
_CRC_BITS: Final = 32
_HEADER_BITS: Final = 32  # `BZh` and the block size, '1' to '9'
# Each thread hands over at most this much at once, and holds at most _AHEAD
# pieces that the reader has not taken: memory stays a few MB per thread.
PIECE: Final = 1 << 20
_AHEAD: Final = 2
_WAIT: Final = 0.05  # seconds between looks at whether the reader has gone


def plan(data: bytes) -> list[tuple[int, int, int]] | None:
    """(start bit, stop bit, CRC) of each block of a one-stream bzip2 file, or None
    where the stream is not laid out so (several streams, damage, bytes after it)."""
    size = 8 * len(data)
    whole = int.from_bytes(data, 'big')
    starts: list[int] = []
    ends: list[int] = []
    needles = ((_BLOCK.to_bytes(6, 'big'), starts), (_END.to_bytes(6, 'big'), ends))
    for shift in range(8):  # a magic number at each bit offset modulo 8, found byte-aligned
        shifted = (whole << shift).to_bytes(len(data) + 1, 'big')
        for needle, found in needles:
            at = shifted.find(needle)
            while at != -1:
                found.append(8 * at - 8 + shift)
                at = shifted.find(needle, at + 1)
    starts.sort()
    if len(ends) != 1 or not starts or starts[0] != _HEADER_BITS or starts[-1] >= ends[0]:
        return None
    end = ends[0]
    tail = end + _MAGIC_BITS + _CRC_BITS
    if tail > size or data[-(-tail // 8) :].strip(b'\0'):
        return None  # bytes after the stream: another stream, or damage
    blocks = []
    combined = 0
    for start, stop in zip(starts, [*starts[1:], end], strict=True):
        crc = _bits(whole, size, start + _MAGIC_BITS, start + _MAGIC_BITS + _CRC_BITS)
        combined = ((combined << 1 | combined >> 31) & 0xFFFFFFFF) ^ crc
        blocks.append((start, stop, crc))
    if combined != _bits(whole, size, end + _MAGIC_BITS, tail):
        return None
    return blocks


def _bits(whole: int, size: int, start: int, stop: int) -> int:
    """Bits [start, stop) of a size-bit number, counted from its top."""
    return (whole >> (size - stop)) & ((1 << (stop - start)) - 1)


def block_stream(data: bytes, block: tuple[int, int, int]) -> bytes:
    """One block of data as a bzip2 stream of its own: data's header, the block, and
    an end whose CRC is the block's, since it is the stream's only one."""
    start, stop, crc = block
    first, last = start // 8, -(-stop // 8)
    part = int.from_bytes(data[first:last], 'big')
    bits = _bits(part, 8 * (last - first), start - 8 * first, stop - 8 * first)
    length = _HEADER_BITS + (stop - start) + _MAGIC_BITS + _CRC_BITS
    stream = int.from_bytes(data[:4], 'big') << (stop - start) | bits
    stream = (stream << _MAGIC_BITS | _END) << _CRC_BITS | crc
    pad = -length % 8
    return (stream << pad).to_bytes((length + pad) // 8, 'big')


class Reader(io.RawIOBase):
    """The unpacked bytes of a one-stream bzip2 file with the given plan, read forward;
    `threads` threads unpack blocks ahead of the reader, each block in turn."""

    def __init__(self, data: bytes, blocks: list[tuple[int, int, int]], threads: int) -> None:
        self._data = data
        self._blocks = blocks
        self._threads = threads
        self._slots: list[_Slot] = []
        self._next = 0  # the block whose pieces are read now
        self._held = b''
        self._whole = 0  # bytes given of the blocks given whole
        self._given = 0
        self._serial: _Serial | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._held:
            if self._serial is not None:
                self._held = self._serial.read(PIECE)
                if not self._held:
                    return 0
            elif self._next == len(self._blocks):
                return 0
            else:
                self._held = self._piece()
        n = min(len(buffer), len(self._held))
        buffer[:n] = self._held[:n]
        self._held = self._held[n:]
        self._given += n
        return n

    def _piece(self) -> bytes:
        """The next piece of the block read now; b'' where it ends (or the sharing does)."""
        if not self._slots:
            self._slots = [_Slot() for _ in range(self._threads)]
            for number, slot in enumerate(self._slots):
                slot.start(self._unpack, number)
        piece = self._slots[self._next % self._threads].take()
        if piece is None:  # the block is whole
            self._next += 1
            self._whole = self._given
            return b''
        if isinstance(piece, Exception):
            # Unpacked again from the start, the bytes after the last whole block
            # are given again: a block cut short is read in full, never skipped.
            self._leave()
            self._serial = _Serial(self._data, self._whole)
            return b''
        return piece

    def _unpack(self, number: int, slot: _Slot) -> None:
        # The blocks number, number + threads, ... each whole, then its end marked.
        try:
            for index in range(number, len(self._blocks), self._threads):
                unpacker = bz2.BZ2Decompressor()
                piece = unpacker.decompress(block_stream(self._data, self._blocks[index]), PIECE)
                while not unpacker.eof:
                    if piece and not slot.give(piece):
                        return  # the reader has gone
                    if unpacker.needs_input:
                        raise EOFError  # the block ends before its stream does
                    piece = unpacker.decompress(b'', PIECE)
                if (piece and not slot.give(piece)) or not slot.give(None):
                    return
        except Exception as e:  # damage (OSError, EOFError): the reader unpacks alone
            slot.give(e)

    def _leave(self) -> None:
        # Each thread is told, then waited for: none outlives the reader (a fork
        # after it copies no thread's half-done work).
        for slot in self._slots:
            slot.leave()
        for slot in self._slots:
            slot.join()
        self._slots = []

    def close(self) -> None:
        self._leave()
        super().close()


class _Slot:
    """Pieces one thread has unpacked for the reader, at most _AHEAD of them: a piece,
    None where a block ends, an exception where unpacking failed."""

    def __init__(self) -> None:
        self._pieces: list[bytes | Exception | None] = []
        self._changed = threading.Condition()
        self._left = False
        self._thread: threading.Thread | None = None

    def start(self, unpack: Callable[[int, _Slot], None], number: int) -> None:
        self._thread = threading.Thread(target=unpack, args=(number, self), daemon=True)
        try:
            self._thread.start()
        except RuntimeError as e:  # no thread to spare: the reader unpacks alone
            self._pieces.append(e)

    def give(self, piece: bytes | Exception | None) -> bool:
        """Hand piece over once there is room; False if the reader has gone."""
        with self._changed:
            while len(self._pieces) >= _AHEAD and not self._left:
                self._changed.wait(_WAIT)
            if self._left:
                return False
            self._pieces.append(piece)
            self._changed.notify_all()
            return True

    def take(self) -> bytes | Exception | None:
        with self._changed:
            while not self._pieces:
                if self._thread is None or not self._thread.is_alive():
                    return EOFError()  # ended with nothing more to give: no wait for ever
                self._changed.wait(_WAIT)
            piece = self._pieces.pop(0)
            self._changed.notify_all()
            return piece

    def leave(self) -> None:
        with self._changed:
            self._left = True
            self._pieces = []
            self._changed.notify_all()

    def join(self) -> None:
        if self._thread is not None and self._thread.ident is not None:
            self._thread.join()


class _Serial:
    """The whole stream unpacked in this thread, from its start, past `skip` bytes."""

    def __init__(self, data: bytes, skip: int) -> None:
        self._unpacker = bz2.BZ2Decompressor()
        self._input = data
        self._skip = skip

    def read(self, size: int) -> bytes:
        while not self._unpacker.eof:
            if self._unpacker.needs_input and not self._input:
                raise EOFError  # the stream ends before its end marker
            piece = self._unpacker.decompress(self._input, size)
            self._input = b''
            dropped = min(self._skip, len(piece))
            self._skip -= dropped
            if piece[dropped:]:
                return piece[dropped:]
        return b''
