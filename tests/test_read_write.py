"""Invariant 1 (lossless): what no fix changes comes out byte for byte."""

from __future__ import annotations

import pytest

from conftest import READABLE, roundtrip


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_fixture_round_trips_byte_identical(path):
    data = path.read_bytes()
    assert roundtrip(data) == data


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_round_trip_is_independent_of_chunk_boundaries(path, monkeypatch):
    import edi_ivig.x12.tokenizer as tokenizer

    data = path.read_bytes()
    for chunk in (1, 2, 3, 7, 105, 106, 107, 500):
        monkeypatch.setattr(tokenizer, "CHUNK_SIZE", chunk)
        assert roundtrip(data) == data, f"chunk size {chunk}"


def test_several_interchanges_with_their_own_delimiters_are_read():
    import io

    from edi_ivig.pipeline import run

    path = next(p for p in READABLE if p.name == "837-two-interchanges.x12")
    result = run(io.BytesIO(path.read_bytes()))
    assert (result.stats.interchanges, result.stats.groups, result.stats.transactions) == (2, 2, 3)
    assert result.stats.kinds == {"837P", "837I"}
    assert result.stats.claims == 5


def test_text_before_the_first_isa_is_kept_with_a_warning():
    import io

    from edi_ivig.pipeline import Pipeline

    data = b"Sample claims, not for production\r\n\r\n" + READABLE[-1].read_bytes()
    sink = io.BytesIO()
    result = Pipeline(fix=True, rules=()).run(io.BytesIO(data), sink)
    assert sink.getvalue() == data
    assert [w.message for w in result.warnings] == [
        "37 bytes of text before the ISA are not X12; they are kept as they are"
    ]


def test_unterminated_last_segment_and_missing_final_newline_round_trip():
    data = READABLE[-1].read_bytes().rstrip(b"\n")
    assert roundtrip(data) == data
    assert roundtrip(data.rstrip(b"~")) == data.rstrip(b"~")


def test_non_ascii_bytes_round_trip():
    data = READABLE[-1].read_bytes().replace(b"SAMPLE STREET", "SAMPLE STRAßE".encode("utf-8"))
    assert roundtrip(data) == data
