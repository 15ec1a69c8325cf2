"""IG05: JW/JZ on single-dose-container drugs (every immune globulin product is one)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from edi_ivig.model import Claim, format_number
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import service_date
from edi_ivig.rules.edits import add_modifier
from edi_ivig.rules.lines import DrugLine, drug_lines
from edi_ivig.rules.messages import describe
from edi_ivig.rules.setting import Setting, setting
from edi_ivig.settings import Settings

JZ_REQUIRED_FROM = dt.date(2023, 7, 1)
# A DME supplier's drugs, self-administered at home (Joint DME MAC revisions summary, 2025-05-22).
DME_JZ_REQUIRED_FROM = dt.date(2024, 1, 1)


class JwJz(Rule):
    id = "IG05"
    title = "JZ when nothing was discarded, a JW line when something was"
    policy = (
        "JW is required for discarded amounts of single-dose-container drugs; JZ, on the administered"
        " line, when nothing was discarded, for dates of service on or after 2023-07-01. Never JW and JZ"
        " on one line; the discarded amount goes on its own JW line."
    )
    source = (
        "Medicare Claims Processing Manual ch. 17 section 40 (DOMAIN.md 'JW / JZ'); CMS JW/JZ modifier policy FAQ"
        " (settings: POLICY-REVIEW R1, R2); Joint DME MAC revisions summary 2025-05-22 (DME suppliers, R3)"
    )
    applies_to = "Medicare (option jw_jz): 837P Part B, DME suppliers from 2024; 837I Part B outpatient bills (option jw_jz_bill_types), not inpatient, RHC/FQHC, OPPS-packaged codes"
    severity = "error"
    fix = "unsafe"
    example = "J1561 x 56 with neither JZ nor a JW line on 2026-10-05 (Medicare): add JZ if nothing was discarded"
    __doc__ = f"""{title}.

    ## What it checks

    On the immune globulin drug lines of claims that must carry JW/JZ (option jw_jz; by
    default Medicare: 837P with SBR09 MB, 837I with SBR09 MA/MB and a Part B outpatient type of
    bill, option jw_jz_bill_types: 12x, 13x, 14x, 22x/23x, 72x, 83x, 85x; not inpatient 11x, not
    RHC/FQHC 71x/77x), from 2023-07-01, or 2024-01-01 on a DME supplier's claim (a payer marked
    dme_mac): an administered line with neither JZ nor a JW line for the same code and date; JW
    and JZ on one line; JZ while a JW line for the same code and date exists; a JW line under one
    unit, or with no administered line for the same code and date; a JW line billing more than
    the packages the dose needs leave over (given and discarded units over whole packages of the
    NDC, when every line names that one NDC and the table knows its size); JW or JZ on a
    procedure (CPT) line. On an OPPS bill (12x-14x) a code OPPS packages (option
    opps_packaged_codes: J3490, J3590, J7799) is not separately paid, so not checked.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Unsafe: only the provider knows nothing was discarded. Add JZ to an administered line that
    has no JW line. Not when the claim bills waste (JW) under another code that day: that line
    may be this drug's waste billed under the wrong code, so it is flagged. Everything else is
    flagged.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        where = setting(claim, ctx.settings)
        if not _required(claim, where, ctx.settings):
            return
        start = DME_JZ_REQUIRED_FROM if where.dme else JZ_REQUIRED_FROM
        packaged = ctx.settings.opps_packaged_codes if where.bill_type in ctx.settings.opps_bill_types else ()
        every_drug = {id(d.line) for d in drug_lines(claim, ctx)}
        drugs = [d for d in drug_lines(claim, ctx) if _dated_from(d, claim, start) and d.code.code not in packaged]
        for line in claim.lines:
            mods = set(line.procedure.modifiers) & {"JW", "JZ"}
            if mods and line.procedure.is_cpt and id(line) not in every_drug:  # a CPT product code is a drug
                yield Problem(
                    f"{describe(line)}: {'/'.join(sorted(mods))} on a procedure that is not a drug; JW and JZ go on"
                    " drug lines only", line,
                )
        for drug in drugs:
            yield from self._check_drug(drug, drugs, claim, start)

    def _check_drug(self, drug: DrugLine, drugs: list[DrugLine], claim: Claim, start: dt.date) -> Iterator[Problem]:
        line, mods = drug.line, drug.line.procedure.modifiers
        waste = [d.line for d in drugs if d.is_waste and d is not drug and _same(d, drug)]
        given = [d.line for d in drugs if not d.is_waste and _same(d, drug)]
        if "JW" in mods and "JZ" in mods:
            yield Problem(f"{describe(line)}: JW and JZ on one line; the discarded amount goes on its own JW line",
                          line, kind="combination")
        elif "JW" in mods:
            if line.units is not None and line.units < 1:
                yield Problem(f"{describe(line)}: a JW line bills at least one whole unit of discarded drug",
                              line, kind="units")
            if not given:
                yield Problem(
                    f"{describe(line)}: JW bills what was discarded from a dose given that day, and no line bills"
                    f" {line.procedure.code} given on this date; bill the dose, or the waste under the code given",
                    line,
                )
            elif (over := _more_than_the_packages_held(drug, [d for d in drugs if not d.is_waste and _same(d, drug)])):
                yield Problem(f"{describe(line)}: {over}", line, kind="units")
        elif "JZ" in mods:
            if waste:
                yield Problem(
                    f"{describe(line)}: JZ says nothing was discarded, yet line {waste[0].number} bills discarded"
                    " drug (JW) for the same code and date; remove one of them",
                    line, kind="combination",
                )
        elif not waste:
            other = next((o for o in claim.lines if "JW" in o.procedure.modifiers and o.date == line.date), None)
            if other is None:
                yield add_modifier(
                    line, "JZ",
                    f"{describe(line)}: neither JZ nor a JW line; from {start.isoformat()} the administered line carries JZ"
                    " when nothing was discarded, and a JW line bills what was",
                )
            else:  # JZ would say nothing was discarded, which the waste under another code may contradict
                yield Problem(
                    f"{describe(line)}: neither JZ nor a JW line for {line.procedure.code}; line {other.number} bills"
                    f" discarded drug (JW) under {other.procedure.code} that day: bill the waste under the code"
                    " given, or add JZ if none of this drug was discarded",
                    line,
                )


