"""IG07: hydration beside an immune globulin infusion: not concurrent with it, not a second initial code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from edi_ivig.model import Claim, ServiceLine
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import days
from edi_ivig.rules.lines import DRUG_ADMINISTRATION_GROUPS, INITIAL_RANK, drug_lines, is_distinct_service, one_day
from edi_ivig.rules.messages import describe
from edi_ivig.rules.setting import setting

# The initial services hydration (96361) may follow through the same IV access: 96365, 96374,
# 96409, 96413 (CPT add-on structure; NCCI policy manual ch. XI section B.4-B.5, POLICY-REVIEW R10).
SEQUENTIAL_AFTER = ("iv_initial", "iv_push", "chemo_initial", "chemo_push")
OTHER_INITIALS = tuple(group for group in INITIAL_RANK if group != "hydration_initial")


class Hydration(Rule):
    id = "IG07"
    title = "Hydration on an immune globulin day: not concurrent with the infusion, not a second initial code"
    policy = (
        "Hydration concurrent with other drug administration services is not separately reportable;"
        " medically necessary hydration given sequentially, before or after the infusion, may be reported"
        " (96361 after an initial 96365, often with 59 and a diagnosis of its own). Only one initial service"
        " code of any family is reported per encounter, unless a second IV site is needed (59 or XE/XS/XP/XU):"
        " 96360 is not a second initial code beside an infusion."
    )
    source = (
        "CMS NCCI policy manual ch. XI section B.4-B.5, as quoted by AAPC; CMS RAC topic 0071, citing MCPM ch. 12"
        " section 30.5 (POLICY-REVIEW R10, R11); practitioner guidance (seed 004, 'The Hydration Trap')"
    )
    applies_to = "837P and 837I, every payer; not an 837P in a facility place of service (IG08 flags those lines)"
    severity = "warning"
    example = "96365 + 96361 with J1561 on 2026-10-05, 96361 without 59 or a diagnosis of its own: likely concurrent, not payable"
    __doc__ = f"""{title}.

    ## What it checks

    On claims with an immune globulin line:

    - 96360 as a second initial code: on a day with an initial code of another family (96365,
      96369, 96374, 96409, 96413), without 59/XE/XS/XP/XU;
    - 96361 on a day of an immune globulin drug line that the claim does not show to be
      sequential: without 59/XE/XS/XP/XU and, on an 837P, without a diagnosis of its own (a
      pointer to a diagnosis none of that day's immune globulin or drug administration lines
      points to) after an initial 96365, 96374, 96409 or 96413 that day.

    What the claim can show: the modifiers, the codes and dates, and on an 837P the diagnosis
    pointers (SV107; an 837I line has none). What it cannot show: the clock times of the
    infusion and the hydration, so whether they ran at once or one after the other is in the
    record only. A 96361 with a distinct-service modifier, or after an initial code with its
    own diagnosis, may stand and is left alone; without either it is likely concurrent and is
    flagged. A professional claim in a facility place of service is IG08's: the facility bills
    hydration there.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    No fix: whether hydration was a separate, medically necessary service is in the record, not
    on the claim; remove the line, or show why it stands (59 or XS, its own diagnosis), or bill
    hydration after the infusion as 96361.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        ref = ctx.reference
        where = setting(claim, ctx.settings)
        drugs = drug_lines(claim, ctx)
        if not drugs or (where.professional and where.facility):
            return
        infusion_days = frozenset().union(*(days(d.line, claim) for d in drugs))
        initials = _codes_by_day(claim, ctx, OTHER_INITIALS)
        sequential_days = set(_codes_by_day(claim, ctx, SEQUENTIAL_AFTER)) if claim.kind == "837P" else set()
        for line in claim.lines:
            group = ref.group(line.procedure.code)
            day = one_day(line, claim)
            if group == "hydration_initial" and initials.get(day) and not is_distinct_service(line):
                yield Problem(_second_initial(line, initials[day], claim.kind, ctx), line, kind="initial")
            elif group == "hydration_additional" and days(line, claim) & infusion_days:
                if is_distinct_service(line) or (day in sequential_days and _own_diagnosis(line, day, claim, ctx)):
                    continue  # shown to be a distinct, sequential service: it may stand
                yield Problem(_likely_concurrent(line, claim.kind), line, kind="concurrent")


def _second_initial(line: ServiceLine, others: list[str], kind: str, ctx: Context) -> str:
    hierarchy = (
        " (a facility bills the highest service in the hierarchy as initial: chemotherapy, infusion, push, hydration)"
        if kind == "837I" else ""
    )
    return (
        f"{describe(line)}: a second initial code that day, with {', '.join(sorted(set(others)))}, without 59, XE,"
        f" XS, XP or XU; one initial service per encounter, of any family{hierarchy}; hydration after the infusion"
        f" is {'/'.join(sorted(ctx.reference.codes_in('hydration_additional')))}"
    )


def _likely_concurrent(line: ServiceLine, kind: str) -> str:
    shown = "59, XE, XS, XP or XU" + (" or a diagnosis of its own" if kind == "837P" else "")
    how = "59 or XS, its own diagnosis" if kind == "837P" else "59 or XS"  # an 837I line has no diagnosis pointer
    return (
        f"{describe(line)}: hydration on a day of immune globulin infusion without {shown}: likely concurrent with"
        " the infusion, which is not separately reportable; hydration given before or after it, medically necessary,"
        f" may be billed showing so ({how})"
    )


def _codes_by_day(claim: Claim, ctx: Context, groups: tuple[str, ...]) -> dict[dt.date, list[str]]:
    """The codes of the claim's one-day lines in the groups, by day."""
    by_day: dict[dt.date, list[str]] = {}
    for line in claim.lines:
        day = one_day(line, claim)
        if day is not None and ctx.reference.group(line.procedure.code) in groups:
            by_day.setdefault(day, []).append(line.procedure.code)
    return by_day


def _own_diagnosis(line: ServiceLine, day: dt.date, claim: Claim, ctx: Context) -> bool:
    """837P: the line points to a diagnosis the day's immune globulin and drug administration lines do not."""
    drug_ids = {id(d.line) for d in drug_lines(claim, ctx)}
    infusion_pointers = {
        pointer
        for other in claim.lines
        if day in days(other, claim)
        and (id(other) in drug_ids or ctx.reference.group(other.procedure.code) in DRUG_ADMINISTRATION_GROUPS)
        for pointer in other.diagnosis_pointers
    }
    return bool(set(line.diagnosis_pointers) - infusion_pointers)
