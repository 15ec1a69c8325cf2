"""IG10: the immune globulin line points to a diagnosis the payer covers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from edi_ivig.model import Claim, Diagnosis
from edi_ivig.reference import CoverageList, condition_groups, coverage_list, normalize_diagnosis
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import service_date
from edi_ivig.rules.lines import DrugLine, drug_lines
from edi_ivig.rules.messages import describe


class CoveredDiagnosis(Rule):
    id = "IG10"
    title = "A diagnosis on the payer's IVIG coverage list"
    policy = (
        "IVIG is covered for the ICD-10-CM codes of the article's Group 1; other diagnoses are denied as"
        " not reasonable and necessary. B20 is only payable for children under 13 years of age. G61.81 is"
        " not payable when associated with diabetes mellitus, dysproteinemias, renal failure, or malnutrition."
    )
    source = "CMS billing and coding article A57187, Group 1 (seed 001); config/coverage_a57187_group1.csv"
    severity = "warning"
    example = "J1561 pointing only to G62.9 (not on Group 1); B20 for a patient aged 40; G61.81 with E11.9 on the claim"
    __doc__ = f"""{title}.

    ## What it checks

    None of the diagnoses an immune globulin line points to (837P SV107 -> HI; 837I: the
    claim's diagnoses) is on the coverage list configured for the payer (option coverage_list;
    default A57187 Group 1), or every listed one fails a condition the claim can show (B20: under
    13 at the date of service, from the patient's DMG02; G61.81: none of the claim's diagnoses is
    diabetes mellitus, renal failure or malnutrition, from config/icd10cm_condition_groups.csv;
    a code the list marks billable_until a date before the date of service, like G35 after
    2025-09-30); a pointer with no diagnosis behind it. Conditions only the medical record shows (D61.01 after
    first-line therapies, I78.8 for capillary leak syndrome, dysproteinemias) are not checked.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    No fix, and a warning: coverage is the payer's decision and the diagnosis is the provider's.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        covered = coverage_list(ctx.settings.coverage_list)
        seen: set[tuple[str, ...]] = set()
        for drug in drug_lines(claim, ctx):
            pointed, bad_pointers = _pointed(drug, claim)
            for pointer in bad_pointers:
                count = len(claim.diagnoses)
                yield Problem(
                    f"{describe(drug.line)}: diagnosis pointer {pointer} points to nothing; the claim has"
                    f" {count} diagnos{'is' if count == 1 else 'es'}", drug.line, kind="pointer",
                )
            codes = tuple(normalize_diagnosis(d.code) for d in pointed)
            if not codes or codes in seen:
                continue
            seen.add(codes)
            problem = _coverage_problem(codes, claim, covered, service_date(drug.line, claim))
            if problem:
                yield Problem(f"{describe(drug.line)}: {problem}", drug.line)


def _pointed(drug: DrugLine, claim: Claim) -> tuple[list[Diagnosis], list[int]]:
    pointers = drug.line.diagnosis_pointers
    if claim.kind == "837I" or not pointers:
        return list(claim.diagnoses), []
    good = [claim.diagnoses[p - 1] for p in pointers if 1 <= p <= len(claim.diagnoses)]
    return good, [p for p in pointers if not 1 <= p <= len(claim.diagnoses)]


def _coverage_problem(codes: tuple[str, ...], claim: Claim, covered: CoverageList, day: dt.date | None) -> str | None:
    """Why the diagnoses a line points to do not support it, or None when one of them does."""
    listed = [code for code in codes if code in covered]
    if not listed:
        parents = [c for code in codes for c in covered.conditions if code.startswith(c) and code != c]
        hint = f" (the list has {parents[0]}, which {codes[0]} falls under: ask the payer)" if parents else ""
        return (
            f"the diagnoses it points to ({', '.join(codes)}) are not on the coverage list {covered.name}{hint};"
            " other diagnoses are denied as not reasonable and necessary"
        )
    reasons = [_condition_failed(code, claim, covered, day) for code in listed]
    return None if None in reasons else reasons[0]


def _condition_failed(code: str, claim: Claim, covered: CoverageList, day: dt.date | None) -> str | None:
    """The listed code's condition the claim shows is not met (the ones a claim can show)."""
    until = covered.billable_until(code)
    if until is not None and day is not None and day > until:
        return (
            f"{code} is on {covered.name} but is not a billable ICD-10-CM code after {until.isoformat()};"
            " bill the specific code and ask the payer whether it is covered"
        )
    limit = covered.max_age(code)
    if limit is not None:
        birth = claim.birth_date
        if birth is None or day is None:
            return f"{code} is covered on {covered.name} only up to age {limit}, and the patient's birth date (DMG02) is not on the claim"
        if _age(birth, day) > limit:
            return f"{code} is covered on {covered.name} only up to age {limit}; the patient is {_age(birth, day)} on the date of service"
    groups = condition_groups()
    for condition in covered.not_payable_with(code):
        prefixes = groups.get(condition, ())
        found = next((d.code for d in claim.diagnoses if normalize_diagnosis(d.code).startswith(prefixes)), None)
        if prefixes and found:
            shown = condition.replace("_", " ")
            return f"{code} is not payable on {covered.name} when associated with {shown}, and the claim also has {found}"
    return None


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
