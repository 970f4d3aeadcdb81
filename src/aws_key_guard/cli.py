"""The full command line: options into Settings, where the bytes come from, the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Generator
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_key_guard import __version__
from aws_key_guard.allowlist import Rules
from aws_key_guard.check import add_findings
from aws_key_guard.check import allowed_shown
from aws_key_guard.check import check_file
from aws_key_guard.check import print_error
from aws_key_guard.check import run_report
from aws_key_guard.config import load_config
from aws_key_guard.config import load_config_file
from aws_key_guard.error import ScanError
from aws_key_guard.files import read_chunks
from aws_key_guard.files import read_stdin
from aws_key_guard.intake import Blob
from aws_key_guard.intake import blob_tags
from aws_key_guard.intake import file_tags
from aws_key_guard.intake import history_blobs
from aws_key_guard.intake import pushed_blobs
from aws_key_guard.intake import ref_update_blobs
from aws_key_guard.intake import staged_blobs
from aws_key_guard.intake import unpushed_blobs
from aws_key_guard.judge import Settings
from aws_key_guard.judge import judge_file
from aws_key_guard.judge import repo_path
from aws_key_guard.judge import way_back
from aws_key_guard.model import Code
from aws_key_guard.pipeline import FileScan
from aws_key_guard.pipeline import scan_file
from aws_key_guard.pipeline import scan_files
from aws_key_guard.probe import DEFAULT_BASELINE
from aws_key_guard.probe import top_level
from aws_key_guard.report import FORMATS
from aws_key_guard.report import Report
from aws_key_guard.text import quote_name
from aws_key_guard.tree import STDIN_NAME
from aws_key_guard.tree import expand_directories
from aws_key_guard.tree import is_stdin

if TYPE_CHECKING:
    from aws_key_guard.baseline import BaselineEntry
    from aws_key_guard.git import BlobReader
    from aws_key_guard.progress import Progress
    from aws_key_guard.verify import Verifier

EPILOG = """\
exit codes:
  0  nothing blocking (lone key IDs, AKG003, only warn)
  1  blocking findings
  2  usage error, a file that could not be scanned (AKG900), a configuration
     or baseline file that cannot be used, or an internal error (one line
     naming the file on stderr)

--verify asks AWS STS whether each key pair is live and adds [live: ARN],
[rejected] or [unverified: reason] to its line; a pair blocks either way.

Allow a known value with `aws-key-guard: allow [reason]` on its line (or
`aws-key-guard: allow-next-line` above it), a baseline, or allow-fingerprints
in [tool.aws-key-guard]; --list-allowed shows everything allowed and why.

If a finding is a real key: deactivate and rotate it in IAM now; if it was
ever pushed, also purge it from the repository's history.

