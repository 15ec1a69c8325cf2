"""The CMS NCCI MUE tables (MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv, ...OutpatientHospitalServices...).

A quoted multi-line AMA notice first, then a header whose first cell holds a line break
("HCPCS/\\nCPT Code"), then code, MUE value, MAI ("3 Date of Service Edit: Clinical") and
rationale. LF or CRLF. Only code numbers and edit values are kept: CPT descriptors are AMA
copyright and the file carries none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

from edi_ivig.refdata.common import MUE_TABLE, BadFile, Observed, Upstream
from edi_ivig.refdata.hcpcs_sheet import csv_rows

# setting in the table -> (the header's words, CMS's file name part)
SETTINGS = {
    "practitioner": ("Practitioner Services MUE Values", "PractitionerServices"),
    "outpatient_hospital": ("Outpatient Hospital Services MUE Values", "OutpatientHospitalServices"),
}
ADMINISTRATION = range(96360, 96380)  # hydration and drug administration codes 96360-96379


def looks_like(text: str) -> bool:
    return "MUE Values" in text[:20000] and "HCPCS/" in text[:20000]


def cms_name(setting: str, effective: dt.date) -> str:
    """The name CMS gives the file of a setting and quarter: what a row's source cites."""
    return f"MCR_MUE_{SETTINGS[setting][1]}_Eff_{effective:%m-%d-%Y}.csv"


def wanted(code: str, known_codes: Collection[str]) -> bool:
    """The immune globulin table's codes and the administration codes beside them on a claim."""
    return code in known_codes or (code.isdigit() and int(code) in ADMINISTRATION)


def read(path: str, data: bytes, effective: dt.date, known_codes: Collection[str]) -> Upstream:
    rows = csv_rows(data)
    setting = None
    for line, fields in rows:
        first = re.sub(r"\s+", " ", fields[0]).strip() if fields else ""
        if first.startswith("HCPCS/") and len(fields) >= 4:
            setting = next((name for name, (words, _) in SETTINGS.items() if fields[1].strip() == words), None)
            if setting is None:
                raise BadFile(path, line, 2, "not a practitioner or outpatient hospital MUE table (the setting column)")
            break
    if setting is None:
        raise BadFile(path, 1, 1, 'no header row starting "HCPCS/ CPT Code"')
    found: list[Observed] = []
    for line, fields in rows:
        if not fields or not fields[0].strip():
            continue
        code = fields[0].strip()
        if not wanted(code, known_codes):
            continue
        if len(fields) < 4:
            raise BadFile(path, line, len(fields) + 1, f"{code}: {len(fields)} fields where an MUE row has 4")
        units, mai, rationale = (f.strip() for f in fields[1:4])
        if not units.isdigit():
            raise BadFile(path, line, 2, f"{code}: the MUE value is not a whole number")
        if mai[:1] not in ("1", "2", "3"):
            raise BadFile(path, line, 3, f"{code}: the MUE Adjudication Indicator does not start with 1, 2 or 3")
        values = {"code": code, "setting": setting, "units": str(int(units)), "mai": mai[:1], "rationale": rationale}
        found.append(Observed(key=(code, setting), values=values, line=line))
    return Upstream(path=path, format="mue", effective=effective, table=MUE_TABLE, rows=tuple(found),
                    scope={"setting": setting}, source_name=cms_name(setting, effective),
                    citation=f"CMS {cms_name(setting, effective)}")  # the name carries the effective date
