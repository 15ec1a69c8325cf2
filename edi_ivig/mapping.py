"""What the reader read, mapped to the domain model (`edi_ivig.model`).

`build_claim` parses a `RawClaim` and the loops above it into a `Claim`; each
claim and line gets an origin (`ClaimOrigin`, `LineOrigin`): its segments as
read, which `edi_ivig.rendering` starts from when it writes an edited claim.
`summarize` reads the little an acknowledgment needs without building a claim.

It raises `UnreadableInput` for a value the rules would rely on that does not
parse; messages name segment numbers in the file (ISA = 1), never values.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import Decimal

import attrs

from edi_ivig.elements import amount, bad, date, dates, integer, integer_text, optional_amount, required_amount
from edi_ivig.errors import UnreadableInput
from edi_ivig.line_amounts import AMOUNT_ELEMENTS, MODELLED, element_name
from edi_ivig.model import (
    BillingProvider,
    Claim,
    ClaimDate,
    ClaimSummary,
    DateRange,
    Diagnosis,
    Drug,
    Party,
    Patient,
    Procedure,
    ServiceLine,
    Subscriber,
    TransactionInfo,
)
from edi_ivig.reader import Loop, RawClaim, Transaction
from edi_ivig.x12.delimiters import WHITESPACE, Delimiters
from edi_ivig.x12.segment import Segment

# HI composite qualifiers that carry a diagnosis (5010, and the 4010 forms some files still use).
DIAGNOSIS_QUALIFIERS = frozenset("ABK ABF ABJ APR ABN BK BF BJ PR BN".split())


@attrs.frozen(eq=False)
class ClaimOrigin:
    """A claim's header as read: CLM through the segment before the first LX."""

    header: tuple[Segment, ...]
    delimiters: Delimiters


@attrs.frozen(eq=False)
class LineOrigin:
    """A service line as read (LX through the segment before the next LX), the line it was
    mapped to, and where the segments stand that hold the fields an edit may change."""

    segments: tuple[Segment, ...]  # segments[1] is the SV1 or SV2
    delimiters: Delimiters
    read: ServiceLine  # the line as mapped from `segments`, of the same field objects: which an edit replaced
    date_at: int | None  # DTP*472
    control_at: int | None  # the first REF*6R
    quantity_at: int | None  # the CTP of the first 2410 loop


# -- claims and lines ------------------------------------------------------------------------


def build_claim(raw: RawClaim) -> Claim:
    """Parse a claim and the loops above it (each loop parsed once, however many claims)."""
    d = raw.delimiters
    segments = _segments(raw.pieces, raw.number, d, raw.offset)
    first_lx = next((i for i, s in enumerate(segments) if s.id == "LX"), len(segments))
    header, line_segments = segments[:first_lx], segments[first_lx:]
    clm = header[0]
    place = clm.components(5, d) + ["", ""]
    diagnoses = tuple(
        Diagnosis(parts[0], parts[1])
        for hi in header
        if hi.id == "HI"
        for element in hi.elements[1:]
        if len(parts := element.split(d.component)) > 1 and parts[0] in DIAGNOSIS_QUALIFIERS and parts[1]
    )
    claim_dates = tuple(ClaimDate(s.get(1), dates(s)) for s in header if s.id == "DTP" and s.get(2) in ("D8", "RD8"))
    starts = [i for i, s in enumerate(line_segments) if s.id == "LX"] + [len(line_segments)]
    lines = tuple(
        service_line(line_segments[a:b], d, position) for position, (a, b) in enumerate(zip(starts, starts[1:]))
    )
    return Claim(
        id=clm.get(1),
        charge=required_amount(clm, 2),
        facility_code=place[0],
        facility_qualifier=place[1],
        frequency=place[2],
        diagnoses=diagnoses,
        dates=claim_dates,
        lines=lines,
        transaction=transaction_info(raw.transaction),
        billing_provider=billing_provider(raw.billing_provider),
        subscriber=subscriber(raw.subscriber),
        patient=patient(raw.patient) if raw.patient else None,
        number=raw.number,
        origin=ClaimOrigin(tuple(header), d),
    )