git intake: --staged reads what the next commit will hold; --from-ref/--to-ref
(or pre-commit's PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF) what a push sends;
--pre-push, as a plain git pre-push hook, every ref one push sends;
--history audits every blob already committed.
"""


def _excluded(filename: str, settings: Settings) -> bool:
    return bool(settings.exclude_types and file_tags(filename) & settings.exclude_types)


def _path_excluded(filename: str, settings: Settings, *, on_disk: bool = True) -> bool:
    if settings.exclude is None:
        return False
    path = repo_path(filename, settings) if on_disk else filename
    return settings.exclude.search(path) is not None


def _unless_excluded(
    blob: Blob, chunks: Generator[bytes, None, None], settings: Settings, excluded: list[Blob]
) -> Iterator[bytes]:
    # Tags need the first bytes (text or binary); an excluded blob yields nothing.
    head = next(chunks, b'')
    if blob_tags(blob, head) & settings.exclude_types:
        excluded.append(blob)
        chunks.close()
        return
    yield head
    yield from chunks


def _counted(chunks: Iterable[bytes], progress: Progress) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        yield chunk
    progress.add(size)


def _scan_blob(
    blob: Blob, reader: BlobReader, settings: Settings, progress: Progress, skipped: list[Blob]
) -> FileScan:
    """A blob's scan, read from git, or from disk if it has no object id."""
    if blob.oid is None:
        excluded = _excluded(blob.filename, settings)
        return scan_file(
            iter(()) if excluded else read_chunks(blob.filename), foreign=settings.foreign_markers
        )
    read = reader.read_chunks(blob.oid, blob.kind)
    typed = settings.exclude_types and blob.kind == 'blob'  # a message has no type
    chunks = _unless_excluded(blob, read, settings, skipped) if typed else read
    return scan_file(_counted(chunks, progress), foreign=settings.foreign_markers)


def scan_blobs(
    blobs: Iterable[Blob],
    settings: Settings,
    report: Report,
    verifier: Verifier | None = None,
    *,
    history: bool = False,
    once: bool = False,
) -> int:
    """Scan blobs from git with one cat-file process; submodule entries are skipped.

    With `once`, a content is read and scanned once, however many paths and
    commits add it, and reported at the first path that reports it: a path
    that skips it, by `exclude` or a type, or allows it all (a baseline entry,
    a marker's fingerprint) passes it on to the next.
    """
    from aws_key_guard.git import GITLINK
    from aws_key_guard.git import BlobReader
    from aws_key_guard.progress import Progress

    rc = 0
    submodules: dict[str, None] = {}  # ordered and unique: each is named once
    progress = Progress(sys.stderr, enabled=history)
    # With once: a content's scan while a later path may still report it, else None.
    settled: dict[str, FileScan | None] = {}
    with BlobReader() as reader:
        for blob in blobs:
            if blob.mode == GITLINK:
                submodules[blob.filename] = None
                continue
            if blob.kind == 'blob' and _path_excluded(blob.filename, settings, on_disk=False):
                continue  # a message is no path
            key = blob.oid if once else None
            skipped: list[Blob] = []  # by its type
            if key is not None and key in settled:
                earlier = settled[key]
                if earlier is None:
                    continue  # clean, or reported where it stood first
                scan = earlier
            else:
                scan = _scan_blob(blob, reader, settings, progress, skipped)
            checked = check_file(
                blob.filename,
                scan,
                settings,
                report,
                verifier,
                commit=blob.commit,
                from_git=blob.oid is not None,
            )
            rc = max(rc, checked)
            if key is not None and not skipped:
                settled[key] = scan if not checked and not scan.is_clean() else None
    progress.close()
    _note_submodules(list(submodules))
    return rc


def load_settings(args: argparse.Namespace) -> Settings:
    """Options from the command line over the configuration file over defaults."""
    top = top_level()
    config = load_config_file(args.config) if args.config else load_config(top)
    baseline_file = args.baseline or config.baseline
    if baseline_file is None and os.path.lexists(os.path.join(top, DEFAULT_BASELINE)):
        baseline_file = os.path.join(top, DEFAULT_BASELINE)
    # Writing a baseline records every current finding, so it starts from none.
    baseline: frozenset[BaselineEntry] = frozenset()
    if baseline_file is not None and not args.write_baseline:
        from aws_key_guard.baseline import load_baseline

        baseline = load_baseline(baseline_file)
    return Settings(
        block_lone_key_ids=args.block_lone_key_ids or config.block_lone_key_ids,
        pair_window=config.pair_window,
        exclude_types=frozenset(args.exclude_type),
        exclude=config.exclude,
        foreign_markers=config.foreign_markers and not args.no_foreign_markers,
        rules=Rules(config.allow_fingerprints, config.source, baseline, baseline_file),
        list_allowed=args.list_allowed,
        top=top,
        prefix=way_back(top),
    )


def _stands(path: str, scanned: set[str], top: str) -> bool:
    # A baseline entry's file exists and was not scanned now; for an archive's
    # member (`archive!member`, where a name may hold '!' too), its archive.
    heads = [path[:i] for i, c in enumerate(path) if c == '!'] + [path]
    if any(head in scanned for head in heads):
        return False
    return any(os.path.lexists(os.path.join(top, head)) for head in heads)


def record_baseline(
    baseline_file: str, filenames: Sequence[str], settings: Settings, report: Report
) -> int:
    """Write the current findings of these files, keeping other files' entries."""
    from aws_key_guard.baseline import entry_for
    from aws_key_guard.baseline import load_baseline
    from aws_key_guard.baseline import locked
    from aws_key_guard.baseline import normalize_path
    from aws_key_guard.baseline import write_baseline

    if os.path.lexists(baseline_file):
        load_baseline(baseline_file)  # one that cannot be read is refused before any scan
    entries: set[BaselineEntry] = set()
    scanned: set[str] = set()
    for filename in filenames:
        if _excluded(filename, settings) or _path_excluded(filename, settings):
            continue
        path = repo_path(filename, settings)
        scan = scan_file(read_chunks(filename), foreign=settings.foreign_markers)
        for part in scan.members or [scan]:  # an archive's members (archive.py)
            inner = f'!{part.member}' if part.member else ''
            if part.bug is not None:
                raise ScanError(f'{baseline_file} not written: {filename}{inner}: {part.bug}')
            result = judge_file(part, path + inner, settings)
            add_findings(
                report,
                filename + inner,
                result.findings,
                allowed_shown(result.allowed, settings, None),
            )
            if any(f.code is Code.UNSCANNABLE for f in result.findings):
                raise ScanError(f'{baseline_file} not written: {filename} could not be scanned')
            entries.update(entry_for(path + inner, f) for f in result.findings)
        scanned.add(normalize_path(path))
    # Entries of files not scanned now stay while the file exists, so a
    # baseline can be written in batches (xargs), at once, or for a few files.
    with locked(baseline_file):
        old = load_baseline(baseline_file) if os.path.lexists(baseline_file) else frozenset()
        entries.update(e for e in old if _stands(e.path, scanned, settings.top))
        write_baseline(baseline_file, entries)
    count = len(entries)
    message = f'aws-key-guard: wrote {count} {"entry" if count == 1 else "entries"} to '
    sys.stderr.buffer.write(message.encode() + os.fsencode(baseline_file) + b'\n')
    sys.stderr.buffer.flush()
    return 0


def _note_submodules(names: Sequence[str]) -> None:
    # Names quoted as git quotes them: one note is always one line.
    if names:
        quoted = b', '.join(map(quote_name, names))
        sys.stderr.buffer.write(b'aws-key-guard: note: submodules are not scanned here: ')
        sys.stderr.buffer.write(quoted + b'\n')
        sys.stderr.buffer.flush()


def _files_from(
    argv: Sequence[str], parser: argparse.ArgumentParser
) -> tuple[int | None, set[int]]:
    # pre-commit appends staged names after the hook's args with no `--`, and
    # every name it passes exists. So the names are a tail of argv, all
    # existing paths, after a run of whole options (each with its value).
    # Of the places where such a run can end, the first whose tail all exists
    # is taken: where a name could be a file or an option (a file named
    # `--output`, or `--`), it is a file, since one more file scanned is safe
    # while an option read from a name could skip files or overwrite one.
    # Returns where the files start (None if no tail qualifies: a name that
    # does not exist, an option after a file) and where the run's values are.
    options = parser._option_string_actions
    ends = [0]
    values: set[int] = set()
    i = 0
    while i < len(argv):
        option, equals, _ = argv[i].partition('=')
        action = options.get(option) if argv[i].startswith('-') else None
        if action is None or (equals and action.nargs == 0):
            break
        i += 1
        if equals or i == len(argv) or action.nargs == 0:
            pass
        elif action.nargs == '*':
            # As argparse: every value up to the next thing that looks like an option.
            while i < len(argv) and not argv[i].startswith('-'):
                values.add(i)
                i += 1
        elif action.nargs != '?':
            values.add(i)  # a value, whatever it looks like
            i += 1
        else:
            # As argparse: taken unless it looks like an option and names no file.
            if not argv[i].startswith('-') or os.path.lexists(argv[i]):
                values.add(i)
                i += 1
        ends.append(i)
    tail = len(argv)
    while tail and os.path.lexists(argv[tail - 1]):
        tail -= 1
    return next((end for end in ends if end >= tail), None), values


def _shield_dash_files(
    argv: Sequence[str], parser: argparse.ArgumentParser
) -> tuple[list[str], dict[str, str]]:
    # A file, or an option's value, that argparse could take for an option or
    # for `--` reaches it as a placeholder that cannot be an option (argv
    # never holds a NUL byte), and is swapped back afterwards.
    first, values = _files_from(argv, parser)
    shielded: list[str] = []
    names: dict[str, str] = {}
    for i, arg in enumerate(argv):
        if first is None:
            # Read as argparse would, but a name that exists is a file, and
            # `--` ends the options only if no file has that name.
            file = i not in values and os.path.lexists(arg)
            if arg == '--' and not file:
                shielded.extend(argv[i:])
                break
        else:
            file = i >= first
        if arg[:1] == '-' and (file or i in values):
            placeholder = f'\0{len(names)}'
            names[placeholder] = arg
            arg = placeholder
        shielded.append(arg)
    return shielded, names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='aws-key-guard',
        description='Find AWS access key IDs and secret access keys in files.',
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # `--block` must not pass for `--block-lone-key-ids`
    )
    _add_report_options(parser)
    _add_git_options(parser)
    _add_allow_options(parser)
    parser.add_argument('-V', '--version', action='version', version=f'%(prog)s {__version__}')
    return parser


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        'filenames',
        nargs='*',
        metavar='FILE',
        help='files to scan; a directory stands for the files git would consider under it, '
        '- for standard input',
    )
    parser.add_argument(
        '--block-lone-key-ids',
        action='store_true',
        help='make a key ID with no secret (AKG003) block, not just warn',
    )
    parser.add_argument(
        '--format',
        choices=FORMATS,
        default='text',
        help='text (default, one line per finding), json (one document), '
        'sarif (SARIF 2.1.0 for GitHub code scanning) or github (workflow annotations)',
    )
    parser.add_argument(
        '--output', metavar='FILE', help='write the report to FILE instead of standard output'
    )
    parser.add_argument(
        '--verify',
        action='store_true',
        help="ask AWS STS whether each key pair is live (needs 'aws-key-guard[verify]')",
    )


