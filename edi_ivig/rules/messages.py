"""How a message names a line and a number of units, as a billing person would."""

from __future__ import annotations

from decimal import Decimal

from edi_ivig.model import ServiceLine, format_number


def describe(line: ServiceLine) -> str:
    """A line as a billing person names it in a message: code, modifiers and date."""
    p = line.procedure
    code = p.code + "".join(f"-{m}" for m in p.modifiers)
    if line.date is None:
        return code
    if line.date.is_range:
        return f"{code} on {line.date.start.isoformat()}..{line.date.end.isoformat()}"
    return f"{code} on {line.date.start.isoformat()}"


def units_text(units: Decimal) -> str:
    return f"{format_number(units)} unit" + ("" if units == 1 else "s")
