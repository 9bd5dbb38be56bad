"""What a test reads out of a PDF the product wrote: its compressed streams, opened."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator


def inflated_streams(pdf: bytes) -> Iterator[bytes]:
    """Each Flate-compressed stream of the PDF, decompressed; a stream that is not compressed is skipped.

    The inflater finds the end of the compressed data itself, so nothing is cut. Cutting a stream
    at "\\r?\\nendstream" took its last byte too when that byte was a carriage return (one stream in
    256), and the characters of that stream's font went missing (seen in CI: the hex digits of a
    hash)."""
    for stream in re.finditer(rb"(?<!end)stream\r?\n", pdf):
        try:
            yield zlib.decompressobj().decompress(pdf[stream.end() :])
        except zlib.error:
            continue
