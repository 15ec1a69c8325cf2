"""The plain-text summary `check` and `fix` print: one line per file, one per finding."""

from __future__ import annotations

from collections.abc import Iterator

from edi_ivig.pipeline import FileResult


def summary(result: FileResult) -> str:
    s = result.stats
    kinds = "/".join(sorted(s.kinds)) or "837"
    findings = result.findings
    head = f"{result.name}: {kinds}, {s.claims} claim(s), {s.service_lines} service line(s)"
    errors = sum(1 for f in findings if f.severity == "error" and not f.fixed)
    if result.mode == "check":
        if not findings:
            return f"{head}; no findings"
        fixable = sum(1 for f in findings if f.fixable)
        return f"{head}; {len(findings)} finding(s): {errors} error(s), {fixable} that `fix` would correct"
    head = f"{head}; {result.changed_claims} claim(s) changed"
    if not findings:
        return f"{head}; no findings"
    fixed = sum(1 for f in findings if f.fixed)
    return f"{head}; {len(findings)} finding(s): {fixed} fixed, {errors} error(s) left"


def finding_lines(result: FileResult) -> Iterator[str]:
    for claim in result.claims:
        for f in claim.findings:
            line = f"line {f.line}" if f.line is not None else "claim"
            if f.fixed:
                state = "fixed"
            elif f.fixable:
                state = f"{f.fix} fix: `fix` applies it"
            elif f.fix:
                state = f"{f.fix} fix: needs --unsafe-fixes"
            else:
                state = "not fixable"
            yield f"  {f.claim_id} {line}: {f.rule} {f.severity} [{f.status_code}] ({state}) {f.message}"
