"""IG12: an immune globulin code billed on a date of service it is valid for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from edi_ivig.model import Claim
from edi_ivig.reference import HcpcsCode, NdcProduct, Reference
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import days
from edi_ivig.rules.edits import recode
from edi_ivig.rules.messages import describe


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
    applies_to = "837P and 837I, every setting and payer"
    severity = "error"
    fix = "unsafe"
    relies_on = frozenset({"code", "ndc"})
    # A code whose first date no source confirms is not known to be valid, not known wrong: said as
    # a warning whatever the rule's severity, so the claim is not held for it.
    kind_severity = {"unconfirmed": "warning"}
    example = (
        "C9072 for Asceniv (NDC 69800025001) on 2022-03-01, after C9072 ended on 2021-03-31: bill J1554,"
        " Asceniv's code on that date, in units of its 500 mg"
    )
    __doc__ = f"""{title}.

    ## What it checks

    A line billed under a code of the immune globulin table (config/hcpcs_immune_globulin.csv)
    on a date of service (its DTP*472, else on an 837I the statement period) before the code
    began or after it ended, e.g. J1562 after 2025-12-31, J1553 (Yimmugo) before 2026-04-01 or
    C9072 outside 2021-Q1: an error, since the payer denies the code. The other rules look
    codes up by date, so to them a line wholly outside its code's dates is no immune globulin
    line: this rule is the one that speaks of it.

    A range partly outside (J1553 over 2026-03-30..04-02) is flagged: each day goes on its own
    line (IG01 splits it when it can), and the days outside are then judged one by one; when it
    cannot be split, the message says how many days the code does not cover.

    A code whose first date the table does not confirm (J1577, Qivigy's code: no source gives
    its start) is not known to be valid, rather than valid always: it is said as not known, a
    warning (the claim is not held for a fact no source gives): check it with the payer. No fix
    is computed from that row.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Unsafe: it changes what is billed. When the line's NDC names a product whose own code is
    valid on its dates (the NDC crosswalk's code, or a code linked to it by replaced_by: C9072
    before J1554), replace the code and convert the units to its descriptor (C9072 in 2022 for
    Asceniv: J1554; J1554 in 2021-Q1: C9072); with no NDC, a code linked by replaced_by names
    its product by itself. An NDC of another product than the code's (J1562 with a Privigen
    NDC) is flagged, not recoded (which one is wrong is not known). Otherwise flag, and say what
    to bill: a lyophilized product under J1566, another product with no code of its own then
    under the not-otherwise-classified code the payer asks for (J1599 or J3590); with no NDC,
    or one not in the NDC table, the message says so.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        ref = ctx.reference
        for line in claim.lines:
            rows = ref.rows(line.procedure.code)
            if not rows:
                continue
            on = sorted(days(line, claim))
            outside = [day for day in on if not any(row.valid_on(day) for row in rows)]
            what = describe(line) if line.date is not None else f"{describe(line)} (dated by the statement period)"
            if not outside:
                if any(not row.dates_confirmed for row in rows if on and row.valid_on(on[0])):
                    yield Problem(
                        f"{what}: no source in the HCPCS table confirms when {line.procedure.code} began, so whether"
                        " it may be billed on this date is not known; confirm it with the payer (until then the"
                        " not-otherwise-classified code the payer asks for, J1599 or J3590)", line,
                        kind="unconfirmed",
                    )
                continue
            message = f"{what}: {_validity(rows)}"
            if len(outside) < len(on):
                yield Problem(
                    f"{message}, so {len(outside)} of its {len(on)} days cannot be billed under it; give each day"
                    " its own line and bill those days under the code valid then", line,
                )
                continue
            ndc = line.drug.ndc if line.drug else None
            product = ref.ndc(ndc)
            code = line.procedure.code
            if product is None:  # the code itself may name its product (C9072: Asceniv, later J1554)
                own = ref.own_code(ref.same_product(code), on[0], on[-1])
                if own is not None:
                    yield recode(line, None, rows[0].unit_mg, own, f"{message}; the same product's code then is {own.code}")
                    continue
                unknown = f"NDC {ndc} is not in the NDC table" if ndc else "the line has no NDC (2410 LIN)"
                yield Problem(f"{message}; {unknown}, so its product's code is not known: bill the code valid then", line)
                continue
            if code not in ref.product_codes(product) and not rows[0].noc:
                yield Problem(
                    f"{message}; NDC {product.ndc} is {product.product}, billed under {product.hcpcs}, not {code}:"
                    " the NDC and the code must name the same product", line,
                )
                continue
            own = ref.own_code(ref.product_codes(product), on[0], on[-1])
            if own is None:
                yield Problem(f"{message}; NDC {product.ndc} is {product.product}, which {_unclassified(ref, product, on[0])}", line)
                continue
            message = f"{message}; NDC {product.ndc} is {product.product}, whose code then is {own.code}"
            yield recode(line, product, rows[0].unit_mg, own, message)


def _validity(rows: Sequence[HcpcsCode]) -> str:
    """When a code may be billed, as a billing person says it: 'C9072 is valid only 2021-01-01..2021-03-31'."""
    spans = []
    for row in rows:
        start, end = row.effective_from, row.terminated_on
        if start is not None and end is not None:
            spans.append(f"{start.isoformat()}..{end.isoformat()}")
        elif start is not None or end is not None:
            spans.append(f"from {start.isoformat()}" if start is not None else f"until {end.isoformat()}")  # type: ignore[union-attr]
    return f"{rows[0].code} is valid only " + " and ".join(spans)


def _unclassified(ref: Reference, product: NdcProduct, day: dt.date) -> str:
    """What a product with no code of its own on a day is billed under."""
    crosswalk = ref.code(product.hcpcs, day)
    if crosswalk is not None and crosswalk.noc:  # a lyophilized product: J1566
        return f"is billed under {crosswalk.code}, a not-otherwise-classified code, with its name, dose and NDC in the narrative"
    return (
        "has no code of its own then: bill it under the not-otherwise-classified code the payer asks for"
        " (J1599 or J3590), with its name, dose and NDC in the narrative"
    )
