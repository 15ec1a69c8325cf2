"""IG11: units of one drug on one day within the configured daily maximum."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from edi_ivig.model import Claim, ServiceLine, format_number
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.ivig import days, drug_lines


class DailyMaximum(Rule):
    id = "IG11"
    title = "Units per day within the configured maximum"
    policy = (
        "Units of service per day for a drug code above the payer's medically unlikely edit (MUE) are"
        " denied; the limit and its source come from the configuration."
    )
    source = "CMS NCCI medically unlikely edits (J-codes), as configured in options.daily_maximum"
    severity = "warning"
    example = "[options.daily_maximum] J1561 = { units = 300, source = '...' }; 320 units on one day is flagged"
    __doc__ = f"""{title}.

    Checks: the units of one immune globulin code on one day, summed over its lines (a line over
    a range counts its units evenly per day), above options.daily_maximum for that code. No
    limit ships: none was found with a source, and the config refuses a limit without one.

    Why: {policy} ({source})

    No fix: the dose is the prescriber's.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        limits = ctx.settings.daily_maximum
        if not limits:
            return
        units: dict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
        first: dict[tuple[str, dt.date], ServiceLine] = {}
        for drug in drug_lines(claim, ctx):
            line = drug.line
            covered = days(line, claim)
            if line.procedure.code not in limits or not covered or line.units is None:
                continue
            for day in covered:
                key = (line.procedure.code, day)
                units[key] += line.units / len(covered)
                first.setdefault(key, line)
        for (code, day), total in sorted(units.items()):
            limit = limits[code]
            if total > limit["units"]:
                yield Problem(
                    f"{code} on {day.isoformat()}: {format_number(total)} units in the day, over the maximum of"
                    f" {limit['units']} ({limit['source']})",
                    first[(code, day)],
                )
