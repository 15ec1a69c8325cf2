"""The days a line was provided: its own DTP*472 date or range, else (837I) the claim's statement period."""

from __future__ import annotations

import datetime as dt

from edi_ivig.model import Claim, ServiceLine


def service_date(line: ServiceLine, claim: Claim) -> dt.date | None:
    """The first day a line was provided: its own date, else (837I) the statement period's."""
    if line.date is not None:
        return line.date.start
    period = claim.statement_period
    return period.start if period else None


def days(line: ServiceLine, claim: Claim) -> frozenset[dt.date]:
    """The days a line covers: its own date or range, else (837I) the statement period."""
    dates = line.date or claim.statement_period
    return dates.each_day if dates is not None else _NONE


_NONE: frozenset[dt.date] = frozenset()
