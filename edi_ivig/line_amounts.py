"""Which elements of a service line carry an amount or a quantity.

A fix that splits a line must divide every one of them, so that the new lines
add up to the line as billed; the conservation check (`edi_ivig.conservation`)
sums them over the lines a billed line became. Read from the 2400, 2410 and 2430
loops of the 837P (005010X222A1) and 837I (005010X223A2) implementation guides.
Rates (SV206, CTP03, CN103) are not here: a split copies them.
"""

from __future__ import annotations

# segment id -> (the element that qualifies the amount, or None; {position: name})
AMOUNT_ELEMENTS: dict[str, tuple[int | None, dict[int, str]]] = {
    "SV1": (None, {2: "line charge (SV102)", 4: "units (SV104)"}),
    "SV2": (None, {3: "line charge (SV203)", 5: "units (SV205)", 7: "non-covered amount (SV207)"}),
    "CTP": (None, {4: "drug quantity (CTP04)"}),
    "QTY": (1, {2: "quantity (QTY02)"}),
    "AMT": (1, {2: "amount (AMT02)"}),
    "PS1": (None, {2: "purchased service amount (PS102)"}),
    "CN1": (None, {2: "contract amount (CN102)"}),
    "HCP": (None, {2: "repriced allowed amount (HCP02)", 3: "repriced saving (HCP03)", 12: "repriced units (HCP12)"}),
    "SVD": (None, {2: "amount another payer paid (SVD02)", 5: "units another payer paid (SVD05)"}),
    "CAS": (1, {
        position: f"adjustment {'amount' if position % 3 == 0 else 'quantity'} (CAS{position:02d})"
        for position in (3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19)
    }),
}

# What the model reads (ServiceLine charge, units, non_covered, drug quantity) and so a
# per-day split divides; any other amount on a line makes the split refuse.
MODELLED = frozenset({("SV1", 2), ("SV1", 4), ("SV2", 3), ("SV2", 5), ("SV2", 7), ("CTP", 4)})
UNITS = frozenset({("SV1", 4), ("SV2", 5)})


def element_name(segment_id: str, position: int, qualifier: str = "") -> str:
    """An amount element as a message names it, e.g. "amount (AMT02, AMT01 T)": the qualifier only
    when it looks like one (a short code), since an element's text is the claim's, not ours."""
    qualifier_at, names = AMOUNT_ELEMENTS[segment_id]
    name = names[position]
    if qualifier_at and qualifier.isalnum() and len(qualifier) <= 3:
        return f"{name[:-1]}, {segment_id}{qualifier_at:02d} {qualifier})"
    return name