def _required(claim: Claim, where: Setting, settings: Settings) -> bool:
    if settings.jw_jz != "medicare":
        return settings.jw_jz == "always"
    if where.kind == "837P":
        return claim.subscriber.filing_indicator == "MB"
    return where.medicare and where.bill_type in settings.jw_jz_bill_types


def _dated_from(drug: DrugLine, claim: Claim, start: dt.date) -> bool:
    day = service_date(drug.line, claim)
    return day is not None and day >= start


def _more_than_the_packages_held(waste: DrugLine, given: list[DrugLine]) -> str | None:
    """Why the units given and discarded cannot have come from the packages the dose needed, if so.

    Only when every line names the same NDC, whose package size the table has: with several
    package sizes the claim does not show which were opened.
    """
    product, unit_mg = waste.product, waste.code.unit_mg
    if product is None or product.grams_per_package is None or not unit_mg or waste.line.units is None:
        return None
    if any(d.product != product or d.line.units is None for d in given):
        return None
    per_package = product.grams_per_package * 1000 / unit_mg
    administered = sum(d.line.units for d in given)  # type: ignore[misc]
    packages = max(1, math.ceil(administered / per_package))
    room = packages * per_package - administered
    if waste.line.units <= room:
        return None
    return (
        f"{format_number(waste.line.units)} units discarded with {format_number(administered)} given, but NDC"
        f" {product.ndc} holds {format_number(per_package)} units ({format_number(product.grams_per_package)} g) a"
        f" package, so the {packages} package(s) the dose needs leave at most {math.floor(room)} to discard;"
        " bill only what was opened and not given"
    )


def _same(a: DrugLine, b: DrugLine) -> bool:
    return a.line.procedure.code == b.line.procedure.code and a.line.date == b.line.date
