"""Thin git plumbing: NUL-separated name lists and one `git cat-file --batch` process."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Generator
from collections.abc import Iterator
from collections.abc import Sequence
from typing import IO
from typing import Final

from aws_key_guard.error import ScanError
from aws_key_guard.window import CHUNK_SIZE

# Modes git records in trees and the index.
GITLINK: Final = '160000'  # a submodule's commit, not a blob of this repository
SYMLINK: Final = '120000'  # a blob holding the link's target path


def _failure(args: Sequence[str], stderr: bytes) -> ScanError:
    lines = stderr.decode(errors='replace').strip().splitlines()
    reason = lines[-1] if lines else 'failed'
    return ScanError(f'git {args[0]}: {reason}')


def run(*args: str, input: bytes | None = None) -> bytes:
    """Run a git command to completion (input on its stdin) and return its stdout."""
    try:
        done = subprocess.run(['git', *args], input=input, capture_output=True, check=False)  # noqa: S603, S607
    except OSError as e:
        raise ScanError(f'cannot run git: {e.strerror}') from None
    if done.returncode:
        raise _failure(args, done.stderr)
    return done.stdout


def stream_fields(*args: str, _chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """Yield the NUL-terminated fields a git command writes, as it writes them."""
    import tempfile

    # stderr goes to a file: a pipe nobody reads could fill and stall git.
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(['git', *args], stdout=subprocess.PIPE, stderr=errors)  # noqa: S603, S607
        except OSError as e:
            raise ScanError(f'cannot run git: {e.strerror}') from None
        assert proc.stdout is not None  # noqa: S101 -- asked for a pipe above
        with proc:
            rest = b''
            while chunk := os.read(proc.stdout.fileno(), _chunk_size):
                *fields, rest = (rest + chunk).split(b'\0')
                yield from fields
        if proc.returncode:
            errors.seek(0)
            raise _failure(args, errors.read())
    if rest:
        yield rest


class BlobReader:
    """Object contents from one long-lived `git cat-file --batch` process."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._proc is not None:
            # A cat-file that died (not a repository) leaves an unflushable request.
            with contextlib.suppress(BrokenPipeError), self._proc:
                pass

    def _pipes(self) -> tuple[IO[bytes], IO[bytes]]:
        # Started on first use: a commit with nothing staged never spawns it.
        if self._proc is None:
            self._proc = subprocess.Popen(
                ['git', 'cat-file', '--batch'],  # noqa: S607
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self._proc.stdin is not None  # noqa: S101 -- asked for pipes above
        assert self._proc.stdout is not None  # noqa: S101 -- asked for pipes above
        return self._proc.stdin, self._proc.stdout

    def read_chunks(
        self, oid: str, kind: str = 'blob', *, _chunk_size: int = CHUNK_SIZE
    ) -> Generator[bytes, None, None]:
        """Yield an object's bytes in pieces, so a huge blob never sits in memory whole;
        ScanError if it is no object of this kind (a blob, a commit or a tag)."""
        stdin, stdout = self._pipes()
        try:
            stdin.write(oid.encode() + b'\n')
            stdin.flush()
        except BrokenPipeError:
            raise ScanError('git cat-file stopped early') from None
        header = stdout.readline().split()
        if not header:
            raise ScanError('git cat-file stopped early')
        if len(header) != 3:
            raise ScanError(f'git object {oid} is missing')
        left = int(header[2]) + 1  # the contents and the newline after them
        try:
            if header[1] != kind.encode():
                raise ScanError(f'git object {oid} is a {header[1].decode()}, not a {kind}')
            while left > 1:
                chunk = stdout.read(min(_chunk_size, left - 1))
                if not chunk:
                    raise ScanError('git cat-file stopped early')
                left -= len(chunk)
                yield chunk
        finally:
            # The reply must be consumed whole, or the next one would start mid-blob.
            while left and (skipped := stdout.read(min(_chunk_size, left))):
                left -= len(skipped)
