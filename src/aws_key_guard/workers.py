"""Share a large scan among forked workers, one a CPU; light to import."""

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

# The bytes each worker must have for a fork (about a millisecond) to pay:
# a commit's few files never fork, a tree's hundreds of megabytes do.
PER_WORKER: Final = 8 << 20


def cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover -- macOS and Windows have no affinity


def shares(sizes: Sequence[int], workers: int) -> list[list[int]]:
    """Indexes into sizes, one list a worker: the largest first, each to the least loaded."""
    loads = [0] * workers
    taken: list[list[int]] = [[] for _ in range(workers)]
    for i in sorted(range(len(sizes)), key=sizes.__getitem__, reverse=True):
        least = loads.index(min(loads))
        taken[least].append(i)
        loads[least] += sizes[i]
    return [sorted(share) for share in taken]


def file_size(filename: str) -> int:
    """The size of the file or symlink itself; 0 if it cannot be looked at."""
    try:
        return os.lstat(filename).st_size  # a symlink's target is never read
    except OSError:
        return 0  # the scan will say why


def judge_files(
    filenames: Sequence[str],
    judge: Callable[[str], T | None],
    pack: Callable[[T], object],
    unpack: Callable[[object], T],
    sizes: Sequence[int] | None = None,
) -> list[T | None]:
    """judge(name) for each name, in order; None where there is nothing to report.

    Many megabytes are shared among forked workers, one a CPU, each taking
    whole files and sending back, packed into what marshal can write, what
    is not None. Files of a worker that dies, or that could not be forked,
    are judged here: none goes unjudged.
    """
    if len(filenames) < 2 or not hasattr(os, 'fork'):
        return [judge(f) for f in filenames]
    sizes = [file_size(f) for f in filenames] if sizes is None else sizes
    workers = min(cpus(), len(filenames), sum(sizes) // PER_WORKER)
    if workers < 2:
        return [judge(f) for f in filenames]
    mine, *theirs = shares(sizes, workers)
    results: list[T | None] = [None] * len(filenames)
    # Workers watch this pipe, which only this process writes: however this
    # process ends (SIGTERM, SIGKILL, an interrupt), the pipe reads as closed
    # and they stop too, rather than scan on for no one.
    watched, watch = os.pipe()
    children = []
    try:
        for share in theirs:
            try:
                children.append(_fork(share, filenames, judge, pack, (watched, watch)))
            except OSError:
                # No process to spare (EAGAIN, ENOMEM, EMFILE): judge the share
                # here. A failed fork costs time, never a file, and is no error.
                mine += share
        os.close(watched)
        for i in mine:
            results[i] = judge(filenames[i])
        for pid, pipe, share in children:
            sent = _collect(pid, pipe)
            if sent is None:  # the worker died: its files are judged here
                for i in share:
                    results[i] = judge(filenames[i])
            else:
                for i, result in sent:
                    results[i] = unpack(result)
    finally:
        os.close(watch)
    return results


def _collect(pid: int, pipe: int) -> list[tuple[int, object]] | None:
    # What a worker sent; None if it died.
    import marshal

    with os.fdopen(pipe, 'rb') as f:
        told = f.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    # Written by a worker this process forked a moment ago, through its own pipe.
    sent: list[tuple[int, object]] = marshal.loads(told)  # noqa: S302
    return sent


def _fork(
    share: list[int],
    filenames: Sequence[str],
    judge: Callable[[str], T | None],
    pack: Callable[[T], object],
    watch: tuple[int, int],
) -> tuple[int, int, list[int]]:
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
        _work(share, filenames, judge, pack, write_end, watch[0])
    os.close(write_end)
    return pid, read_end, share


def _stop_with_parent(watched: int) -> None:  # pragma: no cover -- runs once the parent is gone
    # Nothing is ever written: the read returns when the parent is gone.
    os.read(watched, 1)
    os._exit(1)


def _work(
    share: list[int],
    filenames: Sequence[str],
    judge: Callable[[str], T | None],
    pack: Callable[[T], object],
    pipe: int,
    watched: int,
) -> NoReturn:
    # Judge the share, send the parent what is not None, and leave at once,
    # past every exit handler and buffer that the parent also owns.
    code = 1
    try:
        import _thread  # built in: no file to find or load
        import marshal

        _thread.start_new_thread(_stop_with_parent, (watched,))
        told = [(i, pack(r)) for i in share if (r := judge(filenames[i])) is not None]
        with os.fdopen(pipe, 'wb') as f:
            f.write(marshal.dumps(told))
        code = 0
    finally:
        os._exit(code)
