"""How much drug a line says was given, and how many billing units that is for a code.

The amount comes from the 2410 CTP quantity with the product's concentration or package
size (NDC table), or from a daily dose the line states in words; units are that amount
divided by the code's descriptor unit.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from edi_ivig.model import ServiceLine
from edi_ivig.reference import NdcProduct
from edi_ivig.rules.lines import DrugLine


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


def daily_doses_stated(line: ServiceLine) -> frozenset[Decimal]:
    """Every grams-a-day amount the line's NTE notes or narrative mention."""
    texts = [*line.notes, line.procedure.description]
    return frozenset(Decimal(m.group(1)) for text in texts if text for m in _DAILY_DOSE.finditer(text.upper()))


def stated_daily_grams(line: ServiceLine) -> Decimal | None:
    """The grams a day the line says were given, when it says one amount."""
    stated = daily_doses_stated(line)
    return next(iter(stated)) if len(stated) == 1 else None


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


def converted_units(line: ServiceLine, product: NdcProduct | None, billed_unit_mg: int | None, unit_mg: int | None) -> int | None:
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
