"""Whether and how to share a scan among forked workers, one a CPU; light to import.

A commit's few files are judged here, calling only `posix` (see system.py);
a scan large enough to share goes to forks.py.
"""

from __future__ import annotations

import posix

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Sequence
    from typing import Final
    from typing import TypeVar

    T = TypeVar('T')

# The work each worker must have for a fork (about a millisecond, and the
# pages it then copies) to pay, in bytes to scan: a commit's few files never
# fork, a tree's hundreds of megabytes do.
PER_WORKER: Final = 8 << 20
# What opening, reading and closing a file and starting its scan cost, as
# bytes scanned: on a tree of small files that is most of the work.
FILE_WEIGHT: Final = 8 << 10
# Files go out in batches of about this weight, each to whichever process
# asks next: a process slowed by other work on its CPU simply takes fewer.
BATCH: Final = 1 << 20
# Every batch's number is written into a pipe before any fork (forks.RECORD).
_MAX_BATCHES: Final = 4096 // 4 - 1  # the last batch may be light: one more


def cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(posix, 'sched_getaffinity'):
        return len(posix.sched_getaffinity(0))
    return posix.cpu_count() or 1  # pragma: no cover -- macOS and Windows have no affinity


def weight(sizes: Sequence[int]) -> int:
    """The work of scanning files of these sizes, in bytes scanned."""
    return sum(sizes) + FILE_WEIGHT * len(sizes)


def batches(sizes: Sequence[int]) -> list[range]:
    """Runs of consecutive indexes into sizes, of about BATCH weight each, the heaviest first.

    At most _MAX_BATCHES: a larger scan has larger batches.
    """
    target = max(BATCH, -(-weight(sizes) // _MAX_BATCHES))
    found = []
    first = load = 0
    for i, size in enumerate(sizes):
        load += size + FILE_WEIGHT
        if load >= target:
            found.append((load, range(first, i + 1)))
            first, load = i + 1, 0
    if first < len(sizes):
        found.append((load, range(first, len(sizes))))
    # The heaviest first, so that no process is left with a large one at the end.
    return [batch for _, batch in sorted(found, key=lambda f: -f[0])]


def file_size(filename: str) -> int:
    """The size of the file or symlink itself; 0 if it cannot be looked at."""
    try:
        return posix.lstat(filename).st_size  # a symlink's target is never read
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

    Enough work is shared among forked workers, one a CPU, this process
    being one: each takes batches of files from a queue until it is empty,
    and sends back, packed into what marshal can write, what is not None.
    Batches a worker took and did not report (it died) are judged here
    afterwards, as is all of a scan that cannot fork: none goes unjudged.
    """
    if len(filenames) < 2 or not hasattr(posix, 'fork'):
        return [judge(f) for f in filenames]
    sizes = [file_size(f) for f in filenames] if sizes is None else sizes
    workers = min(cpus(), len(filenames), weight(sizes) // PER_WORKER)
    if workers < 2:
        return [judge(f) for f in filenames]
    # Forks, pipes and `os`: only for a scan this large.
    from aws_key_guard.forks import share

    return share(filenames, batches(sizes), workers, judge, pack, unpack)
