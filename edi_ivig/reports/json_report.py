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
        # dumps, not dump: only dumps uses the C encoder
        entry = json.dumps(claim_entry(result), ensure_ascii=False)
        self._spool.add(entry if not self._spool.count else ",\n    " + entry)

    def finish(self, result: FileResult) -> None:
        out = self._stream
        head = {"input": result.name, "transaction": "/".join(sorted(result.stats.kinds)), "mode": result.mode}
        out.write("{\n")
        for key, value in head.items():
            out.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        claims = self._spool.count
        out.write('  "claims": [\n    ' if claims else '  "claims": [')
        for chunk in self._spool.drain():
            out.write(chunk)
        out.write("\n  ],\n" if claims else "],\n")
        out.write(f'  "summary": {json.dumps(summary(result))},\n')
        warnings = [{"message": w.message, "segment": w.segment} for w in result.warnings]
        out.write(f'  "warnings": {json.dumps(warnings, ensure_ascii=False)}\n}}\n')
        out.flush()