def _add_git_options(parser: argparse.ArgumentParser) -> None:
    git = parser.add_mutually_exclusive_group()
    git.add_argument(
        '--staged',
        action='store_true',
        help='read FILEs (default: every staged file) from the git index, not the disk',
    )
    git.add_argument(
        '--history',
        nargs='?',
        const='HEAD',
        metavar='REV-RANGE',
        help='scan every blob committed in REV-RANGE once (default HEAD; --history=--all)',
    )
    git.add_argument(
        '--from-ref', metavar='REV', help='with --to-ref: scan what the commits of a push add'
    )
    git.add_argument(
        '--pre-push',
        nargs='*',
        metavar='REMOTE',
        help="as git's own pre-push hook: scan every ref pushed (git's lines on stdin); "
        'takes the remote and URL git passes',
    )
    parser.add_argument('--to-ref', metavar='REV', help='the commit being pushed')


def _add_allow_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--exclude-type',
        action='append',
        default=[],
        metavar='TAG',
        help='skip files with this identify tag (binary, symlink, json, ...), as exclude_types',
    )
    parser.add_argument(
        '--config',
        metavar='FILE',
        help='read the configuration from FILE (a pyproject.toml, or as .aws-key-guard.toml), '
        "not from the repository's top level",
    )
    parser.add_argument(
        '--baseline',
        metavar='FILE',
        help=f'allow the findings recorded in FILE (default: {DEFAULT_BASELINE}, if present)',
    )
    parser.add_argument(
        '--write-baseline',
        metavar='FILE',
        help='record the current findings of FILEs in FILE and exit 0 (the hook never writes)',
    )
    parser.add_argument(
        '--no-foreign-markers',
        action='store_true',
        help="ignore other scanners' markers (pragma: allowlist secret, gitleaks:allow)",
    )
    parser.add_argument(
        '--list-allowed',
        action='store_true',
        help='also print each allowed value and why it was allowed (text format)',
    )


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """The options, each name given as a file kept a file; usage errors exit 2."""
    shielded, names = _shield_dash_files(argv, parser)
    args = parser.parse_args(shielded)
    for key, value in vars(args).items():  # an option's value may be a placeholder too
        if isinstance(value, list):
            setattr(args, key, [names.get(v, v) for v in value])
        elif isinstance(value, str):
            setattr(args, key, names.get(value, value))
    _set_push(args)
    _check_args(parser, args)
    return args


