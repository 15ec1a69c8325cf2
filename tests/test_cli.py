"""The command line: exit codes, filters, help that teaches."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, UNREADABLE
from edi_ivig.cli import main

CLINIC = FIXTURES / "read" / "837p-ivig-clinic.x12"  # a 5-day J1459 course on one line: IG01 splits it
CLEAN = FIXTURES / "read" / "837i-ivig-outpatient.x12"  # nothing for the rules to find


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_check_prints_a_summary_and_the_findings_and_exits_1_on_errors():
    result = invoke("check", CLINIC, CLEAN)
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("  NWI-0001 line 1: IG01 error [A7:187] (unsafe fix: needs --unsafe-fixes) J1459-JZ on 2026-10-05..2026-10-09")
    assert lines[3] == (
        f"{CLINIC}: 837P, 2 claim(s), 5 service line(s); 3 finding(s): 3 error(s), 0 that `fix` would correct"
    )
    assert lines[4] == f"{CLEAN}: 837I, 1 claim(s), 3 service line(s); no findings"
    assert len(lines) == 5


def test_check_exits_0_when_nothing_is_found():
    assert invoke("check", CLEAN).exit_code == 0


def test_check_goes_on_past_an_unreadable_file_and_exits_3():
    result = invoke("check", UNREADABLE[0], CLINIC)
    assert result.exit_code == 3
    assert result.stdout.splitlines()[-1].startswith(str(CLINIC))
    assert "cannot read" in result.stderr


def test_fix_writes_the_output_atomically(tmp_path):
    output = tmp_path / "fixed.x12"
    result = invoke("fix", CLEAN, "-o", output)
    assert result.exit_code == 0, result.stderr
    assert output.read_bytes() == CLEAN.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixed.x12"]


def test_fix_applies_safe_fixes_only_and_exits_1_when_errors_are_left(tmp_path):
    output = tmp_path / "fixed.x12"
    result = invoke("fix", CLINIC, "-o", output)
    assert result.exit_code == 1, result.stderr
    assert "3 finding(s): 0 fixed, 3 error(s) left" in result.stdout
    assert output.read_bytes() == CLINIC.read_bytes()  # the even split is unsafe: offered, not applied


def test_fix_applies_what_a_payers_config_section_declares_safe_and_exits_0(tmp_path):
    config = tmp_path / "payers.toml"
    config.write_text('[payer."00999".rules.IG01]\nfix = "always"  # this payer\'s protocol: equal daily doses\n')
    output = tmp_path / "fixed.x12"
    result = invoke("fix", CLINIC, "-o", output, "--config", config)
    assert result.exit_code == 0, result.stderr
    assert "3 finding(s): 3 fixed, 0 error(s) left" in result.stdout
    assert output.read_bytes().count(b"DTP*472*D8*") == 17  # 15 split lines, the visit, the other claim


def test_fix_never_overwrites_its_input(tmp_path):
    copy = tmp_path / "in.x12"
    copy.write_bytes(CLINIC.read_bytes())
    result = invoke("fix", copy, "-o", copy)
    assert result.exit_code == 2
    assert "same file as INPUT" in result.stderr
    assert copy.read_bytes() == CLINIC.read_bytes()


@pytest.mark.parametrize("flag", ["--json", "--html", "--277"])
def test_check_never_writes_a_report_over_its_input(tmp_path, flag):
    copy = tmp_path / "claims.x12"
    copy.write_bytes(CLINIC.read_bytes())
    result = CliRunner().invoke(main, ["check", str(copy), flag, str(copy)])
    assert result.exit_code == 2 and "is the same file as INPUT" in result.output
    assert copy.read_bytes() == CLINIC.read_bytes()


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_report_path_that_is_a_directory_is_a_usage_error(tmp_path, command):
    out = ["-o", str(tmp_path / "out.x12")] if command == "fix" else []
    result = CliRunner().invoke(main, [command, str(CLINIC), *out, "--json", str(tmp_path)])
    assert result.exit_code == 2 and f"cannot write {tmp_path}: it is a directory" in result.output
    assert list(tmp_path.iterdir()) == []


def test_check_refuses_two_inputs_whose_reports_would_share_a_name(tmp_path):
    for folder in ("a", "b", "reports"):
        (tmp_path / folder).mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "claims.x12").write_bytes(CLINIC.read_bytes())
    inputs = [str(tmp_path / "a" / "claims.x12"), str(tmp_path / "b" / "claims.x12")]
    result = CliRunner().invoke(main, ["check", *inputs, "--json", str(tmp_path / "reports")])
    assert result.exit_code == 2 and "would both write" in result.output
    assert list((tmp_path / "reports").iterdir()) == []


def test_fix_replaces_an_existing_output_only_on_success(tmp_path):
    output = tmp_path / "out.x12"
    output.write_bytes(b"previous run")
    assert invoke("fix", UNREADABLE[0], "-o", output).exit_code == 3
    assert output.read_bytes() == b"previous run"
    assert invoke("fix", CLEAN, "-o", output).exit_code == 0
    assert output.read_bytes() == CLEAN.read_bytes()


def test_fix_as_a_filter_keeps_stdout_for_edi_only():
    # A real process, so stdin/stdout are the pipes a shell pipeline would give.
    data = CLEAN.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "edi_ivig", "fix", "-", "-o", "-"], input=data, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == data
    assert b"no findings" in done.stderr


def test_a_filter_writes_nothing_to_stdout_when_the_input_is_unreadable():
    done = subprocess.run(
        [sys.executable, "-m", "edi_ivig", "fix", "-", "-o", "-"],
        input=CLINIC.read_bytes()[:1500], capture_output=True, check=False,
    )
    assert done.returncode == 3
    assert done.stdout == b""
    assert done.stderr.decode().startswith("edi-ivig: -: cannot read: segment")


@pytest.mark.parametrize("args", [[], ["fix", str(CLINIC)], ["check"], ["no-such-command"]])
def test_usage_errors_exit_2(args):
    assert invoke(*args).exit_code == 2


def test_a_missing_input_is_unreadable_and_named(tmp_path):
    result = invoke("check", tmp_path / "nope.x12")
    assert result.exit_code == 3
    assert "nope.x12" in result.stderr


@pytest.mark.parametrize("command", ["check", "fix", "validate", "regress"])
def test_help_explains_each_command(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "INPUT" in result.stdout or "CASES_DIR" in result.stdout


def test_top_level_help_lists_commands_exit_codes_and_examples():
    text = invoke("--help").stdout
    for word in ("check", "fix", "validate", "rules", "regress", "Exit codes", "--unsafe-fixes"):
        assert word in text


def test_the_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "edi-ivig")
    done = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "edi-ivig" in done.stdout


@pytest.mark.parametrize("typed, meant", [("ser", "serve"), ("refdat", "refdata"), ("fx", "fix")])
def test_a_mistyped_command_is_named_with_the_one_meant(typed, meant):
    # serve and refdata are imported only when named: the hint must still know them
    result = CliRunner().invoke(main, [typed])
    assert result.exit_code == 2
    assert f"No such command '{typed}'" in result.output
    if hasattr(__import__("click").exceptions, "NoSuchCommand"):  # the hint is click 8.4's
        assert f"'{meant}'" in result.output.split("No such command", 1)[1]
