"""IG08: administration codes that fit the product, the day, the sequence and the setting."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from edi_ivig.model import Claim, ServiceLine
from edi_ivig.reference import Reference
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import days
from edi_ivig.rules.lines import (
    ADMINISTRATION_GROUPS,
    FAMILIES,
    INITIAL_RANK,
    DrugLine,
    administration_days,
    drug_lines,
    is_distinct_service,
    one_day,
)
from edi_ivig.rules.messages import describe
from edi_ivig.rules.setting import Setting, setting

IV_GROUPS = ("iv_initial", "iv_additional", "iv_sequential", "iv_concurrent")
SC_GROUPS = ("sc_initial", "sc_additional", "sc_additional_site")
CHEMO_GROUPS = ("chemo_initial", "chemo_push")
# Each add-on and the groups its primary code that day may come from: 96366 after 96365 or
# 96367; 96367 after 96365, 96374, 96409 or 96413; 96370 and 96371 after 96369 (CPT add-on
# structure, CMS NCCI add-on code edits; POLICY-REVIEW R12). The codes are config/procedure_codes.csv's.
ADD_ON_BASES = {
    "iv_additional": ("iv_initial", "iv_sequential"),
    "iv_sequential": ("iv_initial", "iv_push", "chemo_initial", "chemo_push"),
    "sc_additional": ("sc_initial",),
    "sc_additional_site": ("sc_initial",),
}
# How a message names each add-on and its primary service.
ADD_ON_WORDS = {
    "iv_additional": ("an additional hour", "initial infusion"),
    "iv_sequential": ("a sequential infusion", "initial service"),
    "sc_additional": ("an additional hour", "initial subcutaneous infusion"),
    "sc_additional_site": ("an additional infusion site", "initial subcutaneous infusion"),
}
# The family of each subsequent or add-on service, ranked as INITIAL_RANK ranks the initial codes.
SUBSEQUENT_RANK = {
    "iv_additional": 1, "iv_sequential": 1, "iv_concurrent": 1, "sc_additional": 1, "sc_additional_site": 1,
    "iv_push_sequential": 2, "hydration_additional": 3,
}


class AdministrationCoding(Rule):
    id = "IG08"
    title = "Administration codes that fit the product, the day and the setting"
    policy = (
        "Drug and administration are separate lines: 96365 for the first hour of an IV infusion, 96366 for"
        " each additional hour, 96367 for a sequential infusion of a new drug; subcutaneous immune globulin"
        " uses 96369/96370/96371. Only one initial service code of any family (96360, 96365, 96369, 96374,"
        " 96409, 96413) per encounter unless a second IV site is needed (59 or XE/XS/XP/XU); a facility picks"
        " its initial code by the hierarchy chemotherapy, infusion, push, hydration. An add-on code needs its"
        " primary code. Physicians do not report 96360-96379 in a facility setting: the facility bills the"
        " drug and its administration."
    )
    source = (
        "CMS RAC topic 0071 (initial hydration, infusion and chemotherapy administration), citing MCPM ch. 12"
        " section 30.5; CMS NCCI policy manual ch. XI; CPT add-on structure and the CMS NCCI add-on code edits;"
        " CPT guidance for the facility setting as quoted by AAPC (POLICY-REVIEW R11-R13); practitioner guidance (seed 004)"
    )
    applies_to = (
        "837P and 837I, every payer; hierarchy: 837I; 837P in a facility place of service: its drug and"
        " administration lines; missing administration: 837P in the office (option administration_check)"
    )
    severity = "warning"
    example = "96365 with J1559 (Hizentra, subcutaneous) on the same day: bill 96369"
    __doc__ = f"""{title}.

    ## What it checks

    On claims with an immune globulin line:

    - a professional claim (837P, not a DME supplier's) whose place of service is a facility
      (option facility_places_of_service: 19, 21, 22, 23): each immune globulin drug line and
      each drug administration or hydration line, one finding a line, since the facility bills
      them; nothing else of this rule is checked on such a claim;
    - IV infusion codes on a day the only immune globulin given is subcutaneous, and SC codes on
      a day it is only intravenous (J1561/J1569 go either way unless JA/JB says);
    - an add-on without its primary code that day: 96366 without 96365 or 96367, 96367 without
      96365, 96374, 96409 or 96413, 96370 or 96371 without 96369;
    - a second initial service of any family (96365, 96369, 96374, 96409, 96413) on one day, or
      two units of one, without 59/XE/XS/XP/XU; the one kept as initial is the highest in the
      hierarchy, and on an 837I the message says the facility bills that one as initial (a
      second 96360 is IG07's);
    - on an 837I, an initial code lower in the hierarchy (chemotherapy, infusion, push,
      hydration) than a service billed as subsequent or add-on that day: 96374 with 96367 is
      96365 with 96375;
    - more than one 96368 on a day;
    - 96367 beside an initial 96365 on a day the claim's only drug is one immune globulin
      product (a sequential infusion is of a new drug). Only where every other line that day is
      an administration or visit code the tables know: a line of another code could be the new
      drug;
    - a drug line with no administration on its day where the physician supplies the drug
      (option administration_check "office": an 837P not in a facility, not the home, POS 12);
    - JA/JB missing on the codes a payer lists in option ja_jb_codes.

    A line that covers several days is IG01's, and is left out of the per-day counts.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    No fix: which code is right depends on what was done, which the claim does not say, and
    removing a line from a claim is never shown right by the claim alone.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        ref = ctx.reference
        drugs = drug_lines(claim, ctx)
        if not drugs:
            return
        where = setting(claim, ctx.settings)
        if where.professional and where.facility:
            yield from self._billed_by_the_facility(claim, drugs, where, ref)
            return
        by_group: dict[str, list[ServiceLine]] = defaultdict(list)
        for line in claim.lines:
            group = ref.group(line.procedure.code)
            if group:
                by_group[group].append(line)
        yield from self._routes(claim, drugs, by_group)
        yield from self._add_ons(claim, by_group, ref)
        yield from self._initials(claim, by_group, ref)
        if claim.kind == "837I":
            yield from self._hierarchy(claim, by_group, ref)
        yield from self._concurrent(claim, by_group)
        yield from self._sequential_of_the_same_drug(claim, drugs, by_group, ref)
        yield from self._administered(claim, drugs, where, ctx)
        for drug in drugs:
            line = drug.line
            if line.procedure.code in ctx.settings.ja_jb_codes and not {"JA", "JB"} & set(line.procedure.modifiers):
                yield Problem(
                    f"{describe(line)}: this payer asks for JA (intravenous) or JB (subcutaneous) on"
                    f" {line.procedure.code}", line, kind="modifier",
                )

    def _billed_by_the_facility(self, claim: Claim, drugs: list[DrugLine], where: Setting, ref: Reference) -> Iterator[Problem]:
        drug_ids = {id(d.line) for d in drugs}
        place = f"place of service {where.place_of_service} is a facility"
        for line in claim.lines:
            if id(line) in drug_ids:
                yield Problem(
                    f"{describe(line)}: {place}; the facility bills the immune globulin on its own claim,"
                    " not the physician's claim", line, kind="facility",
                )
            elif ref.group(line.procedure.code) in ADMINISTRATION_GROUPS + CHEMO_GROUPS:
                yield Problem(
                    f"{describe(line)}: {place}; physicians do not report drug administration or hydration"
                    " there, the facility bills it on its own claim", line, kind="facility",
                )

    def _routes(self, claim: Claim, drugs: list[DrugLine], by_group: dict[str, list[ServiceLine]]) -> Iterator[Problem]:
        routes: dict[dt.date, set[str]] = defaultdict(set)
        names: dict[dt.date, list[str]] = defaultdict(list)
        for drug in drugs:
            for day in days(drug.line, claim):
                routes[day].add(_route(drug))
                names[day].append(drug.line.procedure.code)
        for groups, wrong, right, codes in ((IV_GROUPS, "SC", "intravenous", "96369/96370"), (SC_GROUPS, "IV", "subcutaneous", "96365/96366")):
            for line in (line for g in groups for line in by_group.get(g, ())):
                given = set().union(*(routes.get(day, set()) for day in days(line, claim)))
                if given == {wrong}:
                    what = "subcutaneous" if wrong == "SC" else "intravenous"
                    products = ", ".join(sorted({c for day in days(line, claim) for c in names.get(day, ())}))
                    yield Problem(
                        f"{describe(line)}: {right} administration on a day the immune globulin given is {what}"
                        f" ({products}); {what} infusion is {codes}",
                        line,
                    )

    def _add_ons(self, claim: Claim, by_group: dict[str, list[ServiceLine]], ref: Reference) -> Iterator[Problem]:
        for add_on, bases in ADD_ON_BASES.items():
            base_days = frozenset().union(*(days(line, claim) for g in bases for line in by_group.get(g, ())))
            for line in by_group.get(add_on, ()):
                if not days(line, claim) & base_days:
                    what, primary = ADD_ON_WORDS[add_on]
                    yield Problem(
                        f"{describe(line)}: {what} with no {primary} ({_either(ref.codes_in(*bases))}) that day", line,
                    )

    def _initials(self, claim: Claim, by_group: dict[str, list[ServiceLine]], ref: Reference) -> Iterator[Problem]:
        for _day, lines in _per_day(claim, (line for g in INITIAL_RANK for line in by_group.get(g, ()))):
            # the initial code: the highest in the hierarchy, the first line of its family
            kept = min(lines, key=lambda line: INITIAL_RANK[_group(line, ref)])
            for line in lines:
                extra = _count(line) - 1 if line is kept else _count(line)
                if extra < 1 or is_distinct_service(line) or _group(line, ref) == "hydration_initial":
                    continue  # a second 96360 is IG07's
                yield Problem(_second_initial(line, kept, claim.kind, ref), line)

    def _hierarchy(self, claim: Claim, by_group: dict[str, list[ServiceLine]], ref: Reference) -> Iterator[Problem]:
        subsequent = dict(_per_day(claim, (line for g in SUBSEQUENT_RANK for line in by_group.get(g, ()))))
        for day, initials in _per_day(claim, (line for g in INITIAL_RANK for line in by_group.get(g, ()))):
            initial = min(initials, key=lambda line: INITIAL_RANK[_group(line, ref)])
            rank = INITIAL_RANK[_group(initial, ref)]
            higher = [line for line in subsequent.get(day, ()) if SUBSEQUENT_RANK[_group(line, ref)] < rank]
            if higher:
                family = FAMILIES[min(SUBSEQUENT_RANK[_group(line, ref)] for line in higher)]
                codes = ", ".join(sorted({line.procedure.code for line in higher}))
                yield Problem(
                    f"{describe(initial)}: the initial code is of the {FAMILIES[rank]} family while the {family} is"
                    f" billed as subsequent that day ({codes}); a facility bills the highest service in the hierarchy"
                    f" (chemotherapy, infusion, push, hydration) as initial: the {family} as initial, the"
                    f" {FAMILIES[rank]} with its subsequent code", initial,
                )

    def _concurrent(self, claim: Claim, by_group: dict[str, list[ServiceLine]]) -> Iterator[Problem]:
        for _day, lines in _per_day(claim, by_group.get("iv_concurrent", ())):
            total = 0
            for line in lines:
                total += _count(line)
                if total > 1:
                    yield Problem(
                        f"{describe(line)}: {total} concurrent infusions (96368) that day; 96368 is reported once"
                        " per encounter", line,
                    )
                    break

    def _sequential_of_the_same_drug(
        self, claim: Claim, drugs: list[DrugLine], by_group: dict[str, list[ServiceLine]], ref: Reference
    ) -> Iterator[Problem]:
        drug_ids = {id(d.line) for d in drugs}
        infusion_days = {day for day, _ in _per_day(claim, by_group.get("iv_initial", ()))}
        for day, lines in _per_day(claim, by_group.get("iv_sequential", ())):
            if day not in infusion_days:
                continue  # no initial infusion to be the same drug as: the add-on check says so
            given = [d for d in drugs if day in days(d.line, claim) and not d.is_waste]
            codes = {d.code.code for d in given}
            products = {d.product.product for d in given if d.product is not None}
            others = [
                line for line in claim.lines
                if day in days(line, claim) and id(line) not in drug_ids and ref.group(line.procedure.code) is None
            ]
            if len(codes) != 1 or len(products) > 1 or others:
                continue  # another drug, or a line that could be one
            (code,) = codes
            for line in lines:
                yield Problem(
                    f"{describe(line)}: a sequential infusion is of a new drug, and the only drug billed that day is"
                    f" {code}, the immune globulin of the initial infusion; its further hours are"
                    f" {_either(ref.codes_in('iv_additional'))}", line,
                )

    def _administered(self, claim: Claim, drugs: list[DrugLine], where: Setting, ctx: Context) -> Iterator[Problem]:
        check = ctx.settings.administration_check
        if check == "never" or (check == "office" and not where.office):
            return
        given = administration_days(claim, ctx)
        for drug in drugs:
            if not drug.is_waste and not days(drug.line, claim) & given:
                yield Problem(
                    f"{describe(drug.line)}: no administration (96365-96379) billed that day; bill how the drug was given",
                    drug.line,
                )


def _second_initial(line: ServiceLine, kept: ServiceLine, kind: str, ref: Reference) -> str:
    rule = "without 59, XE, XS, XP or XU; one initial code per encounter, of any family, unless a second IV site was needed"
    if line is kept:
        return f"{describe(line)}: {_count(line)} initial services ({line.procedure.code}) on one line that day {rule}"
    if kind == "837I" and INITIAL_RANK[_group(kept, ref)] < INITIAL_RANK[_group(line, ref)]:
        then = (
            "a facility bills the highest in the hierarchy (chemotherapy, infusion, push, hydration) as initial,"
            f" {kept.procedure.code}, and this service with its subsequent code"
        )
    else:
        then = "bill one as initial and the other with its subsequent or sequential code"
    return f"{describe(line)}: a second initial service that day, with {kept.procedure.code}, {rule}; {then}"


def _route(drug: DrugLine) -> str:
    mods = drug.line.procedure.modifiers
    if "JA" in mods:
        return "IV"
    if "JB" in mods:
        return "SC"
    route = drug.product.route if drug.product is not None and drug.code.route == "" else drug.code.route
    return route if route in ("IV", "SC") else "IV/SC"


def _group(line: ServiceLine, ref: Reference) -> str:
    return ref.group(line.procedure.code) or ""


def _count(line: ServiceLine) -> int:
    """How many services a line bills: its units, at least one."""
    return max(int(line.units or 1), 1)


def _per_day(claim: Claim, lines: Iterable[ServiceLine]) -> list[tuple[dt.date, list[ServiceLine]]]:
    """The lines provided on one day, by day in date order, each day's in claim order."""
    by_day: dict[dt.date, list[ServiceLine]] = defaultdict(list)
    wanted = {id(line) for line in lines}
    for line in claim.lines:
        day = one_day(line, claim) if id(line) in wanted else None
        if day is not None:
            by_day[day].append(line)
    return sorted(by_day.items())


def _either(codes: Iterable[str]) -> str:
    """Codes as a message lists alternatives: "96365, 96374 or 96409"."""
    listed = sorted(codes)
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " or " + listed[-1]
