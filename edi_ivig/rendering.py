"""An edited claim back to segments: what changed rewritten, the rest as read.

A line is rendered from its origin (`mapping.LineOrigin`): each field an edit
gave a value (`ServiceLine.edit`, and the diagnosis pointers) is written into
the element that holds it; every other element, segment and line break stays
as read, so an unchanged line comes out byte for byte. A field an edit gave a
value is one that is not the very object read (edits copy what they do not
change): a value equal to the one read is still written, in the form X12
writes it (0 for a CTP04 of 000, as a split of it makes each day). The writer and the conservation check both use it, so what
is checked is what is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from edi_ivig.mapping import ClaimOrigin, LineOrigin
from edi_ivig.model import Claim, DateRange, Procedure, ServiceLine, format_number
from edi_ivig.x12.delimiters import Delimiters
from edi_ivig.x12.segment import Segment


def render_claim(claim: Claim) -> tuple[str, int]:
    """The text of an edited claim and its number of segments, its LX renumbered 1..n."""
    origin = claim_origin(claim)
    d = origin.delimiters
    rendered = [segment.render(d) for segment in origin.header]
    for number, line in enumerate(claim.lines, start=1):
        lx, *rest = line_segments(line)
        _rendered.pop(id(line), None)  # written: the last time it is asked for
        rendered.append(lx.with_element(1, str(number)).render(d))
        rendered.extend(segment.render(d) for segment in rest)
    return "".join(rendered), len(rendered)


def header_segments(claim: Claim) -> tuple[Segment, ...]:
    """CLM through the segment before the first LX, as the writer writes them: as read."""
    return claim_origin(claim).header


# The conservation check and then the writer ask for the same edited lines, one claim at a
# time: each edited line is rendered once and kept (by identity) until the writer has it.
_rendered: dict[int, tuple[ServiceLine, tuple[Segment, ...]]] = {}
_KEEP_AT_MOST = 1024  # lines; what a claim checked but not written (check mode, a refused fix) leaves


def line_segments(line: ServiceLine) -> tuple[Segment, ...]:
    """The segments of a line as the writer writes them (LX01 as read)."""
    kept = _rendered.get(id(line))
    if kept is not None and kept[0] is line:
        return kept[1]
    origin = line.origin
    assert isinstance(origin, LineOrigin), "a line the mapping did not make has no segments to start from"
    segments = _render(line, origin)
    if segments is not origin.segments:
        if len(_rendered) >= _KEEP_AT_MOST:
            _rendered.clear()
        _rendered[id(line)] = (line, segments)
    return segments


def _render(line: ServiceLine, origin: LineOrigin) -> tuple[Segment, ...]:
    read, segments = origin.read, origin.segments
    service = _service_elements(line, read, segments[1].id, origin.delimiters)
    changes: dict[int, dict[int, str]] = {1: service} if service else {}
    if line.date is not read.date:
        changes[_at(origin.date_at, "date of service (DTP*472)")] = _date_elements(line.date)
    if line.control_number is not read.control_number:
        changes[_at(origin.control_at, "control number (REF*6R)")] = {2: line.control_number or ""}
    quantity, quantity_read = (line.drug.quantity if line.drug else None), (read.drug.quantity if read.drug else None)
    if quantity is not quantity_read:
        changes[_at(origin.quantity_at, "drug quantity (2410 CTP)")] = {4: _number(quantity)}
    if not changes:
        return segments
    edited = list(segments)
    for at, values in changes.items():
        edited[at] = edited[at].with_elements(values)
    return tuple(edited)


def claim_origin(claim: Claim) -> ClaimOrigin:
    assert isinstance(claim.origin, ClaimOrigin), "a claim the mapping did not make has no segments to start from"
    return claim.origin


def _service_elements(line: ServiceLine, read: ServiceLine, sid: str, d: Delimiters) -> dict[int, str]:
    """The SV1 (837P) or SV2 (837I) elements of the fields an edit gave a value, by position."""
    offset = 0 if sid == "SV1" else 1
    elements = {}
    if line.procedure is not read.procedure:
        elements[1 + offset] = _composite(line.procedure, d)
    if line.charge is not read.charge:
        elements[2 + offset] = format_number(line.charge)
    if line.unit_basis is not read.unit_basis:
        elements[3 + offset] = line.unit_basis
    if line.units is not read.units:
        elements[4 + offset] = _number(line.units)
    if line.non_covered is not read.non_covered:
        if sid == "SV1":
            raise ValueError("an 837P line (SV1) has no non-covered amount")
        elements[7] = _number(line.non_covered)
    if line.diagnosis_pointers is not read.diagnosis_pointers:
        if sid == "SV2":
            raise ValueError("an 837I line (SV2) has no diagnosis pointers")
        elements[7] = d.component.join(str(p) for p in line.diagnosis_pointers)
    return elements


def _composite(procedure: Procedure, d: Delimiters) -> str:
    """SV101 / SV202 text: modifiers in the first slots, trailing empty components dropped."""
    p = procedure
    parts = [p.qualifier, p.code, *p.modifiers, *[""] * (4 - len(p.modifiers)), p.description]
    while parts and not parts[-1]:
        parts.pop()
    return d.component.join(parts)


def _date_elements(dates: DateRange | None) -> dict[int, str]:
    if dates is None:
        raise ValueError("a line's date of service can be changed, not removed")
    start = _ccyymmdd(dates.start)
    return {2: "RD8", 3: f"{start}-{_ccyymmdd(dates.end)}"} if dates.is_range else {2: "D8", 3: start}


def _at(position: int | None, what: str) -> int:
    if position is None:
        raise ValueError(f"the line has no {what} to change")
    return position


def _number(value: Decimal | None) -> str:
    return "" if value is None else format_number(value)


def _ccyymmdd(day: dt.date) -> str:
    return day.isoformat().replace("-", "")  # four-digit year, as CCYYMMDD needs
