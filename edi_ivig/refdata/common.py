"""What every upstream reader returns, and the one error they raise."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

HCPCS_TABLE = "hcpcs_immune_globulin"
NDC_TABLE = "ndc_immune_globulin"
MUE_TABLE = "mue_immune_globulin"


class BadFile(Exception):
    """An upstream file the importer cannot read as its format says: names a place, never content beyond codes."""

    def __init__(self, path: str | Path, line: int, column: int, problem: str):
        super().__init__(f"{path}:{line}:{column}: {problem}")
        self.path, self.line, self.column, self.problem = str(path), line, column, problem


@attrs.frozen
class Observed:
    """One row as the upstream file gives it: the key of the table row and the columns the file carries."""

    key: tuple[str, ...]
    values: Mapping[str, str]  # table column -> value ("" where the file says nothing)
    line: int  # where in the upstream file (record or sheet row)
    fills: Mapping[str, str] = attrs.field(factory=dict)  # columns the file gives only a new row (a name, a labeler)
    notes: tuple[str, ...] = ()
    # column -> the step the file rounds it up to (the crosswalk's grams: whole billing units)
    rounded_up_to: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Upstream:
    """One upstream file read: which table it feeds, as of when, and its rows (or, for ICD-10-CM, a report)."""

    path: str
    format: str
    effective: dt.date
    table: str | None  # None: the file feeds no table (ICD-10-CM order file: a report only)
    rows: tuple[Observed, ...] = ()
    scope: Mapping[str, str] = attrs.field(factory=dict)  # column -> value a table row must have to be "in scope"
    report: tuple[str, ...] = ()
    source_name: str = ""  # the file's name as its publisher gives it (the name read unless the format knows better)
    citation: str = ""  # what a row's source says, when the format has its own way (MUE: "CMS MCR_MUE_...csv")

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def cited(self) -> str:
        """What a row's source says of this file: its name and effective date."""
        return self.citation or f"{self.source_name or self.name} (effective {self.effective.isoformat()})"


_MONTHS = {m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}


def effective_from_name(path: str | Path) -> dt.date | None:
    """The effective date a CMS file name carries: 2026-04-01, Eff_04-01-2026, 2019-01, HCPC2020_OCT_ANWEB, 2024Q3."""
    name = Path(path).name
    patterns = (
        (r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)", lambda m: (int(m[1]), int(m[2]), int(m[3]))),
        (r"(?<!\d)(\d{2})-(\d{2})-(\d{4})(?!\d)", lambda m: (int(m[3]), int(m[1]), int(m[2]))),
        (r"(?<!\d)(\d{4})Q([1-4])(?!\d)", lambda m: (int(m[1]), 3 * int(m[2]) - 2, 1)),
        (r"(?<!\d)(\d{4})_(JAN|APR|JUL|OCT)", lambda m: (int(m[1]), _MONTHS[m[2]], 1)),
        (r"(?<!\d)(\d{4})-(\d{2})(?!\d)", lambda m: (int(m[1]), int(m[2]), 1)),
        (r"HCPC(\d{4})_CONTR", lambda m: (int(m[1]), 1, 1)),
    )
    for pattern, parts in patterns:
        match = re.search(pattern, name, re.IGNORECASE)
        if match:
            try:
                return dt.date(*parts(match))
            except (ValueError, KeyError):
                continue
    return None


def ccyymmdd(text: str, path: str, line: int, column: int, what: str) -> str:
    """A CCYYMMDD date as YYYY-MM-DD ("" when blank), or BadFile naming the place."""
    text = text.strip()
    if not text:
        return ""
    try:
        if len(text) != 8 or not text.isdigit():
            raise ValueError
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        raise BadFile(path, line, column, f"{what} is not a date (CCYYMMDD)") from None


def decode(data: bytes) -> str:
    """UTF-8 (a BOM dropped) when it is, else ISO-8859-1 / Windows-1252, as CMS files are."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
