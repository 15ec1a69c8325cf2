"""The HTML report: one self-contained page a billing person can read.

A summary (claims read, changed, held; findings by rule), then for each claim
with findings what was found and what to do, and for a changed claim its lines
before and after. Built with lxml element by element, so every value from the
claim file is escaped by construction; no script, no external asset. Claim
sections are spooled as they come; past MAX_CLAIMS the page points to the
JSON report instead of growing without end.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from typing import Any, TextIO

from lxml import etree
from lxml.html import builder as E

from edi_ivig.model import Claim, ServiceLine, format_number
from edi_ivig.pipeline import ClaimResult, FileResult
from edi_ivig.reader import Part, RawClaim
from edi_ivig.rules import BY_ID

MAX_CLAIMS = 1000
_MARK = "claims-go-here"
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1c1c1c; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { border: 1px solid #ccc; padding: .3em .6em;
text-align: left; vertical-align: top; } th { background: #f3f3f3; } td.n { text-align: right; }
.error { color: #a40000; font-weight: 600; } .warning { color: #8a5a00; } .info { color: #555; }
.held { background: #fde8e8; } .changed { background: #fff7dd; } .accepted { background: #e9f6ea; }
.status { padding: .1em .5em; border-radius: .3em; } .claim { border-top: 2px solid #ddd; padding-top: .5em; }
.note { color: #555; font-size: .9em; } ins { background: #fff2a8; text-decoration: none; }
"""
SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "info": "Note"}
STATUS_WORDS = {
    "accepted": "Accepted: sent on as billed",
    "changed": "Corrected: sent on with the changes below",
    "held": "Held: not sent; correct it and send it again",
}


