"""The CMS ICD-10-CM order file (icd10cm_order_YYYY.txt): a report on the coverage list, no table.

Fixed-width: order number 1-5, code 7-13 (no dot), header flag 15 (0 header, not billable; 1
billable), short description 17-76, long from 78. edi-ivig takes diagnosis validity from the
simple-icd-10-cm library, so this file writes nothing: it tells, for each code of the coverage
list, whether the file shows it as a header (with its billable children) or does not hold it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from edi_ivig.refdata.common import BadFile, Upstream, decode

_LINE = re.compile(r"\d{5} [A-Z][0-9][A-Z0-9]{1,5} *\S ")


def looks_like(text: str) -> bool:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    return bool(lines) and sum(bool(_LINE.match(line)) for line in lines) * 2 > len(lines)


def effective_from_name(path: str) -> dt.date | None:
    """icd10cm_order_2026.txt is fiscal year 2026: in effect from 2025-10-01."""
    match = re.search(r"order[_-](\d{4})", Path(path).name, re.IGNORECASE)
    return dt.date(int(match[1]) - 1, 10, 1) if match else None


def read(path: str, data: bytes, effective: dt.date, coverage_list: Path) -> Upstream:
    billable: dict[str, bool] = {}
    for number, line in enumerate(decode(data).splitlines(), 1):
        if not line.strip():
            continue
        if len(line) < 16 or not line[:5].isdigit() or line[5] != " " or line[13] != " ":
            raise BadFile(path, number, 1, "not an order-file record (order 1-5, code 7-13, flag 15)")
        if line[14] not in "01":
            raise BadFile(path, number, 15, "the header flag is not 0 or 1")
        billable[line[6:13].strip()] = line[14] == "1"
    return Upstream(path=path, format="icd10-order", effective=effective, table=None,
                    report=tuple(_report(billable, coverage_list)))


def _report(billable: dict[str, bool], coverage_list: Path) -> list[str]:
    listed = _listed(coverage_list)
    headers, absent = [], []
    for code in listed:
        plain = code.replace(".", "").upper()
        if plain not in billable:
            absent.append(code)
        elif not billable[plain]:
            children = [_dotted(c) for c, ok in billable.items() if ok and c.startswith(plain) and c != plain]
            headers.append(f"{code}: a header in this file (not billable); billable children: {', '.join(children) or 'none'}")
    lines = [f"coverage list {coverage_list.name}: {len(listed)} code(s); {len(headers)} header(s), {len(absent)} absent from this file"]
    lines += [f"  {line}" for line in headers]
    if absent:
        lines.append(f"  absent from this file: {', '.join(absent)}")
    return lines


def _listed(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [row["code"].strip() for row in csv.DictReader(line for line in f if not line.startswith("#"))]


def _dotted(code: str) -> str:
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code
