"""The README's test command on every Python version the project claims.

`nox` runs it on each version found on PATH (`nox -s tests-3.10` for one).
With pyenv, make them all visible first, for example
`PYENV_VERSION=3.10.13:3.11.7:3.12.1:3.13.0 nox`.
"""

from __future__ import annotations

import nox

nox.options.error_on_missing_interpreters = True

PYTHONS = ['3.10', '3.11', '3.12', '3.13']


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    # As the README has it: pip install -e '.[dev]' && ruff check &&
    # ruff format --check && mypy && lint-imports && pytest --cov
    session.install('-e', '.[dev]')
    session.run('ruff', 'check')
    session.run('ruff', 'format', '--check')
    session.run('mypy')
    session.run('lint-imports')
    session.run('pytest', '--cov', *session.posargs)
