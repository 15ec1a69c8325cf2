"""The conservation check: what a claim billed before its fixes, it bills after.

It runs once per claim a fix changed, between the fixes and the writer, and
compares the claim as fixed with the claim as read. It sums the amounts in the
segments that would be written (`rendering.line_segments`, what the writer
writes), not what a rule meant to do, so a rule that copies an amount onto
every day of a split, drops a line or points at a diagnosis that is not there
is caught here whatever the rule. (Days, codes, units and pointers come from
the model, which the writer writes as they are; tests/test_model.py checks
that.) A claim that fails is sent as read (`Pipeline.process`), with an error
saying what would not have been conserved.

What must hold, for each billed line and the lines it became:
every amount and quantity (`line_amounts.AMOUNT_ELEMENTS`) adds up to the same,
to the cent or unit; the days billed are the same; the units add up to the same,
or the drug amount (units x the code's descriptor unit) does, or a unit fix set
each line's units to its 2410 CTP dose; diagnosis pointers point at diagnoses
that exist. For the claim: its header (CLM01, CLM02, diagnoses) and who it is
for and from are unchanged, the line charges add up to what they did, and the
lines fit the claim type's limit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from edi_ivig.elements import amount
from edi_ivig.line_amounts import AMOUNT_ELEMENTS, UNITS, element_name
from edi_ivig.model import Claim, ServiceLine, format_number
from edi_ivig.reference import UNCLASSIFIED_DRUG_CODES, Reference
from edi_ivig.rendering import header_segments, line_segments
from edi_ivig.rules.days import days, service_date
from edi_ivig.rules.doses import billing_units, grams_given
from edi_ivig.rules.lines import MAX_LINES
from edi_ivig.settings import Settings


def violations(before: Claim, after: Claim, reference: Reference, settings: Settings) -> list[str]:
    """What the fixed claim does not conserve of the claim as read, in words; empty when all holds."""
    found = _identity(before, after)
    if sum(line.charge for line in after.lines) != sum(line.charge for line in before.lines):
        found.append(
            f"the line charges add up to {format_number(sum(ln.charge for ln in after.lines))},"
            f" not {format_number(sum(ln.charge for ln in before.lines))} as billed"
        )
    limit = max(MAX_LINES[before.kind], len(before.lines))
    if len(after.lines) > limit:
        found.append(f"{len(after.lines)} service lines, over the {before.kind} limit of {MAX_LINES[before.kind]}")
    old, new = _by_billed_line(before.lines), _by_billed_line(after.lines)
    for position in sorted(old.keys() | new.keys()):
        lines_before, lines_after = old.get(position, []), new.get(position, [])
        where = f"line {(lines_before or lines_after)[0].number}"
        if not lines_after:
            found.append(f"{where} would be dropped")
            continue
        if not lines_before:
            found.append(f"{where} would be added (a line number that was not billed)")
            continue
        found += [f"{where}: {what}" for what in _line_violations(lines_before, lines_after, before, after, reference, settings)]
    return found


# What the claim header says; the writer writes the header as read, so none of it may change.
HEADER = ("id", "charge", "facility_code", "facility_qualifier", "frequency", "diagnoses", "dates")


def _identity(before: Claim, after: Claim) -> list[str]:
    found = []
    header_before, header_after = header_segments(before), header_segments(after)
    if (
        any(getattr(after, name) != getattr(before, name) for name in HEADER)
        or [s.elements for s in header_after] != [s.elements for s in header_before]
    ):
        found.append("the claim header (CLM through the segment before the first LX) would change")
    for name in ("transaction", "billing_provider", "subscriber", "patient"):
        if getattr(after, name) is not getattr(before, name) and getattr(after, name) != getattr(before, name):
            found.append(f"the claim's {name.replace('_', ' ')} would change")
    return found


def _by_billed_line(lines: Iterable[ServiceLine]) -> dict[int, list[ServiceLine]]:
    """Lines by the billed line they came from: an edit keeps the position of the line it edits."""
    groups: dict[int, list[ServiceLine]] = defaultdict(list)
    for line in lines:
        groups[line.position].append(line)
    return groups


def _line_violations(
    before: Sequence[ServiceLine], after: Sequence[ServiceLine], claim_before: Claim, claim_after: Claim,
    reference: Reference, settings: Settings,
) -> list[str]:
    found = []
    totals_before, totals_after = _amounts(before), _amounts(after)
    for key in sorted(totals_before.keys() | totals_after.keys(), key=str):
        if key[0] in UNITS:
            continue
        was, now = totals_before.get(key, (ZERO, NO_TEXTS)), totals_after.get(key, (ZERO, NO_TEXTS))
        if was != now:
            found.append(f"{element_name(*key[0], key[1])} would add up to {_shown(now)}, not {_shown(was)} as billed")
    units = _units_violation(before, after, claim_before, claim_after, reference, settings)
    if units:
        found.append(units)
    days_before, days_after = _days(before, claim_before), _days(after, claim_after)
    if days_after != days_before:
        found.append(f"the days billed would be {_span(days_after)}, not {_span(days_before)}")
    diagnoses, as_billed = len(claim_after.diagnoses), {line.diagnosis_pointers for line in before}
    for line in after:
        stray = [p for p in line.diagnosis_pointers if not 1 <= p <= diagnoses]
        if stray and line.diagnosis_pointers not in as_billed:
            found.append(f"diagnosis pointer {stray[0]} would point at no diagnosis (the claim has {diagnoses})")
            break
    return found


ZERO, NO_TEXTS = Decimal(0), Counter[str]()


def _amounts(lines: Iterable[ServiceLine]) -> dict[tuple[tuple[str, int], str], tuple[Decimal, Counter[str]]]:
    """Each amount element's total over the lines, keyed by (segment id, position) and qualifier;
    texts that are not numbers are counted, so they too must be carried over as they were."""
    totals: dict[tuple[tuple[str, int], str], tuple[Decimal, Counter[str]]] = {}
    for line in lines:
        for segment in line_segments(line)[1:]:
            elements = segment.elements
            qualified = AMOUNT_ELEMENTS.get(elements[0])
            if qualified is None:
                continue
            qualifier_at, positions = qualified
            count = len(elements)
            qualifier = (elements[qualifier_at] if qualifier_at < count else "") if qualifier_at else ""
            for position in positions:
                text = elements[position] if position < count else ""
                if not text:
                    continue
                key = ((elements[0], position), qualifier)
                value = amount(text)
                total, texts = totals.get(key) or (ZERO, NO_TEXTS)
                totals[key] = (total + value, texts) if value is not None else (total, texts + Counter([text]))
    return totals


def _shown(value: tuple[Decimal, Counter[str]] | Decimal) -> str:
    total, texts = value if isinstance(value, tuple) else (value, Counter())
    extra = sum(texts.values())
    return format_number(total) + (f" and {extra} value(s) that are not numbers" if extra else "")


def _units_violation(
    before: Sequence[ServiceLine], after: Sequence[ServiceLine], claim_before: Claim, claim_after: Claim,
    reference: Reference, settings: Settings,
) -> str | None:
    """None when the units are conserved: the same total under the same code and basis, the
    same drug amount, or each line's units either set to its CTP dose (a unit fix) or its days'
    share of the units billed, under the code and basis billed (a split)."""
    units_before, units_after = _total_units(before), _total_units(after)
    same_billing = {(ln.procedure.code, ln.unit_basis) for ln in before} == {(ln.procedure.code, ln.unit_basis) for ln in after}
    if same_billing and units_before == units_after:
        return None
    amount_before = _drug_amount(before, claim_before, reference, settings)
    if amount_before is not None and amount_before == _drug_amount(after, claim_after, reference, settings):
        return None
    share = _units_per_day(before, claim_before)
    if all(
        _dose_units(line, claim_after, reference, settings) == line.units  # a unit fix: the CTP dose
        or (share is not None and _billed_as(line, before) and line.units == share * len(days(line, claim_after)))
        for line in after
    ):
        return None
    if len(before) == len(after) == 1 and amount_before is not None:
        # a recode without a CTP: the amount billed, in whole units of the new code
        line = after[0]
        unit_mg = _unit_mg(line, claim_after, reference, settings)
        if unit_mg and line.units == billing_units(amount_before / 1000, unit_mg, waste=_is_waste(line)):
            return None
    return (
        f"the units would add up to {_shown(units_after)}, not {_shown(units_before)} as billed, and they are"
        " neither the same amount of drug nor the dose in the 2410 CTP"
    )


def _units_per_day(lines: Sequence[ServiceLine], claim: Claim) -> Decimal | None:
    count = len(_days(lines, claim))
    return _total_units(lines) / count if count else None


def _billed_as(line: ServiceLine, before: Sequence[ServiceLine]) -> bool:
    return any(b.procedure.code == line.procedure.code and b.unit_basis == line.unit_basis for b in before)


def _total_units(lines: Iterable[ServiceLine]) -> Decimal:
    return sum((line.units or Decimal(0) for line in lines), Decimal(0))


def _unit_mg(line: ServiceLine, claim: Claim, reference: Reference, settings: Settings) -> int | None:
    """The code's descriptor unit on the line's date; for a code billed outside its dates, the
    unit all its rows agree on (what the line as billed stood for); for a CPT product code the
    payer takes, the unit the config gives it."""
    taken = settings.immune_globulin_cpt_codes.get(line.procedure.code)
    if taken:
        return taken["unit_mg"]
    code = reference.code(line.procedure.code, service_date(line, claim))
    if code is not None:
        return code.unit_mg
    units = {row.unit_mg for row in reference.rows(line.procedure.code)}
    return units.pop() if len(units) == 1 else None


def _drug_amount(lines: Iterable[ServiceLine], claim: Claim, reference: Reference, settings: Settings) -> Decimal | None:
    """Milligrams the lines bill (units x descriptor unit), when every line is a drug billed in units."""
    total = Decimal(0)
    for line in lines:
        unit_mg = _unit_mg(line, claim, reference, settings)
        if unit_mg is None or line.units is None or line.unit_basis != "UN":
            return None
        total += line.units * unit_mg
    return total


def _dose_units(line: ServiceLine, claim: Claim, reference: Reference, settings: Settings) -> Decimal | None:
    """The units the line's 2410 CTP dose comes to under its code, when that can be known."""
    if line.unit_basis != "UN":
        return None
    product = reference.ndc(line.drug.ndc if line.drug else None)
    grams = grams_given(line, product)
    if grams is None:
        return None
    unit_mg = _unit_mg(line, claim, reference, settings)
    if line.procedure.code in UNCLASSIFIED_DRUG_CODES:
        if settings.noc_units == "one":
            return Decimal(1)
        own = reference.specific_code(product, service_date(line, claim)) if product else None
        unit_mg = own.unit_mg if own else None
    if unit_mg is None:
        return None
    return Decimal(billing_units(grams, unit_mg, waste=_is_waste(line)))


def _is_waste(line: ServiceLine) -> bool:
    return "JW" in line.procedure.modifiers


def _days(lines: Iterable[ServiceLine], claim: Claim) -> frozenset[dt.date]:
    return frozenset().union(*(days(line, claim) for line in lines))


def _span(days: frozenset[dt.date]) -> str:
    if not days:
        return "none"
    first, last = min(days), max(days)
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()} ({len(days)} days)"
