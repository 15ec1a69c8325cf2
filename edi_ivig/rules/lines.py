"""Which lines of a claim are immune globulin drug lines, and which are administration.

A drug line is one billed under an immune globulin code, under an unclassified-drug code
(J3490/J3590/J7799) with an immune globulin NDC, or under a CPT product code the payer's
config names (option immune_globulin_cpt_codes: 90283/90284 for some commercial payers); the
administration codes come by their group in config/procedure_codes.csv.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from edi_ivig.model import Claim, ServiceLine
from edi_ivig.reference import UNCLASSIFIED_DRUG_CODES, HcpcsCode, NdcProduct, Reference
from edi_ivig.rules.base import Context
from edi_ivig.rules.days import days, service_date

# X12 maximum of service lines per claim.
MAX_LINES = {"837P": 50, "837I": 999}
# The drug administration codes 96365-96379 (IG06 calls them "infusion administration").
DRUG_ADMINISTRATION_GROUPS = (
    "iv_initial", "iv_additional", "iv_sequential", "iv_concurrent",
    "sc_initial", "sc_additional", "sc_additional_site",
    "injection", "iv_push", "iv_push_sequential", "other_administration",
)
HYDRATION_GROUPS = ("hydration_initial", "hydration_additional")
ADMINISTRATION_GROUPS = DRUG_ADMINISTRATION_GROUPS + HYDRATION_GROUPS
# The initial codes of each family (96360, 96365, 96369, 96374, 96409, 96413: one per encounter,
# of any family), ranked as a facility picks its initial code: chemotherapy, then infusion, then
# push, then hydration (CMS RAC topic 0071, citing MCPM ch. 12 section 30.5; POLICY-REVIEW R11).
# The subcutaneous infusion 96369 ranks as an infusion.
INITIAL_RANK = {
    "chemo_initial": 0, "chemo_push": 0, "iv_initial": 1, "sc_initial": 1, "iv_push": 2, "hydration_initial": 3,
}
FAMILIES = ("chemotherapy", "infusion", "push", "hydration")  # by rank
# The modifiers that show a second service was distinct (a separate IV site, a separate
# encounter): 59 and its X{EPSU} subsets (CMS RAC topic 0071; NCCI policy manual ch. XI).
DISTINCT_SERVICE_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})


@attrs.frozen
class DrugLine:
    """An immune globulin drug line with its billed code and, when its NDC is known, the product."""

    line: ServiceLine
    code: HcpcsCode
    product: NdcProduct | None

    @property
    def is_unclassified(self) -> bool:
        """Billed under J3490/J3590/J7799, whose descriptor has no unit."""
        return self.code.code in UNCLASSIFIED_DRUG_CODES

    @property
    def is_waste(self) -> bool:
        return "JW" in self.line.procedure.modifiers


def drug_line(
    line: ServiceLine, claim: Claim, reference: Reference, product_codes: Mapping[str, HcpcsCode] | None = None
) -> DrugLine | None:
    """The line as a drug line, if it is one; `product_codes`: the CPT product codes the payer takes."""
    code = (product_codes or {}).get(line.procedure.code) or reference.code(line.procedure.code, service_date(line, claim))
    if code is None:
        # a range that starts before its code began is still that code's line: IG01 gives each
        # day its own line, and IG12 judges each day
        dates = line.date or claim.statement_period
        code = reference.code(line.procedure.code, dates.end) if dates is not None and dates.is_range else None
    if code is None:
        return None
    product = reference.ndc(line.drug.ndc if line.drug else None)
    if code.is_immune_globulin_drug:
        return DrugLine(line, code, product)
    if code.code in UNCLASSIFIED_DRUG_CODES and product is not None:
        return DrugLine(line, code, product)
    return None


def facts_in_doubt(line: ServiceLine, claim: Claim, reference: Reference) -> list[tuple[frozenset[str], str]]:
    """What is in doubt about a drug line's facts, each with the facts it concerns ("code", "ndc").

    A fix computed from facts that disagree (a code and an NDC of different products) or
    that are not known (a code whose first date is not in the table) cannot be shown right.
    """
    code = reference.code(line.procedure.code, service_date(line, claim))
    if code is None or not code.is_immune_globulin_drug:
        return []
    doubts = []
    if code.effective_from is None:
        doubts.append((frozenset({"code"}), f"the first date of service of {code.code} is not confirmed in the HCPCS table"))
    product = reference.ndc(line.drug.ndc if line.drug else None)
    if product is not None and not code.noc and code.code not in reference.product_codes(product):
        doubts.append((
            frozenset({"code", "ndc"}),
            f"{code.code} is {code.product} but NDC {product.ndc} is {product.product}, whose code is {product.hcpcs},"
            " and which of the two is right is not known",
        ))
    return doubts


def drug_lines(claim: Claim, ctx: Context) -> list[DrugLine]:
    """The claim's immune globulin drug lines, in order (worked out once per claim object)."""
    return ctx.remember(
        "drug_lines", claim,
        lambda: [d for line in claim.lines if (d := drug_line(line, claim, ctx.reference, cpt_product_codes(ctx))) is not None],
    )


def cpt_product_codes(ctx: Context) -> Mapping[str, HcpcsCode]:
    """The CPT codes the payer takes for immune globulin itself (option immune_globulin_cpt_codes),
    as code rows valid on every date: CPT codes are the payer's to date, not this table's."""
    return ctx.remember("cpt_product_codes", ctx.settings, lambda: {
        code: HcpcsCode(
            code=code, product=f"immune globulin {row['route']} (CPT, {row['source']})", route=row["route"],
            unit_mg=row["unit_mg"], noc=False, form="", effective_from=dt.date.min, terminated_on=None,
            replaced_by=None, any_product=True,
        )
        for code, row in ctx.settings.immune_globulin_cpt_codes.items()
    })


def is_administration(line: ServiceLine, reference: Reference) -> bool:
    return reference.group(line.procedure.code) in ADMINISTRATION_GROUPS


def administration_days(claim: Claim, ctx: Context) -> frozenset[dt.date]:
    """The days with a drug administration code (96365-96379) on the claim (worked out once per claim object)."""
    return ctx.remember(
        "administration_days", claim,
        lambda: frozenset().union(
            *(days(line, claim) for line in claim.lines if ctx.reference.group(line.procedure.code) in DRUG_ADMINISTRATION_GROUPS)
        ),
    )


def one_day(line: ServiceLine, claim: Claim) -> dt.date | None:
    """The day of a line provided on one day (its date, or an 837I one-day statement period); None for a range (IG01's)."""
    covered = days(line, claim)
    return next(iter(covered)) if len(covered) == 1 else None


def is_distinct_service(line: ServiceLine) -> bool:
    """The line carries 59, XE, XS, XP or XU."""
    return not DISTINCT_SERVICE_MODIFIERS.isdisjoint(line.procedure.modifiers)
