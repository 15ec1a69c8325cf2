"""IG11: units of one drug within the medically unlikely edit (MUE) or the payer's own limit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import attrs

from edi_ivig.model import Claim, ServiceLine, format_number
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import days
from edi_ivig.rules.lines import drug_lines
from edi_ivig.rules.messages import describe
from edi_ivig.rules.setting import setting
from edi_ivig.settings import Settings

# What a payer's reviewer may do about an MUE denial, by adjudication indicator (CMS NCCI MUE page).
ADJUDICATION = {
    1: "MAI 1: per claim line",
    2: "MAI 2: per day, by policy, not appealable",
    3: "MAI 3: per day, clinical, may be appealed with the medical record",
}


@attrs.frozen
class Limit:
    units: int
    per_line: bool
    said: str  # how the message names the limit and its source


class DailyMaximum(Rule):
    id = "IG11"
    title = "Units within the medically unlikely edit"
    policy = (
        "Units of service of a drug code above its medically unlikely edit (MUE) are denied: per claim line"
        " where the MUE adjudication indicator is 1, per date of service where it is 2 or 3. MUEs became"
        " prepayment edits on immune globulin codes after the OIG's overpayment findings."
    )
    source = (
        "CMS NCCI MUE tables, practitioner and outpatient hospital, effective 2026-04-01"
        " (config/mue_immune_globulin.csv); a payer's own limits in options.daily_maximum"
    )
    applies_to = "Medicare (option mue): 837P, 837I outpatient bills; not inpatient bills, not DME suppliers; option daily_maximum (Q2052 once a day): any claim"
    severity = "warning"
    example = "J1561 at 400 units on one day on an 837P to Medicare (MUE 360 per day, MAI 3)"
    __doc__ = f"""{title}.

    ## What it checks

    The units of one immune globulin code against its MUE for the claim's setting (the
    practitioner table for 837P; the outpatient hospital table for 837I, but not inpatient types
    of bill, which are paid per stay: option inpatient_bill_types, 11x, 18x and 21x by
    default): each line's units where the MUE is per line (MAI 1), else the units on one date of
    service summed over the claim's lines, a line over a range counting its units evenly per
    day. The message says what the adjudication indicator allows (MAI 3: may be appealed).
    Which payers: option mue ("medicare": SBR09 MA or MB). A payer's own limit in
    options.daily_maximum, each with its source, wins over the MUE for its code and applies to
    any payer; a code there need not be a drug: by default Q2052, the services and supplies of
    Medicare's home IVIG benefit, once per infusion date (A52509). No MUE on a DME supplier's
    claim (CMS's DME supplier table is not shipped).

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    No fix: the dose is the prescriber's; units above an MAI 3 edit may be paid on appeal with
    the medical record.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        per_day: dict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
        first: dict[tuple[str, dt.date], ServiceLine] = {}
        limits: dict[str, Limit | None] = {}  # each code's limit, worked out once per claim
        drug_ids = {id(drug.line) for drug in drug_lines(claim, ctx)}
        own_limits = ctx.settings.daily_maximum
        for line in (line for line in claim.lines if id(line) in drug_ids or line.procedure.code in own_limits):
            code = line.procedure.code
            if code not in limits:
                limits[code] = _limit(code, claim, ctx)
            limit = limits[code]
            if limit is None or line.units is None:
                continue
            if limit.per_line:
                if line.units > limit.units:
                    yield Problem(f"{describe(line)}: {format_number(line.units)} units on the line, over {limit.said}", line)
                continue
            covered = days(line, claim)
            for day in covered:
                per_day[(code, day)] += line.units / len(covered)
                first.setdefault((code, day), line)
        for (code, day), total in sorted(per_day.items()):
            limit = limits[code]
            assert limit is not None
            if total > limit.units:
                yield Problem(
                    f"{code} on {day.isoformat()}: {format_number(total)} units in the day, over {limit.said}",
                    first[(code, day)],
                )


def _limit(code: str, claim: Claim, ctx: Context) -> Limit | None:
    own = ctx.settings.daily_maximum.get(code)
    if own:
        return Limit(own["units"], False, f"the maximum of {own['units']} ({own['source']})")
    if not _mue_applies(claim, ctx.settings):
        return None
    mue = ctx.reference.mue(code, "practitioner" if claim.kind == "837P" else "outpatient_hospital")
    if mue is None:
        return None
    per = "per line" if mue.per_line else "a day"
    return Limit(mue.units, mue.per_line, f"the medically unlikely edit of {mue.units} {per} ({mue.source}; {ADJUDICATION[mue.mai]})")


def _mue_applies(claim: Claim, settings: Settings) -> bool:
    where = setting(claim, settings)
    if where.inpatient or where.dme:  # CMS's DME supplier MUE table is not shipped
        return False
    if settings.mue != "medicare":
        return settings.mue == "always"
    return where.medicare