def service_line(segments: Sequence[Segment], delimiters: Delimiters, position: int = 0) -> ServiceLine:
    """The line of one 2400 loop's segments (LX first), with its origin."""
    lx, service = segments[0], segments[1] if len(segments) > 1 else None
    if service is None or service.id not in ("SV1", "SV2"):
        raise bad(lx, "the service line has no SV1 or SV2 right after its LX")
    line = dict(
        number=integer(lx, 1),
        position=position,
        revenue_code=None,
        non_covered=None,
        diagnosis_pointers=(),
        date=None,
        control_number=None,
        drug=None,
        priced_by=None,
    )
    if service.id == "SV1":
        line.update(
            procedure=procedure(service.components(1, delimiters)),
            charge=required_amount(service, 2),
            unit_basis=service.get(3),
            units=optional_amount(service, 4),
            diagnosis_pointers=tuple(integer_text(p, service, 7) for p in service.components(7, delimiters) if p),
        )
    else:
        line.update(
            revenue_code=service.get(1),
            procedure=procedure(service.components(2, delimiters)),
            charge=required_amount(service, 3),
            unit_basis=service.get(4),
            units=optional_amount(service, 5),
            non_covered=optional_amount(service, 7),
        )
    notes, ndc, quantity, unit, has_drug = [], None, None, None, False
    date_at = control_at = quantity_at = None
    others: list[str] = []
    for at, segment in enumerate(segments[2:], start=2):
        sid = segment.id
        if sid in ("SV1", "SV2"):  # one service per line: a second has lost its LX (a stray terminator)
            raise UnreadableInput(
                f"a second {sid} in the service line that LX at segment {lx.number} starts", segment=segment.number
            )
        if sid == "DTP" and segment.get(1) == "472":
            if date_at is not None:  # one date of service per line (TR3 2400 DTP*472, max use 1)
                raise UnreadableInput(
                    f"a second DTP*472 in the service line that LX at segment {lx.number} starts",
                    segment=segment.number,
                )
            line["date"], date_at = dates(segment), at
        elif sid == "REF" and segment.get(1) == "6R" and control_at is None:
            line["control_number"], control_at = segment.get(2), at
        elif sid == "NTE":
            notes.append(segment.get(2))
        elif sid == "LIN" and not has_drug:
            has_drug = True
            ndc = segment.get(3) if segment.get(2) == "N4" else None
        elif sid == "CTP" and has_drug:
            if quantity_at is None:
                quantity_at = at
            if quantity is None:
                quantity = optional_amount(segment, 4)
                unit = segment.components(5, delimiters)[0] or None
        elif sid == "SVD" and line["priced_by"] is None:
            line["priced_by"] = "another payer's adjudication (SVD)"
        elif sid == "HCP" and line["priced_by"] is None:
            line["priced_by"] = "repricing (HCP)"
        if sid in AMOUNT_ELEMENTS:
            others += _amounts_not_modelled(segment, modelled=at == quantity_at)
    if has_drug:
        line["drug"] = Drug(ndc, quantity, unit)
    fields = dict(line, notes=tuple(notes), other_amounts=tuple(dict.fromkeys(others)))
    read = ServiceLine(**fields, origin=None)
    origin = LineOrigin(tuple(segments), delimiters, read, date_at, control_at, quantity_at)
    return ServiceLine(**fields, origin=origin)


def _amounts_not_modelled(segment: Segment, modelled: bool) -> list[str]:
    """The names of the amounts in `segment` that the line's fields do not hold."""
    qualifier_at, positions = AMOUNT_ELEMENTS[segment.id]
    return [
        element_name(segment.id, position, segment.get(qualifier_at) if qualifier_at else "")
        for position in positions
        if not (modelled and (segment.id, position) in MODELLED) and segment.get(position)
    ]


def procedure(parts: Sequence[str]) -> Procedure:
    """SV101 / SV202: qualifier, code, the modifiers in whichever of the four slots, description."""
    parts = list(parts) + [""] * (7 - len(parts))
    return Procedure(parts[0], parts[1], tuple(m for m in parts[2:6] if m), parts[6])


# -- what an acknowledgment needs ------------------------------------------------------------


