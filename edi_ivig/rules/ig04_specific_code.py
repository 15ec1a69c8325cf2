"""IG04: a not-otherwise-classified code billed for a product that has its own code."""

from __future__ import annotations

from collections.abc import Iterator

from edi_ivig.model import Claim
from edi_ivig.rules.base import Context, Problem, Rule, service_date
from edi_ivig.rules.ivig import describe, drug_lines, recode


class SpecificCode(Rule):
    id = "IG04"
    title = "A product's own code instead of a not-otherwise-classified code"
    policy = (
        "If the manufacturer has a specific code, that specific code must be used; payers deny J1599"
        " when a specific code exists. Codes have effective dates: the date of service picks the code."
    )
    source = "Practitioner guidance (seed 004); CMS HCPCS effective dates (config/hcpcs_immune_globulin.csv)"
    severity = "warning"
    fix = "unsafe"
    relies_on = frozenset({"ndc"})
    example = "J1599 with NDC 44206043690 (Privigen) on 2026-10-05: bill J1459, units converted to its 500 mg"
    __doc__ = f"""{title}.

    Checks: an immune globulin line under J1599, J1566, J3490, J3590 or J7799 whose NDC, in the
    NDC table, belongs to a product with its own HCPCS code valid on the date of service (Panzyga
    under J1599 before 2023-07-01 is right; after, it is J1576).

    Why: {policy} ({source})

    Fix (unsafe: it changes what is billed, which the provider must stand behind): replace the
    code and convert the units to the new descriptor, from the CTP amount, or from the old
    code's unit when it has one. No fix when the units cannot be converted.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        for drug in drug_lines(claim, ctx):
            if not (drug.code.noc or drug.is_unclassified) or drug.product is None:
                continue
            own = ctx.reference.specific_code(drug.product, service_date(drug.line, claim))
            if own is None or own.code == drug.code.code:
                continue
            line = drug.line
            message = (
                f"{describe(line)}: NDC {drug.product.ndc} is {drug.product.product}, which has its own code"
                f" {own.code} on this date of service"
            )
            yield recode(line, drug.product, drug.code.unit_mg, own, message)
