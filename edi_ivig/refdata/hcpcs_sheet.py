"""The CMS HCPCS Alpha-Numeric file, sheet form: the quarterly .xlsx (sheet A) or a CSV saved from it.

Columns by name (HCPC, LONG DESCRIPTION, ADD DT, ACT EFF DT, TERM DT, ...; 48 in Oct-2020), one
row per code (no continuation records). The real xlsx has about ten note rows before the header
row, so the header is found, not assumed on row 1. Dates are CCYYMMDD text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Iterable, Iterator, Sequence

from edi_ivig.refdata import hcpcs_codes
from edi_ivig.refdata.common import HCPCS_TABLE, BadFile, Observed, Upstream, ccyymmdd, decode

REQUIRED = ("HCPC", "LONG DESCRIPTION", "ADD DT", "TERM DT")
_HEADER_SEARCH = 40  # rows looked at for the header (the xlsx has ~10 note rows first)


def looks_like(rows: Iterable[Sequence[str]]) -> bool:
    return any(row and row[0].strip() == "HCPC" for row, _ in zip(rows, range(_HEADER_SEARCH), strict=False))


def csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(line a row starts on, its fields) of a CSV, quoted newlines and all."""
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    start = 1
    for fields in reader:
        yield start, fields
        start = reader.line_num + 1


def xlsx_rows(data: bytes, path: str) -> Iterator[tuple[int, list[str]]]:
    """(sheet row, cells as text) of sheet A, or of the first sheet when there is no A."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged zip or sheet
        raise BadFile(path, 1, 1, f"not a readable .xlsx workbook ({type(error).__name__})") from None
    try:
        sheet = book["A"] if "A" in book.sheetnames else book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, [_text(cell) for cell in cells]
    finally:
        book.close()


def _text(cell: object) -> str:
    """A cell as the CSV form has it: numbers without a trailing .0, None as empty."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def read(path: str, rows: Iterable[tuple[int, list[str]]], effective: dt.date, known_codes: Collection[str],
         form: str) -> Upstream:
    numbered = iter(rows)
    header: list[str] | None = None
    for number, fields in numbered:
        if fields and fields[0].strip() == "HCPC":
            header = [f.strip() for f in fields]
            break
        if number >= _HEADER_SEARCH:
            break
    if header is None:
        raise BadFile(path, 1, 1, f"no header row with HCPC in its first column in the first {_HEADER_SEARCH} rows")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BadFile(path, number, 1, f"the header lacks column {', '.join(missing)}")
    column = {name: header.index(name) for name in REQUIRED}
    found: list[Observed] = []
    for line, fields in numbered:
        if not any(f.strip() for f in fields):
            continue
        if len(fields) < len(header):
            raise BadFile(path, line, len(fields) + 1, f"{len(fields)} fields where the header has {len(header)}")
        code, text = fields[column["HCPC"]].strip(), fields[column["LONG DESCRIPTION"]].strip()
        if not hcpcs_codes.is_immune_globulin(code, text, known_codes):
            continue
        added, terminated = (
            ccyymmdd(fields[column[name]], path, line, column[name] + 1, name) for name in ("ADD DT", "TERM DT")
        )
        found.append(hcpcs_codes.observed(code, text, added, terminated, line))
    return Upstream(path=path, format=form, effective=effective, table=HCPCS_TABLE, rows=tuple(found))
