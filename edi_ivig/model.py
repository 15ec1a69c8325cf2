"""The claim as billing people think of it, built from the segments it came from.

Every object keeps its segments, so the writer can re-emit what no rule changed
exactly as read. Objects are frozen: an edit makes a new object (see
`ServiceLine.from_segments` and `Segment.with_element`).

Positions in error messages are segment numbers in the file (ISA = 1).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from decimal import Decimal

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.line_amounts import AMOUNT_ELEMENTS, MODELLED, element_name
from edi_ivig.reader import Envelope, Loop, RawClaim, Transaction
from edi_ivig.x12.delimiters import WHITESPACE, Delimiters
from edi_ivig.x12.segment import Segment, is_digits

MAX_RANGE_DAYS = 366  # a line's or a statement's dates; longer is a typo, not a course of treatment
MAX_DIGITS = 18  # the longest X12 decimal (R) element, a monetary amount (782: R 1/18)
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
# HI composite qualifiers that carry a diagnosis (5010, and the 4010 forms some files still use).
DIAGNOSIS_QUALIFIERS = frozenset("ABK ABF ABJ APR ABN BK BF BJ PR BN".split())


# -- values ----------------------------------------------------------------------------------


@attrs.frozen(cache_hash=True)
class DateRange:
    """A date of service: one day (D8) or a range (RD8), both ends inclusive."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_range(self) -> bool:
        return self.end != self.start


@attrs.frozen
class Party:
    """An NM1: who someone is (entity code, name, identifier)."""

    entity: str
    last_or_organization: str
    first: str
    id_qualifier: str
    id: str

    @classmethod
    def from_segment(cls, nm1: Segment) -> Party:
        return cls(nm1.get(1), nm1.get(3), nm1.get(4), nm1.get(8), nm1.get(9))