def summarize(raw: RawClaim) -> ClaimSummary:
    """The summary of a claim as read; raises UnreadableInput for a malformed value it reads.

    Fixes keep CLM02, the statement period and the span of the days billed, so
    the summary of a claim as read is also that of the claim as fixed. The 277CA
    asks it of every claim, so it looks at each segment's first characters and
    splits only CLM, REF*D9 and the DTPs it reads; a value that does not read is
    read again segment by segment (`_summarize_slowly`), for the error naming its place.
    """
    separator = raw.delimiters.element
    clm = raw.pieces[0].lstrip(WHITESPACE).split(separator, 6)
    charge = _quick_amount(clm[2] if len(clm) > 2 else "")
    intermediary_id, period, in_line, dated, first, last = "", None, False, False, None, None
    for piece in raw.pieces[1:]:
        text = piece.lstrip(WHITESPACE) if piece[:1] in WHITESPACE else piece
        head = text[:3]
        if head[:2] == "LX":  # the reader lets no other id that starts so through
            in_line, dated = True, False
            continue
        if head not in ("REF", "DTP"):
            continue
        elements = text.split(separator)
        sid, qualifier = elements[0], elements[1] if len(elements) > 1 else ""
        if in_line:
            if sid == "DTP" and qualifier == "472" and not dated:
                dated = True
                found = _quick_dates(elements)
                if found is None:
                    return _summarize_slowly(raw)
                start, end = found
                if first is None or start < first:
                    first = start
                if last is None or end > last:
                    last = end
        elif sid == "REF" and qualifier == "D9" and not intermediary_id:
            intermediary_id = elements[2] if len(elements) > 2 else ""
        elif sid == "DTP" and qualifier == "434" and period is None and len(elements) > 2 and elements[2] in ("D8", "RD8"):
            found = _quick_dates(elements)
            if found is None:
                return _summarize_slowly(raw)
            period = DateRange(*found)
    if charge is None:
        return _summarize_slowly(raw)
    place = (clm[5].split(raw.delimiters.component) if len(clm) > 5 else []) + ["", ""]
    lines = DateRange(first, last) if first is not None and last is not None else None
    return ClaimSummary(
        charge=charge,
        bill_type=place[0] + place[2] if raw.transaction.kind == "837I" else None,
        intermediary_id=intermediary_id,
        dates=period or lines,
    )


def _quick_amount(text: str) -> Decimal | None:
    try:
        return amount(text) if text else None
    except ArithmeticError:
        return None


def _quick_dates(elements: list[str]) -> tuple[dt.date, dt.date] | None:
    """DTP03 of a D8 or RD8 DTP, its first and last day (no DateRange: most are only compared),
    or None when it does not read as `elements.dates` reads it."""
    qualifier = elements[2] if len(elements) > 2 else ""
    text = elements[3] if len(elements) > 3 else ""
    if qualifier == "D8" and len(text) == 8 and text.isascii() and text.isdigit():  # most: one day, read here
        try:
            day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            return None
        return day, day
    try:
        found = dates(Segment(tuple(elements)))
    except UnreadableInput:
        return None
    return found.start, found.end


def _summarize_slowly(raw: RawClaim) -> ClaimSummary:
    """summarize, segment by segment: raises UnreadableInput naming the segment of a value that
    does not read."""
    d = raw.delimiters
    clm = Segment.parse(raw.pieces[0], d.element, raw.number, raw.offset)
    place = clm.components(5, d) + ["", ""]
    intermediary_id, period, in_line, dated = "", None, False, False
    first = last = None
    at = None if raw.offset is None else raw.offset + 1 + len(raw.pieces[0])  # the terminator before each piece
    for number, piece in enumerate(raw.pieces[1:], raw.number + 1):
        here = at
        if at is not None:
            at += 1 + len(piece)
        head = piece.lstrip(WHITESPACE)[:3]
        if head[:2] == "LX":
            in_line, dated = True, False
            continue
        if head not in ("REF", "DTP"):
            continue
        segment = Segment.parse(piece, d.element, number, here)
        if in_line:
            if segment.id == "DTP" and segment.get(1) == "472" and not dated:
                dated = True
                found = dates(segment)
                first = found.start if first is None else min(first, found.start)
                last = found.end if last is None else max(last, found.end)
        elif segment.id == "REF" and segment.get(1) == "D9" and not intermediary_id:
            intermediary_id = segment.get(2)
        elif segment.id == "DTP" and segment.get(1) == "434" and segment.get(2) in ("D8", "RD8") and period is None:
            period = dates(segment)
    lines = DateRange(first, last) if first is not None and last is not None else None
    return ClaimSummary(
        charge=required_amount(clm, 2),
        bill_type=place[0] + place[2] if raw.transaction.kind == "837I" else None,
        intermediary_id=intermediary_id,
        dates=period or lines,
    )


