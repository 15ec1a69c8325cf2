"""Nothing wrong reaches the payer: outputs that cannot collide, and faults that leave nothing behind."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from edi_ivig.cli import main

CLINIC = FIXTURES / "read" / "837p-ivig-clinic.x12"
CLEAN = FIXTURES / "read" / "837i-ivig-outpatient.x12"
DEMO = FIXTURES / "demo" / "claims.x12"  # two of its four claims keep an error
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def _listing(folder):
    return sorted(p.name for p in folder.rglob("*"))


def _edi_ivig(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "edi_ivig", *map(str, args)], **kwargs)


# -- A. outputs that cannot collide ------------------------------------------------------------

FIX_OUTPUTS = {"output": "-o", "held": "--hold-errors", "json": "--json", "ack": "--277", "html": "--html"}


@pytest.mark.parametrize("first, second", list(itertools.combinations(FIX_OUTPUTS, 2)))
def test_fix_refuses_two_outputs_that_are_one_file(tmp_path, first, second):
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").mkdir()
    paths = {kind: out / f"{kind}.x" for kind in FIX_OUTPUTS}
    paths[second] = out / "sub" / ".." / f"{first}.x"  # one file not written yet, named two ways
    args = [a for kind in FIX_OUTPUTS for a in (FIX_OUTPUTS[kind], paths[kind])]
    result = invoke("fix", CLINIC, *args)
    assert result.exit_code == 2, result.output
    assert "would both write" in result.output
    assert _listing(out) == ["sub"]


def _names_of_one_file(tmp_path):
    """(existing?, first name, second name) for each way two names reach one file."""
    target = tmp_path / "x.837"
    target.write_bytes(b"earlier run")
    os.symlink(target, tmp_path / "link")
    os.link(target, tmp_path / "hard")
    os.symlink(tmp_path / "later.837", tmp_path / "dangling")
    return {
        "dot": (target, tmp_path / "." / "x.837"),
        "parent": (target, tmp_path / "sub" / ".." / "x.837"),
        "symlink": (target, tmp_path / "link"),
        "hard link": (target, tmp_path / "hard"),
        "not yet written": (tmp_path / "later.837", tmp_path / "dangling"),
    }


@pytest.mark.parametrize("way", ["dot", "parent", "symlink", "hard link", "not yet written"])
@pytest.mark.parametrize("flag", ["--hold-errors", "--json", "--277", "--html"])
def test_fix_refuses_an_output_named_twice_and_writes_nothing(tmp_path, way, flag):
    (tmp_path / "sub").mkdir()
    first, second = _names_of_one_file(tmp_path)[way]
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = invoke("fix", CLINIC, "-o", first, flag, second)
    assert result.exit_code == 2, result.output
    assert "would both write" in result.output
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("flag", ["--hold-errors", "--json", "--277", "--html"])
def test_in_fix_stdout_carries_only_the_corrected_837(tmp_path, flag):
    result = invoke("fix", "-", "-o", "-", flag, "-", input=DEMO.read_bytes())
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "stdout (-) carries only the corrected 837" in result.stderr


def test_check_sends_one_report_to_stdout_and_the_findings_to_stderr():
    result = invoke("check", CLINIC, "--json", "-")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)  # nothing else on stdout
    assert report["summary"]["claims"] == 2
    assert "3 finding(s)" in result.stderr and "NWI-0001" not in result.stderr


@pytest.mark.parametrize("args", [["--json", "-", "--277", "-"], ["--html", "-", "--json", "-"]])
def test_check_refuses_two_reports_on_stdout(args):
    result = invoke("check", CLINIC, *args)
    assert result.exit_code == 2 and "stdout takes one report at most" in result.stderr
    assert result.stdout == ""


def test_check_refuses_two_reports_that_are_one_file(tmp_path):
    result = invoke("check", CLINIC, "--json", tmp_path / "r", "--html", tmp_path / "." / "r")
    assert result.exit_code == 2 and "would both write" in result.output
    assert list(tmp_path.iterdir()) == []


def test_check_refuses_a_report_over_another_input(tmp_path):
    (tmp_path / "reports").mkdir()
    first, second = tmp_path / "a.x12", tmp_path / "reports" / "a.x12.json"
    first.write_bytes(CLINIC.read_bytes())
    second.write_bytes(CLEAN.read_bytes())
    result = invoke("check", first, second, "--json", tmp_path / "reports")
    assert result.exit_code == 2 and "is the same file as INPUT" in result.output
    assert second.read_bytes() == CLEAN.read_bytes()


def test_help_says_where_stdout_is_allowed():
    fix_help = " ".join(invoke("fix", "--help").stdout.split())
    check_help = " ".join(invoke("check", "--help").stdout.split())
    assert "a file: stdout is for the corrected 837 only" in fix_help
    assert "never - (stdout is for OUTPUT only)" in fix_help
    assert "- for stdout: one report at most" in check_help
