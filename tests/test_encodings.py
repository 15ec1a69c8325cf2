"""A byte-order mark and UTF-16 are named for what they are (issue 13, part D)."""

from __future__ import annotations

import pytest

import edi_ivig
from conftest import FIXTURES

CLINIC = (FIXTURES / "read" / "837p-ivig-clinic.x12").read_bytes()


def test_a_utf8_byte_order_mark_is_named_and_kept():
    data = b"\xef\xbb\xbf" + CLINIC
    result = edi_ivig.process(data, mode="fix", hold_errors=True)
    assert [w["message"] for w in result.report["warnings"]] == [
        "a UTF-8 byte-order mark stands before the ISA; it is not X12 and is kept as it is"
    ]
    # the mark is kept byte for byte: the output is the BOM and what the file gives without it
    assert result.output == b"\xef\xbb\xbf" + edi_ivig.process(CLINIC, mode="fix", hold_errors=True).output


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_as_utf16(encoding):
    with pytest.raises(edi_ivig.UnreadableInput, match="^byte 0: UTF-16 text: X12 is one byte per character; convert it$"):
        edi_ivig.process(CLINIC.decode("latin-1").encode(encoding))
