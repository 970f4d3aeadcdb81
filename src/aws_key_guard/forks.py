"""Forked workers sharing one scan: the pipes, the processes, what comes back.

Each process, this one included, takes batches of files from a queue until
it is empty; what a worker that died took is judged here afterwards.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence
    from typing import Final
    from typing import NoReturn
    from typing import TypeVar

    T = TypeVar('T')

# A batch's number is 4 bytes in a pipe that every process reads. All are
# written at once, before any fork, into a pipe's smallest capacity (a page).
RECORD: Final = 4


def share(
    filenames: Sequence[str],
    shared: Sequence[range],
    workers: int,
    judge: Callable[[str], T | None],
    pack: Callable[[T], object],
    unpack: Callable[[object], T],
) -> list[T | None]:
    """judge(name) for each name, in order, the batches shared among this process and
    workers - 1 forked ones; None where there is nothing to report."""
    workers = min(workers, len(shared))
    results: list[T | None] = [None] * len(filenames)
    queue = _queue(len(shared))
    # Workers watch this pipe, which only this process writes: however this
    # process ends (SIGTERM, SIGKILL, an interrupt), the pipe reads as closed
    # and they stop too, rather than scan on for no one.
    watched, watch = os.pipe()
    children = []
    try:
        for _ in range(workers - 1):
            try:
                children.append(_fork(shared, filenames, judge, pack, queue, (watched, watch)))
            except OSError:
                # No process to spare (EAGAIN, ENOMEM, EMFILE): this process
                # takes more batches. A failed fork costs time, never a file.
                break
        os.close(watched)
        done = _take(queue, shared, filenames, judge, results.__setitem__)
        for pid, pipe in children:
            sent = _collect(pid, pipe)
            if sent is not None:
                taken, told = sent
                done += taken
                for i, result in told:
                    results[i] = unpack(result)
    finally:
        os.close(queue)
        os.close(watch)
    for number in sorted(set(range(len(shared))).difference(done)):
        for i in shared[number]:  # taken by a worker that died
            results[i] = judge(filenames[i])
    return results


def _queue(count: int) -> int:
    # The read end of a pipe holding every batch number, its write end closed.
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b''.join(n.to_bytes(RECORD, 'little') for n in range(count)))
    finally:
        os.close(write_end)
    return read_end


def _take(
    queue: int,
    shared: Sequence[range],
    filenames: Sequence[str],
    judge: Callable[[str], T | None],
    keep: Callable[[int, T], object],
) -> list[int]:
    """Judge batches from the queue until it is empty; keep(i, result) what is not None.

    The numbers of the batches taken. A read of a record's size from a pipe
    that holds only whole records takes one whole, whoever else reads it.
    """
    taken = []
    while record := os.read(queue, RECORD):
        number = int.from_bytes(record, 'little')
        taken.append(number)
        for i in shared[number]:
            if (result := judge(filenames[i])) is not None:
                keep(i, result)
    return taken


def _collect(pid: int, pipe: int) -> tuple[list[int], list[tuple[int, object]]] | None:
    # What a worker sent (the batches it took, and its results); None if it died.
    import marshal

    with os.fdopen(pipe, 'rb') as f:
        told = f.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    # Written by a worker this process forked a moment ago, through its own pipe.
    sent: tuple[list[int], list[tuple[int, object]]] = marshal.loads(told)  # noqa: S302
    return sent


def _fork(
    shared: Sequence[range],
    filenames: Sequence[str],
    judge: Callable[[str], T | None],
    pack: Callable[[T], object],
    queue: int,
    watch: tuple[int, int],
) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if not pid:  # pragma: no cover -- the child: _work's frame is the one measured
        os.close(read_end)
        os.close(watch[1])
        _work(shared, filenames, judge, pack, queue, write_end, watch[0])
    os.close(write_end)
    return pid, read_end


def _stop_with_parent(watched: int) -> None:  # pragma: no cover -- runs once the parent is gone
    # Nothing is ever written: the read returns when the parent is gone.
    os.read(watched, 1)
    os._exit(1)


def _work(
    shared: Sequence[range],
    filenames: Sequence[str],
    judge: Callable[[str], T | None],
    pack: Callable[[T], object],
    queue: int,
    pipe: int,
    watched: int,
) -> NoReturn:
    # Judge batches from the queue, send the parent the batches taken and
    # what is not None, and leave at once, past every exit handler and buffer
    # that the parent also owns.
    code = 1
    try:
        import _thread  # built in: no file to find or load
        import marshal

        _thread.start_new_thread(_stop_with_parent, (watched,))
        told: list[tuple[int, object]] = []
        taken = _take(queue, shared, filenames, judge, lambda i, r: told.append((i, pack(r))))
        with os.fdopen(pipe, 'wb') as f:
            f.write(marshal.dumps((taken, told)))
        code = 0
    finally:
        os._exit(code)
