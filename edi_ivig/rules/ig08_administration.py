"""IG08: administration codes that fit the product, the hour and the day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from edi_ivig.model import Claim, ServiceLine
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import days
from edi_ivig.rules.lines import DrugLine, administration_days, drug_lines
from edi_ivig.rules.messages import describe

IV_GROUPS = ("iv_initial", "iv_additional", "iv_sequential", "iv_concurrent")
SC_GROUPS = ("sc_initial", "sc_additional", "sc_additional_site")
ADD_ON_BASES = {"iv_additional": ("iv_initial", "iv_sequential"), "sc_additional": ("sc_initial",)}
DISTINCT = {"59", "XE", "XS", "XP", "XU"}
HOME = "12"  # place of service: home


class AdministrationCoding(Rule):
    id = "IG08"
    title = "Administration codes that fit the product and the day"
    policy = (
        "Drug and administration are separate lines: 96365 for the first hour of an IV infusion, 96366 for"
        " each additional hour; subcutaneous immune globulin uses 96369/96370. One initial code per"
        " encounter unless a second IV site is needed (59 or XE/XS/XP/XU)."
    )
    source = "Practitioner guidance (seed 004); CMS NCCI policy manual ch. 11 (DOMAIN.md 'Administration codes')"
    applies_to = "837P and 837I; missing administration: 837P outside the home (option administration_check)"
    severity = "warning"
    example = "96365 with J1559 (Hizentra, subcutaneous) on the same day: bill 96369"
    __doc__ = f"""{title}.

    ## What it checks

    On claims with an immune globulin line: IV infusion codes on a day the only immune globulin
    given is subcutaneous, and SC codes on a day it is only intravenous (J1561/J1569 go either
    way unless JA/JB says); 96366 without 96365 (or 96367) and 96370 without 96369 that day;
    more than one 96365 on a day without 59/XE/XS/XP/XU; a drug line with no administration on
    its day (option administration_check: by default 837P outside the home, POS 12); JA/JB
    missing on the codes a payer lists in option ja_jb_codes.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    No fix: which code is right depends on what was done, which the claim does not say.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        ref = ctx.reference
        drugs = drug_lines(claim, ctx)
        if not drugs:
            return
        by_group: dict[str, list[ServiceLine]] = defaultdict(list)
        for line in claim.lines:
            group = ref.group(line.procedure.code)
            if group:
                by_group[group].append(line)
        yield from self._routes(claim, drugs, by_group)
        yield from self._add_ons(claim, by_group)
        yield from self._initials(by_group)
        yield from self._administered(claim, drugs, ctx)
        for drug in drugs:
            line = drug.line
            if line.procedure.code in ctx.settings.ja_jb_codes and not {"JA", "JB"} & set(line.procedure.modifiers):
                yield Problem(
                    f"{describe(line)}: this payer asks for JA (intravenous) or JB (subcutaneous) on"
                    f" {line.procedure.code}", line, kind="modifier",
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

    def _add_ons(self, claim: Claim, by_group: dict[str, list[ServiceLine]]) -> Iterator[Problem]:
        for add_on, bases in ADD_ON_BASES.items():
            base_days = frozenset().union(*(days(line, claim) for g in bases for line in by_group.get(g, ())))
            for line in by_group.get(add_on, ()):
                if not days(line, claim) & base_days:
                    first = "96365 or 96367" if add_on == "iv_additional" else "96369"
                    yield Problem(f"{describe(line)}: an additional hour with no initial infusion ({first}) that day", line)

    def _initials(self, by_group: dict[str, list[ServiceLine]]) -> Iterator[Problem]:
        per_day: dict[dt.date, list[ServiceLine]] = defaultdict(list)
        for line in by_group.get("iv_initial", ()):
            if line.date is not None and not line.date.is_range:  # ranges are IG01's
                per_day[line.date.start].append(line)
        for lines in (per_day[day] for day in sorted(per_day)):
            count = sum(int(line.units or 1) for line in lines)
            if count > 1 and not any(DISTINCT & set(line.procedure.modifiers) for line in lines):
                yield Problem(
                    f"{describe(lines[0])}: {count} initial infusions (96365) that day without 59, XE, XS, XP or XU;"
                    " one initial code per encounter unless a second IV site was needed",
                    lines[0],
                )

    def _administered(self, claim: Claim, drugs: list[DrugLine], ctx: Context) -> Iterator[Problem]:
        check = ctx.settings.administration_check
        if check == "never" or (check == "office" and (claim.kind != "837P" or claim.facility_code == HOME)):
            return
        given = administration_days(claim, ctx)
        for drug in drugs:
            if not drug.is_waste and not days(drug.line, claim) & given:
                yield Problem(
                    f"{describe(drug.line)}: no administration (96365-96379) billed that day; bill how the drug was given",
                    drug.line,
                )


def _route(drug: DrugLine) -> str:
    mods = drug.line.procedure.modifiers
    if "JA" in mods:
        return "IV"
    if "JB" in mods:
        return "SC"
    route = drug.product.route if drug.product is not None and drug.code.route == "" else drug.code.route
    return route if route in ("IV", "SC") else "IV/SC"
