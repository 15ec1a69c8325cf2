"""A 277CA read back as a short table: what the submitter is told of each claim.

For each claim (2000D): its id (TRN02), whether it was accepted or rejected with its status
codes (STC01), its charge (STC04), and what edi-ivig corrected, left to review or held it for
(STC12); for a rejected claim, each line the 277CA names (2220D: SVC, REF*FJ, DTP*472) with its
codes. The rules named are listed at the end with their titles. No patient name is shown.
"""

from __future__ import annotations

import io

import attrs

from edi_ivig.rules.registry import BY_ID
from edi_ivig.x12.segment import Segment
from edi_ivig.x12.tokenizer import tokenize

# STC03, the action code: what was done with the claim.
ACTIONS = {"WQ": "accepted", "U": "rejected"}
# The words of STC12 (as reports/ack277.py writes them) as a person reads them.
WORDS = (("EDI-IVIG ", ""), ("CORRECTED", "corrected"), ("TO REVIEW", "to review"), ("HELD FOR", "held for"), (", ", "; "))


@attrs.define
class LineStatus:
    """A line of a rejected claim (2220D): the code billed, its REF*6R, its dates, its status codes."""

    code: str
    control: str = ""
    dates: str = ""
    codes: list[str] = attrs.field(factory=list)

    def __str__(self) -> str:
        where = f" on {self.dates}" if self.dates else ""
        control = f" (REF*6R {self.control})" if self.control else ""
        return f"{self.code}{where}{control}: {', '.join(self.codes)}"


@attrs.define
class ClaimStatus:
    claim_id: str
    action: str = ""
    codes: list[str] = attrs.field(factory=list)
    charge: str = ""
    text: str = ""
    lines: list[LineStatus] = attrs.field(factory=list)


def read(data: bytes) -> list[ClaimStatus]:
    """The claims a 277CA answers, in order, with what it says of each."""
    claims: list[ClaimStatus] = []
    for interchange in tokenize(io.BytesIO(data)):
        d = interchange.delimiters
        level, claim = "", None
        for piece in interchange.pieces:
            segment = Segment.parse(piece, d.element)
            sid = segment.id
            if sid == "HL":
                level, claim = segment.get(3), None
            elif level == "PT" and sid == "TRN" and segment.get(1) == "2":
                claim = ClaimStatus(segment.get(2))
                claims.append(claim)
            elif claim is None:
                continue
            elif sid == "SVC":
                _, code, *modifiers = segment.get(1).split(d.component)
                claim.lines.append(LineStatus("-".join([code, *(m for m in modifiers if m)])))
            elif sid == "STC" and claim.lines:
                claim.lines[-1].codes.append(segment.get(1).replace(d.component, ":"))
            elif sid == "STC":
                claim.action, claim.charge = segment.get(3), segment.get(4)
                claim.codes.append(segment.get(1).replace(d.component, ":"))
                claim.text = segment.get(12) or claim.text
            elif sid == "REF" and segment.get(1) == "FJ" and claim.lines:
                claim.lines[-1].control = segment.get(2)
            elif sid == "DTP" and claim.lines:
                claim.lines[-1].dates = "..".join(_iso(day) for day in segment.get(3).split("-"))
    return claims


def render(data: bytes, name: str) -> str:
    """A row per claim, the lines of a rejected claim under it, a total, then the rules named."""
    claims = read(data)
    rows = [
        (c.claim_id, f"{ACTIONS.get(c.action, c.action)} ({', '.join(c.codes)})", c.charge, _words(c.text))
        for c in claims
    ]
    head = ("claim", "status", "charge")
    w = [max([len(head[i]), *(len(row[i]) for row in rows)]) for i in range(3)]
    out = [f"{head[0]:<{w[0]}}  {head[1]:<{w[1]}}  {head[2]:>{w[2]}}  what edi-ivig did"]
    for claim, (claim_id, status, charge, did) in zip(claims, rows):
        out.append(f"{claim_id:<{w[0]}}  {status:<{w[1]}}  {charge:>{w[2]}}  {did or 'nothing to correct'}".rstrip())
        out += [f"{'':<{w[0]}}  line {line}" for line in claim.lines]
    accepted = sum(1 for c in claims if c.action == "WQ")
    out.append(f"{name}: {len(claims)} claim(s), {accepted} accepted, {len(claims) - accepted} rejected (held)")
    named = sorted({word for c in claims for word in c.text.replace(",", " ").split() if word in BY_ID})
    out += [f"  {rule_id}  {BY_ID[rule_id].title}" for rule_id in named]
    return "\n".join(out)


def _iso(day: str) -> str:
    return f"{day[:4]}-{day[4:6]}-{day[6:]}" if len(day) == 8 else day


def _words(text: str) -> str:
    for old, new in WORDS:
        text = text.replace(old, new)
    return text
