"""IG09: every immune globulin drug line carries its NDC and the quantity given."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from edi_ivig.model import Claim
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import service_date
from edi_ivig.rules.edits import recode
from edi_ivig.rules.lines import DrugLine, drug_lines
from edi_ivig.rules.messages import describe

CTP_UNITS = ("F2", "GR", "ME", "ML", "UN")
# The unit an NDC quantity is counted in, by package form (NCPDP billing unit standard, which
# payers' NDC billing guides follow: mL for liquids, each for powders to reconstitute and kits).
UNIT_OF_FORM = {"liquid": "ML", "lyophilized": "UN", "kit": "UN"}
UNIT_NAMES = {"ML": "millilitres (ML)", "UN": "units, one per package (UN)"}
ROUTES = {"IV": "intravenous", "SC": "subcutaneous", "IV/SC": "intravenous or subcutaneous"}
FORM_NAMES = {"liquid": "a liquid", "lyophilized": "a powder to reconstitute", "kit": "a kit"}


class NdcOnDrugLine(Rule):
    id = "IG09"
    title = "NDC and quantity on every immune globulin drug line"
    policy = (
        "The drug line carries the package's 11-digit NDC (2410 LIN*N4, 5-4-2 without hyphens) and the"
        " quantity given with its unit (CTP04, CTP05-1 F2, GR, ME, ML or UN); the NDC must match the"
        " code billed."
    )
    source = (
        "X12 005010X222A1/X223A2 loop 2410; practitioner guidance (seed 004: 'the NDC must match the J-code');"
        " units by package form: NCPDP billing unit standard as payers' NDC billing guides apply it (POLICY-REVIEW R22)"
    )
    applies_to = "837P and 837I, every setting and payer"
    severity = "warning"
    fix = "unsafe"
    example = "J1561 with no LIN segment; or LIN**N4*1353380511 (10 digits); or J1561 with Hizentra's NDC"
    __doc__ = f"""{title}.

    ## What it checks

    An immune globulin drug line with no LIN*N4 NDC; an NDC that is not 11 digits; no CTP
    quantity or a unit other than F2, GR, ME, ML, UN; a unit that does not fit the NDC's package
    form (the form column of the NDC table: ML for a liquid, UN for a powder to reconstitute or a
    kit such as HyQvia); an NDC the reference table gives to
    another product's code (a not-otherwise-classified code is IG04's business; a product's
    earlier code is its code too: Asceniv under C9072, which J1554 replaced; whether a code is
    valid on the date is IG12's). The message names both products and the NDC's own code that
    day. Under a CPT product code a payer takes (option immune_globulin_cpt_codes), which stands
    for any product of its route, an NDC of a product given by the other route.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Unsafe: which of the two is wrong is not known, and the fix takes the NDC's word (so no
    other rule computes a fix from that line's code). For an NDC of another product, bill the
    NDC's own code valid on the date of service, in units worked out from the CTP quantity
    alone (the units billed were counted in the doubted code's unit). No fix when the quantity
    does not convert or the product has no code of its own that day. The missing and malformed
    NDC and quantity are flag-only: they are on the package, not the claim.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        for drug in drug_lines(claim, ctx):
            line, info = drug.line, drug.line.drug
            if info is None or info.ndc is None:
                yield Problem(f"{describe(line)}: no NDC (2410 LIN*N4); give the 11-digit NDC of the package used", line)
                continue
            if not info.ndc_is_11_digits:
                yield Problem(
                    f"{describe(line)}: NDC {info.ndc[:20]!r} is not 11 digits; write it 5-4-2 with leading zeros"
                    " and no hyphens", line, kind="invalid",
                )
            product = drug.product
            if info.quantity is None or info.unit not in CTP_UNITS:
                yield Problem(
                    f"{describe(line)}: the quantity given (CTP04) and its unit (CTP05-1: F2, GR, ME, ML or UN)"
                    " are missing or wrong", line, kind="quantity",
                )
            elif product is not None and (unit := UNIT_OF_FORM.get(product.form)) and info.unit != unit:
                yield Problem(
                    f"{describe(line)}: NDC {product.ndc} is {product.product}, {FORM_NAMES[product.form]}, whose quantity is"
                    f" given in {UNIT_NAMES[unit]}, not {info.unit}; payers that check NDC units deny a unit"
                    " that does not fit the package", line, kind="quantity",
                )
            if product is None or drug.code.noc or drug.is_unclassified:
                continue
            if drug.code.any_product:
                if drug.code.route not in product.route.split("/"):
                    yield Problem(
                        f"{describe(line)}: {drug.code.code} is this payer's code for {ROUTES[drug.code.route]} immune"
                        f" globulin, but NDC {product.ndc} is {product.product}, given {ROUTES[product.route]}",
                        line, kind="invalid",
                    )
            elif drug.code.code not in ctx.reference.product_codes(product):
                yield attrs.evolve(_other_product(drug, claim, ctx), kind="invalid")


def _other_product(drug: DrugLine, claim: Claim, ctx: Context) -> Problem:
    """A line whose NDC names another product than its code: the unsafe recode to the NDC's own code."""
    line, product = drug.line, drug.product
    assert product is not None
    said = f"{describe(line)}: {drug.code.code} is {drug.code.product} but NDC {product.ndc} is {product.product}"
    own = ctx.reference.specific_code(product, service_date(line, claim))
    if own is None:
        return Problem(
            f"{said}, which has no code of its own on this date; the NDC and the code must name the same product", line
        )
    message = f"{said}, whose code on this date is {own.code}; the NDC and the code must name the same product"
    return recode(line, product, None, own, message, bill="if the NDC is the right one, bill")
