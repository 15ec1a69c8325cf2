"""The problems that come with their edit: a line recoded, a modifier added.

Several rules build these the same way; the edit itself (`ReplaceLine`) and the
`Problem` that carries it are in `base`.
"""

from __future__ import annotations

from decimal import Decimal

from edi_ivig.model import ServiceLine
from edi_ivig.reference import HcpcsCode, NdcProduct
from edi_ivig.rules.base import Problem, ReplaceLine
from edi_ivig.rules.doses import converted_units


def recode(
    line: ServiceLine, product: NdcProduct | None, billed_unit_mg: int | None, own: HcpcsCode, message: str,
    *, bill: str = "bill",
) -> Problem:
    """The problem of a line billed under a code other than `own`, with the edit to `own` when its units convert.

    `billed_unit_mg` None: the units billed say nothing of the dose (the code billed is in doubt).
    """
    units = converted_units(line, product, billed_unit_mg, own.unit_mg)
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
