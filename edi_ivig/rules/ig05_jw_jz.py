"""IG05: JW/JZ on single-dose-container drugs (every immune globulin product is one)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from edi_ivig.model import Claim
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import service_date
from edi_ivig.rules.edits import add_modifier
from edi_ivig.rules.lines import DrugLine, drug_lines
from edi_ivig.rules.messages import describe
from edi_ivig.settings import Settings

JZ_REQUIRED_FROM = dt.date(2023, 7, 1)


class JwJz(Rule):
    id = "IG05"
    title = "JZ when nothing was discarded, a JW line when something was"
    policy = (
        "JW is required for discarded amounts of single-dose-container drugs; JZ, on the administered"
        " line, when nothing was discarded, for dates of service on or after 2023-07-01. Never JW and JZ"
        " on one line; the discarded amount goes on its own JW line."
    )
    source = "Medicare Claims Processing Manual ch. 17 section 40 (DOMAIN.md 'JW / JZ')"
    applies_to = "Medicare (option jw_jz): 837P Part B; 837I bills of option jw_jz_bill_types"
    severity = "error"
    fix = "unsafe"
    example = "J1561 x 56 with neither JZ nor a JW line on 2026-10-05 (Medicare): add JZ if nothing was discarded"
    __doc__ = f"""{title}.

    ## What it checks

    On the immune globulin drug lines of claims that must carry JW/JZ (from 2023-07-01; by
    default Medicare: 837P with SBR09 MB, 837I with SBR09 MA/MB and type of bill 13x or 85x;
    option jw_jz): an administered line with neither JZ nor a JW line for the same code and
    date; JW and JZ on one line; JZ while a JW line for the same code and date exists; a JW line
    under one unit, or with no administered line for the same code and date; JW or JZ on a
    procedure (CPT) line.

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
        if not _required(claim, ctx.settings):
            return
        drugs = [d for d in drug_lines(claim, ctx) if _dated_from(d, claim)]
        for line in claim.lines:
            mods = set(line.procedure.modifiers) & {"JW", "JZ"}
            if mods and line.procedure.is_cpt:
                yield Problem(
                    f"{describe(line)}: {'/'.join(sorted(mods))} on a procedure that is not a drug; JW and JZ go on"
                    " drug lines only", line,
                )
        for drug in drugs:
            yield from self._check_drug(drug, drugs, claim)

    def _check_drug(self, drug: DrugLine, drugs: list[DrugLine], claim: Claim) -> Iterator[Problem]:
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
                    f"{describe(line)}: neither JZ nor a JW line; from 2023-07-01 the administered line carries JZ"
                    " when nothing was discarded, and a JW line bills what was",
                )
            else:  # JZ would say nothing was discarded, which the waste under another code may contradict
                yield Problem(
                    f"{describe(line)}: neither JZ nor a JW line for {line.procedure.code}; line {other.number} bills"
                    f" discarded drug (JW) under {other.procedure.code} that day: bill the waste under the code"
                    " given, or add JZ if none of this drug was discarded",
                    line,
                )


def _required(claim: Claim, settings: Settings) -> bool:
    if settings.jw_jz != "medicare":
        return settings.jw_jz == "always"
    filing = claim.subscriber.filing_indicator
    if claim.kind == "837P":
        return filing == "MB"
    return filing in ("MA", "MB") and any(claim.facility_code.startswith(t) for t in settings.jw_jz_bill_types)


def _dated_from(drug: DrugLine, claim: Claim) -> bool:
    day = service_date(drug.line, claim)
    return day is not None and day >= JZ_REQUIRED_FROM


def _same(a: DrugLine, b: DrugLine) -> bool:
    return a.line.procedure.code == b.line.procedure.code and a.line.date == b.line.date
