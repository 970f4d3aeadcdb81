"""Intake: what to scan (files on disk, index or commit blobs) and its bytes as chunks."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from itertools import chain
from typing import Final
from typing import NamedTuple

from aws_key_guard.error import ScanError


class Blob(NamedTuple):
    filename: str  # the path as given, or as git names it in the index or commit
    oid: str | None  # None: not in the index, so read from disk (a commit message file)
    mode: str = '100644'
    commit: str | None = None  # the commit that introduced this content
    kind: str = 'blob'  # or a commit's or a tag's message: the object, as git stores it


# A commit's or an annotated tag's message, read from git as `git cat-file -p`
# shows the object (its header lines first), is named as git names the file
# it is written in.
COMMIT_MESSAGE: Final = 'COMMIT_EDITMSG'
TAG_MESSAGE: Final = 'TAG_EDITMSG'

# --no-renames: a rename is a delete plus an add, and the add is what we scan.
_RAW: Final = ('--raw', '-z', '--no-abbrev', '--no-renames', '--no-color', '--no-ext-diff')
# The statuses that put content at a path: added, modified, type changed.
_ADDS: Final = frozenset((b'A', b'M', b'T'))


def _raw_blobs(fields: Iterator[bytes]) -> Iterator[Blob]:
    # `--raw -z` entries are ':<old mode> <new mode> <old oid> <new oid> <status>'
    # then the path; `git log` puts '\x01<commit>' (our --format) before each
    # commit's, and its message is read too.
    commit = None
    for field in fields:
        if field.startswith(b'\x01'):
            commit = field[1:].decode()
            yield Blob(COMMIT_MESSAGE, commit, commit=commit, kind='commit')
        elif field.startswith((b':', b'\n:')):
            _, mode, _, oid, status = field.split()
            path = next(fields)
            if status in _ADDS:
                yield Blob(os.fsdecode(path), oid.decode(), mode.decode(), commit)


def staged_blobs(filenames: Sequence[str]) -> list[Blob]:
    """The index entries of FILEs, or every added, modified or renamed staged file."""
    from aws_key_guard import git

    if not filenames:
        # Unlike `git ls-files`, this lists only what the commit changes; it also
        # works before the first commit and leaves intent-to-add entries out.
        try:
            out = git.run('diff', '--cached', *_RAW)
        except ScanError:
            # Outside a repository git diff answers with its usage text; say why.
            git.run('rev-parse', '--git-dir')
            raise
        # Paths are the top level's; the worktree is read from where we run.
        top = os.fsdecode(git.run('rev-parse', '--show-cdup').strip())
        return _with_worktree(list(_raw_blobs(iter(out.split(b'\0')))), top)
    given = {os.path.relpath(f): f for f in filenames}
    literal = [f':(literal){f}' for f in filenames]
    staged = {}
    for entry in git.run('ls-files', '--stage', '-z', '--', *literal).split(b'\0'):
        meta, _, path = entry.partition(b'\t')
        mode, oid, stage = meta.decode().split() if meta else ('', '', '')
        name = given.get(os.fsdecode(path))
        if name is not None and stage == '0':
            staged[name] = Blob(name, oid, mode)
    return _with_worktree([staged.get(f, Blob(f, None)) for f in filenames], '')


def _with_worktree(blobs: list[Blob], top: str) -> list[Blob]:
    # A clean filter (Git LFS's, say) stores something else than the file:
    # pre-commit scans the worktree file, so it is scanned as well, after its
    # blob, unless its bytes are the blob's. Filters apply to regular files only.
    from aws_key_guard import git

    paths = {_under(top, b.filename): b for b in blobs if b.oid and b.mode[:3] == '100'}
    if not paths:
        return blobs
    attrs = git.run('check-attr', '-z', '--stdin', 'filter', input=_nul_list(paths))
    fields = attrs.split(b'\0')
    named = [
        os.fsdecode(path)
        for path, value in zip(fields[0::3], fields[2::3], strict=False)
        if value not in (b'unspecified', b'unset', b'set')
    ]
    on_disk = [p for p in named if os.path.isfile(p) and not os.path.islink(p)]
    if not on_disk:
        return blobs
    # --stdin-paths reads lines: a name holding a newline is always scanned again.
    lines = [p for p in on_disk if '\n' not in p]
    # hash-object reads these from the top level, whatever the directory.
    absolute = _lines(os.path.abspath(p) for p in lines)
    raw = git.run('hash-object', '--no-filters', '--stdin-paths', input=absolute).split()
    same = {p for p, oid in zip(lines, raw, strict=False) if oid.decode() == paths[p].oid}
    extra = {paths[p]: Blob(p, None) for p in on_disk if p not in same}
    return [b for blob in blobs for b in (blob, extra.get(blob)) if b is not None]


def _under(top: str, path: str) -> str:
    return os.path.relpath(os.path.join(top, path)) if top else path


def _nul_list(paths: Iterable[str]) -> bytes:
    return b''.join(os.fsencode(p) + b'\0' for p in paths)


def _lines(paths: Iterable[str]) -> bytes:
    return b''.join(os.fsencode(p) + b'\n' for p in paths)


def _log_blobs(*revs: str) -> Iterator[Blob]:
    from aws_key_guard import git

    # Oldest first (parents before children), so content is credited to the
    # commit that introduced it; a merge adds only what its first parent lacks.
    options = ('--reverse', '--topo-order', '--root', '--diff-merges=first-parent')
    quiet = ('--no-show-signature', '--format=%x01%H')
    return _raw_blobs(git.stream_fields('log', *options, *quiet, *_RAW, *revs, '--'))


def history_blobs(revs: str) -> Iterator[Blob]:
    """The blobs commits in a revision range add, each with its commit (a content
    again at each path and commit that adds it: see cli.scan_blobs), and each
    commit's message; with `--all`, each annotated tag's and each blob a ref
    names too."""
    if revs != '--all':
        return _log_blobs(revs)
    from aws_key_guard import git

    out = git.run('for-each-ref', '--format=%(objectname)')
    return chain(_log_blobs('--all'), _loose_objects(set(out.split())))


def _loose_objects(oids: set[bytes]) -> Iterator[Blob]:
    """Of these objects, the annotated tags (as their messages) and the blobs (each named
    by its oid): what a ref may point at with no commit to add it."""
    from aws_key_guard import git

    if not oids:
        return
    asked = b''.join(oid + b'\n' for oid in sorted(oids))
    for line in git.run('cat-file', '--batch-check', input=asked).splitlines():
        oid, kind = line.decode().split()[:2]
        if kind == 'tag':
            yield Blob(TAG_MESSAGE, oid, kind='tag')
        elif kind == 'blob':
            yield Blob(oid, oid)


def _is_null(ref: str) -> bool:
    return not ref.strip('0')


def pushed_blobs(from_ref: str, to_ref: str) -> Iterator[Blob]:
    """The blobs that the commits in from_ref..to_ref introduce, each with its commit."""
    if _is_null(to_ref):  # deleting a remote branch pushes no content
        return iter(())
    if not _is_null(from_ref):
        return unpushed_blobs([to_ref], [from_ref])
    from aws_key_guard import git

    # A new branch sends what no remote-tracking ref has yet. CI, which runs
    # after the push, has the branch's own ref at to_ref: a ref that holds
    # to_ref already tells nothing of what the branch brought.
    out = git.run(
        'for-each-ref', f'--no-contains={to_ref}', '--format=%(objectname)', 'refs/remotes'
    )
    return unpushed_blobs([to_ref], sorted(set(out.decode().split())))


def unpushed_blobs(tips: Sequence[str], remote_has: Sequence[str]) -> Iterator[Blob]:
    """The blobs of the commits reachable from tips and from none of remote_has.

    remote_has holds commits and `--remotes[=NAME]`. Every blob counts,
    whatever its path or type: which files pre-commit passes plays no part.
    """
    from aws_key_guard import git

    if not tips:
        return iter(())
    revs = [*tips, '--not', *remote_has]
    # Content the remote already has (a revert, a copy) is not what the push adds.
    new = set(git.run('rev-list', '--objects', '--no-object-names', *revs, '--').split())
    logged = [b for b in _log_blobs(*revs) if b.oid is not None and b.oid.encode() in new]
    # A tag, or a ref to a blob or a tree, sends objects that no commit adds.
    rest = new.difference(b.oid.encode() for b in logged if b.oid is not None)
    return chain(logged, _loose_objects(rest))


def _is_oid(field: bytes) -> bool:
    return len(field) in (40, 64) and not field.strip(b'0123456789abcdef')


def ref_update_blobs(lines: bytes, remote: str | None) -> Iterator[Blob]:
    """The blobs a push sends, from the lines git gives a pre-push hook.

    Each line is `<local ref> <local oid> <remote ref> <remote oid>`; every
    ref is pushed, and the remote has its old tips and, when remote names
    one of ours, what its remote-tracking refs point at.
    """
    from aws_key_guard import git

    tips: list[str] = []
    olds: list[str] = []
    for line in lines.splitlines():
        fields = line.split()
        if len(fields) != 4 or not (_is_oid(fields[1]) and _is_oid(fields[3])):
            raise ScanError('--pre-push reads git\'s "<ref> <oid> <ref> <oid>" lines on stdin')
        local, old = fields[1].decode(), fields[3].decode()
        if not _is_null(local):  # a null local oid deletes the remote ref
            tips.append(local)
        if not _is_null(old):
            olds.append(old)
    have: list[str] = []
    if olds:
        # An old tip we never fetched tells nothing; the others bound the push.
        out = git.run('cat-file', '--batch-check', input='\n'.join(olds).encode() + b'\n')
        have = [r.split()[0].decode() for r in out.splitlines() if not r.endswith(b' missing')]
    known = [f'--remotes={remote}'] if remote else []
    return unpushed_blobs(tips, have + known)


def file_tags(filename: str) -> set[str]:
    """identify's tags for a file on disk, as pre-commit's `types` see it; none if missing."""
    from identify import identify

    try:
        mode = os.lstat(filename).st_mode
        # identify opens what is not a directory, link or socket to tell text
        # from binary, and opening a FIFO waits for a writer: read_chunks
        # refuses these anyway.
        if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            return set()
        return identify.tags_from_path(filename)
    except (OSError, ValueError):  # vanished or unreadable: read_chunks says which
        return set()


def blob_tags(blob: Blob, head: bytes) -> set[str]:
    """identify's tags for the file a blob would be, from its mode, name and first bytes."""
    import io

    from identify import identify

    if blob.mode == '120000':
        return {'symlink'}
    # The same steps as identify.tags_from_path, with the blob in place of the disk.
    executable = blob.mode == '100755'
    tags = {'file', 'executable' if executable else 'non-executable'}
    named = identify.tags_from_filename(os.path.basename(blob.filename))
    tags |= named
    if executable and not named:
        shebang = identify.parse_shebang(io.BytesIO(head))
        if shebang:
            tags |= identify.tags_from_interpreter(shebang[0])
    if not tags & identify.ENCODING_TAGS:
        tags.add('text' if identify.is_text(io.BytesIO(head)) else 'binary')
    return tags
