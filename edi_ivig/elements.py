"""Element texts to values: X12 numbers, whole numbers, dates and date ranges.

A value the model relies on must parse; when it does not, the error names the
place (segment number, byte, element), never the value: the value may be a
name, a member id or a date of birth, and messages reach logs and payers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from edi_ivig.errors import UnreadableInput
from edi_ivig.model import DateRange
from edi_ivig.x12.segment import Segment, is_digits

MAX_RANGE_DAYS = 366  # a line's or a statement's dates; longer is a typo, not a course of treatment
MAX_DIGITS = 18  # the longest X12 decimal (R) element, a monetary amount (782: R 1/18)
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")


def amount(text: str) -> Decimal | None:
    """The value of an X12 decimal (R) element; None when the text is not one.

    Decimal alone would take 'NaN' and '1E9', and numbers longer than X12's 18
    digits, which its 28-digit arithmetic cannot divide exactly. Remembered (a
    Decimal is immutable): a file repeats the same charges and units again and again.
    """
    known = _AMOUNTS.get(text, _UNKNOWN)
    if known is not _UNKNOWN:
        return known  # type: ignore[return-value]
    if not _NUMBER.fullmatch(text) or len(text) - text.count("-") - text.count(".") > MAX_DIGITS:
        value = None
    else:
        value = Decimal(text)
    if len(_AMOUNTS) >= _AMOUNTS_KEPT:
        _AMOUNTS.clear()
    if len(text) <= MAX_DIGITS + 2:  # an element can be a megabyte: keep only what can be a number
        _AMOUNTS[text] = value
    return value


_AMOUNTS: dict[str, Decimal | None] = {}
_AMOUNTS_KEPT = 4096
_UNKNOWN = object()


def required_amount(segment: Segment, index: int) -> Decimal:
    value = optional_amount(segment, index)
    if value is None:
        raise bad(segment, f"{_name(segment, index)} is empty; it is required")
    return value


def optional_amount(segment: Segment, index: int) -> Decimal | None:
    text = segment.get(index)
    if not text:
        return None
    value = amount(text)
    if value is None:
        what = f"has more digits than an X12 number carries ({MAX_DIGITS})" if _NUMBER.fullmatch(text) else "is not a number"
        raise bad(segment, f"{_name(segment, index)} {what}")
    return value


def integer(segment: Segment, index: int) -> int:
    return integer_text(segment.get(index), segment, index)


def integer_text(text: str, segment: Segment, index: int) -> int:
    """`text` (element `index` of `segment`, or a component of it) as a whole number."""
    if not is_digits(text):
        raise bad(segment, f"{_name(segment, index)} is not a whole number")
    return int(text)


def date(text: str, segment: Segment, index: int) -> dt.date:
    try:
        if len(text) != 8 or not is_digits(text):
            raise ValueError
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise bad(segment, f"{_name(segment, index)} is not a date (CCYYMMDD)") from None


def dates(dtp: Segment) -> DateRange:
    """DTP03 as a D8 date or an RD8 range."""
    qualifier, text = dtp.get(2), dtp.get(3)
    if qualifier == "D8":
        day = date(text, dtp, 3)
        return DateRange(day, day)
    if qualifier == "RD8":
        start, dash, end = text.partition("-")
        if not dash:
            raise bad(dtp, "DTP03 is not a date range (CCYYMMDD-CCYYMMDD)")
        found = DateRange(date(start, dtp, 3), date(end, dtp, 3))
        if found.end < found.start:
            raise bad(dtp, "DTP03 ends before it starts")
        if found.days > MAX_RANGE_DAYS:
            # the rules look at each day of a range; a typo like 20261005-60261007 would be 1.4 million
            raise bad(dtp, f"DTP03 spans more than {MAX_RANGE_DAYS} days, the longest range edi-ivig checks")
        return found
    raise bad(dtp, "DTP02 is not a date format this reader knows (D8 or RD8)")


def bad(segment: Segment, what: str) -> UnreadableInput:
    """An error at `segment` that names the place, never the value."""
    return UnreadableInput(what, segment=segment.number, offset=segment.offset)


def _name(segment: Segment, index: int) -> str:
    return f"{segment.id}{index:02d}"
