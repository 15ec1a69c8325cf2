"""The HTML report: one self-contained page a billing person can read.

A summary (claims read, changed, held; findings by rule), then for each claim
with findings what was found and what to do, and for a changed claim its lines
before and after. Built with lxml element by element, so every value from the
claim file is escaped by construction; no script, no external asset. Claim
sections are spooled as they come; past MAX_CLAIMS the page points to the
JSON report instead of growing without end.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, TextIO

from lxml import etree
from lxml.builder import ElementMaker
from lxml.html import html_parser

from edi_ivig.model import Claim, ServiceLine, format_number
from edi_ivig.pipeline import ClaimResult, FileResult
from edi_ivig.reader import Part, RawClaim
from edi_ivig.reports.spool import Spool
from edi_ivig.rules.registry import BY_ID

MAX_CLAIMS = 1000
# What XML 1.0 cannot hold (C0 controls but tab and newlines, lone surrogates from
# undecodable file names, U+FFFE/U+FFFF); an X12 element can carry any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _add_text(element: Any, text: str) -> None:
    text = _NOT_XML.sub("\ufffd", text)
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


def _class(name: str) -> dict[str, str]:
    return {"class": name}


E = ElementMaker(makeelement=html_parser.makeelement, typemap={str: _add_text})
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

    every_claim = False  # a claim without findings is not in it

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._spool = Spool()
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
        self._spool.add(etree.tostring(_claim_section(result), method="html", encoding="unicode"))

    def finish(self, result: FileResult) -> None:
        page = E.html(
            E.head(E.meta(charset="utf-8"), E.title(f"edi-ivig report: {result.name}"), E.style(STYLE)),
            E.body(
                E.h1(f"Immune globulin claim check: {result.name}"),
                _summary(result, self._by_rule, self._fixed_by_rule),
                E.h2("Claims with findings"),
                E.div(etree.Comment(_MARK)) if self._shown else E.p("No claim has a finding.", _class("note")),
                *([E.p(f"{self._not_shown} more claim(s) with findings are not shown here; the JSON report"
                       " lists every claim.", _class("note"))] if self._not_shown else []),
            ),
        )
        html = "<!DOCTYPE html>\n" + etree.tostring(page, method="html", encoding="unicode")
        before, _, after = html.partition(f"<!--{_MARK}-->")
        self._stream.write(before)
        for chunk in self._spool.drain():
            self._stream.write(chunk)
        self._stream.write(after)
        self._stream.flush()


def _summary(result: FileResult, by_rule: Counter[str], fixed: Counter[str]) -> Any:
    counts = result.counts
    forwarded = counts.claims - counts.held
    mode = "corrected (fix)" if result.mode == "fix" else "checked, nothing changed (check)"
    facts = [
        ("Claims read", counts.claims),
        ("Sent on" if result.mode == "fix" else "Would be sent on", forwarded),
        ("Corrected" if result.mode == "fix" else "Would be corrected", counts.changed),
        ("Held (not sent)", counts.held),
        ("Errors left", counts.errors_left),
    ]
    rows = [E.tr(E.th(label), E.td(str(value), _class("n"))) for label, value in facts]
    rule_rows = [
        E.tr(
            E.td(rule_id),
            E.td(BY_ID[rule_id].title if rule_id in BY_ID else "The claim could not be checked"),
            E.td(str(by_rule[rule_id]), _class("n")),
            E.td(str(fixed[rule_id]), _class("n")),
        )
        for rule_id in sorted(by_rule)
    ]
    kinds = "/".join(sorted(result.stats.kinds)) or "837"
    parts = [
        E.p(f"{kinds} file, {mode}. {result.stats.service_lines} service lines in {counts.claims} claims.", _class("note")),
        E.table(*rows),
    ]
    if rule_rows:
        parts += [
            E.h2("Findings by rule"),
            E.table(E.tr(E.th("Rule"), E.th("What it checks"), E.th("Found"), E.th("Corrected")), *rule_rows),
        ]
    for warning in result.warnings:
        parts.append(E.p(f"Note on reading the file: {warning.message}", _class("note")))
    return E.div(*parts)


def _claim_section(result: ClaimResult) -> Any:
    findings = E.table(
        E.tr(E.th("Line"), E.th("Rule"), E.th("Severity"), E.th("What to do"), E.th("Done"), E.th("277CA")),
        *[
            E.tr(
                E.td(str(f.line) if f.line is not None else "claim"),
                E.td(f.rule),
                E.td(SEVERITY_WORDS[f.severity], _class(f.severity)),
                E.td(f.message),
                E.td(_done(f.fixed, f.fixable, f.fix)),
                E.td(f.status_code),
            )
            for f in result.findings
        ],
    )
    parts = [
        E.h3(f"Claim {result.claim_id} ", E.span(STATUS_WORDS[result.status], _class(f"status {result.status}"))),
        findings,
    ]
    if result.changed and result.original is not None and result.edited is not None:
        after = "Service lines as corrected (held, not sent):" if result.held else "Service lines as sent:"
        parts += [E.p("Service lines as billed:"), _lines(result.original), E.p(after),
                  _lines(result.edited, result.original)]
    return E.div(*parts, _class("claim"))


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
        cells = [E.td(str(number if before is not None else line.number))]
        for value in values:
            cells.append(E.td(E.ins(value) if known is not None and values not in known else value))
        rows.append(E.tr(*cells))
    head = E.tr(*[E.th(h) for h in ("Line", "Code", "Date", "Units", "Charge", "NDC", "Quantity given", "Narrative")])
    return E.table(head, *rows)


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
