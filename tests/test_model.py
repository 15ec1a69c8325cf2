"""The domain model holds what the fixtures say, read by hand from the files."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from conftest import FIXTURES
from edi_ivig.errors import UnreadableInput
from edi_ivig.mapping import build_claim, service_line
from edi_ivig.model import DateRange, Drug, Procedure
from edi_ivig.reader import RawClaim, Reader
from edi_ivig.rendering import header_segments, line_segments


def claims(name: str):
    data = (FIXTURES / "read" / name).read_bytes()
    return [build_claim(p) for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim)]


def test_837p_claim_lines_and_context():
    ivig, visit = claims("837p-ivig-clinic.x12")
    assert (ivig.id, ivig.charge, ivig.kind) == ("NWI-0001", Decimal("26700"), "837P")
    assert (ivig.facility_code, ivig.facility_qualifier, ivig.frequency, ivig.bill_type) == ("11", "B", "1", None)
    assert [(d.qualifier, d.code) for d in ivig.diagnoses] == [("ABK", "G6181")]
    assert ivig.billing_provider.npi == "1847526302"
    assert ivig.subscriber.filing_indicator == "MB"
    assert ivig.subscriber.payer_id == "00999"
    assert ivig.patient is None
    assert ivig.birth_date == dt.date(1958, 3, 14)
    assert ivig.transaction.submitter.id == "NWIB001"
    assert ivig.transaction.interchange_control_number == "000000101"

    drug, initial, additional, visit_line = ivig.lines
    assert drug.number == 1
    assert drug.procedure == Procedure("HC", "J1459", ("JZ",), "")
    assert (drug.charge, drug.unit_basis, drug.units) == (Decimal("23800"), "UN", Decimal("280"))
    assert drug.date == DateRange(dt.date(2026, 10, 5), dt.date(2026, 10, 9))
    assert drug.date.days == 5 and drug.date.is_range
    assert drug.control_number == "NWI0001L1"
    assert drug.drug == Drug("44206043710", Decimal("1400"), "ML")
    assert drug.diagnosis_pointers == (1,)
    assert [line.procedure.code for line in (initial, additional)] == ["96365", "96366"]
    assert additional.units == Decimal("10")
    assert visit_line.procedure.modifiers == ("25",)
    assert visit_line.notes == ("VISIT BEFORE FIRST INFUSION",)
    assert visit_line.drug is None

    assert visit.patient is not None and visit.patient.relationship == "19"
    assert visit.birth_date == dt.date(2015, 6, 6)  # the patient's, not the subscriber's
    assert visit.subscriber.filing_indicator == "CI"
    assert [d.code for d in visit.diagnoses] == ["J069", "R509"]
    assert visit.lines[0].diagnosis_pointers == (1, 2)


def test_837i_claim_has_revenue_codes_bill_type_and_statement_period():
    (claim,) = claims("837i-ivig-outpatient.x12")
    assert (claim.kind, claim.bill_type) == ("837I", "131")
    assert claim.statement_period == DateRange(dt.date(2026, 10, 6), dt.date(2026, 10, 6))
    assert claim.subscriber.filing_indicator == "MA"
    drug, initial, additional = claim.lines
    assert (drug.revenue_code, drug.procedure.code, drug.units) == ("0636", "J1569", Decimal("120"))
    assert drug.drug == Drug("00944270006", Decimal("600"), "ML")
    assert drug.date == DateRange(dt.date(2026, 10, 6), dt.date(2026, 10, 6))
    assert (initial.revenue_code, additional.units) == ("0260", Decimal("2"))
    assert drug.diagnosis_pointers == ()


def test_segments_are_kept_with_their_positions():
    ivig, _ = claims("837p-ivig-clinic.x12")
    assert ivig.number == 21
    assert [s.id for s in header_segments(ivig)] == ["CLM", "HI"]
    assert [s.number for s in line_segments(ivig.lines[0])] == [23, 24, 25, 26, 27, 28]
    assert line_segments(ivig.lines[0])[1].elements == ("SV1", "HC:J1459:JZ", "23800", "UN", "280", "", "", "1")


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("SV1*HC:96365*1250*", "SV1*HC:96365*12,50*", "segment 30, byte 907: SV102 is not a number"),
        ("DTP*472*D8*20261005", "DTP*472*D8*20261305", "segment 39, byte 1104: DTP03 is not a date (CCYYMMDD)"),
        ("RD8*20261005-20261009~\nREF*6R*NWI0001L1", "RD8*20261009-20261005~\nREF*6R*NWI0001L1",
         "segment 25, byte 815: DTP03 ends before it starts"),
        ("LX*2", "LX*B", "segment 29, byte 901: LX01 is not a whole number"),
        ("LX*2", "LX*\u00b2", "segment 29, byte 901: LX01 is not a whole number"),  # str.isdigit says yes to it
        ("SV1*HC:96365*1250*UN*5*", "SV1*HC:96365*1250*UN*5000000000000000000*",  # 19 digits: Decimal cannot divide it by days
         "segment 30, byte 907: SV104 has more digits than an X12 number carries (18)"),
        ("RD8*20261005-20261009~\nREF*6R*NWI0001L1", "RD8*20261005-20271006~\nREF*6R*NWI0001L1",
         "segment 25, byte 815: DTP03 spans more than 366 days, the longest range edi-ivig checks"),
    ],
)
def test_values_a_rule_would_rely_on_must_parse(old, new, message):
    data = (FIXTURES / "read" / "837p-ivig-clinic.x12").read_text()
    assert old in data
    raw = next(p for p in Reader(io.BytesIO(data.replace(old, new, 1).encode("latin-1"))) if isinstance(p, RawClaim))
    with pytest.raises(UnreadableInput) as error:
        build_claim(raw)
    assert str(error.value) == message


# -- edits: a field and its element change together ----------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LINES = [line for name in ("837p-ivig-clinic.x12", "837i-ivig-outpatient.x12") for claim in claims(name) for line in claim.lines]
amounts = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False)
days_ = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    line=st.sampled_from(LINES),
    units=st.none() | st.integers(min_value=1, max_value=999).map(Decimal),
    charge=st.none() | amounts,
    start=st.none() | days_,
    length=st.integers(min_value=0, max_value=6),
    modifiers=st.none() | st.lists(st.sampled_from(["JZ", "JW", "25", "59", "JA"]), max_size=4, unique=True),
    description=st.none() | st.sampled_from(["", "PRIVIGEN 10% 30 G IV NDC 44206043710"]),
    unit_basis=st.none() | st.sampled_from(["UN", "MJ", "DA"]),
)
def test_an_edited_line_parses_back_to_itself(line, units, charge, start, length, modifiers, description, unit_basis):
    dates = DateRange(start, start + dt.timedelta(days=length)) if start and line.date else None
    edited = line.edit(units=units, charge=charge, dates=dates, unit_basis=unit_basis).with_procedure(modifiers=modifiers, description=description)
    if line.drug is not None and line.drug.quantity is not None:
        edited = edited.with_drug_quantity(Decimal("12.5"))
    if line.control_number:
        edited = edited.with_control_number(line.control_number + "-1")
    assert service_line(line_segments(edited), edited.origin.delimiters, edited.position) == edited


def test_a_line_is_written_as_read_except_where_an_edit_changed_a_field():
    ivig, _ = claims("837p-ivig-clinic.x12")
    line = ivig.lines[0]
    assert line_segments(line) == line_segments(line.edit())
    edited = line.with_units(Decimal("56.00"))
    assert [i for i, (a, b) in enumerate(zip(line_segments(line), line_segments(edited))) if a != b] == [1]
    assert line_segments(edited)[1].get(4) == "56"
    assert line_segments(edited.with_units(line.units)) == line_segments(line)  # back to the value read: as read
    zero = line.with_drug_quantity(Decimal("0.00"))
    assert line_segments(zero)[-1].get(4) == "0" and line_segments(zero.with_drug_quantity(Decimal(0)))[-1].get(4) == "0"
