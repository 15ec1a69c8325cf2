"""The JSON report: one object per input, with stable keys (docs/reports.md).

    {"input": "name.x12", "transaction": "837P", "mode": "fix",
     "claims": [{"claim_id": "PCN1", "status": "accepted" | "changed" | "held",
                 "segment": 21, "findings": [{"rule": "IG01", "severity": "error", "line": 1,
                 "fixed": true, "status_code": "A7:187", "message": "..."}]}],
     "summary": {"claims": 1, "changed": 1, "held": 0,
                 "findings": {"error": 1, "warning": 0, "info": 0}},
     "warnings": [{"message": "...", "segment": 3}]}

Every claim read is listed, in file order. The claims are streamed to a spool
file as they come, so a large input does not hold its report in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from edi_ivig.pipeline import ClaimResult, FileResult
from edi_ivig.reader import Part, RawClaim
from edi_ivig.reports.spool import Spool


def claim_entry(result: ClaimResult) -> dict[str, Any]:
    return {
        "claim_id": result.claim_id,
        "status": result.status,
        "segment": result.number,
        "findings": [
            {key: value for key, value in finding.as_dict().items() if key != "claim_id"}
            for finding in result.findings
        ],
    }


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # made once: json.dumps with options makes one a call


def entry_text(result: ClaimResult) -> str:
    """claim_entry(result) as JSON text (json.dumps' layout); a claim with no findings, as most
    are, without building the dict."""
    if not result.findings:
        return (
            f'{{"claim_id": {_ENCODE(result.claim_id)}, "status": "{result.status}", "segment": {result.number},'
            ' "findings": []}'
        )
    return _ENCODE(claim_entry(result))


def summary(result: FileResult) -> dict[str, Any]:
    counts = result.counts
    return {"claims": counts.claims, "changed": counts.changed, "held": counts.held, "findings": dict(counts.findings)}


class JsonReport:
    """Writes the report for one input to a text stream once the input is read."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._spool = Spool()

    def part(self, part: Part) -> None:
        pass

    def claim(self, raw: RawClaim, result: ClaimResult) -> None:
        entry = entry_text(result)
        self._spool.add(entry if not self._spool.count else ",\n    " + entry)

    def finish(self, result: FileResult) -> None:
        warnings = [{"message": w.message, "segment": w.segment} for w in result.warnings]
        write_report(self._stream, result.name, result.stats.kinds, result.mode, self._spool.count,
                     self._spool.drain(), summary(result), warnings)


def write_report(
    out: TextIO, name: str, kinds: Iterable[str], mode: str, claims: int, entries: Iterable[str],
    summed: dict[str, Any], warnings: list[dict[str, Any]],
) -> None:
    """The report's text, from its parts: also how a file converted in chunks gets the one
    report a single run would have written (edi_ivig.dask_batch). `entries` are the claims'
    JSON texts, joined by ",\\n    "."""
    head = {"input": name, "transaction": "/".join(sorted(kinds)), "mode": mode}
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    out.write('  "claims": [\n    ' if claims else '  "claims": [')
    for chunk in entries:
        out.write(chunk)
    out.write("\n  ],\n" if claims else "],\n")
    out.write(f'  "summary": {json.dumps(summed)},\n')
    out.write(f'  "warnings": {json.dumps(warnings, ensure_ascii=False)}\n}}\n')
    out.flush()
