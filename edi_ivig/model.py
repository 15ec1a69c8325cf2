"""The claim as billing people think of it: who, what, when and how much.

These objects hold no X12. `edi_ivig.mapping` builds them from what the reader
read; `edi_ivig.rendering` turns an edited line back into segments. Each claim
and line keeps an `origin`, an opaque handle the model never looks inside, so
that the writer can emit what no edit changed exactly as read.

Objects are frozen: an edit makes a new object (`ServiceLine.edit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import attrs

# -- values ----------------------------------------------------------------------------------


@attrs.frozen(cache_hash=True)
class DateRange:
    """A date of service: one day (D8) or a range (RD8), both ends inclusive."""

    start: dt.date
    end: dt.date
    # The rules ask each line's days over and over; worked out once per range object.
    _each_day: frozenset[dt.date] | None = attrs.field(default=None, init=False, eq=False, hash=False, repr=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def each_day(self) -> frozenset[dt.date]:
        """The days of the range."""
        found = self._each_day
        if found is None:
            start = self.start
            found = frozenset((start,)) if self.end == start else frozenset(start + dt.timedelta(days=i) for i in range(self.days))
            object.__setattr__(self, "_each_day", found)
        return found

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


@attrs.frozen
class Procedure:
    """SV101 (837P) or SV202 (837I): qualifier, code, up to four modifiers, description."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...]
    description: str

    @property
    def is_cpt(self) -> bool:
        """All digits: a CPT (Level I) code, such as an administration; drugs are HCPCS Level II (J1459)."""
        return _digits(self.code)


@attrs.frozen
class Drug:
    """2410 drug identification: the NDC (LIN*N4) and the quantity given (CTP04, CTP05-1)."""

    ndc: str | None
    quantity: Decimal | None
    unit: str | None

    @property
    def ndc_is_11_digits(self) -> bool:
        """The NDC as a claim must carry it: 5-4-2, leading zeros kept, no hyphens."""
        return self.ndc is not None and len(self.ndc) == 11 and _digits(self.ndc)


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
    """One transaction (ST..SE): its kind, control numbers, submitter (1000A) and receiver (1000B)."""

    kind: str
    version: str
    control_number: str  # ST02
    interchange_control_number: str  # ISA13
    reference_id: str  # BHT03, the submitter's name for the batch
    submitter: Party | None
    receiver: Party | None


@attrs.frozen
class BillingProvider:
    """2000A: who bills; `npi` when NM108 is XX."""

    hl_id: str
    name: Party

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


# -- claim and lines -------------------------------------------------------------------------


@attrs.frozen
class ServiceLine:
    """One 2400 loop, with its 2410 drug.

    `edit` (and the `with_*` shorthands) is how a fix changes a line: the
    writer writes each of those fields (and the diagnosis pointers) that an
    edit gave a value, and the rest of the line as read.
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
    # What already priced or paid this line as billed: repricing (HCP) or another payer (2430 SVD).
    priced_by: str | None
    # The amounts and quantities on the line that the fields above do not hold (AMT, QTY, PS1,
    # CN1, HCP, SVD, CAS, ...), by element name: a fix cannot divide what it does not know.
    other_amounts: tuple[str, ...]
    origin: object = attrs.field(eq=False, repr=False)  # where it was read from; only the writer looks inside

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
        """Change the code, the modifiers (all four slots), the description."""
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
        """A copy with the given fields changed (None: as it is); a line without a drug keeps none.

        It keeps the origin and copies every field it does not change: edits
        compose (a split edits a line, then each day's copy), and the writer
        writes the fields of the end result that are not the values read.
        """
        drug = self.drug
        if drug_quantity is not None and drug is not None:
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
            priced_by=self.priced_by,
            other_amounts=self.other_amounts,
            origin=self.origin,
        )


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
    transaction: TransactionInfo
    billing_provider: BillingProvider
    subscriber: Subscriber
    patient: Patient | None  # None when the subscriber is the patient
    number: int  # segment number of CLM in the file (ISA = 1): where messages say it is
    origin: object = attrs.field(eq=False, repr=False)  # where it was read from; only the writer looks inside

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

    def with_lines(self, lines: Sequence[ServiceLine]) -> Claim:
        return attrs.evolve(self, lines=tuple(lines))


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


def format_number(value: Decimal) -> str:
    """An amount as X12 writes it and messages show it: no exponent, no trailing zeros after the point (23800, 4760.5)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _digits(text: str) -> bool:
    """One or more of 0-9 (str.isdigit alone also takes '²' and '³')."""
    return text.isascii() and text.isdigit()
