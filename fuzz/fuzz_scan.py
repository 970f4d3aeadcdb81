"""Coverage-guided fuzzing of the scanning core with atheris (run by hand, not in CI).

    pip install atheris
    python fuzz/fuzz_scan.py -dict=fuzz/aws.dict -max_total_time=300

Each input is split into reads of a size the fuzzer picks; the scan must not
crash, must not depend on that size, must place every token where it is, and
no formatted finding may hold a secret or a whole key ID.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from aws_key_guard.pairing import pair_candidates
    from aws_key_guard.scan import scan_chunks
    from aws_key_guard.text import format_finding


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    size = provider.ConsumeIntInRange(1, 97)
    blob = provider.ConsumeBytes(provider.remaining_bytes())
    found = scan_chunks(blob[i : i + size] for i in range(0, len(blob), size))
    if found != scan_chunks([blob]):
        raise AssertionError(f'result depends on read size {size}')
    for c in found:
        line = blob.count(b'\n', 0, c.offset) + 1
        col = c.offset - blob.rfind(b'\n', 0, c.offset)
        # A decoded token (escapes, base64, UTF-16) is not there byte for byte,
        # and UTF-16 columns count code units.
        literal = c.layer is None and not blob.startswith(c.token, c.offset)
        if literal or line != c.line or (col != c.col and not (c.layer or '').startswith('utf-16')):
            raise AssertionError(f'misplaced {c.kind.value} at offset {c.offset}')
    output = b''.join(format_finding('f', f) for f in pair_candidates(found))
    if any(c.token in output for c in found):
        raise AssertionError('a token leaked into the output')


if __name__ == '__main__':
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
