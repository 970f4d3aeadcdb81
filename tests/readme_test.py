from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import git
from tests.conftest import make_key_id
from tests.conftest import make_secret
from tests.conftest import next_steps

README = Path(__file__).parents[1] / 'README.md'


def workflow_steps() -> list[Any]:
    match = re.search(r'```yaml\n(name: aws-key-guard\n.*?)```', README.read_text(), re.DOTALL)
    assert match is not None
    steps = yaml.safe_load(match[1])['jobs']['scan']['steps']
    assert isinstance(steps, list)
    return steps


def test_readme_first_command_exit_code_is_the_tables(git_repo):
    match = re.search(
        r'```sh\npip install \. && (.*?)   # scan this repository\n', README.read_text()
    )
    assert match is not None
    command = match[1]
    key, secret = make_key_id(5), make_secret(5)
    (git_repo / 'app.env').write_text(f'id = {key}\nsecret = {secret}\n')
    (git_repo / 'dangling').symlink_to('nowhere')
    git('add', '.')
    env = {**os.environ, 'PATH': f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}'}
    done = subprocess.run(['bash', '-c', command], env=env, capture_output=True, check=False)
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    assert (done.stdout, done.stderr) == (
        (
            f'app.env:2:10: AKG001 AWS access key pair: secret [{fp}] '
            f'with access key ID AKIA...{key[-4:]} at line 1\nexit code: 1\n'
        ).encode(),
        next_steps('1 blocking finding in 1 file'),
    )
    (git_repo / 'app.env').unlink()
    done = subprocess.run(['bash', '-c', command], env=env, capture_output=True, check=False)
    assert (done.stdout, done.stderr) == (b'exit code: 0\n', b'')


def test_readme_workflow_uploads_the_sarif_it_writes():
    steps = workflow_steps()
    (upload,) = [s for s in steps if s.get('uses', '').startswith('github/codeql-action/upload-')]
    assert upload['uses'].startswith('github/codeql-action/upload-sarif@')
    assert upload['if'] == 'always()'
    runs = [s['run'] for s in steps if 'run' in s]
    assert any(f'--format sarif --output {upload["with"]["sarif_file"]} ' in r for r in runs)
    assert any('--format github' in r for r in runs)


def test_readme_workflow_steps_run(git_repo, sarif_validator):
    key, secret = make_key_id(4), make_secret(4)
    (git_repo / 'conf').mkdir()
    (git_repo / 'conf' / 'a b.env').write_text(f'id = {key}\nsecret = {secret}\n')
    (git_repo / 'clean.txt').write_text('nothing here\n')
    git('add', '.')
    env = {**os.environ, 'PATH': f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}'}
    scans = [s for s in workflow_steps() if 'aws-key-guard --format' in s.get('run', '')]
    results = [
        subprocess.run(['bash', '-ec', s['run']], env=env, capture_output=True, check=False)
        for s in scans
    ]
    annotate, sarif_step = results
    assert annotate.returncode == 1
    fp = 'sha256:' + hashlib.sha256(secret.encode()).hexdigest()[:12]
    assert (
        annotate.stdout
        == (
            '::error file=conf/a b.env,line=2,col=10,title=AKG001::AWS access key pair: '
            f'secret [{fp}] with access key ID AKIA...{key[-4:]} at line 1\n'
        ).encode()
    )
    assert (sarif_step.returncode, sarif_step.stdout) == (1, b'')
    document = json.loads((git_repo / 'aws-key-guard.sarif').read_bytes())
    assert sarif_validator.is_valid(document)
    (result,) = document['runs'][0]['results']
    assert result['locations'][0]['physicalLocation']['artifactLocation'] == {
        'uri': 'conf/a%20b.env'
    }
