"""Smoke tests of the benchmark's pure parts; the benchmark itself is never run here."""

from __future__ import annotations

import json
from pathlib import Path

from aws_key_guard._main import main
from bench.run import Pair
from bench.run import Result
from bench.run import build_commit
from bench.run import count_found
from bench.run import parse_detect_secrets
from bench.run import parse_gitleaks
from bench.run import parse_grep
from bench.run import parse_hook
from bench.run import parse_whole_files
from bench.run import plant_pairs
from bench.run import split_like_xargs


def _read(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_build_commit_is_deterministic(tmp_path):
    first = build_commit(tmp_path / 'a', pairs=True)
    assert build_commit(tmp_path / 'b', pairs=True) == first
    assert _read(tmp_path / 'a') == _read(tmp_path / 'b')
    assert len(first) == 10


def test_clean_commit_has_no_findings(tmp_path, capsysbinary):
    assert build_commit(tmp_path, pairs=False) == []
    assert main(sorted(str(p) for p in tmp_path.iterdir())) == 0
    assert capsysbinary.readouterr() == (b'', b'')


def test_planted_pairs_are_found(tmp_path, capsysbinary):
    pairs = build_commit(tmp_path, pairs=True)
    assert main(sorted(str(p) for p in tmp_path.iterdir())) == 1
    out = capsysbinary.readouterr().out.decode()
    found = Result(0.0, 0.0, 0, parse_hook(out, tmp_path / 'none'))
    # The JSON file's secret has its slashes escaped (`\/`): found all the same.
    assert count_found(found, pairs) == (10, 10)


def test_parsers_read_each_tools_output(tmp_path):
    report = tmp_path / 'gitleaks.json'
    report.write_text(json.dumps([{'File': '/w/a.env', 'StartLine': 3}]))
    assert parse_gitleaks('', report) == {('a.env', 3)}
    assert parse_gitleaks('', tmp_path / 'missing.json') == set()
    assert parse_grep('/w/a.env:2:x\nnoise\n/w/b.py:10:y\n', report) == {
        ('a.env', 2),
        ('b.py', 10),
    }
    hook = '/w/a.env:3:23: AKG001 AWS access key pair: secret [sha256:0] with ... at line 2\n'
    assert parse_hook(hook, report) == {('a.env', 3), ('a.env', 2)}
    # As pre-commit runs it, the names are relative to the top of the tree.
    hook = 'conf/a.env:3:23: AKG001 AWS access key pair: ... at line 2\nc.go:7:1: AKG002 x\n'
    assert parse_hook(hook, report) == {('a.env', 3), ('a.env', 2), ('c.go', 7)}
    detect_secrets = 'Secret Type: AWS Access Key\nLocation:    /w/a.env:2\n'
    assert parse_detect_secrets(detect_secrets, report) == {('a.env', 2)}
    assert parse_whole_files('AWS secret found in /w/a.env: ...\n', report) == {('a.env', None)}


def test_count_found_counts_lines_and_whole_files():
    pairs = [Pair('a.env', 1, 2), Pair('b.py', 5, 9)]
    assert count_found(Result(0.0, 0.0, 0, {('a.env', 1), ('b.py', 9)}), pairs) == (1, 1)
    assert count_found(Result(0.0, 0.0, 0, {('b.py', None)}), pairs) == (1, 1)


def test_split_like_xargs_keeps_each_command_within_the_limit():
    names = ['a' * 10, 'b' * 10, 'c' * 10]
    # 'hook' and two names, each with the space before it, fill the limit exactly.
    assert split_like_xargs(['hook'], names, 4 + 2 * 11) == [
        ['hook', 'a' * 10, 'b' * 10],
        ['hook', 'c' * 10],
    ]
    assert split_like_xargs(['hook'], names, 4 + 2 * 11 - 1) == [['hook', n] for n in names]
    assert split_like_xargs(['hook'], [], 100) == []


def test_pairs_planted_in_a_tree_are_found(tmp_path, capsysbinary, monkeypatch):
    for leaf in ('src/net/http', 'src/os', 'src/os/testdata', 'doc'):
        (tmp_path / leaf).mkdir(parents=True)
        (tmp_path / leaf / 'x.go').write_text('package x\n')
    pairs = plant_pairs(tmp_path)
    planted = sorted(tmp_path.rglob('aws_pair_*'))
    assert sorted(p.name for p in planted) == sorted(p.filename for p in pairs)
    assert len(pairs) == 5
    # Only in leaf directories outside the test data.
    assert {p.parent.name for p in planted} <= {'http', 'doc'}
    monkeypatch.chdir(tmp_path)
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob('*') if p.is_file())
    assert main(names) == 1
    out = capsysbinary.readouterr().out.decode()
    assert count_found(Result(0.0, 0.0, 0, parse_hook(out, tmp_path / 'none')), pairs) == (5, 5)
