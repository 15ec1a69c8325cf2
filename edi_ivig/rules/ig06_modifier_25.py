"""IG06: modifier 25 on an E/M visit the same day as drug administration."""

from __future__ import annotations

from collections.abc import Iterator

from edi_ivig.model import Claim
from edi_ivig.rules.base import Context, Problem, Rule
from edi_ivig.rules.days import days
from edi_ivig.rules.edits import add_modifier
from edi_ivig.rules.lines import DRUG_ADMINISTRATION_GROUPS, administration_days, drug_lines
from edi_ivig.rules.messages import describe


class Modifier25(Rule):
    id = "IG06"
    title = "Modifier 25 on an E/M visit the same day as the infusion"
    policy = (
        "When separately identifiable evaluation and management services are provided and documented on"
        " the same day as intravenous administration, they may be billed using modifier 25."
    )
    source = (
        "CMS MAC Billing and Coding article A59105 (seed 000); NCCI: 99211 is not reported with drug administration"
        " (CR 3631, MCPM ch. 12 section 30.6.7: physicians' claims); G0463 with 9636x: NCCI hospital edits (POLICY-REVIEW R9)"
    )
    applies_to = "837P and 837I (G0463 too), every payer; 99211 with drug administration: 837P only"
    severity = "error"
    fix = "unsafe"
    example = "99213 on 2026-10-05 with 96365 on 2026-10-05 and no 25: 99213-25"
    __doc__ = f"""{title}.

    ## What it checks

    On claims with an immune globulin line: an E/M visit (99202-99215, or the hospital clinic
    visit G0463 that Medicare's OPPS pays instead) on a date with a drug administration code
    (96365-96379) and without modifier 25; on a professional claim (837P), 99211 on such a date
    (CMS's rule for 99211 is one for physicians' claims); 25 on a drug or administration line (it
    belongs on the visit line).

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Unsafe: it asserts the visit was separately identifiable and documented. Add 25 to the E/M
    line. The others are flagged.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        ref = ctx.reference
        drugs = drug_lines(claim, ctx)
        if not drugs:
            return
        given = administration_days(claim, ctx)
        drug_ids = {id(d.line) for d in drugs}
        for line in claim.lines:
            group = ref.group(line.procedure.code)
            mods = line.procedure.modifiers
            if group == "em_visit" and days(line, claim) & given:
                if line.procedure.code == "99211" and claim.kind == "837P":
                    yield Problem(
                        f"{describe(line)}: 99211 is not reported with drug administration on the same day (NCCI)",
                        line, kind="procedure",
                    )
                elif "25" not in mods:
                    yield add_modifier(
                        line, "25",
                        f"{describe(line)}: an E/M visit on a day of drug administration needs modifier 25,"
                        " if it was separately identifiable and documented",
                    )
            elif "25" in mods and (id(line) in drug_ids or group in DRUG_ADMINISTRATION_GROUPS):
                yield Problem(
                    f"{describe(line)}: modifier 25 belongs on the E/M visit line, not on a drug or administration line",
                    line,
                )
