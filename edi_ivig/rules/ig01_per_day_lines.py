"""IG01: each day's immune globulin dose on its own line with its own date."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from decimal import Decimal

from edi_ivig.model import Claim, DateRange, ServiceLine, format_number
from edi_ivig.rules.base import Context, Problem, ReplaceLine, Rule
from edi_ivig.rules.doses import daily_doses_stated, line_grams, stated_daily_grams
from edi_ivig.rules.lines import MAX_LINES, DrugLine, drug_lines, is_administration
from edi_ivig.rules.messages import describe
from edi_ivig.rules.setting import setting


class PerDayLines(Rule):
    id = "IG01"
    title = "One line per day for immune globulin given over several days"
    policy = (
        "When administering IVIG to patients over continuous days, providers should report each day's"
        " dosage on a separate line of coding, using the appropriate date of service with the units"
        " reported in the NOS field of the claim form."
    )
    source = "CMS MAC Billing and Coding article A59105, Off-Label Use of IVIG (seed 000); line dates by type of bill: X12 RFI 1435 quoting the UB-04 manual (POLICY-REVIEW R5)"
    applies_to = "837P; 837I bills whose lines carry dates (option line_date_bill_types), not inpatient bills"
    severity = "error"
    fix = "unsafe"
    example = (
        "J1459 280 units, 23800.00, DTP*472*RD8*20261005-20261009 becomes five lines of 56 units and"
        " 4760.00 with DTP*472*D8 for each day; the 96365/96366 lines over the same days are split too"
    )
    __doc__ = f"""{title}.

    ## What it checks

    An immune globulin drug line, or an administration line on a claim with one, whose DTP*472
    is a date range (RD8) of several days; on an 837I, a drug line with no date of its own on a
    multi-day statement period (flagged: which day is which is not on the claim), or on a
    one-day one (flagged too: Medicare asks for every line's date on these bills). On 837I only
    the types of bill whose every line carries its date (option line_date_bill_types, Medicare's
    list: outpatient, SNF Part B, home health, clinic, CAH and others): an inpatient bill (11x,
    18x, 21x, 41x) has no line dates in the TR3, so neither of these applies to it.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Each such line becomes one line per day (D8), with units, charge, the 837I non-covered
    amount (SV207) and 2410 CTP quantity divided exactly (cents and remainders to the first
    days, so the parts add up to the original), REF*6R made unique (-1, -2, ...), everything
    else copied; the writer renumbers LX and recounts SE01. The split is all or nothing for a
    claim, so drug and administration lines stay in step.

    Unsafe: dividing evenly asserts that each day's dose was the same, which the claim does not
    say; loading regimens are not even (POLICY-REVIEW R6, MCPM ch. 17 section 10). So the message
    says to confirm each day's dose in the infusion record, and `fix` applies it only with
    `--unsafe-fixes` or where a submitter or payer section of the config says the protocol is
    equal daily doses: `[submitter."ID".rules.IG01] fix = "always"` (or `[payer."ID"...]`, as
    fixtures/demo/payers.toml does for the demo).

    Safe, and applied by `fix`, where the claim itself says so: every drug line split states
    its daily dose in an NTE or its narrative ("10 G DAILY", "0.4 GM/DAY") and that dose times
    the days is what the line bills, and every administration line split bills one a day.

    No fix (the error says why), whatever the config, when a drug line states daily doses an
    even split would contradict (another amount, or several: a loading dose); nor when units do
    not divide into whole units per day, when an
    initial-infusion line over the same days does not show one infusion a day, when a line
    carries repricing (HCP), another amount or quantity (AMT, QTY, PS1, CN1, CAS;
    `edi_ivig.line_amounts`) or another payer's adjudication (SVD), or when the claim would
    exceed 50 (837P) / 999 (837I) lines.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        drugs = drug_lines(claim, ctx)
        if not drugs:
            return
        drug_ids = {id(d.line) for d in drugs}
        if claim.kind == "837I":
            if not setting(claim, ctx.settings).line_dates_required:
                return  # an inpatient bill has no line dates (TR3), nor a line per day
            yield from self._undated(claim, drugs)
        ranged = [
            line for line in claim.lines
            if line.date is not None and line.date.is_range
            and (id(line) in drug_ids or is_administration(line, ctx.reference))
        ]
        if not ranged:
            return
        by_line = {id(d.line): d for d in drugs}
        reasons = {id(line): self._why_not(line, claim, ctx) or _dose_said_otherwise(by_line.get(id(line))) for line in ranged}
        other = next((r for r in reasons.values() if r), None)
        total = len(claim.lines) - len(ranged) + sum(line.date.days for line in ranged)  # type: ignore[union-attr]
        too_many = (
            f"the claim would have {total} lines, over the {claim.kind} limit of {MAX_LINES[claim.kind]}"
            if total > MAX_LINES[claim.kind] else None
        )
        taken = self._control_numbers(claim)
        stated = _stated_each_day(ranged, {id(d.line): d for d in drugs})
        for line in ranged:
            days = line.date.days  # type: ignore[union-attr]
            what = "the dose" if id(line) in drug_ids else "the administration"
            message = f"{describe(line)}: {days} days on one line; {what} of each day goes on its own line with that date"
            because = reasons[id(line)] or too_many or (
                f"the claim's other multi-day lines cannot be split ({other})" if other else None
            )
            if because:
                yield Problem(f"{message}. Not split: {because}", line)
            elif stated:
                said = "the line states its daily dose" if id(line) in drug_ids else "the line bills one a day"
                yield Problem(f"{message}; {said}", line, ReplaceLine(line, make=functools.partial(_split, line, taken)), safety="safe")
            else:
                assumed = f"splitting it evenly assumes {what} was the same each day: confirm it day by day in the infusion record"
                yield Problem(f"{message}; {assumed}", line, ReplaceLine(line, make=functools.partial(_split, line, taken)))

    def _undated(self, claim: Claim, drugs: list) -> Iterator[Problem]:  # type: ignore[type-arg]
        period = claim.statement_period
        for drug in drugs:
            if drug.line.date is not None:
                continue
            if period is not None and period.is_range:
                said = f"the statement period covers {period.days} days; give each day's dose its own line with its date"
            else:
                said = "on this type of bill every line carries its date of service; add the day the dose was given"
            yield Problem(f"{describe(drug.line)} has no date of service (DTP*472) and {said}", drug.line)

    def _why_not(self, line: ServiceLine, claim: Claim, ctx: Context) -> str | None:
        days = line.date.days  # type: ignore[union-attr]
        if line.units is None:
            return "the line has no units"
        if line.units % days or line.units <= 0:
            return f"{format_number(line.units)} units do not divide into {days} days of whole units"
        if line.priced_by:
            return f"the line carries {line.priced_by}; split it by hand"
        if line.other_amounts:
            return f"the line carries {', '.join(line.other_amounts)}, which a split would have to divide; split it by hand"
        for other in claim.lines:
            if (
                other.date == line.date
                and ctx.reference.group(other.procedure.code) in ("iv_initial", "sc_initial")
                and other.units != days
            ):
                count = format_number(other.units) if other.units is not None else "no"
                return f"{other.procedure.code} shows {count} initial infusions over these {days} days, so the days given are not known"
        return None

    @staticmethod
    def _control_numbers(claim: Claim) -> set[str]:
        return {line.control_number for line in claim.lines if line.control_number}


def _dose_said_otherwise(drug: DrugLine | None) -> str | None:
    """Why no split, even where the config applies it: the line itself gives daily doses that an
    even split would contradict (another amount, or several: a loading dose)."""
    if drug is None:
        return None
    stated, grams = daily_doses_stated(drug.line), line_grams(drug)
    days = drug.line.date.days  # type: ignore[union-attr]
    if not stated or (len(stated) == 1 and grams is not None and next(iter(stated)) * days == grams):
        return None
    said = " and ".join(f"{format_number(g)} g" for g in sorted(stated))
    return f"the line states a daily dose of {said}, which an even split of what it bills over {days} days would contradict; give each day's dose its own line by hand"


def _stated_each_day(ranged: list[ServiceLine], drugs: dict[int, DrugLine]) -> bool:
    """Whether the claim itself gives each day's share of every line to split: a drug line states a
    daily dose that, times its days, is what it bills; an administration line bills one a day."""
    for line in ranged:
        days = line.date.days  # type: ignore[union-attr]
        drug = drugs.get(id(line))
        if drug is None:
            if line.units != days:
                return False
            continue
        daily, grams = stated_daily_grams(line), line_grams(drug)
        if daily is None or grams is None or daily * days != grams:
            return False
    return True


def _split(line: ServiceLine, taken: set[str]) -> Iterator[ServiceLine]:
    dates = line.date
    assert dates is not None and line.units is not None
    days = [dates.start + dt.timedelta(days=i) for i in range(dates.days)]
    units = line.units / len(days)
    charges = _divide(line.charge, len(days))
    quantities = _divide(line.drug.quantity, len(days)) if line.drug and line.drug.quantity is not None else None
    non_covered = _divide(line.non_covered, len(days)) if line.non_covered is not None else None
    # Most days share units, charge and amounts: edit those once, then each day's own parts.
    base = line.edit(
        units=units, charge=charges[-1], drug_quantity=quantities[-1] if quantities else None,
        non_covered=non_covered[-1] if non_covered else None,
    )
    for index, day in enumerate(days):
        yield base.edit(
            dates=DateRange(day, day),
            charge=charges[index] if charges[index] != base.charge else None,
            drug_quantity=quantities[index] if quantities and quantities[index] != quantities[-1] else None,
            non_covered=non_covered[index] if non_covered and non_covered[index] != non_covered[-1] else None,
            control_number=_unique(line.control_number, index + 1, taken) if line.control_number else None,
        )


def _divide(amount: Decimal, parts: int) -> list[Decimal]:
    """Split an amount into `parts` that add up to it exactly, at its own precision
    (at least cents): the remainder goes, one smallest step each, to the first parts."""
    exponent = min(amount.as_tuple().exponent, -2) if isinstance(amount.as_tuple().exponent, int) else -2
    step = Decimal(1).scaleb(exponent)
    steps = int(amount / step)
    base, remainder = divmod(steps, parts)
    return [(base + (1 if i < remainder else 0)) * step for i in range(parts)]


def _unique(control: str, index: int, taken: set[str]) -> str:
    """A REF*6R for the index-th new line: the original with -index, kept within 50 characters."""
    suffix = f"-{index}"
    candidate = control[: 50 - len(suffix)] + suffix
    while candidate in taken:
        suffix += "A"
        candidate = control[: 50 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate

