"""The delimiters an interchange declares in its fixed-width ISA segment."""

from __future__ import annotations

import attrs

from edi_ivig.errors import UnreadableInput

# ISA01..ISA16 are fixed width, so the element separator is the 4th character and
# the segment terminator is the character right after ISA16 (the 106th).
# What may stand between a terminator and the next segment id: line breaks and
# indentation. Not str.isspace(): X12 allows the control characters 0x1C-0x1F as
# delimiters, and Python counts those as whitespace.
WHITESPACE = " \t\r\n"

ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ISA_LENGTH = 3 + sum(w + 1 for w in ISA_WIDTHS)  # "ISA" + separator and value per element
SEGMENT_LENGTH = ISA_LENGTH + 1  # with its terminator


@attrs.frozen
class Delimiters:
    element: str
    component: str
    segment: str
    repetition: str | None = None

    def split_composite(self, value: str) -> list[str]:
        return value.split(self.component)


def parse_isa(text: str, offset: int) -> tuple[Delimiters, list[str]]:
    """Read the delimiters and elements from the 106 characters of an ISA segment.

    `text` starts at "ISA"; `offset` is its byte offset in the file (for messages).
    """
    if len(text) < SEGMENT_LENGTH:
        raise UnreadableInput(
            f"the ISA segment is cut short ({len(text)} of {SEGMENT_LENGTH} characters)",
            offset=offset,
        )
    sep = text[3]
    if sep.isalnum() or sep in WHITESPACE:
        raise UnreadableInput(f"ISA element separator {sep!r} is a letter, digit or space", offset=offset)
    elements = text[:ISA_LENGTH].split(sep)
    if len(elements) != 17 or any(len(e) != w for e, w in zip(elements[1:], ISA_WIDTHS)):
        raise UnreadableInput(_width_problem(text, sep), offset=offset)
    component, terminator, repetition = elements[16], text[ISA_LENGTH], elements[11]
    if terminator.isalnum() or terminator == " " or component.isalnum() or component in WHITESPACE:
        raise UnreadableInput(
            f"ISA16 component separator {component!r} or segment terminator {terminator!r}"
            " is a letter, digit or space",
            offset=offset,
        )
    if len({sep, component, terminator}) != 3:
        raise UnreadableInput(
            f"ISA declares the same character twice: element {sep!r}, component {component!r},"
            f" segment terminator {terminator!r}",
            offset=offset,
        )
    # ISA11 is the repetition separator from version 00402 on; before, a standards id ("U").
    if repetition.isalnum() or repetition in (" ", sep, component, terminator):
        repetition = None
    return Delimiters(sep, component, terminator, repetition), elements


def _width_problem(text: str, sep: str) -> str:
    """Name the first ISA element whose width is wrong (ISA is fixed width)."""
    parts = text.split(sep, 17)
    for number, (width, value) in enumerate(zip(ISA_WIDTHS, parts[1:]), start=1):
        if number == 16:
            value = value[:1]
        if len(value) != width:
            return (
                f"ISA{number:02d} is {len(value)} characters, the fixed width is {width};"
                " the ISA segment must be exactly 106 characters"
            )
    return "the ISA segment does not have 16 elements of fixed width"
