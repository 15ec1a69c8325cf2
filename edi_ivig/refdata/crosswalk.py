"""The CMS ASP NDC-HCPCS crosswalk (quarterly CSV): which HCPCS code an NDC is billed under, and its billing units.

Banner lines first (title; line 2 "Effective January 1, 2026 through March 31, 2026"; a
disclaimer), then the header `_YYYY_CODE,Short Description,LABELER NAME,NDC2,...` (the year is
the code set's, `_2023_CODE` in January 2024), trailing empty columns, and quoted fields with
line breaks in other drugs' rows: read with the csv module over the whole file, never by lines.
NDC2 (newer files: NDC) is 5-4-2 hyphenated. BILLUNITSPKG is the billing units of a package
rounded up by CMS, so BILLUNITSPKG x unit is the package's grams only to within one unit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from decimal import Decimal, InvalidOperation

import attrs

from edi_ivig.refdata.common import NDC_TABLE, BadFile, Observed, Upstream
from edi_ivig.refdata.hcpcs_sheet import csv_rows

_HEADER = re.compile(r"^_\d{4}_CODE$")
_EFFECTIVE = re.compile(r"Effective\s+([A-Za-z]+\s+\d{1,2},\s*\d{4})\s+through\s+([A-Za-z]+\s+\d{1,2},\s*\d{4})")
_DOSAGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(MG|G|GM|CC|ML)\s*$", re.IGNORECASE)
_BANNER_SEARCH = 12


def looks_like(text: str) -> bool:
    head = text[:20000]
    return bool(re.search(r"NDC\s*-\s*HCPCS Crosswalk", head, re.IGNORECASE) or re.search(r"(^|\n)_\d{4}_CODE,", head))


def read(path: str, data: bytes, effective: dt.date | None, known_codes: Collection[str]) -> Upstream:
    rows = csv_rows(data)
    header: list[str] | None = None
    for line, fields in rows:
        if fields and _HEADER.match(fields[0].strip()):
            header = [f.strip() for f in fields]
            break
        match = _EFFECTIVE.search(" ".join(fields))
        if match and effective is None:
            effective = _date(match[1], path, line)
    if header is None:
        raise BadFile(path, 1, 1, "no header row starting with _YYYY_CODE (the crosswalk's code column)")
    if effective is None:
        raise BadFile(path, 2, 1, 'no "Effective <date> through <date>" line before the header (give --effective)')
    ndc_name = "NDC2" if "NDC2" in header else "NDC"
    missing = [name for name in (ndc_name, "HCPCS dosage", "BILLUNITSPKG") if name not in header]
    if missing:
        raise BadFile(path, line, 1, f"the header lacks column {', '.join(missing)}")
    at = {name: header.index(name) for name in (ndc_name, "HCPCS dosage", "BILLUNITSPKG", "LABELER NAME", "Drug Name")
          if name in header}
    found: list[Observed] = []
    seen: dict[str, Observed] = {}
    for line, fields in rows:
        code = fields[0].strip() if fields else ""
        if code not in known_codes:
            continue
        if len(fields) <= max(at.values()):
            raise BadFile(path, line, len(fields) + 1, f"{code}: {len(fields)} fields where the header has {len(header)}")
        ndc11 = _ndc11(fields[at[ndc_name]], path, line, at[ndc_name] + 1)
        values = {"ndc11": ndc11, "hcpcs": code}
        grams = _grams(fields, at, path, line)
        notes: tuple[str, ...] = ()
        rounded = {}
        if grams is not None:
            values["grams_per_package"], rounded["grams_per_package"] = grams
        if ndc11 in seen:  # GamaSTAN under J1460 (per 1 cc) and J1560 (per 10 cc): the first code is kept
            first = seen[ndc11]
            found[found.index(first)] = attrs.evolve(first, notes=(*first.notes, f"also listed under {code} (line {line})"))
            continue
        fills = {"product": fields[at["Drug Name"]].strip()} if "Drug Name" in at else {}
        if "LABELER NAME" in at:
            fills["labeler"] = fields[at["LABELER NAME"]].strip()
        seen[ndc11] = Observed(key=(ndc11,), values=values, line=line, fills=fills, notes=notes, rounded_up_to=rounded)
        found.append(seen[ndc11])
    return Upstream(path=path, format="crosswalk", effective=effective, table=NDC_TABLE, rows=tuple(found))


def _date(text: str, path: str, line: int) -> dt.date:
    try:
        return dt.datetime.strptime(re.sub(r"\s+", " ", text), "%B %d, %Y").date()
    except ValueError:
        raise BadFile(path, line, 1, "the Effective line's date is not a date (Month D, YYYY)") from None


def _ndc11(text: str, path: str, line: int, column: int) -> str:
    digits = text.strip().replace("-", "")
    parts = text.strip().split("-")
    if not (digits.isdigit() and len(digits) == 11) or (len(parts) > 1 and [len(p) for p in parts] != [5, 4, 2]):
        raise BadFile(path, line, column, "NDC is not 11 digits (5-4-2)")
    return digits


def _grams(fields: list[str], at: dict[str, int], path: str, line: int) -> tuple[str, str] | None:
    """BILLUNITSPKG x the dosage unit and the unit, in grams, when the unit is a weight; None for units of volume."""
    dosage = _DOSAGE.match(fields[at["HCPCS dosage"]])
    if not dosage:
        raise BadFile(path, line, at["HCPCS dosage"] + 1, "HCPCS dosage is not a number and a unit (500 MG, 1 CC)")
    try:
        units = Decimal(fields[at["BILLUNITSPKG"]].strip())
    except InvalidOperation:
        raise BadFile(path, line, at["BILLUNITSPKG"] + 1, "BILLUNITSPKG is not a number") from None
    amount, unit = Decimal(dosage[1]), dosage[2].upper()
    if unit in ("CC", "ML"):
        return None
    unit_grams = amount / (1000 if unit == "MG" else 1)
    return _plain(units * unit_grams), _plain(unit_grams)


def _plain(number: Decimal) -> str:
    """10.0 -> 10, 2.50 -> 2.5: as the table writes its numbers."""
    return format(number.normalize(), "f")

