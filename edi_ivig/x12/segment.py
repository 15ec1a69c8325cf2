"""One segment: its elements and the exact text around it."""

from __future__ import annotations

import attrs

from edi_ivig.x12.delimiters import WHITESPACE, Delimiters


@attrs.frozen
class Segment:
    """A segment as read (or as an edit made it).

    `elements[0]` is the segment id, so `elements[1]` is the X12 "01" element.
    `lead` is what stood between the previous terminator and the id (line
    breaks, indentation); `number` is the segment's position in the file
    (ISA = 1), None for a segment an edit created; `offset` the byte offset
    of its id, when the reader knew it (for messages: it names a place, where a
    value would show content). Splitting on the element
    separator and joining again gives back the text exactly, so an unchanged
    segment re-renders byte for byte.
    """

    elements: tuple[str, ...]
    lead: str = ""
    number: int | None = None
    offset: int | None = attrs.field(default=None, eq=False)

    @classmethod
    def parse(cls, piece: str, separator: str, number: int | None = None, at: int | None = None) -> Segment:
        """`at` is the byte offset of the terminator before `piece`, when known."""
        text = piece.lstrip(WHITESPACE)
        lead = piece[: len(piece) - len(text)]
        return cls(tuple(text.split(separator)), lead, number, None if at is None else at + 1 + len(lead))

    @property
    def id(self) -> str:
        return self.elements[0]

    def get(self, index: int) -> str:
        """Element `index` (1-based, as in SV101), or "" when the segment is shorter."""
        return self.elements[index] if index < len(self.elements) else ""

    def components(self, index: int, delimiters: Delimiters) -> list[str]:
        return self.get(index).split(delimiters.component)

    def with_element(self, index: int, value: str) -> Segment:
        """A copy with element `index` set, padding with empty elements if needed."""
        elements = list(self.elements)
        elements.extend([""] * (index + 1 - len(elements)))
        elements[index] = value
        return Segment(tuple(elements), self.lead, self.number, self.offset)

    def with_elements(self, values: dict[int, str]) -> Segment:
        """A copy with several elements set at once."""
        elements = list(self.elements)
        short = max(values) + 1 - len(elements)
        if short > 0:
            elements += [""] * short
        for index, value in values.items():
            elements[index] = value
        return Segment(tuple(elements), self.lead, self.number, self.offset)

    def render(self, delimiters: Delimiters) -> str:
        """The segment with the terminator of the segment before it, as the writer emits it."""
        return delimiters.segment + self.lead + delimiters.element.join(self.elements)


def is_digits(text: str) -> bool:
    """True for one or more of 0-9: an X12 whole number or date (str.isdigit also takes '²' and '³')."""
    return text.isascii() and text.isdigit()
