"""The 277CA, the JSON and HTML reports, and holding claims with errors (issue: tell the submitter)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from importlib import resources

import attrs
import jsonschema
import lxml.html
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, READABLE
from edi_ivig.cli import main
from edi_ivig.errors import UnreadableInput
from edi_ivig.mapping import build_claim, summarize
from edi_ivig.model import DateRange
from edi_ivig.pipeline import Pipeline
from edi_ivig.reader import RawClaim, Reader
from edi_ivig.regress import find_cases
from edi_ivig.rendering import header_segments
from edi_ivig.reports.ack277 import Ack277
from edi_ivig.reports.html_report import HtmlReport
from edi_ivig.reports.json_report import JsonReport
from edi_ivig.settings import Config
from edi_ivig.validate import validate
from edi_ivig.writer import FilteringWriter, Writer
from x12text import elements_of, segments_of

DEMO = FIXTURES / "demo" / "claims.x12"
CASES = [c for c in find_cases(FIXTURES / "rules") if c.mode == "fix"]
SAMPLES = [DEMO, *READABLE, *(c.input for c in CASES)]
SCHEMA = json.loads(resources.files("edi_ivig.reports").joinpath("report.schema.json").read_text())


def run_all(data: bytes, *, hold: bool, unsafe: bool = False, config: Config | None = None):
    out, held, ack, js, html = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.StringIO(), io.StringIO()
    reports = [Ack277(ack, config), JsonReport(js), HtmlReport(html)]
    result = Pipeline(config, fix=True, unsafe_fixes=unsafe).run(
        io.BytesIO(data), out, held=held if hold else None, reports=reports
    )
    return result, out.getvalue(), held.getvalue(), ack.getvalue(), json.loads(js.getvalue()), html.getvalue()


def claim_ids(data: bytes) -> list[str]:
    return [p.claim_id for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim)] if data else []


# -- holding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_claim_is_sent_or_held_once_and_both_files_validate(path):
    data = path.read_bytes()
    result, out, held, *_ = run_all(data, hold=True)
    sent, kept = claim_ids(out), claim_ids(held)
    assert sorted(sent + kept) == sorted(claim_ids(data))
    assert (result.counts.written, result.counts.held) == (len(sent), len(kept))
    for produced in (out, held):
        if produced and validate(io.BytesIO(data)).valid:
            assert validate(io.BytesIO(produced)).valid


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_filtering_writer_keeping_everything_writes_what_writer_writes(path):
    data = path.read_bytes()
    plain, filtered = io.BytesIO(), io.BytesIO()
    writer, keeper = Writer(plain), FilteringWriter(filtered, keep_empty=True)  # the corrected output's writer
    pipeline = Pipeline(fix=True)
    for part in Reader(io.BytesIO(data)):
        edited = pipeline.process(part).edited if isinstance(part, RawClaim) else None
        writer.write(part, edited)
        keeper.write(part, edited, keep=True)
    writer.close(), keeper.close()
    assert filtered.getvalue() == plain.getvalue()


def test_holding_a_claim_renumbers_the_loops_left_and_recounts():
    data = (FIXTURES / "read" / "837p-ivig-clinic.x12").read_bytes()
    config = Config.load(overrides={"rules": {"IG01": {"fix": "never"}}})  # NWI-0001 keeps its IG01 errors
    result, out, held, *_ = run_all(data, hold=True, config=config)
    assert claim_ids(held) == ["NWI-0001"] and claim_ids(out) == ["NWI-0002"]
    hl = [s for s in segments_of(out) if s.startswith("HL*")]
    assert hl == ["HL*1**20*1", "HL*2*1*22*1", "HL*3*2*23*0"]  # were HL 1, 3, 4
    se = next(s for s in segments_of(out) if s.startswith("SE*"))
    assert se == f"SE*{len(segments_of(out)) - 4}*0001"
    assert validate(io.BytesIO(out)).valid and validate(io.BytesIO(held)).valid


def test_a_transaction_with_every_claim_held_leaves_an_empty_output():
    data = (FIXTURES / "rules" / "IG01" / "837p-units-do-not-divide" / "input.x12").read_bytes()
    result, out, held, *_ = run_all(data, hold=True)
    assert out == b"" and held == data
    assert (result.counts.held, result.counts.written) == (1, 0)


def test_cli_hold_errors_exits_1_and_reports_what_went_where(tmp_path):
    output, held = tmp_path / "out.x12", tmp_path / "held.x12"
    result = CliRunner().invoke(main, ["fix", str(DEMO), "-o", str(output), "--hold-errors", str(held)])
    assert result.exit_code == 1
    assert "4 claim(s), 10 service line(s); 1 claim(s) changed, 2 held, 2 sent on" in result.stdout
    assert claim_ids(held.read_bytes()) == ["DEMO-1", "DEMO-2"]
    assert claim_ids(output.read_bytes()) == ["DEMO-3", "DEMO-4"]


# -- 277CA -----------------------------------------------------------------------------------


@pytest.mark.parametrize("hold", [False, True], ids=["sent", "held"])
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_277ca_validates_against_x214_with_one_2000d_per_claim(path, hold):
    data = path.read_bytes()
    result, _, _, ack, report, _ = run_all(data, hold=hold)
    checked = validate(io.BytesIO(ack))
    assert checked.valid, checked.errors
    segments = elements_of(ack)
    patients = [i for i, e in enumerate(segments) if e[0] == "HL" and e[3:4] == ["PT"]]
    assert [segments[i + 2][2] for i in patients] == claim_ids(data)  # HL, NM1*QC, TRN*2*CLM01
    actions = [segments[i + 3][3] for i in patients]  # the claim's STC03: WQ sent on, U held
    assert actions == ["U" if c["status"] == "held" else "WQ" for c in report["claims"]]


def test_277ca_totals_add_up_to_the_claims():
    data = DEMO.read_bytes()
    result, _, _, ack, _, _ = run_all(data, hold=True)
    segments = segments_of(ack)
    qty = {s.split("*")[1]: int(s.split("*")[2]) for s in segments if s.startswith("QTY*")}
    amt = [Decimal(s.split("*")[2]) for s in segments if s.startswith("AMT*")]
    claims = [build_claim(p) for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim)]
    assert qty["90"] + qty["AA"] == len(claims) == qty["QA"] + qty["QC"]
    assert qty["AA"] == result.counts.held == 2
    total = sum(c.charge for c in claims)
    assert amt[0] + amt[1] == total == amt[2] + amt[3]


def test_277ca_says_what_happened_to_each_claim():
    _, _, _, ack, _, _ = run_all(DEMO.read_bytes(), hold=True)
    text = ack.decode()
    # the even split is unsafe by default: DEMO-1 is held for it and for the visit without 25
    assert "TRN*2*DEMO-1~\nSTC*A7:187*20261101*U*22930.88******A7:453**EDI-IVIG HELD FOR IG01 IG06~" in text
    assert "SVC*HC:99214*150*****1~\nSTC*A7:453*20261101*U~\nREF*FJ*D1L4~" in text  # the line with the error
    assert "TRN*2*DEMO-4~\nSTC*A2:20*20261101*WQ*125~" in text  # untouched, accepted
    assert "ISA*00*          *00*          *ZZ*EXAMPLEMAC     *ZZ*NWINFUSION" in text  # sender and receiver swapped


def test_277ca_is_the_same_bytes_every_run():
    data = DEMO.read_bytes()
    assert run_all(data, hold=True)[3] == run_all(data, hold=True)[3]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_claim_summary_agrees_with_the_model_before_and_after_fix(path):
    """The 277CA reads CLM02, REF*D9, the bill type and the dates without the model: the same values."""
    data = path.read_bytes()
    before = [p for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim)]
    after = [p for p in Reader(io.BytesIO(run_all(data, hold=False)[1])) if isinstance(p, RawClaim)]
    assert [summarize(raw) for raw in before] == [summarize(raw) for raw in after]  # fixes keep them
    for raw in before:
        try:
            claim = build_claim(raw)
        except UnreadableInput:
            continue
        summary = summarize(raw)
        days = [line.date for line in claim.lines if line.date is not None]
        span = DateRange(min(d.start for d in days), max(d.end for d in days)) if days else None
        assert summary.charge == claim.charge
        assert summary.bill_type == claim.bill_type
        assert summary.intermediary_id == next((s.get(2) for s in header_segments(claim) if s.id == "REF" and s.get(1) == "D9"), "")
        assert summary.dates == (claim.statement_period or span)


def _summary_or_error(summary, raw):
    try:
        return summary(raw)
    except UnreadableInput as error:
        return ("unreadable", error.segment)


_TWISTS = (b"", b"DTP*472*D8*2026", b"DTP*472*RD8*20261009-20261005", b"REF*D9", b"DTP*434*RD8*2026*", b"DTP*472")


@pytest.mark.parametrize("path", SAMPLES + sorted((FIXTURES / "fuzz").glob("*.x12")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_quick_claim_summary_is_the_segment_by_segment_one(path):
    """summarize reads each segment's first characters for speed; on every sample, with dates and
    references broken in the ways a file may carry them, it says what reading each segment says."""
    from edi_ivig.mapping import _summarize_slowly

    original = path.read_bytes()
    for twist in _TWISTS:
        data = original.replace(b"DTP*472*D8*", twist + b"~DTP*472*D8*", 1) if twist else original
        try:
            claims = [p for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim)]
        except UnreadableInput:
            continue
        for raw in claims:
            assert _summary_or_error(summarize, raw) == _summary_or_error(_summarize_slowly, raw)


def test_277ca_answers_for_a_claim_the_rules_skip_even_with_an_unreadable_birth_date():
    """Only the claims the rules look at are built; a bad DMG02 elsewhere does not stop the 277CA."""
    data = DEMO.read_bytes().replace(b"DMG*D8*19", b"DMG*D8*X9")
    assert data != DEMO.read_bytes()
    result, _, _, ack, report, _ = run_all(data, hold=False)
    checked = validate(io.BytesIO(ack))
    assert checked.valid, checked.errors
    assert len(report["claims"]) == len(claim_ids(data))
    assert b"TRN*2*DEMO-4~\nSTC*A2:20*20261101*WQ*125~" in ack


# -- JSON and HTML ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_json_report_follows_its_schema_and_agrees_with_the_run(path):
    result, *_, report, _ = run_all(path.read_bytes(), hold=True)
    jsonschema.validate(report, SCHEMA)
    assert report["summary"]["claims"] == len(report["claims"]) == result.counts.claims
    assert report["summary"]["held"] == sum(1 for c in report["claims"] if c["status"] == "held")
    assert report["summary"]["findings"] == {
        severity: sum(1 for c in report["claims"] for f in c["findings"] if f["severity"] == severity)
        for severity in ("error", "warning", "info")
    }


def test_json_report_of_the_demo():
    _, *_, report, _ = run_all(DEMO.read_bytes(), hold=True)
    assert [(c["claim_id"], c["status"]) for c in report["claims"]] == [
        ("DEMO-1", "held"), ("DEMO-2", "held"), ("DEMO-3", "changed"), ("DEMO-4", "accepted")
    ]
    assert report["transaction"] == "837P" and report["mode"] == "fix"
    first = report["claims"][0]["findings"][0]
    assert first == {
        "rule": "IG01", "severity": "error", "line": 1, "fixed": False, "status_code": "A7:187",
        "message": "J1561-JZ on 2026-10-05..2026-10-09: 5 days on one line; the dose of each day goes on its own line with that date;"
        " splitting it evenly assumes the dose was the same each day: confirm it day by day in the infusion record",
    }


def test_html_report_summarises_and_shows_lines_before_and_after():
    *_, html = run_all(DEMO.read_bytes(), hold=True)
    page = lxml.html.fromstring(html)
    text = page.text_content()
    rows = {tuple(td.text_content() for td in tr.findall("td")) for tr in page.iter("tr")}
    assert ("Claims read", "4") in {(tr.findtext("th"), tr.findtext("td")) for tr in page.iter("tr")}
    assert ("Held (not sent)", "2") in {(tr.findtext("th"), tr.findtext("td")) for tr in page.iter("tr")}
    assert any(row[:2] == ("IG01", "One line per day for immune globulin given over several days") for row in rows)
    assert "Service lines as billed:" in text and "Service lines as sent:" in text
    assert not page.xpath("//script") and not page.xpath("//link")


def test_html_escapes_what_the_claim_file_says():
    data = DEMO.read_bytes().replace(b"CLM*DEMO-1*", b"CLM*<script>X</script>*")
    *_, html = run_all(data, hold=False)
    assert "<script>" not in html and "&lt;script&gt;X&lt;/script&gt;" in html


def test_html_shows_control_characters_from_the_file_as_replacement_marks():
    # XML cannot hold NUL or most C0 controls; an X12 element can
    data = DEMO.read_bytes().replace(b"CLM*DEMO-1*", b"CLM*DEMO\x00\x01-1*")
    *_, html = run_all(data, hold=False)
    assert "Claim DEMO\ufffd\ufffd-1" in lxml.html.fromstring(html).text_content()


def test_read_warnings_name_the_place_not_what_the_file_says():
    data = DEMO.read_bytes().replace(b"0001*005010X222A1~", b"0001*005010X222\x001~")
    *_, report, html = run_all(data, hold=False)
    message = "the version (ST03 or GS08) is not the HIPAA-named 005010X222A1; read as 837P"
    assert report["warnings"] == [{"segment": 3, "message": message}]
    assert message in lxml.html.fromstring(html).text_content()


def test_cli_writes_the_three_reports(tmp_path):
    paths = {flag: tmp_path / name for flag, name in (("--json", "r.json"), ("--277", "r.277"), ("--html", "r.html"))}
    args = ["fix", str(DEMO), "-o", str(tmp_path / "out.x12")]
    for flag, path in paths.items():
        args += [flag, str(path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.stderr  # unsafe fixes not applied: errors left
    jsonschema.validate(json.loads(paths["--json"].read_text()), SCHEMA)
    assert validate(io.BytesIO(paths["--277"].read_bytes())).valid
    assert paths["--html"].read_text().startswith("<!DOCTYPE html>")


def test_check_with_several_inputs_writes_one_report_each_into_a_directory(tmp_path):
    result = CliRunner().invoke(main, ["check", str(DEMO), *map(str, READABLE), "--json", str(tmp_path)])
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{p.name}.json" for p in [DEMO, *READABLE])
    bad = CliRunner().invoke(main, ["check", str(DEMO), str(READABLE[0]), "--json", str(tmp_path / "x.json")])
    assert bad.exit_code == 2


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_claims_json_entry_is_json_dumps_of_it(path):
    """entry_text writes a claim with no findings without building its dict: the same text."""
    from edi_ivig.reports.json_report import claim_entry, entry_text

    result = Pipeline(fix=True).run(io.BytesIO(path.read_bytes()), io.BytesIO(), keep=True)
    quiet = [
        attrs.evolve(r, findings=(), claim_id=r.claim_id + ' "quoted" \\ é\t') for r in result.claims
    ]
    for claim in [*result.claims, *quiet]:
        assert entry_text(claim) == json.dumps(claim_entry(claim), ensure_ascii=False)


@pytest.mark.parametrize("path", [DEMO, *READABLE], ids=lambda p: p.name)
def test_reports_that_list_only_claims_with_findings_let_the_others_pass_unread(path, monkeypatch):
    """The text and HTML reports say nothing of a claim no rule wants, so with only them the run
    passes those claims from reader to writer (no result made); what they print is the same."""
    from edi_ivig.reports.text import TextReport

    class EveryClaim:  # a report without the attribute: told of every claim, as before
        def part(self, part): pass
        def claim(self, raw, result): pass
        def finish(self, result): pass

    data, real = path.read_bytes(), Pipeline.process
    runs = {}
    for label, extra in (("quick", []), ("every", [EveryClaim()])):
        processed, lines, html = [], [], io.StringIO()
        monkeypatch.setattr(Pipeline, "process", lambda self, raw: processed.append(raw.claim_id) or real(self, raw))
        out = io.BytesIO()
        result = Pipeline(fix=True).run(
            io.BytesIO(data), out, reports=[TextReport(lines.append), HtmlReport(html), *extra], keep=False
        )
        runs[label] = (processed, lines, html.getvalue(), out.getvalue(), result.counts)
    (quick, every) = runs["quick"], runs["every"]
    assert quick[1:] == every[1:]  # the same lines, page, output and counts
    wanted = [raw.claim_id for raw in Reader(io.BytesIO(data)) if isinstance(raw, RawClaim) and Pipeline().wants(raw)]
    assert quick[0] == wanted and len(every[0]) == every[4].claims


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_277cas_names_read_from_the_loop_text_are_the_models(path):
    """The 277CA reads the subscriber's and patient's NM1 from the loops' text: what the model reads."""
    from edi_ivig.mapping import loop_party

    for raw in Reader(io.BytesIO(path.read_bytes())):
        if not isinstance(raw, RawClaim):
            continue
        try:
            claim = build_claim(raw)
        except UnreadableInput:
            continue
        assert loop_party(raw.subscriber, "IL") == claim.subscriber.member
        if raw.patient is not None:
            assert claim.patient is not None and loop_party(raw.patient, "QC") == claim.patient.name
