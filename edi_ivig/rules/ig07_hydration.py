"""IG07: no hydration billed for the saline that runs with an immune globulin infusion."""

from __future__ import annotations

from collections.abc import Iterator

from edi_ivig.model import Claim
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import days
from edi_ivig.rules.lines import HYDRATION_GROUPS, drug_lines
from edi_ivig.rules.messages import describe


class Hydration(Rule):
    id = "IG07"
    title = "No hydration code on the day of an immune globulin infusion"
    policy = (
        "Hydration (96360/96361) is not billed for the saline used to flush the line or dilute the drug"
        " during an IVIG infusion: it is part of the infusion service."
    )
    source = "Practitioner guidance (seed 004, 'The Hydration Trap'); CMS NCCI policy manual ch. 11"
    applies_to = "837P and 837I, every payer"
    severity = "warning"
    example = "96365 + 96361 with J1561 on 2026-10-05: the 96361 line is not payable"
    __doc__ = f"""{title}.

    ## What it checks

    A hydration line (96360, 96361) on a day with an immune globulin drug line.

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    No fix: whether hydration was a separate, medically necessary service is in the record, not
    on the claim; remove the line or document why it stands.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        ref = ctx.reference
        infusion_days = frozenset().union(*(days(d.line, claim) for d in drug_lines(claim, ctx)))
        for line in claim.lines:
            if ref.group(line.procedure.code) in HYDRATION_GROUPS and days(line, claim) & infusion_days:
                yield Problem(
                    f"{describe(line)}: hydration on a day of immune globulin infusion; the saline is part of the"
                    " infusion, not billed on its own",
                    line,
                )
