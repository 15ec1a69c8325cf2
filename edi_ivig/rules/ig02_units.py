"""IG02: billed units follow the HCPCS descriptor's unit, not mL, grams or bags."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from edi_ivig.model import Claim, format_number
from edi_ivig.rules.base import Context, Problem, ReplaceLine, Rule
from edi_ivig.rules.days import service_date
from edi_ivig.rules.doses import billing_units, grams_given
from edi_ivig.rules.lines import DrugLine, drug_lines
from edi_ivig.rules.messages import describe, units_text


class UnitsPerDescriptor(Rule):
    id = "IG02"
    title = "Units billed in the HCPCS descriptor's unit"
    policy = (
        "Billing units = administered amount / descriptor unit, rounded up for the administered line"
        " (the JW line rounds down); most IV immune globulin codes are per 500 mg, SC codes and J1553"
        " per 100 mg; never mL, grams or bags."
    )
    source = "CMS HCPCS Level II descriptors (config/hcpcs_immune_globulin.csv); DOMAIN.md 'Units'"
    applies_to = "837P and 837I, every setting and payer"
    severity = "error"
    fix = "safe"
    relies_on = frozenset({"code", "ndc"})
    example = "J1459 billed 300 units with CTP****300*ML of a 10% product: 30 g is 60 units of 500 mg"
    __doc__ = f"""{title}.

    ## What it checks

    An immune globulin drug line whose units differ from the amount its 2410 CTP quantity stands
    for (mL x the NDC's concentration, grams, mg, or packages x the NDC's package size) divided
    by the code's descriptor unit for the date of service: 500 mg for most IV codes, 100 mg for
    SC codes and for J1553 (Yimmugo) and J1577 (Qivigy), both IV. The administered line rounds
    up, the JW line down. For an unclassified-drug code (J3490/J3590/J7799) the payer's noc_units
    option decides: 1 unit, or the dose in units of the product's own code. Names the likely
    mistake (units = mL, grams or packages).

    Without a CTP the amount given is unknown and the rule says nothing (IG09 flags the missing
    CTP); with mL of an unknown product it flags units that equal the mL. A drug line billed in
    minutes (MJ) or days (DA) instead of units (UN) is flagged too.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Safe when the units billed are a known slip (the mL, the grams, one per package, rounded the
    wrong way, counted in the other code unit), missing, or not in units, since the CTP is then
    the one amount the line gives: set the units to the computed number, with the unit basis UN
    (so a line in MJ or DA whose amount is known is set to units); the line charge stays as
    billed.

    Unsafe when they are some other number: two amounts disagree and the claim does not say
    which is right. No fix when the amount given is unknown.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        for drug in drug_lines(claim, ctx):
            yield from self._check_line(drug, claim, ctx)

    def _check_line(self, drug: DrugLine, claim: Claim, ctx: Context) -> Iterator[Problem]:
        line = drug.line
        grams = grams_given(line, drug.product)
        unit_mg = self._unit_mg(drug, claim, ctx)
        in_units = line.unit_basis == "UN"
        if grams is None:
            if not in_units:
                yield Problem(f"{describe(line)}: billed in {_basis(line.unit_basis)}; a drug is billed in units (UN)", line)
                return
            if line.drug and line.drug.unit == "ML" and line.units is not None and line.units == line.drug.quantity and unit_mg:
                yield Problem(
                    f"{describe(line)}: {units_text(line.units)} billed, the mL given; {line.procedure.code} is"
                    f" billed per {unit_mg} mg and the reference table has no concentration for this NDC:"
                    f" bill the dose in units of {unit_mg} mg",
                    line,
                )
            return
        if drug.is_unclassified and ctx.settings.noc_units == "one":
            expected, basis = 1, "this payer takes 1 unit with the dose in the narrative (option noc_units = one)"
        elif unit_mg is None:
            yield Problem(
                f"{describe(line)}: the dose cannot be billed in units: no code with a unit in mg is known"
                " for this product on this date",
                line,
            )
            return
        else:
            expected = billing_units(grams, unit_mg, waste=drug.is_waste)
            basis = f"{format_number(grams)} g is {expected} units of {unit_mg} mg" + (
                ", rounded down for the discarded amount" if drug.is_waste else ""
            )
        if in_units and line.units is not None and line.units == expected:
            return
        if not in_units:
            amount = format_number(line.units) if line.units is not None else "nothing"
            billed = f"{amount} billed in {_basis(line.unit_basis)}"
        else:
            # Under an unclassified code a unit count means nothing by itself: name no mistake.
            mistake = "" if drug.is_unclassified else _likely_mistake(line.units, line, grams, drug)
            billed = f"{'no units' if line.units is None else units_text(line.units)} billed{mistake}"
        message = f"{describe(line)}: {billed}; {basis}"
        if expected < 1:
            yield Problem(f"{message}, less than one unit", line)
            return
        # Units that are a known slip (the mL, the grams, one per package), none, or not units at all
        # leave the CTP the one amount on the line: the fix is safe. Other units are a second amount
        # the CTP contradicts, and which of the two is right is not on the claim.
        unexplained = in_units and line.units is not None and not mistake and not drug.is_unclassified
        if unexplained:
            message += "; which of the units billed and the NDC quantity is right is not on the claim"
        fix = ReplaceLine(line, (line.edit(units=Decimal(expected), unit_basis="UN"),))
        yield Problem(message, line, fix, safety="unsafe" if unexplained else None)

    @staticmethod
    def _unit_mg(drug: DrugLine, claim: Claim, ctx: Context) -> int | None:
        if not drug.is_unclassified:
            return drug.code.unit_mg
        if drug.product is None:
            return None
        own = ctx.reference.specific_code(drug.product, service_date(drug.line, claim))
        return own.unit_mg if own else None


# The descriptor units of the immune globulin codes (500 mg for most IV codes, 100 mg for SC
# codes and some IV ones): a line counted in the other is a known slip.
COMMON_UNITS_MG = (500, 100)


def _basis(code: str) -> str:
    names = {"MJ": "minutes", "DA": "days"}
    return f"{names[code]} ({code})" if code in names else f"unit basis {code!r}"


def _likely_mistake(units: Decimal | None, line, grams: Decimal, drug: DrugLine) -> str:  # type: ignore[no-untyped-def]
    if units is None:
        return ""
    ctp = line.drug
    if ctp is not None and ctp.unit == "ML" and units == ctp.quantity:
        return " (the mL given)"
    if units == grams:
        return " (the grams given)"
    if drug.product is not None and drug.product.grams_per_package and units == grams / drug.product.grams_per_package:
        return " (one per package)"
    if ctp is not None and ctp.unit == "UN" and units == ctp.quantity:
        return " (one per package)"
    unit_mg = drug.code.unit_mg
    if unit_mg:
        waste = drug.is_waste
        if units == billing_units(grams, unit_mg, waste=not waste):
            return " (rounded down)" if not waste else " (rounded up)"
        for other in (mg for mg in COMMON_UNITS_MG if mg != unit_mg):
            if units == billing_units(grams, other, waste=waste):
                return f" (in units of {other} mg, not this code's {unit_mg} mg)"
    return ""

