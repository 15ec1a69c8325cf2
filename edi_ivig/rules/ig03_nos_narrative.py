"""IG03: a not-otherwise-classified code carries drug name, dose and units in the NOS field."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from decimal import Decimal

from edi_ivig.model import Claim, format_number
from edi_ivig.reference import NdcProduct, Reference
from edi_ivig.rules.base import Context, Problem, ReplaceLine, Rule
from edi_ivig.rules.doses import grams_given
from edi_ivig.rules.lines import DrugLine, drug_lines
from edi_ivig.rules.messages import describe

LIMIT = 80  # SV101-7 / SV202-7 maximum length
_DOSE = re.compile(r"(\d+(?:\.\d+)?)\s*(MG|G|GM|GMS|GRAM|GRAMS)\b")
_GENERIC_NAMES = ("IMMUNE GLOBULIN", "IMMUNOGLOBULIN", "IVIG", "IGIV", "SCIG", "IVIG")


class NosNarrative(Rule):
    id = "IG03"
    title = "Drug name, dose and units in the NOS field of a not-otherwise-classified code"
    policy = (
        "A not-otherwise-classified code names no drug: the claim line describes the drug given, its"
        " dose and units, in the narrative (SV101-7 / SV202-7, item 19 on paper), or it is returned; each"
        " day's dose is reported on its own line with the units in the NOS field."
    )
    source = (
        "CMS MAC article A57778 (NOC drug billing: the narrative in SV101-7 or item 19; POLICY-REVIEW R7);"
        " A59105 on the NOS field per day (seed 000); X12 005010X222A1 SV101-7 and 005010X223A2 SV202-7"
        " (description, 80 characters)"
    )
    applies_to = "837P and 837I, every setting and payer"
    severity = "error"
    fix = "safe"
    relies_on = frozenset({"ndc"})
    example = "J1599 with an empty SV101-7 and NDC 44206043690 gets 'PRIVIGEN 10% 30 G IV NDC 44206043690'"
    __doc__ = f"""{title}.

    ## What it checks

    An immune globulin line under a not-otherwise-classified code (J1599, J1566, or
    J3490/J3590/J7799 with an immune globulin NDC) whose SV101-7 (837P) or SV202-7 (837I) is
    empty, longer than 80 characters, lacks a drug name or a dose with its unit, or gives a dose
    other than the one the line's CTP says was given that day (after IG01 split the days).

    ## Why it matters

    {policy}

    Source: {source}.

    ## Example

    {example}

    ## Fix and its safety

    Safe, when the NDC is in the reference table and the CTP gives the amount: write the
    narrative as PRODUCT CONCENTRATION% GRAMS G ROUTE NDC 11-DIGIT-NDC (`PRIVIGEN 10% 30 G IV
    NDC 44206043820`). Otherwise the line is flagged.
    """

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        names = _names(ctx.reference)
        field = "SV101-7" if claim.kind == "837P" else "SV202-7"
        for drug in drug_lines(claim, ctx):
            if drug.code.noc or drug.is_unclassified:
                yield from self._check_line(drug, field, names)

    def _check_line(self, drug: DrugLine, field: str, names: re.Pattern[str]) -> Iterator[Problem]:
        line = drug.line
        grams = grams_given(line, drug.product)
        wanted = narrative(drug.product, grams) if drug.product is not None and grams is not None else None
        text = line.procedure.description
        problem = _what_is_wrong(text, grams, names)
        if problem is None:
            return
        message, kind = problem
        message = f"{describe(line)}: {field} {message}"
        if wanted is None:
            yield Problem(f"{message}; write the drug name, the dose given that day and its unit there", line, kind=kind)
        else:
            yield Problem(
                f"{message}; it becomes '{wanted}'", line,
                ReplaceLine(line, (line.with_procedure(description=wanted),)), kind=kind,
            )


def narrative(product: NdcProduct, grams: Decimal) -> str:
    """PRIVIGEN 10% 30 G IV NDC 44206043690: what a payer needs to price a NOC line."""
    name = product.product.upper()
    if product.concentration_pct is not None and "%" not in name:
        name += f" {format_number(product.concentration_pct)}%"
    text = f"{name} {format_number(grams)} G {product.route} NDC {product.ndc}"
    return text if len(text) <= LIMIT else text[:LIMIT]


def _what_is_wrong(text: str, grams: Decimal | None, names: re.Pattern[str]) -> tuple[str, str] | None:
    """What the narrative lacks, and its kind ("dose", or "" for name and field); None when fine."""
    if not text.strip():
        return "is empty", ""
    if len(text) > LIMIT:
        return f"is {len(text)} characters, over the limit of {LIMIT}", ""
    upper = text.upper()
    if not names.search(upper):
        return f"'{text}' names no immune globulin product", ""
    doses = [_grams(amount, unit) for amount, unit in _DOSE.findall(upper)]
    if not doses:
        return f"'{text}' gives no dose with its unit", "dose"
    if grams is not None and grams not in doses:
        return (
            f"'{text}' gives {format_number(doses[0])} g but the line's CTP says {format_number(grams)} g"
            " were given", "dose",
        )
    return None


def _grams(amount: str, unit: str) -> Decimal:
    value = Decimal(amount)
    return value / 1000 if unit == "MG" else value


@functools.lru_cache(maxsize=4)
def _names(reference: Reference) -> re.Pattern[str]:
    products = {name.upper() for name in reference.product_names}
    words = sorted(products | set(_GENERIC_NAMES), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b")
