"""IG04: a not-otherwise-classified code billed for a product that has its own code."""

from __future__ import annotations

from collections.abc import Iterator

from edi_ivig.model import Claim
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import service_date
from edi_ivig.rules.edits import recode
from edi_ivig.rules.lines import drug_lines
from edi_ivig.rules.messages import describe


class SpecificCode(Rule):
    id = "IG04"
    title = "A product's own code instead of a not-otherwise-classified code"
    policy = (
        "If the manufacturer has a specific code, that specific code must be used; payers deny J1599"
        " when a specific code exists. Codes have effective dates: the date of service picks the code."
    )
    source = "Practitioner guidance (seed 004); CMS HCPCS effective dates (config/hcpcs_immune_globulin.csv)"
    applies_to = "837P and 837I, every setting and payer"
    severity = "warning"
    fix = "unsafe"
    relies_on = frozenset({"ndc"})
    example = "J1599 with NDC 44206043690 (Privigen) on 2026-10-05: bill J1459, units converted to its 500 mg"
    __doc__ = f"""{title}.

    ## What it checks

    An immune globulin line under J1599, J1566, J3490, J3590 or J7799 whose NDC, in the NDC
    table, belongs to a product with its own HCPCS code valid on the date of service (J1599 for
    Privigen: J1459; J3590 for Yimmugo from 2026-04-01: J1553; Panzyga under J1599 before
    2023-07-01 is right; after, it is J1576); and, for a product with no code of its own that
    day, the not-otherwise-classified code of the other form (the form columns of the HCPCS and
    NDC tables): J1599 (liquid) for a lyophilized product (Gammagard S/D), whose code is J1566,
    or J1566 (lyophilized) for a liquid one, whose code is J1599. A code whose first date the HCPCS table does not
    confirm (J1577) is no product's own code here.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Unsafe: it changes what is billed, which the provider must stand behind. Replace the code
    and convert the units to the new descriptor, from the CTP amount, or from the old code's
    unit when it has one (J1599 and J1566 are both 500 mg). No fix when the units cannot be
    converted.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        for drug in drug_lines(claim, ctx):
            if not (drug.code.noc or drug.is_unclassified) or drug.product is None:
                continue
            line, product, day = drug.line, drug.product, service_date(drug.line, claim)
            own = ctx.reference.specific_code(product, day)
            if own is not None and own.code != drug.code.code:
                message = f"{describe(line)}: NDC {product.ndc} is {product.product}, which has its own code {own.code} on this date of service"
                yield recode(line, product, drug.code.unit_mg, own, message)
                continue
            other_form = drug.code.form and product.form and drug.code.form != product.form
            unclassified = ctx.reference.unclassified_code(product.form, day) if own is None and other_form else None
            if unclassified is not None:
                message = (
                    f"{describe(line)}: NDC {product.ndc} is {product.product}, a {product.form} product, and"
                    f" {drug.code.code} is for {drug.code.form} ones: its code is {unclassified.code}"
                )
                yield recode(line, product, drug.code.unit_mg, unclassified, message)
