"""The 277CA claim acknowledgment (005010X214): what happened to each claim.

One 277CA interchange per input interchange, one transaction per input 837
transaction: 2000A the information source (edi-ivig, from config
[acknowledgment]), 2000B the receiver (the 837's submitter, 1000A) with the
totals accepted and rejected, 2000C per billing provider (2000A of the 837)
with its totals, 2000D per claim: TRN*2*CLM01, STC (A2:20 accepted, with the
changes named in STC12; a held claim U with the status codes of its errors),
REF*D9 when the 837 carries one, REF*BLT for an 837I, DTP*472; for a held
claim, 2220D SVC/STC/REF*FJ for each line with an error.

Dates and control numbers come from the 837 (its GS date, ISA13, ST02), not
from the clock, so processing the same file twice gives the same 277CA.
Totals come before the claims they count, so each transaction is spooled
(bounded memory) until its SE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import BinaryIO

import attrs

from edi_ivig.elements import amount
from edi_ivig.errors import UnreadableInput
from edi_ivig.mapping import billing_provider, loop_party, summarize, transaction_info
from edi_ivig.model import ClaimSummary, DateRange, ServiceLine, format_number
from edi_ivig.pipeline import ClaimResult, FileResult
from edi_ivig.reader import (
    Loop,
    Part,
    Passthrough,
    RawClaim,
    Transaction,
    TransactionEnd,
)
from edi_ivig.reports.spool import Spool
from edi_ivig.rules.base import Finding
from edi_ivig.settings import Config
from edi_ivig.x12.delimiters import WHITESPACE, Delimiters
from edi_ivig.x12.segment import is_digits

VERSION = "005010X214"
STC12_LIMIT = 264
# DTP*472 of a claim whose dates cannot be read: X214 requires the segment.
UNKNOWN_DATES = DateRange(dt.date(1970, 1, 1), dt.date(1970, 1, 1))


@attrs.define
class _Totals:
    accepted: int = 0
    rejected: int = 0
    accepted_amount: Decimal = Decimal(0)
    rejected_amount: Decimal = Decimal(0)

    def add(self, amount: Decimal, held: bool) -> None:
        if held:
            self.rejected += 1
            self.rejected_amount += amount
        else:
            self.accepted += 1
            self.accepted_amount += amount


class Ack277:
    """A report (see Pipeline.run) that writes the 277CA to a binary stream."""

    def __init__(self, stream: BinaryIO, config: Config | None = None):
        self._stream = stream
        config = config or Config.load()
        self._codes = config.for_claim(None, None)
        self._source = config.acknowledgment
        self._d: Delimiters | None = None
        self._separator = self._terminator = ""  # of self._d, looked up once: every segment needs them
        self._accepted = ""  # STC01 of an accepted claim
        self._isa: Sequence[str] = ()
        self._gs: Sequence[str] = ()
        self._transactions = 0  # 277 transactions in the open 277 interchange
        self._transaction: Transaction | None = None  # the 837 transaction being acknowledged
        self._provider: Loop | None = None
        self._body = self._block = Spool()
        self._hl = 0
        self._provider_hl = 0
        self._totals = self._provider_totals = _Totals()

    # -- the report protocol ---------------------------------------------------------------

    def part(self, part: Part) -> None:
        if isinstance(part, TransactionEnd):
            self._close_transaction()
        elif isinstance(part, Passthrough) and part.kind == "IEA":
            self._close_interchange()

    def claim(self, raw: RawClaim, result: ClaimResult) -> None:
        if raw.transaction is not self._transaction:
            self._open_transaction(raw)
        if raw.billing_provider is not self._provider:
            self._close_provider()
            self._open_provider(raw)
        summary = _summary(raw)
        self._provider_totals.add(summary.charge, result.held)
        self._totals.add(summary.charge, result.held)
        segments = list(self._claim(raw, result, summary))
        self._block.add("".join(segments), len(segments))

    def finish(self, result: FileResult) -> None:
        self._close_interchange()
        self._stream.flush()

    # -- structure ------------------------------------------------------------------------

    def _open_transaction(self, raw: RawClaim) -> None:
        transaction = raw.transaction
        envelope = transaction.envelope
        if self._d is None:
            self._d = raw.delimiters
            self._separator, self._terminator = self._d.element, self._end
            self._isa, self._gs = envelope.isa, envelope.gs
            self._write(self._isa_segment(), self._gs_segment())
        self._transaction = transaction
        self._provider = None
        self._body, self._totals, self._hl = Spool(), _Totals(), 2
        self._accepted = self._delimiters.component.join(self._codes.status_codes["accepted"].split(":"))

    def _open_provider(self, raw: RawClaim) -> None:
        self._provider = raw.billing_provider
        self._hl += 1
        self._provider_hl = self._hl
        self._block, self._provider_totals = Spool(), _Totals()

    def _close_provider(self) -> None:
        if self._provider is None:
            return
        provider = billing_provider(self._provider)
        t = self._provider_totals
        name = provider.name
        head = [
            self._segment("HL", str(self._provider_hl), "2", "19", "1"),
            self._segment("NM1", "85", _entity_type(self._provider, "85"), name.last_or_organization, name.first,
                          "", "", "", name.id_qualifier or "XX", name.id),
            self._segment("TRN", "1", name.id or "0"),
            self._stc([self._codes.status_codes["received"]], "", "WQ", t.accepted_amount + t.rejected_amount, ""),
            *self._quantities(t, "QA", "QC"),
        ]
        for segment in head:
            self._body.add(segment)
        self._body.extend(self._block)
        self._provider = None

    def _close_transaction(self) -> None:
        if self._transaction is None:
            return
        self._close_provider()
        transaction, date = self._transaction, self._date()
        info = transaction_info(transaction)
        submitter = info.submitter
        bht03 = info.reference_id or transaction.control_number
        t = self._totals
        head = [
            self._segment("ST", "277", transaction.control_number, VERSION),
            self._segment("BHT", "0085", "08", bht03, date, self._time(), "TH"),
            self._segment("HL", "1", "", "20", "1"),
            self._segment("NM1", "PR", "2", self._source["source_name"], "", "", "", "", "46", self._source["source_id"]),
            self._segment("TRN", "1", self._isa[13]),
            self._segment("DTP", "050", "D8", date),
            self._segment("DTP", "009", "D8", date),
            self._segment("HL", "2", "1", "21", "1"),
            self._segment("NM1", "41", _entity_type(transaction.header, "41"),
                          submitter.last_or_organization if submitter else "", submitter.first if submitter else "",
                          "", "", "", "46", submitter.id if submitter else ""),
            self._segment("TRN", "2", bht03),
            self._stc([self._codes.status_codes["received"]], date, "WQ", t.accepted_amount + t.rejected_amount, ""),
            *self._quantities(t, "90", "AA"),
        ]
        self._write(*head)
        for chunk in self._body.drain():
            self._stream.write(chunk.encode("latin-1"))
        self._write(self._segment("SE", str(len(head) + self._body.count + 1), transaction.control_number))
        self._transactions += 1
        self._transaction = None

    def _close_interchange(self) -> None:
        self._close_transaction()
        if self._d is None:
            return
        if self._transactions:
            self._write(self._segment("GE", str(self._transactions), self._gs[6]),
                        self._segment("IEA", "1", self._isa[13]))
        self._d, self._transactions = None, 0

    # -- a claim ----------------------------------------------------------------------------

    def _claim(self, raw: RawClaim, result: ClaimResult, summary: ClaimSummary) -> Iterator[str]:
        self._hl += 1
        yield self._segment("HL", str(self._hl), str(self._provider_hl), "PT")
        yield self._patient_name(raw)
        yield self._segment("TRN", "2", raw.claim_id)
        date = self._date()
        if result.held:
            codes = _unique(f.status_code for f in result.findings if f.severity == "error" and not f.fixed)
            for chunk in _chunks(codes, 3):
                yield self._stc(chunk, date, "U", summary.charge, _text(result))
        elif not result.findings:  # most claims: no STC12
            yield self._segment("STC", self._accepted, date, "WQ", format_number(summary.charge))
        else:
            yield self._stc([self._codes.status_codes["accepted"]], date, "WQ", summary.charge, _text(result))
        if summary.intermediary_id:
            yield self._segment("REF", "D9", summary.intermediary_id)
        if summary.bill_type:
            yield self._segment("REF", "BLT", summary.bill_type)
        yield self._dates(summary.dates or UNKNOWN_DATES)
        if result.held and result.original is not None:
            yield from self._lines(result)

    def _lines(self, result: ClaimResult) -> Iterator[str]:
        assert result.original is not None
        errors: dict[int, list[Finding]] = {}
        for finding in result.findings:
            if finding.severity == "error" and not finding.fixed and finding.line is not None:
                errors.setdefault(finding.line, []).append(finding)
        for line in result.original.lines:
            found = errors.pop(line.number, None)
            if not found:
                continue
            yield self._service(line)
            codes = _unique(f.status_code for f in found)[:3]
            yield self._stc(codes, self._date(), "U", None, "")
            if line.control_number:
                yield self._segment("REF", "FJ", line.control_number)
            if line.date is not None:
                yield self._dates(line.date)

    # -- segments ---------------------------------------------------------------------------

    def _patient_name(self, raw: RawClaim) -> str:
        member = loop_party(raw.subscriber, "IL")
        person = loop_party(raw.patient, "QC") if raw.patient is not None else member
        assert member is not None and person is not None  # the reader refuses a claim without them
        return self._segment("NM1", "QC", "1", person.last_or_organization, person.first, "", "", "", "MI", member.id)

    def _service(self, line: ServiceLine) -> str:
        p, d = line.procedure, self._delimiters
        composite = d.component.join([p.qualifier or "HC", p.code, *p.modifiers]).rstrip(d.component)
        units = format_number(line.units) if line.units is not None else ""
        return self._segment("SVC", composite, format_number(line.charge), "", line.revenue_code or "", "", "", units)

    def _stc(self, codes: Sequence[str], date: str, action: str, amount: Decimal | None, text: str) -> str:
        composites = [self._delimiters.component.join(code.split(":")) for code in codes]
        elements = [composites[0], date, action, format_number(amount) if amount is not None else ""]
        if len(composites) > 1 or text:
            elements += ["", "", "", "", "", *(composites[1:] + ["", ""])[:2], text[:STC12_LIMIT]]
        return self._segment("STC", *elements)

    def _dates(self, dates: DateRange) -> str:
        day = dates.start.isoformat().replace("-", "")  # CCYYMMDD: isoformat's year has four digits
        if dates.is_range:
            return self._segment("DTP", "472", "RD8", f"{day}-{dates.end.isoformat().replace('-', '')}")
        return self._segment("DTP", "472", "D8", day)

    def _quantities(self, t: _Totals, accepted: str, rejected: str) -> list[str]:
        out = []
        if t.accepted:
            out.append(self._segment("QTY", accepted, str(t.accepted)))
        if t.rejected:
            out.append(self._segment("QTY", rejected, str(t.rejected)))
        if t.accepted:
            out.append(self._segment("AMT", "YU", format_number(t.accepted_amount)))
        if t.rejected:
            out.append(self._segment("AMT", "YY", format_number(t.rejected_amount)))
        return out

    def _isa_segment(self) -> str:
        isa = list(self._isa)
        isa[1:5] = ["00", " " * 10, "00", " " * 10]  # never echo the submitter's passwords
        isa[5:9] = [self._isa[7], self._isa[8], self._isa[5], self._isa[6]]
        d = self._delimiters
        isa[11] = d.repetition or next(c for c in "^!|" if c not in (d.element, d.component, d.segment))
        isa[12], isa[14], isa[16] = "00501", "0", d.component
        return d.element.join(isa) + self._end

    def _gs_segment(self) -> str:
        gs = self._gs
        return self._segment("GS", "HN", gs[3], gs[2], gs[4], gs[5], gs[6], "X", VERSION)

    def _segment(self, *elements: str) -> str:
        end = len(elements)
        while end and not elements[end - 1]:
            end -= 1
        return self._separator.join(elements[:end]) + self._terminator

    @property
    def _delimiters(self) -> Delimiters:
        assert self._d is not None
        return self._d

    @property
    def _end(self) -> str:
        terminator = self._delimiters.segment
        return terminator if terminator in "\r\n" else terminator + "\n"

    def _date(self) -> str:
        gs4 = self._gs[4] if len(self._gs) > 4 else ""
        return gs4 if len(gs4) == 8 and is_digits(gs4) else "19700101"

    def _time(self) -> str:
        gs5 = self._gs[5] if len(self._gs) > 5 else ""
        return gs5[:4] if len(gs5) >= 4 and is_digits(gs5[:4]) else "0000"

    def _write(self, *segments: str) -> None:
        self._stream.write("".join(segments).encode("latin-1"))


def _summary(raw: RawClaim) -> ClaimSummary:
    """The claim's summary; for a claim with a malformed date or charge, CLM02 as far as it reads."""
    try:
        return summarize(raw)
    except UnreadableInput:
        elements = raw.pieces[0].strip(WHITESPACE).split(raw.delimiters.element, 3)
        charge = (amount(elements[2]) if len(elements) > 2 else None) or Decimal(0)
        return ClaimSummary(charge, None, "", None)


def _entity_type(loop: Loop, entity: str) -> str:
    d = loop.delimiters
    for piece in loop.pieces:
        elements = piece.strip().split(d.element)
        if elements[0] == "NM1" and len(elements) > 2 and elements[1] == entity:
            return elements[2] or "2"
    return "2"


def _unique(codes: Iterator[str] | Sequence[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _text(result: ClaimResult) -> str:
    """STC12: what edi-ivig did and what is left, by rule (no claim content)."""
    fixed = sorted({f.rule for f in result.findings if f.fixed})
    # a held claim names what held it: its errors, not its warnings
    left = sorted({f.rule for f in result.findings if not f.fixed and (f.severity == "error" or not result.held)})
    parts = []
    if fixed:
        parts.append("CORRECTED " + " ".join(fixed))
    if left:
        parts.append(("HELD FOR " if result.held else "TO REVIEW ") + " ".join(left))
    # plain words only: the text must not hold a delimiter
    return ("EDI-IVIG " + ", ".join(parts)) if parts else ""
