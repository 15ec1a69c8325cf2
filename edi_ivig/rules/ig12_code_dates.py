"""IG12: an immune globulin code billed on a date of service it is valid for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from edi_ivig.model import Claim
from edi_ivig.reference import HcpcsCode
from edi_ivig.rules.base import Context, Problem, Rule, service_date
from edi_ivig.rules.ivig import describe, recode


class CodeOnItsDates(Rule):
    id = "IG12"
    title = "An immune globulin code valid on the date of service"
    policy = (
        "Codes have effective dates, and the date of service picks the code: C9072 (Asceniv) was added"
        " effective 1/1/2021 and J1554 effective 4/1/2021."
    )
    source = (
        "MAC billing article A57187 revision history R3 and R6 (seed 001); CMS HCPCS effective and"
        " termination dates (config/hcpcs_immune_globulin.csv; DOMAIN.md)"
    )
    severity = "error"
    fix = "unsafe"
    example = (
        "C9072 for Asceniv (NDC 69800025001) on 2022-03-01, after C9072 ended on 2021-03-31: bill J1554,"
        " Asceniv's code on that date, in units of its 500 mg"
    )
    __doc__ = f"""{title}.

    Checks: a line billed under a code of the immune globulin table (config/hcpcs_immune_globulin.csv)
    on a date of service before the code began or after it ended, e.g. J1562 after 2025-12-31 or
    J1553 (Yimmugo) before 2026-04-01. Such a line is not an immune globulin line to the other
    rules (they look the code up by date), so this is the only rule that speaks of it.

    Why: {policy} ({source})

    Fix (unsafe: it changes what is billed): when the line's NDC names a product whose own code is
    valid on the date, replace the code and convert the units to its descriptor. Otherwise flag:
    a product with no code of its own on the date goes under the not-otherwise-classified code the
    payer asks for.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        ref = ctx.reference
        for line in claim.lines:
            rows = ref.rows(line.procedure.code)
            day = service_date(line, claim)
            if not rows or day is None or any(row.valid_on(day) for row in rows):
                continue
            message = f"{describe(line)}: {_validity(rows, day)}"
            product = ref.ndc(line.drug.ndc if line.drug else None)
            if product is None:
                yield Problem(f"{message}; bill the code valid on this date for the product given", line)
                continue
            own = ref.specific_code(product, day)
            if own is None:
                yield Problem(
                    f"{message}; NDC {product.ndc} is {product.product}, which has no code of its own on this date:"
                    " bill it under the not-otherwise-classified code the payer asks for (J1599 or J3590)",
                    line,
                )
                continue
            message = f"{message}; NDC {product.ndc} is {product.product}, whose code on this date is {own.code}"
            yield recode(line, product, rows[0].unit_mg, own, message)


def _validity(rows: tuple[HcpcsCode, ...], day: dt.date) -> str:
    """Why a code is not valid on a day, as a billing person says it: 'C9072 is valid only until 2021-03-31'."""
    reasons = [
        f"until {row.terminated_on.isoformat()}" if row.terminated_on is not None and day > row.terminated_on
        else f"from {row.effective_from.isoformat()}"
        for row in rows
        if row.effective_from is not None or row.terminated_on is not None
    ]
    return f"{rows[0].code} is valid only " + " and ".join(dict.fromkeys(reasons))
