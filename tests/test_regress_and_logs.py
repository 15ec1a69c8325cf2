"""The regression runner, and invariant 6: no PHI in logs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from edi_ivig.cli import main

CASE = FIXTURES / "rules" / "IG01" / "837p-five-day-course-split"


def test_regress_runs_the_projects_own_fixtures():
    result = CliRunner().invoke(main, ["regress", str(FIXTURES)])
    assert result.exit_code == 0, result.stdout[-2000:]
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")


def test_regress_shows_a_segment_diff_and_updates_only_when_asked(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(CASE, case)
    expected = case / "expected.x12"
    expected.write_text(expected.read_text().replace("SV1*HC:J1561:JZ*4200*UN*56***1~\nDTP*472*D8*20261008",
                                                     "SV1*HC:J1561:JZ*4200*UN*57***1~\nDTP*472*D8*20261008"))
    findings = json.loads((case / "findings.json").read_text())
    findings[0]["severity"] = "warning"
    (case / "findings.json").write_text(json.dumps(findings))
    result = CliRunner().invoke(main, ["regress", str(tmp_path)])
    assert result.exit_code == 1
    out = result.stdout
    assert f"FAIL  {case}" in out
    assert "      -SV1*HC:J1561:JZ*4200*UN*57***1\n      +SV1*HC:J1561:JZ*4200*UN*56***1" in out
    assert '-    "severity": "warning",' in out and '+    "severity": "error",' in out
    assert "0 passed, 1 failed" in out
    updated = CliRunner().invoke(main, ["regress", str(tmp_path), "--update"])
    assert updated.exit_code == 0 and "(expectations updated)" in updated.stdout
    assert expected.read_bytes() == (CASE / "expected.x12").read_bytes()
    assert CliRunner().invoke(main, ["regress", str(tmp_path)]).exit_code == 0


def test_regress_without_cases_is_a_usage_error(tmp_path):
    assert CliRunner().invoke(main, ["regress", str(tmp_path)]).exit_code == 2


@pytest.mark.parametrize(
    "toml, message",
    [
        ('mdoe = "check"\n', "unknown key 'mdoe'"),
        ('mode = "repair"\n', "mode is 'repair'; it must be 'fix' or 'check'"),
        ("mode = \n", "not valid TOML"),
    ],
)
def test_regress_names_a_wrong_case_toml_with_exit_2(tmp_path, toml, message):
    shutil.copytree(CASE, tmp_path / "case")
    (tmp_path / "case" / "case.toml").write_text(toml)
    result = CliRunner().invoke(main, ["regress", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_regress_update_fails_for_a_case_it_cannot_update(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(CASE, case)
    (case / "input.x12").write_text("this is not X12")
    (case / "case.toml").write_text("[config.rules.IG01]\nenabeld = false\n")
    result = CliRunner().invoke(main, ["regress", str(tmp_path), "--update"])
    assert result.exit_code == 1
    assert "case.toml config: overrides: unknown key 'rules.IG01.enabeld'" in result.stdout
    assert "0 passed, 1 failed, 0 updated" in result.stdout


# -- logs ------------------------------------------------------------------------------------

# Recognisable PHI planted in a claim: names, member id, birth date, address, diagnosis,
# claim id. None of it may reach stderr, whatever the command and log level.
PHI = {
    b"TESTPATIENT": b"ZQPHILASTNAME",
    b"*ALEX*": b"*ZQPHIFIRST*",
    b"1EG4TE5MK72": b"ZQPHIMEMBER9",
    b"19580314": b"19011231",
    b"12 SAMPLE STREET": b"77 ZQPHI STREET",
    b"SPRINGFIELD*IL*62701": b"ZQPHITOWN*IL*62701",
    b"HI*ABK:G6181": b"HI*ABK:G6181*ABF:Z9484",
    b"DEMO-2": b"ZQPHICLAIM22",
}
PLANTED = [b"ZQPHI", b"19011231", b"Z9484", b"Z94.84"]


def _phi_file(tmp_path):
    data = (FIXTURES / "demo" / "claims.x12").read_bytes()
    for old, new in PHI.items():
        assert old in data, old
        data = data.replace(old, new)
    path = tmp_path / "phi.x12"
    path.write_bytes(data)
    return path


def _edi_ivig(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "edi_ivig", *args], input=stdin, capture_output=True, check=False)


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_no_phi_in_logs_of_any_command_at_debug_level(tmp_path, log_format):
    path = _phi_file(tmp_path)
    cases = tmp_path / "cases" / "phi"
    cases.mkdir(parents=True)
    shutil.copy(path, cases / "input.x12")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(path, inbox / "phi.x12")
    (inbox / "broken.x12").write_bytes(path.read_bytes()[:3000])
    log = ["-vv", "--log-format", log_format]
    runs = [
        _edi_ivig(*log, "check", str(path)),
        _edi_ivig(*log, "fix", str(path), "-o", str(tmp_path / "o.x12"), "--hold-errors", str(tmp_path / "h.x12"),
                  "--json", str(tmp_path / "r.json"), "--277", str(tmp_path / "r.277"), "--html", str(tmp_path / "r.html")),
        _edi_ivig(*log, "fix", "-", "-o", "-", "--unsafe-fixes", stdin=path.read_bytes()),
        _edi_ivig(*log, "validate", str(path)),
        _edi_ivig(*log, "batch", str(inbox), str(tmp_path / "outbox"), "--workers", "2"),
        _edi_ivig(*log, "regress", str(tmp_path / "cases")),
        _edi_ivig(*log, "rules"),
    ]
    debug_seen = 0
    for run in runs:
        for planted in PLANTED:
            assert planted not in run.stderr, (run.args, planted, run.stderr.decode()[:3000])
        debug_seen += run.stderr.count(b"claim_checked")
    assert debug_seen >= 3  # the debug events ran and were looked at
    assert b"ZQPHI" in (tmp_path / "o.x12").read_bytes() + (tmp_path / "h.x12").read_bytes()  # the EDI keeps it


def test_logs_are_quiet_by_default_and_json_lines_on_request(tmp_path):
    demo = FIXTURES / "demo" / "claims.x12"
    quiet = _edi_ivig("fix", str(demo), "-o", str(tmp_path / "o.x12"))
    assert quiet.stderr == b""
    verbose = _edi_ivig("-v", "--log-format", "json", "fix", str(demo), "-o", str(tmp_path / "o.x12"))
    events = [json.loads(line) for line in verbose.stderr.decode().splitlines()]
    done = next(e for e in events if e["event"] == "file_done")
    assert (done["level"], done["claims"], done["changed"]) == ("info", 4, 2)
    debug = _edi_ivig("-vv", "--log-format", "json", "check", str(demo))
    checked = [json.loads(line) for line in debug.stderr.decode().splitlines() if "claim_checked" in line]
    assert len(checked) == 3 and all(len(e["claim"]) == 16 for e in checked)
    assert checked[0]["rules"] == ["IG01", "IG06"] and checked[0]["segment"] == 21


def test_regress_names_an_unparsable_findings_json_with_exit_2(tmp_path):
    shutil.copytree(CASE, tmp_path / "case")
    findings = tmp_path / "case" / "findings.json"
    findings.write_text('[\n  {"rule": "IG01",\n  oops\n]\n')
    result = CliRunner().invoke(main, ["regress", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"{findings}: not valid JSON:" in result.output and "line 3, column 3" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "ok " not in result.output  # refused before any case ran