@attrs.frozen
class Procedure:
    """SV101 (837P) or SV202 (837I): qualifier, code, up to four modifiers, description."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...]
    description: str

    @classmethod
    def from_composite(cls, parts: Sequence[str]) -> Procedure:
        parts = list(parts) + [""] * (7 - len(parts))
        return cls(parts[0], parts[1], tuple(m for m in parts[2:6] if m), parts[6])

    def composite(self, delimiters: Delimiters) -> str:
        """SV101 / SV202 text: modifiers in the first slots, trailing empty components dropped."""
        parts = [self.qualifier, self.code, *self.modifiers, *[""] * (4 - len(self.modifiers)), self.description]
        while parts and not parts[-1]:
            parts.pop()
        return delimiters.component.join(parts)


@attrs.frozen
class Drug:
    """2410 drug identification: the NDC (LIN*N4) and the quantity given (CTP04, CTP05-1)."""

    ndc: str | None
    quantity: Decimal | None
    unit: str | None


@attrs.frozen
class Diagnosis:
    qualifier: str
    code: str


@attrs.frozen
class ClaimDate:
    qualifier: str  # DTP01, e.g. 434 statement period, 431 onset
    dates: DateRange


# -- envelope and hierarchy ------------------------------------------------------------------


@attrs.frozen
class TransactionInfo:
    """ST..BHT and the submitter (1000A) and receiver (1000B) of one transaction."""

    kind: str
    version: str
    control_number: str
    envelope: Envelope
    submitter: Party | None
    receiver: Party | None
    segments: tuple[Segment, ...]


@attrs.frozen
class BillingProvider:
    """2000A: who bills; `npi` when NM108 is XX."""

    hl_id: str
    name: Party
    segments: tuple[Segment, ...]

    @property
    def npi(self) -> str | None:
        return self.name.id if self.name.id_qualifier == "XX" else None


@attrs.frozen
class Subscriber:
    """2000B: the insured, the payer (2010BB) and the claim filing indicator (SBR09)."""

    hl_id: str
    payer_responsibility: str  # SBR01: P primary, S secondary, ...
    filing_indicator: str  # SBR09: MB Medicare Part B, MA Part A, CI commercial, ...
    member: Party
    birth_date: dt.date | None
    payer: Party | None
    segments: tuple[Segment, ...]

    @property
    def payer_id(self) -> str | None:
        return self.payer.id if self.payer else None


@attrs.frozen
class Patient:
    """2000C: the patient when not the subscriber."""

    hl_id: str
    relationship: str  # PAT01
    name: Party
    birth_date: dt.date | None
    segments: tuple[Segment, ...]


# -- claim and lines -------------------------------------------------------------------------


@attrs.frozen
class ServiceLine:
    """One 2400 loop (LX through the segment before the next LX), with its 2410 drug.

    `edit` (and the `with_*` shorthands) is the only way edits reach X12: it
    changes a field and the element that holds it together.
    """

    number: int  # LX01 as read
    position: int  # where the line stood in its claim as read, from 0: LX01 may repeat, this does not
    procedure: Procedure
    revenue_code: str | None  # SV201, 837I only
    charge: Decimal
    unit_basis: str  # UN units, MJ minutes, DA days
    units: Decimal | None
    non_covered: Decimal | None  # SV207, 837I only
    diagnosis_pointers: tuple[int, ...]  # SV107, 837P only
    date: DateRange | None  # DTP*472
    control_number: str | None  # REF*6R
    notes: tuple[str, ...]  # NTE02
    drug: Drug | None
    segments: tuple[Segment, ...]
    delimiters: Delimiters

    @property
    def service(self) -> Segment:
        """The SV1 (837P) or SV2 (837I) segment."""
        return self.segments[1]

    @property
    def priced_by(self) -> str | None:
        """What already priced or paid this line as billed: repricing (HCP) or another payer (2430 SVD)."""
        for segment in self.segments[2:]:
            if segment.id == "SVD":
                return "another payer's adjudication (SVD)"
            if segment.id == "HCP":
                return "repricing (HCP)"
        return None

    @property
    def other_amounts(self) -> tuple[str, ...]:
        """The amounts and quantities on the line that the model does not read (AMT, QTY, PS1,
        CN1, HCP, SVD, CAS, ...), by element name: a fix cannot divide what it does not know."""
        found, quantity_at = [], self._where.get("quantity")
        for at, segment in enumerate(self.segments[1:], start=1):
            qualified = AMOUNT_ELEMENTS.get(segment.id)
            if qualified is None:
                continue
            qualifier_at, positions = qualified
            modelled = at == 1 if segment.id in ("SV1", "SV2") else at == quantity_at
            for position in positions:
                if not (modelled and (segment.id, position) in MODELLED) and segment.get(position):
                    found.append(element_name(segment.id, position, segment.get(qualifier_at) if qualifier_at else ""))
        return tuple(dict.fromkeys(found))

    @property
    def codes(self) -> frozenset[str]:
        """The procedure code and its modifiers."""
        return frozenset((self.procedure.code, *self.procedure.modifiers))

    def with_units(self, units: Decimal) -> ServiceLine:
        return self.edit(units=units)

    def with_charge(self, charge: Decimal) -> ServiceLine:
        return self.edit(charge=charge)

    def with_procedure(
        self, code: str | None = None, modifiers: Sequence[str] | None = None, description: str | None = None
    ) -> ServiceLine:
        """Change SV101/SV202: the code, the modifiers (all four slots), the description."""
        p = self.procedure
        if modifiers is not None and len(modifiers) > 4:
            raise ValueError("a service line carries at most four modifiers")
        return self.edit(
            procedure=Procedure(
                p.qualifier,
                p.code if code is None else code,
                p.modifiers if modifiers is None else tuple(m for m in modifiers if m),
                p.description if description is None else description,
            )
        )

    def with_date(self, dates: DateRange) -> ServiceLine:
        return self.edit(dates=dates)

    def with_control_number(self, value: str) -> ServiceLine:
        return self.edit(control_number=value)

    def with_drug_quantity(self, quantity: Decimal) -> ServiceLine:
        return self.edit(drug_quantity=quantity)

    def edit(
        self,
        *,
        procedure: Procedure | None = None,
        units: Decimal | None = None,
        charge: Decimal | None = None,
        dates: DateRange | None = None,
        control_number: str | None = None,
        drug_quantity: Decimal | None = None,
        unit_basis: str | None = None,
        non_covered: Decimal | None = None,
    ) -> ServiceLine:
        """A copy with the given fields changed, in the elements that hold them.

        One pass over the segments and no re-parse (a split makes many lines); the
        tests check that parsing the new segments gives the same line.
        """
        segments = list(self.segments)
        service, offset = segments[1], 0 if segments[1].id == "SV1" else 1
        elements = {}
        if procedure is not None:
            elements[1 + offset] = procedure.composite(self.delimiters)
        if charge is not None:
            elements[2 + offset] = format_number(charge)
        if unit_basis is not None:
            elements[3 + offset] = unit_basis
        if units is not None:
            elements[4 + offset] = format_number(units)
        if non_covered is not None:
            if offset == 0:
                raise ValueError("an 837P line (SV1) has no non-covered amount")
            elements[7] = format_number(non_covered)
        if elements:
            segments[1] = service.with_elements(elements)
        if dates is not None:
            start = _ccyymmdd(dates.start)
            value = {2: "RD8", 3: f"{start}-{_ccyymmdd(dates.end)}"} if dates.is_range else {2: "D8", 3: start}
            self._set(segments, "date", value)
        if control_number is not None:
            self._set(segments, "control", {2: control_number})
        drug = self.drug
        if drug_quantity is not None and drug is not None:
            self._set(segments, "quantity", {4: format_number(drug_quantity)})
            drug = Drug(drug.ndc, drug_quantity, drug.unit)
        return ServiceLine(
            number=self.number,
            position=self.position,
            procedure=self.procedure if procedure is None else procedure,
            revenue_code=self.revenue_code,
            charge=self.charge if charge is None else charge,
            unit_basis=self.unit_basis if unit_basis is None else unit_basis,
            units=self.units if units is None else units,
            non_covered=self.non_covered if non_covered is None else non_covered,
            diagnosis_pointers=self.diagnosis_pointers,
            date=self.date if dates is None else dates,
            control_number=self.control_number if control_number is None else control_number,
            notes=self.notes,
            drug=drug,
            segments=tuple(segments),
            delimiters=self.delimiters,
        )

    def _set(self, segments: list[Segment], which: str, values: dict[int, str]) -> None:
        position = self._where.get(which)
        if position is None:
            raise ValueError(f"the line has no {which} segment to change")
        segments[position] = segments[position].with_elements(values)

    @functools.cached_property
    def _where(self) -> dict[str, int]:
        """Where the segments an edit may change stand in the line (the first of each)."""
        where: dict[str, int] = {}
        drug = False
        for i, s in enumerate(self.segments[2:], start=2):
            sid = s.id
            if sid == "DTP" and s.get(1) == "472":
                where.setdefault("date", i)
            elif sid == "REF" and s.get(1) == "6R":
                where.setdefault("control", i)
            elif sid == "LIN":
                drug = True
            elif sid == "CTP" and drug:  # the CTP of the first 2410 loop, as from_segments reads it
                where.setdefault("quantity", i)
        return where

    @classmethod
    def from_segments(cls, segments: Sequence[Segment], delimiters: Delimiters, position: int = 0) -> ServiceLine:
        lx, service = segments[0], segments[1] if len(segments) > 1 else None
        if service is None or service.id not in ("SV1", "SV2"):
            raise _bad(lx, "the service line has no SV1 or SV2 right after its LX")
        line = dict(
            number=_integer(lx, 1),
            position=position,
            revenue_code=None,
            non_covered=None,
            diagnosis_pointers=(),
            date=None,
            control_number=None,
            drug=None,
        )
        if service.id == "SV1":
            line.update(
                procedure=Procedure.from_composite(service.components(1, delimiters)),
                charge=_amount(service, 2),
                unit_basis=service.get(3),
                units=_optional_amount(service, 4),
                diagnosis_pointers=tuple(
                    _integer_text(p, service, 7) for p in service.components(7, delimiters) if p
                ),
            )
        else:
            line.update(
                revenue_code=service.get(1),
                procedure=Procedure.from_composite(service.components(2, delimiters)),
                charge=_amount(service, 3),
                unit_basis=service.get(4),
                units=_optional_amount(service, 5),
                non_covered=_optional_amount(service, 7),
            )
        notes, ndc, quantity, unit, has_drug = [], None, None, None, False
        for segment in segments[2:]:
            sid = segment.id
            if sid in ("SV1", "SV2"):  # one service per line: a second has lost its LX (a stray terminator)
                raise UnreadableInput(
                    f"a second {sid} in the service line that LX at segment {lx.number} starts", segment=segment.number
                )
            if sid == "DTP" and segment.get(1) == "472":
                if line["date"] is not None:  # one date of service per line (TR3 2400 DTP*472, max use 1)
                    raise UnreadableInput(
                        f"a second DTP*472 in the service line that LX at segment {lx.number} starts",
                        segment=segment.number,
                    )
                line["date"] = _dates(segment)
            elif sid == "REF" and segment.get(1) == "6R" and line["control_number"] is None:
                line["control_number"] = segment.get(2)
            elif sid == "NTE":
                notes.append(segment.get(2))
            elif sid == "LIN" and not has_drug:
                has_drug = True
                ndc = segment.get(3) if segment.get(2) == "N4" else None
            elif sid == "CTP" and has_drug and quantity is None:
                quantity = _optional_amount(segment, 4)
                unit = segment.components(5, delimiters)[0] or None
        if has_drug:
            line["drug"] = Drug(ndc, quantity, unit)
        return cls(notes=tuple(notes), segments=tuple(segments), delimiters=delimiters, **line)


@attrs.frozen
class Claim:
    """One 2300 loop: the claim header, its lines, and who it is for and from."""

    id: str  # CLM01, the patient control number
    charge: Decimal  # CLM02
    facility_code: str  # CLM05-1: place of service (837P) or facility type (837I)
    facility_qualifier: str  # CLM05-2: B place of service, A uniform billing
    frequency: str  # CLM05-3
    diagnoses: tuple[Diagnosis, ...]  # in HI order; SV107 pointer 1 is the first
    dates: tuple[ClaimDate, ...]
    lines: tuple[ServiceLine, ...]
    segments: tuple[Segment, ...]  # CLM through the segment before the first LX
    transaction: TransactionInfo
    billing_provider: BillingProvider
    subscriber: Subscriber
    patient: Patient | None  # None when the subscriber is the patient
    delimiters: Delimiters
    number: int  # segment number of CLM

    @property
    def kind(self) -> str:
        return self.transaction.kind

    @property
    def bill_type(self) -> str | None:
        """837I type of bill: facility type code and frequency, e.g. 131."""
        return self.facility_code + self.frequency if self.kind == "837I" else None

    @property
    def birth_date(self) -> dt.date | None:
        return self.patient.birth_date if self.patient else self.subscriber.birth_date

    @property
    def statement_period(self) -> DateRange | None:
        return next((d.dates for d in self.dates if d.qualifier == "434"), None)

    @property
    def all_segments(self) -> tuple[Segment, ...]:
        return self.segments + tuple(s for line in self.lines for s in line.segments)

    def with_lines(self, lines: Sequence[ServiceLine]) -> Claim:
        return attrs.evolve(self, lines=tuple(lines))


# -- building from what the reader yields ----------------------------------------------------


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
    dates = tuple(ClaimDate(s.get(1), _dates(s)) for s in header if s.id == "DTP" and s.get(2) in ("D8", "RD8"))
    starts = [i for i, s in enumerate(line_segments) if s.id == "LX"] + [len(line_segments)]
    lines = tuple(
        ServiceLine.from_segments(line_segments[a:b], d, position)
        for position, (a, b) in enumerate(zip(starts, starts[1:]))
    )
    return Claim(
        id=clm.get(1),
        charge=_amount(clm, 2),
        facility_code=place[0],
        facility_qualifier=place[1],
        frequency=place[2],
        diagnoses=diagnoses,
        dates=dates,
        lines=lines,
        segments=tuple(header),
        transaction=transaction_info(raw.transaction),
        billing_provider=billing_provider(raw.billing_provider),
        subscriber=subscriber(raw.subscriber),
        patient=patient(raw.patient) if raw.patient else None,
        delimiters=d,
        number=raw.number,
    )


@attrs.frozen
class ClaimSummary:
    """What an acknowledgment says about a claim, read without building its model.

    The 277CA answers for every claim, most of which no rule looks at; reading
    only CLM, REF*D9 and the dates keeps that cheap, and a value the summary
    does not read (a birth date, a line charge) cannot make it fail.
    """

    charge: Decimal  # CLM02
    bill_type: str | None  # 837I: CLM05-1 and CLM05-3
    intermediary_id: str  # REF*D9, "" when absent
    dates: DateRange | None  # the statement period (DTP*434), else the span of the lines' DTP*472


def summarize(raw: RawClaim) -> ClaimSummary:
    """The summary of a claim as read; raises UnreadableInput for a malformed value it reads.

    Fixes keep CLM02, the statement period and the span of the days billed, so
    the summary of a claim as read is also that of the claim as fixed.
    """
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
        if head[:2] == "LX":  # the reader lets no other id that starts so through
            in_line, dated = True, False
            continue
        if head not in ("REF", "DTP"):
            continue
        segment = Segment.parse(piece, d.element, number, here)
        if in_line:
            if segment.id == "DTP" and segment.get(1) == "472" and not dated:
                dated = True
                dates = _dates(segment)
                first = dates.start if first is None else min(first, dates.start)
                last = dates.end if last is None else max(last, dates.end)
        elif segment.id == "REF" and segment.get(1) == "D9" and not intermediary_id:
            intermediary_id = segment.get(2)
        elif segment.id == "DTP" and segment.get(1) == "434" and segment.get(2) in ("D8", "RD8") and period is None:
            period = _dates(segment)
    lines = DateRange(first, last) if first is not None and last is not None else None
    return ClaimSummary(
        charge=_amount(clm, 2),
        bill_type=place[0] + place[2] if raw.transaction.kind == "837I" else None,
        intermediary_id=intermediary_id,
        dates=period or lines,
    )


def loop_party(loop: Loop, entity: str) -> Party | None:
    """The first NM1 of an entity in a loop, read from its text without parsing the rest."""
    d = loop.delimiters
    prefix = f"NM1{d.element}{entity}{d.element}"
    piece = next((p for p in loop.pieces if p.lstrip(WHITESPACE).startswith(prefix)), None)
    return Party.from_segment(Segment.parse(piece, d.element)) if piece is not None else None


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
        envelope=transaction.envelope,
        submitter=_party(segments, "41"),
        receiver=_party(segments, "40"),
        segments=tuple(segments),
    )


@functools.lru_cache(maxsize=8)
def billing_provider(loop: Loop) -> BillingProvider:
    segments = _segments(loop.pieces, loop.number, loop.delimiters, loop.offset)
    name = _party(segments, "85")
    assert name is not None  # the reader refuses a claim whose billing provider has none
    return BillingProvider(segments[0].get(1), name, tuple(segments))


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
        segments=tuple(segments),
    )


@functools.lru_cache(maxsize=8)
def patient(loop: Loop) -> Patient:
    segments = _segments(loop.pieces, loop.number, loop.delimiters, loop.offset)
    pat = next((s for s in segments if s.id == "PAT"), None)
    name = _party(segments, "QC")
    assert name is not None  # the reader refuses a claim whose patient has none
    return Patient(segments[0].get(1), pat.get(1) if pat else "", name, _birth_date(segments), tuple(segments))


# -- element formatting and parsing ----------------------------------------------------------


def format_number(value: Decimal) -> str:
    """An X12 decimal: no exponent, no trailing zeros after the point (23800, 4760.5)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _ccyymmdd(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"



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
    return next((Party.from_segment(s) for s in segments if s.id == "NM1" and s.get(1) == entity), None)


def _birth_date(segments: Sequence[Segment]) -> dt.date | None:
    dmg = next((s for s in segments if s.id == "DMG"), None)
    if dmg is None or dmg.get(1) != "D8" or not dmg.get(2):
        return None
    try:
        return _date(dmg.get(2), dmg, 2)
    except UnreadableInput:  # say where, not what: a birth date is PHI
        raise _bad(dmg, "DMG02 (birth date) is not a date (CCYYMMDD)") from None


def _element_name(segment: Segment, index: int) -> str:
    return f"{segment.id}{index:02d}"


def _bad(segment: Segment, what: str) -> UnreadableInput:
    """An error at `segment` that names the place (segment number, byte, element), never the value:
    the value may be a name, a member id or a date of birth, and messages reach logs and payers."""
    return UnreadableInput(what, segment=segment.number, offset=segment.offset)


def _amount(segment: Segment, index: int) -> Decimal:
    value = _optional_amount(segment, index)
    if value is None:
        raise _bad(segment, f"{_element_name(segment, index)} is empty; it is required")
    return value


def amount(text: str) -> Decimal | None:
    """The value of an X12 decimal (R) element; None when the text is not one.

    Decimal alone would take 'NaN' and '1E9', and numbers longer than X12's 18
    digits, which its 28-digit arithmetic cannot divide exactly.
    """
    if not _NUMBER.fullmatch(text) or len(text) - text.count("-") - text.count(".") > MAX_DIGITS:
        return None
    return Decimal(text)


def _optional_amount(segment: Segment, index: int) -> Decimal | None:
    text = segment.get(index)
    if not text:
        return None
    value = amount(text)
    if value is None:
        what = f"has more digits than an X12 number carries ({MAX_DIGITS})" if _NUMBER.fullmatch(text) else "is not a number"
        raise _bad(segment, f"{_element_name(segment, index)} {what}")
    return value


def _integer(segment: Segment, index: int) -> int:
    return _integer_text(segment.get(index), segment, index)


def _integer_text(text: str, segment: Segment, index: int) -> int:
    if not is_digits(text):
        raise _bad(segment, f"{_element_name(segment, index)} is not a whole number")
    return int(text)


def _date(text: str, segment: Segment, index: int) -> dt.date:
    try:
        if len(text) != 8 or not is_digits(text):
            raise ValueError
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise _bad(segment, f"{_element_name(segment, index)} is not a date (CCYYMMDD)") from None


def _dates(dtp: Segment) -> DateRange:
    """DTP03 as a D8 date or an RD8 range."""
    qualifier, text = dtp.get(2), dtp.get(3)
    if qualifier == "D8":
        day = _date(text, dtp, 3)
        return DateRange(day, day)
    if qualifier == "RD8":
        start, dash, end = text.partition("-")
        if not dash:
            raise _bad(dtp, "DTP03 is not a date range (CCYYMMDD-CCYYMMDD)")
        dates = DateRange(_date(start, dtp, 3), _date(end, dtp, 3))
        if dates.end < dates.start:
            raise _bad(dtp, "DTP03 ends before it starts")
        if dates.days > MAX_RANGE_DAYS:
            # the rules look at each day of a range; a typo like 20261005-60261007 would be 1.4 million
            raise _bad(dtp, f"DTP03 spans more than {MAX_RANGE_DAYS} days, the longest range edi-ivig checks")
        return dates
    raise _bad(dtp, "DTP02 is not a date format this reader knows (D8 or RD8)")
