"""IG10: the immune globulin line points to billable diagnoses, one of which the payer covers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import edi_ivig.icd10cm as icd10cm
from edi_ivig.model import Claim, Diagnosis
from edi_ivig.reference import CoverageList, condition_groups, coverage_list, normalize_diagnosis
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import service_date
from edi_ivig.rules.lines import DrugLine, drug_lines
from edi_ivig.rules.messages import describe
from edi_ivig.rules.setting import setting

FEW = 10  # up to this many billable codes under a header, a message names them (G35 has 8, D80 10)


class CoveredDiagnosis(Rule):
    id = "IG10"
    title = "A billable diagnosis on the payer's IVIG coverage list"
    policy = (
        "A claim is coded to the full number of characters a code has: a category header is not a valid"
        " diagnosis code, and a claim carrying one (or a code the code set does not have) is rejected as"
        " invalid. IVIG is covered for the ICD-10-CM codes of the article's Group 1; other diagnoses are"
        " denied as not reasonable and necessary. B20 is only payable for children under 13 years of age."
        " G61.81 is not payable when associated with diabetes mellitus, dysproteinemias, renal failure,"
        " or malnutrition."
    )
    source = (
        "ICD-10-CM Official Guidelines for Coding and Reporting, Level of Detail in Coding; ICD-10-CM FY2026"
        " tabular as simple-icd-10-cm 1.5.0 carries it (config/icd10cm_release.toml); CMS billing and coding"
        " article A57187, Group 1 (seed 001); config/coverage_a57187_group1.csv; home infusion: CMS Pub. 100-02"
        " ch. 15 section 50.6 and A52509 (config/coverage_home_ivig_pidd.csv)"
    )
    applies_to = "837P and 837I, every setting; the payer's coverage list (option coverage_list), Medicare's home list at home and for DME suppliers"
    severity = "warning"
    kind_severity = {"code": "error", "unlisted": "warning"}
    example = (
        "J1561 pointing to G35 on 2026-05-05 (a header since FY2026: error); J1561 pointing only to G62.9"
        " (not on Group 1); B20 for a patient aged 40; G61.81 with E11.9 or D47.2 on the claim"
    )
    __doc__ = f"""{title}.

    ## What it checks

    For the diagnoses an immune globulin line points to (837P SV107 -> HI; 837I: the
    claim's diagnoses):

    - the code set: on a date of service inside the window of the ICD-10-CM release the pinned
      library carries (config/icd10cm_release.toml: FY2026, 2025-10-01..2026-09-30), a diagnosis
      that is a header there (G35 from FY2026, D80, G61.8) or no code of it at all. The finding
      names the diagnosis by its position in HI and, when there are at most {FEW}, the billable
      codes under it. After the window (FY2027 took over on 2026-10-01, and no library carries
      it yet) a header is still an error, since ICD-10-CM never makes a code billable again once
      it has codes under it, and a code FY2026 lacks is a warning: FY2027 may have added it.
      Before the window nothing is said (FY2025 had G35 billable). A code so flagged is left out
      of the coverage check below (its finding says what to do).
    - coverage: none of the diagnoses is on the coverage list configured for the payer (option
      coverage_list; default A57187 Group 1; for immune globulin given in the patient's home under
      Medicare, an 837P in place of service 12 with SBR09 MA/MB or a DME supplier's claim, option
      home_coverage_list: by default the primary immune deficiencies of its home IVIG benefit), or every listed one fails a condition the claim
      can show: B20 under 13 at the date of service, from the patient's DMG02; G61.81 with none
      of the claim's diagnoses in diabetes mellitus, dysproteinemia, renal failure or
      malnutrition (config/icd10cm_condition_groups.csv, ranges resolved through the library);
      a code the list marks billable_until a date before the date of service. A listed code
      that then became a header covers the billable codes under it from the day after its
      billable_until, the day ICD-10-CM split it (G35.A from 2025-10-01: R15), unless the list
      says children_covered=no; other codes under a listed one get a hint to ask the payer.
    - a pointer with no diagnosis behind it; a diagnosis written with a dot or in lower case
      (G35.A for G35A): X12 sends ICD-10-CM codes without the dot, so the payer rejects it (an
      error, like an invalid code; no fix: HI is the claim's, and no edit rewrites it).

    Conditions only the medical record shows (D61.01 after first-line therapies, I78.8 for
    capillary leak syndrome) are not checked.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    No fix: which billable code fits is in the medical record.

    Severity: coverage is the payer's decision and the diagnosis the provider's, so those are
    warnings (the rule's severity, configurable). A header or unknown code is different: the
    payer's front end rejects the claim as invalid before anyone weighs coverage, so sending it
    on gains nothing; it is an error (kind "code", whatever the rule's configured severity), so
    that `--hold-errors` keeps the claim back for the code to be completed.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        where = setting(claim, ctx.settings)
        home_benefit = where.dme or (where.home and where.medicare)  # Medicare's home IVIG benefit
        covered = coverage_list(ctx.settings.home_coverage_list if home_benefit else ctx.settings.coverage_list)
        seen: set[tuple[tuple[int, str], ...]] = set()
        for drug in drug_lines(claim, ctx):
            pointed, bad_pointers = _pointed(drug, claim)
            for pointer in bad_pointers:
                count = len(claim.diagnoses)
                yield Problem(
                    f"{describe(drug.line)}: diagnosis pointer {pointer} points to nothing; the claim has"
                    f" {count} diagnos{'is' if count == 1 else 'es'}", drug.line, kind="pointer",
                )
            codes = tuple((position, normalize_diagnosis(d.code)) for position, d in pointed)
            if not codes or codes in seen:
                continue
            seen.add(codes)
            day = service_date(drug.line, claim)
            invalid = set()
            for position, diagnosis in pointed:
                if diagnosis.code != normalize_diagnosis(diagnosis.code):
                    yield Problem(
                        f"{describe(drug.line)}: diagnosis {position} is written {diagnosis.code!r}; an 837 carries"
                        f" ICD-10-CM codes without the dot, in capitals ({normalize_diagnosis(diagnosis.code)}), and a"
                        " payer's front end rejects the code as written", drug.line, kind="code",
                    )
            for position, code in codes:
                found = _code_set_problem(position, code, day)
                if found:
                    invalid.add(code)
                    yield Problem(f"{describe(drug.line)}: {found[0]}", drug.line, kind=found[1])
            valid = tuple(dict.fromkeys(code for _, code in codes if code not in invalid))
            problem = _coverage_problem(valid, claim, covered, day) if valid else None
            if problem:
                yield Problem(f"{describe(drug.line)}: {problem}", drug.line)


def _pointed(drug: DrugLine, claim: Claim) -> tuple[list[tuple[int, Diagnosis]], list[int]]:
    """The diagnoses a line points to, each with its position in HI (1 is the first), and the pointers to nothing."""
    pointers = drug.line.diagnosis_pointers
    if claim.kind == "837I" or not pointers:
        return list(enumerate(claim.diagnoses, 1)), []
    good = [(p, claim.diagnoses[p - 1]) for p in pointers if 1 <= p <= len(claim.diagnoses)]
    return good, [p for p in pointers if not 1 <= p <= len(claim.diagnoses)]


def _code_set_problem(position: int, code: str, day: dt.date | None) -> tuple[str, str] | None:
    """What the pinned release says is wrong with a diagnosis on the date of service, and the
    finding's kind ("code": an error; "unlisted": a warning), or None.

    Inside the release's window it says what the code set was. After it (the next fiscal year,
    which no pinned library carries yet), a header stays an error, since ICD-10-CM does not make
    a code billable again once it has codes under it; a code the release lacks may be one the
    next year added, so that is a warning. Before the window it says nothing: the year before may
    have had the code billable (G35 until 2025-09-30) or a code since deleted.
    """
    release = icd10cm.release()
    later = day is not None and day > release.valid_through
    if not (release.covers(day) or later):
        return None
    kind = icd10cm.kind(code)
    where = f"diagnosis {position} ({code})"
    if kind == "header":
        return (
            f"{where} is a header in {release.name}, not a billable code; a claim with it is rejected:"
            f" bill {_codes_under(code)}", "code",
        )
    if kind == "unknown" and later:
        return (
            f"{where} is not a code in {release.name}, the newest code set known here (the date of service is"
            f" after {release.valid_through.isoformat()}); unless the next year's code set added it, a claim"
            " with it is rejected", "unlisted",
        )
    if kind == "unknown":
        return f"{where} is not a code in {release.name}; a claim with an invalid diagnosis code is rejected", "code"
    return None


def _codes_under(code: str) -> str:
    """'one of its 8 billable codes: G35A, ...', naming them when they are few."""
    children = icd10cm.code_set().billable_descendants(code)
    named = f": {', '.join(children)}" if len(children) <= FEW else " (see the ICD-10-CM tabular)"
    return f"one of its {len(children)} billable codes{named}"


def _coverage_problem(codes: Sequence[str], claim: Claim, covered: CoverageList, day: dt.date | None) -> str | None:
    """Why the diagnoses a line points to do not support it, or None when one of them does."""
    listed = [(code, entry) for code in codes if (entry := _entry(code, covered, day))]
    if not listed:
        parents = [c for code in codes for c in covered.conditions if code.startswith(c) and code != c]
        hint = f" (the list has {parents[0]}, which {codes[0]} falls under: ask the payer)" if parents else ""
        return (
            f"the diagnoses it points to ({', '.join(codes)}) are not on the coverage list {covered.name}{hint};"
            " other diagnoses are denied as not reasonable and necessary"
        )
    reasons = [_condition_failed(code, entry, claim, covered, day) for code, entry in listed]
    return None if None in reasons else reasons[0]


def _entry(code: str, covered: CoverageList, day: dt.date | None) -> str | None:
    """The list's code that covers a diagnosis: the diagnosis itself, or a listed code it is a
    billable child of, on a date after the listed code stopped being billable (when ICD-10-CM
    split it), unless the list says children_covered=no. The children are the release's, also
    after its window (a code split once stays split); one the release lacks (a later year's) is
    not covered, and gets the hint to ask the payer."""
    if code in covered:
        return code
    for entry in covered.conditions:
        until = covered.billable_until(entry)
        if (
            code.startswith(entry) and until is not None and day is not None and day > until
            and covered.children_covered(entry) and icd10cm.kind(code) == "billable"
        ):
            return entry
    return None


def _condition_failed(code: str, entry: str, claim: Claim, covered: CoverageList, day: dt.date | None) -> str | None:
    """The condition of the list's entry (the code, or the header it is under) that the claim shows is not met."""
    until = covered.billable_until(entry)
    if code == entry and until is not None and day is not None and day > until:
        after = (
            f"the list covers the codes under it from {until + dt.timedelta(days=1)}: bill {_codes_under(code)}"
            if covered.children_covered(code) and icd10cm.code_set().billable_descendants(code)
            else "bill the specific code and ask the payer whether it is covered"
        )
        return f"{code} is on {covered.name} but is not a billable ICD-10-CM code after {until.isoformat()}; {after}"
    limit = covered.max_age(entry)
    if limit is not None:
        birth = claim.birth_date
        if birth is None or day is None:
            return f"{code} is covered on {covered.name} only up to age {limit}, and the patient's birth date (DMG02) is not on the claim"
        if _age(birth, day) > limit:
            return f"{code} is covered on {covered.name} only up to age {limit}; the patient is older on the date of service (DMG02)"
    groups = condition_groups()
    for condition in covered.not_payable_with(entry):
        codes = groups.get(condition, ())
        found = next((d.code for d in claim.diagnoses if normalize_diagnosis(d.code).startswith(codes)), None)
        if codes and found:
            shown = condition.replace("_", " ")
            return f"{code} is not payable on {covered.name} when associated with {shown}, and the claim also has {found}"
    return None


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
