"""What the reports say of a claim is what happened to it (issue 13, point 7): a held claim's
277CA names the errors that held it, the HTML does not call its lines sent, a split line's
findings are said once, and `rules` lists every 277CA code a rule can send."""

from __future__ import annotations

import io
import json

import lxml.html
from test_coding_rules_together import _file

from conftest import FIXTURES
from edi_ivig.pipeline import Pipeline
from edi_ivig.reports.ack277 import Ack277
from edi_ivig.reports.html_report import HtmlReport
from edi_ivig.reports.rules import render
from edi_ivig.rules.registry import BY_ID
from edi_ivig.settings import Config
from x12text import elements_of


def _held_run(data: bytes):
    ack, html = io.BytesIO(), io.StringIO()
    result = Pipeline(fix=True).run(
        io.BytesIO(data), io.BytesIO(), held=io.BytesIO(), reports=[Ack277(ack), HtmlReport(html)]
    )
    return result, ack.getvalue(), html.getvalue()


def test_a_held_claims_277ca_names_only_the_errors_that_held_it():
    result, ack, _ = _held_run(_file())
    (claim,) = result.claims
    assert claim.held
    errors = {f.rule for f in claim.findings if f.severity == "error" and not f.fixed}
    warnings = {f.rule for f in claim.findings if f.severity != "error"} - errors
    assert errors and warnings, "the sample must hold a claim with both"
    (text,) = [e[12] for e in elements_of(ack) if e[0] == "STC" and len(e) > 12 and e[12]]
    assert text.startswith("EDI-IVIG HELD FOR ")
    named = set(text.removeprefix("EDI-IVIG HELD FOR ").split())
    assert named == errors


def test_the_html_does_not_show_a_held_claims_lines_as_sent():
    data = (FIXTURES / "rules" / "IG01" / "837p-five-day-course-split" / "input.x12").read_bytes()
    # the five-day split applies, then an error no fix corrects holds the claim
    data = data.replace(b"HI*ABK:G6181", b"HI*ABK:Z0000*ABF:G6181", 1)
    config = Config.load(overrides={"rules": {"IG10": {"severity": "error"}, "IG01": {"fix": "always"}}})
    ack, html = io.BytesIO(), io.StringIO()
    result = Pipeline(config, fix=True).run(
        io.BytesIO(data), io.BytesIO(), held=io.BytesIO(), reports=[Ack277(ack, config), HtmlReport(html)]
    )
    (claim,) = result.claims
    assert claim.held and claim.changed
    text = lxml.html.fromstring(html.getvalue()).text_content()
    assert "Service lines as corrected (held, not sent):" in text
    assert "Service lines as sent:" not in text


def test_a_split_lines_finding_is_said_once_naming_its_days():
    case = FIXTURES / "rules" / "IG05" / "837p-split-then-jz-each-day"
    result = Pipeline(fix=True, unsafe_fixes=True).run(io.BytesIO((case / "input.x12").read_bytes()), io.BytesIO())
    jz = [f for f in result.findings if f.rule == "IG05"]
    assert len(jz) == 1 and jz[0].line == 1 and jz[0].fixed
    assert "J1561 on each day of 2026-10-05..2026-10-07:" in jz[0].message


def test_rules_lists_every_277ca_code_a_rule_can_send():
    codes = Config.load().for_claim(None, None).status_codes
    listed = {row["id"]: row["277CA"].split(", ") for row in json.loads(render("json"))}
    for rule_id in BY_ID:
        expected = {code for key, code in codes.items() if key == rule_id or key.startswith(f"{rule_id}.")}
        assert set(listed[rule_id]) == expected
    assert listed["IG05"] == ["A7:453", "A8:448", "A7:476"]