def loop_party(loop: Loop, entity: str) -> Party | None:
    """The first NM1 of an entity in a loop, read from its text without parsing the rest."""
    separator = loop.delimiters.element
    prefix = f"NM1{separator}{entity}{separator}"
    for piece in loop.pieces:
        text = piece.lstrip(WHITESPACE) if piece[:1] in WHITESPACE else piece
        if text.startswith(prefix):
            elements = text.split(separator, 10)[:10]
            elements += [""] * (10 - len(elements))
            return Party(elements[1], elements[3], elements[4], elements[8], elements[9])
    return None


# -- the loops above a claim -----------------------------------------------------------------

# Consecutive claims share these loops; the reader yields each Loop once, so a small
# cache keyed by identity parses each once.


@functools.lru_cache(maxsize=8)
def transaction_info(transaction: Transaction) -> TransactionInfo:
    header = transaction.header
    segments = _segments(header.pieces, header.number, header.delimiters, header.offset)
    return TransactionInfo(
        kind=transaction.kind,
        version=transaction.version,
        control_number=transaction.control_number,
        interchange_control_number=transaction.envelope.interchange_control_number,
        reference_id=next((s.get(3) for s in segments if s.id == "BHT"), ""),
        submitter=_party(segments, "41"),
        receiver=_party(segments, "40"),
    )


@functools.lru_cache(maxsize=8)
def billing_provider(loop: Loop) -> BillingProvider:
    segments = _segments(loop.pieces, loop.number, loop.delimiters, loop.offset)
    name = _party(segments, "85")
    assert name is not None  # the reader refuses a claim whose billing provider has none
    return BillingProvider(segments[0].get(1), name)


@functools.lru_cache(maxsize=8)
def subscriber(loop: Loop) -> Subscriber:
    segments = _segments(loop.pieces, loop.number, loop.delimiters, loop.offset)
    sbr = next((s for s in segments if s.id == "SBR"), None)
    member = _party(segments, "IL")
    assert member is not None  # the reader refuses a claim whose subscriber has none
    return Subscriber(
        hl_id=segments[0].get(1),
        payer_responsibility=sbr.get(1) if sbr else "",
        filing_indicator=sbr.get(9) if sbr else "",
        member=member,
        birth_date=_birth_date(segments),
        payer=_party(segments, "PR"),
    )


@functools.lru_cache(maxsize=8)
def patient(loop: Loop) -> Patient:
    segments = _segments(loop.pieces, loop.number, loop.delimiters, loop.offset)
    pat = next((s for s in segments if s.id == "PAT"), None)
    name = _party(segments, "QC")
    assert name is not None  # the reader refuses a claim whose patient has none
    return Patient(segments[0].get(1), pat.get(1) if pat else "", name, _birth_date(segments))


def _segments(pieces: Sequence[str], first_number: int, d: Delimiters, at: int | None = None) -> list[Segment]:
    """Parse pieces; `at` (the offset of the terminator before the first) gives each its byte offset."""
    if at is None:
        return [Segment.parse(piece, d.element, n) for n, piece in enumerate(pieces, first_number)]
    segments = []
    for n, piece in enumerate(pieces, first_number):
        segments.append(Segment.parse(piece, d.element, n, at))
        at += 1 + len(piece)
    return segments


def _party(segments: Sequence[Segment], entity: str) -> Party | None:
    return next((_party_of(s) for s in segments if s.id == "NM1" and s.get(1) == entity), None)


def _party_of(nm1: Segment) -> Party:
    return Party(nm1.get(1), nm1.get(3), nm1.get(4), nm1.get(8), nm1.get(9))


def _birth_date(segments: Sequence[Segment]) -> dt.date | None:
    dmg = next((s for s in segments if s.id == "DMG"), None)
    if dmg is None or dmg.get(1) != "D8" or not dmg.get(2):
        return None
    try:
        return date(dmg.get(2), dmg, 2)
    except UnreadableInput:  # say where, not what: a birth date is PHI
        raise bad(dmg, "DMG02 (birth date) is not a date (CCYYMMDD)") from None
