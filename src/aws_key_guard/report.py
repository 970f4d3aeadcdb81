"""A report: each file's findings in, one format out (text lines, or a CI format)."""

from __future__ import annotations

from aws_key_guard.model import Allowed
from aws_key_guard.model import Finding
from aws_key_guard.model import blocks
from aws_key_guard.text import write_findings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import BinaryIO
    from typing import Final

FORMATS: Final = ('text', 'json', 'sarif', 'github')


class Report:
    """Each file's findings in, one format out; json and sarif are written by finish()."""

    def __init__(self, stream: BinaryIO, fmt: str = 'text', *, block_lone_key_ids: bool = False):
        if fmt not in FORMATS:
            raise ValueError(f'unknown report format: {fmt!r}')
        self.stream = stream
        self.fmt = fmt
        self.block_lone_key_ids = block_lone_key_ids
        self.files: list[tuple[str, list[Finding]]] = []
        self.blocking = 0  # findings that block, shown or not (AKG900 is an error, not one)
        self.blocking_files: set[str] = set()

    def tally(self, filename: str, findings: Iterable[Finding]) -> None:
        """Count a file's blocking findings for the summary."""
        count = sum(blocks(f.code, block_lone_key_ids=self.block_lone_key_ids) for f in findings)
        if count:
            self.blocking += count
            self.blocking_files.add(filename)

    def add(
        self, filename: str, findings: Iterable[Finding], allowed: Iterable[Allowed] = ()
    ) -> None:
        """Report a file's findings; allowed values are listed in text reports only."""
        if self.fmt == 'text':
            write_findings(self.stream, filename, findings, allowed)
        elif self.fmt == 'github':
            # Imported here: the default text path never needs the CI formats.
            from aws_key_guard.formats import format_github

            self.stream.write(
                format_github(filename, findings, block_lone_key_ids=self.block_lone_key_ids)
            )
        else:
            self.files.append((filename, list(findings)))

    def finish(self) -> None:
        if self.fmt in {'json', 'sarif'}:
            from aws_key_guard import formats

            render = formats.format_json if self.fmt == 'json' else formats.format_sarif
            self.stream.write(render(self.files, block_lone_key_ids=self.block_lone_key_ids))
        self.stream.flush()
