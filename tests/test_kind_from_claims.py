"""An 837 whose envelope (GS08/ST03) names no guide is read as the kind its claims show
(CLM05-2 A/B, SV2/SV1); claims that show both kinds, or another kind than the claims before
them, are refused (issue 13, point 6)."""

from __future__ import annotations

import io

import pytest

import edi_ivig
from conftest import FIXTURES
from edi_ivig.reader import RawClaim, Reader
from edi_ivig.validate import validate

CASE = FIXTURES / "rules" / "IG05" / "837i-envelope-names-no-guide" / "input.x12"
PROFESSIONAL = FIXTURES / "rules" / "IG05" / "837p-jz-added-unsafe" / "input.x12"


def _kinds(data: bytes) -> tuple[list[str], list[str]]:
    reader = Reader(io.BytesIO(data))
    kinds = [part.transaction.kind for part in reader if isinstance(part, RawClaim)]
    return kinds, [w.message for w in reader.warnings]


def test_an_institutional_claim_under_an_envelope_naming_no_guide_is_read_as_837i():
    kinds, warnings = _kinds(CASE.read_bytes())
    assert kinds == ["837I"]
    assert any("names no 837 implementation guide; read as 837I from its claims" in w for w in warnings)
    report = edi_ivig.process(CASE.read_bytes()).report
    assert report["transaction"] == "837I"
    assert [f["rule"] for f in report["claims"][0]["findings"]] == ["IG05"]  # JZ on a Medicare outpatient claim


def test_a_professional_claim_under_an_envelope_naming_no_guide_is_read_as_837p():
    data = PROFESSIONAL.read_bytes().replace(b"005010X222A1", b"005010X999")
    assert _kinds(data)[0] == ["837P"]


def test_validate_picks_the_map_of_the_kind_the_claims_show():
    result = validate(io.BytesIO(CASE.read_bytes()))
    assert any("validated as an 837I" in note for note in result.notes)
    assert {e.element for e in result.errors} == {"GS08", "ST03"}  # nothing else: the 837I map fits


def test_a_claim_showing_both_kinds_is_refused():
    data = CASE.read_bytes().replace(b"SV2*0260*HC:96365*400*UN*1", b"SV1*HC:96365*400*UN*1", 1)
    with pytest.raises(edi_ivig.UnreadableInput, match="shows both kinds") as error:
        edi_ivig.process(data)
    assert error.value.segment == 21  # the CLM


def test_a_claim_of_another_kind_than_the_first_is_refused():
    text = CASE.read_text()
    start, end = text.index("CLM*"), text.index("SE*")
    professional = (text[start:end].replace("13:A:1", "11:B:1").replace("SV2*0636*", "SV1*")
                    .replace("SV2*0260*", "SV1*").replace("CLM*IG05-I9", "CLM*OTHER"))
    data = text[:end] + professional + text[end:]
    with pytest.raises(edi_ivig.UnreadableInput, match="first claim made it an 837I, but this claim is an 837P"):
        edi_ivig.process(data.encode())


def test_a_named_guide_still_decides_whatever_the_claims_show():
    data = CASE.read_bytes().replace(b"005010X999", b"005010X222A1")
    assert _kinds(data)[0] == ["837P"]
