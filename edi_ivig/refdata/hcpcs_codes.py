"""Which HCPCS records are immune globulin, and what a descriptor says of the billing unit.

Shared by both forms of the CMS Alpha-Numeric file (fixed-width and sheet): the range J1551-J1599
holds neighbours (J1570 ganciclovir, J1571/J1573 hepatitis B immune globulin, J1580 gentamicin),
so a code of the range is taken by its descriptor, not by its number.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from edi_ivig.refdata.common import Observed

_IMMUNE_GLOBULIN = re.compile(r"immune\s*glob", re.IGNORECASE)
# Hyperimmune globulins against one agent: other products and other rules (DOMAIN.md), not IVIG/SCIG.
_HYPERIMMUNE = re.compile(r"\b(hepatitis|rho\s*\(d\)|tetanus|rabies|botulism|cytomegalovirus|varicella|vaccinia|anthrax)", re.IGNORECASE)
_UNIT_MG = re.compile(r"(\d+)\s*mg\b", re.IGNORECASE)
_NOC = re.compile(r"not otherwise (specified|classified)|\bunclassified\b|^noc\b", re.IGNORECASE)
_BRAND = re.compile(r"\(([^)]+)\)")


def is_immune_globulin(code: str, long_description: str, known_codes: Collection[str]) -> bool:
    """A code already in the table, or one of J1551-J1599 whose descriptor names an immune globulin (not a hyperimmune one)."""
    if code in known_codes:
        return True
    in_range = code.startswith("J") and code[1:].isdigit() and 1551 <= int(code[1:]) <= 1599
    return in_range and bool(_IMMUNE_GLOBULIN.search(long_description)) and not _HYPERIMMUNE.search(long_description)


def observed(code: str, long_description: str, added: str, terminated: str, line: int) -> Observed:
    """The table row a record gives: ADD DT is effective_from (as the table has it), TERM DT terminated_on."""
    values = {"hcpcs": code, "effective_from": added, "terminated_on": terminated}
    units = _UNIT_MG.findall(long_description)
    if units:
        values["unit_mg"] = units[-1]  # "..., 500 mg"; HyQvia "100 mg immuneglobulin"
    values["noc"] = "Y" if _NOC.search(long_description) else "N"
    brands = [b for b in _BRAND.findall(long_description) if not b.lower().startswith("e.g")]
    fills = {"product": brands[0]} if brands else {}
    return Observed(key=(code, added), values=values, line=line, fills=fills)
