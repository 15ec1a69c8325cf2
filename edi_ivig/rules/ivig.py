"""What the rules need to know about immune globulin lines, in one place.

Which lines are immune globulin drug lines (by code, or by NDC for an
unclassified-drug code), how much drug a line says was given (2410 CTP with
the product's concentration or package size), and how many billing units that
is for a code.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from decimal import Decimal

import attrs

from edi_ivig.model import Claim, DateRange, ServiceLine, format_number
from edi_ivig.reference import UNCLASSIFIED_DRUG_CODES, HcpcsCode, NdcProduct, Reference
from edi_ivig.rules.base import Context, Problem, ReplaceLine, service_date

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


def drug_line(line: ServiceLine, claim: Claim, reference: Reference) -> DrugLine | None:
    code = reference.code(line.procedure.code, service_date(line, claim))
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
        lambda: [d for line in claim.lines if (d := drug_line(line, claim, ctx.reference)) is not None],
    )


def is_administration(line: ServiceLine, reference: Reference) -> bool:
    return reference.group(line.procedure.code) in ADMINISTRATION_GROUPS


def days(line: ServiceLine, claim: Claim) -> frozenset[dt.date]:
    """The days a line covers: its own date or range, else (837I) the statement period."""
    dates = line.date or claim.statement_period
    return _days(dates) if dates is not None else frozenset()


def administration_days(claim: Claim, ctx: Context) -> frozenset[dt.date]:
    """The days with a drug administration code (96365-96379) on the claim (worked out once per claim object)."""
    return ctx.remember(
        "administration_days", claim,
        lambda: frozenset().union(
            *(days(line, claim) for line in claim.lines if ctx.reference.group(line.procedure.code) in DRUG_ADMINISTRATION_GROUPS)
        ),
    )


@functools.lru_cache(maxsize=1024)
def _days(dates: DateRange) -> frozenset[dt.date]:
    return frozenset(dates.start + dt.timedelta(days=i) for i in range(dates.days))


def grams_given(line: ServiceLine, product: NdcProduct | None) -> Decimal | None:
    """Grams of immune globulin the line's CTP quantity stands for, when it can be known."""
    drug = line.drug
    if drug is None or drug.quantity is None:
        return None
    quantity, unit = drug.quantity, drug.unit
    if unit == "GR":
        return quantity
    if unit == "ME":
        return quantity / 1000
    if unit == "ML" and product is not None and product.grams_per_ml is not None:
        return quantity * product.grams_per_ml
    if unit == "UN" and product is not None and product.grams_per_package is not None:
        return quantity * product.grams_per_package
    return None  # F2 (international units), or a product whose size is not known


# "10 G DAILY", "0.4 GM/DAY", "20 GRAMS PER DAY", "5G QD" in an NTE or the narrative: the dose of each day.
_DAILY_DOSE = re.compile(r"(?<![\d.])(\d{1,4}(?:\.\d{1,3})?) ?(?:G|GM|GMS|GRAMS?)\b ?(?:DAILY|QD|/ ?DAY|PER DAY|EACH DAY|A DAY)\b")


def stated_daily_grams(line: ServiceLine) -> Decimal | None:
    """The grams a day the line says were given (its NTE notes or its narrative), when it says one amount."""
    texts = [*line.notes, line.procedure.description]
    stated = {Decimal(m.group(1)) for text in texts if text for m in _DAILY_DOSE.finditer(text.upper())}
    return stated.pop() if len(stated) == 1 else None


def line_grams(drug: DrugLine) -> Decimal | None:
    """The grams a drug line bills: its CTP quantity, else its units (UN) in its code's unit."""
    grams = grams_given(drug.line, drug.product)
    line = drug.line
    if grams is None and drug.code.unit_mg and line.units is not None and line.unit_basis == "UN":
        grams = line.units * drug.code.unit_mg / 1000
    return grams


def billing_units(grams: Decimal, unit_mg: int, *, waste: bool) -> int:
    """Units for a dose: the administered amount rounds up, the discarded (JW) amount down."""
    exact = grams * 1000 / unit_mg
    return math.floor(exact) if waste else math.ceil(exact)


def _converted_units(line: ServiceLine, product: NdcProduct | None, billed_unit_mg: int | None, unit_mg: int | None) -> int | None:
    """The line's dose in units of `unit_mg`: from its CTP amount, else from its units (UN) of the code billed.

    None when the dose cannot be known.
    """
    if unit_mg is None:
        return None
    grams = grams_given(line, product)
    if grams is None and billed_unit_mg and line.units is not None and line.unit_basis == "UN":
        grams = line.units * billed_unit_mg / 1000
    if grams is None:
        return None
    return billing_units(grams, unit_mg, waste="JW" in line.procedure.modifiers)


def recode(
    line: ServiceLine, product: NdcProduct | None, billed_unit_mg: int | None, own: HcpcsCode, message: str,
    *, bill: str = "bill",
) -> Problem:
    """The problem of a line billed under a code other than `own`, with the edit to `own` when its units convert.

    `billed_unit_mg` None: the units billed say nothing of the dose (the code billed is in doubt).
    """
    units = _converted_units(line, product, billed_unit_mg, own.unit_mg)
    if units is None:
        return Problem(f"{message}; {bill} {own.code} in units of its descriptor", line)
    if units < 1:
        amount = "the amount discarded" if "JW" in line.procedure.modifiers else "the dose"
        return Problem(f"{message}; {amount} comes to less than one unit of {own.code} ({own.unit_mg} mg)", line)
    new = line.with_procedure(code=own.code).edit(units=Decimal(units), unit_basis="UN")
    return Problem(f"{message}; {bill} {own.code} x {units} (units of {own.unit_mg} mg)", line, ReplaceLine(line, (new,)))


def add_modifier(line: ServiceLine, modifier: str, message: str) -> Problem:
    """The problem of a missing modifier, with the edit that adds it when a slot is free."""
    mods = line.procedure.modifiers
    if len(mods) >= 4:
        return Problem(f"{message} (this line has no room for a fifth modifier)", line)
    return Problem(message, line, ReplaceLine(line, (line.with_procedure(modifiers=[*mods, modifier]),)))


def units_text(units: Decimal) -> str:
    return f"{format_number(units)} unit" + ("" if units == 1 else "s")


def describe(line: ServiceLine) -> str:
    """A line as a billing person names it in a message: code, modifiers and date."""
    p = line.procedure
    code = p.code + "".join(f"-{m}" for m in p.modifiers)
    if line.date is None:
        return code
    if line.date.is_range:
        return f"{code} on {line.date.start.isoformat()}..{line.date.end.isoformat()}"
    return f"{code} on {line.date.start.isoformat()}"