def _set_push(args: argparse.Namespace) -> None:
    # What a push sends: refs from the options or from pre-commit, or, for a
    # push pre-commit gave no range for, the local ref (`pushed`).
    args.refs = (args.from_ref, args.to_ref)
    args.pushed = None
    if args.from_ref is None and args.history is None and args.pre_push is None:
        # pre-commit sets these for pre-push; they outrank --staged from shared args.
        args.refs = (os.environ.get('PRE_COMMIT_FROM_REF'), os.environ.get('PRE_COMMIT_TO_REF'))
        if not all(args.refs) and os.environ.get('PRE_COMMIT_REMOTE_NAME'):
            # A first push: pre-commit passes the working tree's files instead.
            args.pushed = os.environ.get('PRE_COMMIT_LOCAL_BRANCH', '')


def _check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.exclude_type:
        from identify.identify import ALL_TAGS

        unknown = sorted(set(args.exclude_type) - ALL_TAGS)
        if unknown:
            parser.error(f'unknown type tag: {", ".join(unknown)}')
    if (args.from_ref is None) != (args.to_ref is None):
        parser.error('--from-ref and --to-ref go together')
    if args.pre_push is not None and (len(args.pre_push) > 2 or args.filenames):
        parser.error('--pre-push takes the REMOTE and URL git passes, and no FILE')
    # Nothing that git could take for an option, bar the one audit-wide range.
    revs = (*args.refs, args.pushed, None if args.history == '--all' else args.history)
    if any(r and r.startswith('-') for r in revs):
        parser.error('a revision cannot start with "-"')
    if args.history is not None and args.filenames:
        parser.error('--history takes no FILE')
    from_git = args.staged or args.history is not None or args.pre_push is not None
    if args.write_baseline and (from_git or args.refs[0] or args.pushed is not None):
        parser.error('--write-baseline reads FILEs from disk, not from git')
    if args.list_allowed and args.format != 'text':
        parser.error('--list-allowed prints text; it takes no --format')
    if args.write_baseline and any(is_stdin(f) for f in args.filenames):
        parser.error('--write-baseline reads FILEs from disk, not standard input')


