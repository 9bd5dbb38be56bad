"""The tests' PDF reader opens every compressed stream, whatever byte the compressed data ends with."""

from __future__ import annotations

import zlib
from itertools import count

from tests.pdf import inflated_streams


def _ending_in_a_carriage_return() -> tuple[bytes, bytes]:
    """A text whose compressed form ends in b"\\r", the byte a "\\r?\\nendstream" cut used to take."""
    for number in count():
        text = b"1 beginbfchar <0001> <0041> endbfchar %d" % number
        compressed = zlib.compress(text, 9)
        if compressed.endswith(b"\r"):
            return text, compressed
    raise AssertionError("unreachable")


def test_it_opens_a_stream_whose_compressed_data_ends_in_a_carriage_return() -> None:
    text, compressed = _ending_in_a_carriage_return()
    plain = zlib.compress(b"BT /F1 12 Tf (x) Tj ET", 9)
    pdf = b"".join(
        b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n" % (n, len(data), data)
        for n, data in ((1, compressed), (2, plain), (3, compressed))
    )
    assert list(inflated_streams(b"%PDF-1.7\n" + pdf)) == [text, b"BT /F1 12 Tf (x) Tj ET", text]
