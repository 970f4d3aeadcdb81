"""Property tests for the two parsers of hostile text: the argument list and the markers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_key_guard.cli import build_parser
from aws_key_guard.cli import parse_args
from aws_key_guard.marker import MarkerWatcher

# File names pre-commit could pass (each exists), many spelled like options.
NAMES = [
    '--', '-', '-x', '--output', '--format', '--version', '-V', '--help', '--staged',
    '--history', '--pre-push', '--output=x', '--config', '--baseline', 'a.txt', 'b c.env',
    '-report', 'json', 'text',
]  # fmt: skip
# The hook's own args, as a user writes them in .pre-commit-config.yaml.
HOOK_ARGS = [
    [], ['--block-lone-key-ids'], ['--format', 'json'], ['--format=text'],
    ['--output', 'report.txt'], ['--no-foreign-markers'], ['--list-allowed'],
    ['--exclude-type', 'binary'],
]  # fmt: skip


@pytest.fixture(scope='module')
def names_on_disk() -> Iterator[None]:
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as directory:
        os.chdir(directory)
        for name in NAMES:
            with open(name, 'w') as f:
                f.write('x\n')
        try:
            yield
        finally:
            os.chdir(old)


@pytest.mark.usefixtures('names_on_disk')
@given(st.sampled_from(HOOK_ARGS), st.lists(st.sampled_from(NAMES), min_size=1, max_size=5))
def test_every_name_pre_commit_passes_is_a_file(hook_args, names):
    args = parse_args(build_parser(), [*hook_args, *names])
    # Each name is scanned, in order; a hook arg may become a file as well (a
    # file of that name exists), never the other way round.
    assert args.filenames[len(args.filenames) - len(names) :] == names
    assert len(args.filenames) <= len(hook_args) + len(names)
    if '--output' in hook_args:
        assert args.output == 'report.txt'


MARKER_TEXT = st.lists(
    st.sampled_from(
        [
            'aws-key-guard: allow', 'aws-key-guard: allow-next-line', ' x ', '\n', '\r\n',
            '# ', 'gitleaks:allow', 'pragma: allowlist secret', 'allow', 'sha256:0123456789ab ',
            'é', 'AKIA', '*/', '-->', ':', 'aws-key-guard: allowed',
        ]
    ),
    max_size=60,
).map(lambda parts: ''.join(parts).encode())  # fmt: skip


@given(MARKER_TEXT, st.lists(st.integers(1, 40), max_size=20))
def test_markers_never_depend_on_how_the_bytes_are_read(data, cuts):
    chunks, at = [], 0
    for size in cuts:
        chunks.append(data[at : at + size])
        at += size
    chunks.append(data[at:])
    chunks = [c for c in chunks if c]
    whole = MarkerWatcher(cap=50)
    split = MarkerWatcher(cap=50)
    assert b''.join(whole.watch([data])) == data
    list(split.watch(chunks))
    if whole.cut is None and split.cut is None:
        assert split.markers == whole.markers
    assert all(m.line_start <= len(data) for m in whole.markers)
