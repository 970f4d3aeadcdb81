"""The one project exception, in a module light enough for the hook's start-up."""

from __future__ import annotations


class ScanError(Exception):
    """An expected failure to read or scan input: reported, never a traceback."""
