"""Pure filters for values that are known not to be live credentials."""

from __future__ import annotations

from typing import Final

from aws_key_guard.model import Candidate
from aws_key_guard.model import Kind

# AWS's documentation pairs, published in thousands of docs and tests.
DOC_EXAMPLE_SECRETS: Final = frozenset(
    (
        b'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        b'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    )
)
# Placeholders count up through the digits and the alphabet.
_SEQUENCE: Final = b'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'


def builtin_reason(candidate: Candidate) -> str | None:
    """Why a candidate is a documentation example or placeholder, or None."""
    token = bytes(candidate.token)
    if candidate.kind is Kind.SECRET:
        if token in DOC_EXAMPLE_SECRETS or token.endswith(b'EXAMPLEKEY'):
            return 'AWS documentation example'
        return None
    body = token[4:]
    if token.endswith(b'EXAMPLE'):
        return 'AWS documentation example'
    if len(set(body)) == 1 or body in _SEQUENCE:
        return 'placeholder'
    return None
