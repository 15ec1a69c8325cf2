"""The hook a clearinghouse calls: bytes in, bytes out.

    import edi_ivig

    config = edi_ivig.load_config("/etc/edi-ivig/payers.toml")   # once, at start-up
    result = edi_ivig.process(data, mode="fix", config=config)    # per file, any thread
    forward(result.output); acknowledge(result.ack_277ca)

`process` raises `edi_ivig.UnreadableInput` (and only that) when the input is
not an 837 it can read; nothing is half-done then. A `Config` is read-only once
loaded, so one can serve every call and every thread.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import attrs

from edi_ivig.pipeline import build_pipeline
from edi_ivig.rules.base import Finding
from edi_ivig.settings import Config


@attrs.frozen
class Result:
    """What `process` made of one input."""

    output: bytes  # the corrected 837 (mode "fix"); the input unchanged (mode "check")
    ack_277ca: bytes  # the 277CA for the submitter
    report: dict[str, Any]  # the JSON report (docs/reports.md) as a dict
    findings: tuple[Finding, ...]
    held: bytes = b""  # the claims held for their errors (hold_errors=True), a valid 837 or empty


def load_config(path: str | Path | None = None) -> Config:
    """The defaults with the TOML file at `path` layered over them; raises ConfigError."""
    return Config.load(path)


def process(
    data: bytes,
    *,
    mode: str = "check",
    unsafe_fixes: bool = False,
    config: Config | None = None,
    hold_errors: bool = False,
    name: str = "-",
) -> Result:
    """Check (or fix) the claims of one 837 and say what happened, as bytes and a report."""
    from edi_ivig.reports.ack277 import Ack277  # here, not at import: `import edi_ivig` stays light
    from edi_ivig.reports.json_report import JsonReport

    pipeline = build_pipeline(mode, config=config, unsafe_fixes=unsafe_fixes)
    output = io.BytesIO() if mode == "fix" else None
    held = io.BytesIO() if hold_errors and mode == "fix" else None
    ack, report = io.BytesIO(), io.StringIO()
    result = pipeline.run(
        io.BytesIO(data), output, name=name, held=held, reports=[Ack277(ack, pipeline.config), JsonReport(report)]
    )
    return Result(
        output=output.getvalue() if output is not None else data,
        ack_277ca=ack.getvalue(),
        report=json.loads(report.getvalue()),
        findings=result.findings,
        held=held.getvalue() if held is not None else b"",
    )