def main(
    argv: Sequence[str] | None = None, *, prescanned: Mapping[str, FileScan | None] | None = None
) -> int:
    """Run the command line; `prescanned` holds files the hook's start-up already scanned."""
    args = parse_args(build_parser(), sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings(args)
        # Only with --verify: the everyday path stays offline and free of botocore.
        verifier = _verifier() if args.verify else None
    except ScanError as e:
        print_error(str(e))
        return 2
    return run_report(
        args.output,
        args.format,
        lambda report: _run(args, settings, report, verifier, prescanned or {}),
        block_lone_key_ids=settings.block_lone_key_ids,
    )


def _verifier() -> Verifier:
    from aws_key_guard.verify import Verifier

    return Verifier()


def _git_blobs(args: argparse.Namespace) -> Iterable[Blob] | None:
    # The blobs to read from git for this mode; None to read FILEs from disk.
    if args.history is not None:
        return history_blobs(args.history)
    if args.pre_push is not None:
        remote = args.pre_push[0] if args.pre_push else None
        return ref_update_blobs(sys.stdin.buffer.read(), remote)
    if all(args.refs):
        return pushed_blobs(*args.refs)
    if args.pushed is not None:
        # What no ref of that remote holds: on an empty remote, every commit.
        remote = f'--remotes={os.environ["PRE_COMMIT_REMOTE_NAME"]}'
        return unpushed_blobs([args.pushed], [remote])
    if args.staged:
        return staged_blobs(args.filenames)
    return None


def _run(
    args: argparse.Namespace,
    settings: Settings,
    report: Report,
    verifier: Verifier | None,
    prescanned: Mapping[str, FileScan | None],
) -> int:
    blobs = _git_blobs(args)
    if blobs is not None:
        history = args.history is not None
        # What history and pushes list repeats content; the index's files each count.
        once = not args.staged
        return scan_blobs(blobs, settings, report, verifier, history=history, once=once)
    # Directories become the files under them; submodules are set aside.
    expanded = expand_directories(args.filenames)
    _note_submodules(expanded.submodules)
    if args.write_baseline:
        return record_baseline(args.write_baseline, expanded.filenames, settings, report)
    return check_files(expanded.filenames, settings, report, verifier, prescanned)


def check_files(
    filenames: Sequence[str],
    settings: Settings,
    report: Report,
    verifier: Verifier | None,
    prescanned: Mapping[str, FileScan | None],
) -> int:
    """Scan files on disk once each (a large scan on every CPU), then judge and report them."""
    kept = [f for f in filenames if not (_excluded(f, settings) or _path_excluded(f, settings))]
    on_disk = [f for f in kept if f not in prescanned and not is_stdin(f)]
    # --list-allowed shows what clean files allowed too (the built-in examples).
    scans = dict(prescanned)
    scanned = scan_files(
        on_disk, foreign=settings.foreign_markers, keep_clean=settings.list_allowed
    )
    scans.update(zip(on_disk, scanned, strict=True))
    rc = 0
    for filename in kept:
        if is_stdin(filename):
            scan = scan_file(read_stdin(), foreign=settings.foreign_markers)
            rc = max(rc, check_file(STDIN_NAME, scan, settings, report, verifier))
        elif (found := scans[filename]) is not None:
            rc = max(rc, check_file(filename, found, settings, report, verifier))
    return rc
