"""The CMS HCPCS Alpha-Numeric file, fixed-width form (HCPC20xx_..._ANWEB.txt, 320-byte records).

Layout (cms-hcpcs-record-layout-2019.txt, 1-based): HCPCS 1-5, SEQNUM 6-10, RECID 11 (3 first
record of a code, 4 continuation; 7/8 modifiers), long description 12-91, short 92-119,
ADD DT 269-276, ACT EFF DT 277-284, TERM DT 285-292, CCYYMMDD. ISO-8859-1, CRLF. The long
descriptor runs on over continuation records; only the first carries the dates. CMS puts a
disclaimer block before the first record, skipped here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

from edi_ivig.refdata import hcpcs_codes
from edi_ivig.refdata.common import HCPCS_TABLE, BadFile, Observed, Upstream, ccyymmdd, decode

RECORD_LENGTH = 320
_RECORD_START = re.compile(r"[A-Z0-9]\d{4}\d{5}[0-9]")
_DATES = (("ADD DT", 269), ("ACT EFF DT", 277), ("TERM DT", 285))


def looks_like(text: str) -> bool:
    lines = text.splitlines()[:200]
    return any(len(line) == RECORD_LENGTH and _RECORD_START.match(line) for line in lines)


def read(path: str, data: bytes, effective: dt.date, known_codes: Collection[str]) -> Upstream:
    text = decode(data) if data.startswith(b"\xef\xbb\xbf") else data.decode("latin-1")
    lines = text.split("\n")
    started = False
    records: dict[str, dict[str, object]] = {}
    for number, raw in enumerate(lines, 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not started:
            if not (len(line) >= 11 and _RECORD_START.match(line)):
                continue  # the disclaimer block before the first record
            started = True
        if not line.strip():
            continue
        if len(line) != RECORD_LENGTH:
            raise BadFile(path, number, min(len(line), RECORD_LENGTH) + 1,
                          f"record is {len(line)} bytes long, not {RECORD_LENGTH}")
        code, recid = line[0:5].strip(), line[10]
        if recid not in "3478":
            raise BadFile(path, number, 11, "RECID is not 3, 4, 7 or 8")
        if recid in "78":
            continue  # modifiers
        entry = records.setdefault(code, {"text": "", "line": number})
        entry["text"] = f"{entry['text']} {line[11:91].strip()}".strip()
        if recid == "3":
            entry["line"] = number
            entry["dates"] = [ccyymmdd(line[start - 1:start + 7], path, number, start, what) for what, start in _DATES]
    if not started:
        raise BadFile(path, 1, 1, f"no {RECORD_LENGTH}-byte HCPCS record (code, SEQNUM, RECID) found")
    rows: list[Observed] = []
    for code, entry in records.items():
        if "dates" not in entry:
            raise BadFile(path, int(entry["line"]), 11, f"{code} has continuation records (RECID 4) but no first record (RECID 3)")
        text = str(entry["text"])
        if hcpcs_codes.is_immune_globulin(code, text, known_codes):
            added, _, terminated = entry["dates"]  # type: ignore[misc]
            rows.append(hcpcs_codes.observed(code, text, added, terminated, int(entry["line"])))
    return Upstream(path=path, format="hcpcs-fixed", effective=effective, table=HCPCS_TABLE, rows=tuple(rows))