class HtmlReport:
    """Writes the page for one input to a text stream once the input is read."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._spool = tempfile.SpooledTemporaryFile(max_size=4 << 20, mode="w+", encoding="utf-8")
        self._shown = 0
        self._not_shown = 0
        self._by_rule: Counter[str] = Counter()
        self._fixed_by_rule: Counter[str] = Counter()

    def part(self, part: Part) -> None:
        pass

    def claim(self, raw: RawClaim, result: ClaimResult) -> None:
        for finding in result.findings:
            self._by_rule[finding.rule] += 1
            self._fixed_by_rule[finding.rule] += finding.fixed
        if not (result.findings or result.changed):
            return
        if self._shown >= MAX_CLAIMS:
            self._not_shown += 1
            return
        self._shown += 1
        self._spool.write(etree.tostring(_claim_section(result), method="html", encoding="unicode"))

    def finish(self, result: FileResult) -> None:
        page = E.HTML(
            E.HEAD(E.META(charset="utf-8"), E.TITLE(f"edi-ivig report: {result.name}"), E.STYLE(STYLE)),
            E.BODY(
                E.H1(f"Immune globulin claim check: {result.name}"),
                _summary(result, self._by_rule, self._fixed_by_rule),
                E.H2("Claims with findings"),
                E.DIV(etree.Comment(_MARK)) if self._shown else E.P("No claim has a finding.", E.CLASS("note")),
                *([E.P(f"{self._not_shown} more claim(s) with findings are not shown here; the JSON report"
                       " lists every claim.", E.CLASS("note"))] if self._not_shown else []),
            ),
        )
        html = "<!DOCTYPE html>\n" + etree.tostring(page, method="html", encoding="unicode")
        before, _, after = html.partition(f"<!--{_MARK}-->")
        self._stream.write(before)
        self._spool.seek(0)
        while chunk := self._spool.read(1 << 16):
            self._stream.write(chunk)
        self._spool.close()
        self._stream.write(after)
        self._stream.flush()


def _summary(result: FileResult, by_rule: Counter[str], fixed: Counter[str]) -> Any:
    counts = result.counts
    forwarded = counts.claims - counts.held
    mode = "corrected (fix)" if result.mode == "fix" else "checked, nothing changed (check)"
    facts = [
        ("Claims read", counts.claims),
        ("Sent on" if result.mode == "fix" else "Would be sent on", forwarded),
        ("Corrected", counts.changed),
        ("Held (not sent)", counts.held),
        ("Errors left", counts.errors_left),
    ]
    rows = [E.TR(E.TH(label), E.TD(str(value), E.CLASS("n"))) for label, value in facts]
    rule_rows = [
        E.TR(
            E.TD(rule_id),
            E.TD(BY_ID[rule_id].title if rule_id in BY_ID else "The claim could not be checked"),
            E.TD(str(by_rule[rule_id]), E.CLASS("n")),
            E.TD(str(fixed[rule_id]), E.CLASS("n")),
        )
        for rule_id in sorted(by_rule)
    ]
    kinds = "/".join(sorted(result.stats.kinds)) or "837"
    parts = [
        E.P(f"{kinds} file, {mode}. {result.stats.service_lines} service lines in {counts.claims} claims.", E.CLASS("note")),
        E.TABLE(*rows),
    ]
    if rule_rows:
        parts += [
            E.H2("Findings by rule"),
            E.TABLE(E.TR(E.TH("Rule"), E.TH("What it checks"), E.TH("Found"), E.TH("Corrected")), *rule_rows),
        ]
    for warning in result.warnings:
        parts.append(E.P(f"Note on reading the file: {warning.message}", E.CLASS("note")))
    return E.DIV(*parts)


def _claim_section(result: ClaimResult) -> Any:
    findings = E.TABLE(
        E.TR(E.TH("Line"), E.TH("Rule"), E.TH("Severity"), E.TH("What to do"), E.TH("Done"), E.TH("277CA")),
        *[
            E.TR(
                E.TD(str(f.line) if f.line is not None else "claim"),
                E.TD(f.rule),
                E.TD(SEVERITY_WORDS[f.severity], E.CLASS(f.severity)),
                E.TD(f.message),
                E.TD(_done(f.fixed, f.fixable, f.fix)),
                E.TD(f.status_code),
            )
            for f in result.findings
        ],
    )
    parts = [
        E.H3(f"Claim {result.claim_id} ", E.SPAN(STATUS_WORDS[result.status], E.CLASS(f"status {result.status}"))),
        findings,
    ]
    if result.changed and result.original is not None and result.edited is not None:
        parts += [E.P("Service lines as billed:"), _lines(result.original), E.P("Service lines as sent:"),
                  _lines(result.edited, result.original)]
    return E.DIV(*parts, E.CLASS("claim"))


def _done(fixed: bool, fixable: bool, fix: str | None) -> str:
    if fixed:
        return "corrected"
    if fixable:
        return "edi-ivig fix corrects it"
    if fix == "unsafe":
        return "a fix is offered (--unsafe-fixes): confirm it first"
    return "to do by hand"


def _lines(claim: Claim, before: Claim | None = None) -> Any:
    known = {_row_values(line) for line in before.lines} if before is not None else None
    rows = []
    for number, line in enumerate(claim.lines, start=1):
        values = _row_values(line)
        cells = [E.TD(str(number if before is not None else line.number))]
        for value in values:
            cells.append(E.TD(E.INS(value) if known is not None and values not in known else value))
        rows.append(E.TR(*cells))
    head = E.TR(*[E.TH(h) for h in ("Line", "Code", "Date", "Units", "Charge", "NDC", "Quantity given", "Narrative")])
    return E.TABLE(head, *rows)


def _row_values(line: ServiceLine) -> tuple[str, ...]:
    p = line.procedure
    date = ""
    if line.date is not None:
        date = line.date.start.isoformat() + (f" to {line.date.end.isoformat()}" if line.date.is_range else "")
    drug = line.drug
    quantity = f"{format_number(drug.quantity)} {drug.unit or ''}".strip() if drug and drug.quantity is not None else ""
    return (
        "-".join((p.code, *p.modifiers)),
        date,
        format_number(line.units) if line.units is not None else "",
        format_number(line.charge),
        drug.ndc or "" if drug else "",
        quantity,
        p.description,
    )
