"""Nothing wrong reaches the payer: outputs that cannot collide, and faults that leave nothing behind."""

from __future__ import annotations

import errno
import itertools
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

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


def test_validate_never_writes_its_999_over_an_input_or_to_stdout(tmp_path):
    copy = tmp_path / "claims.x12"
    copy.write_bytes(CLEAN.read_bytes())
    result = invoke("validate", copy, "--999", tmp_path / "." / "claims.x12")
    assert result.exit_code == 2 and "is the same file as INPUT" in result.output
    assert copy.read_bytes() == CLEAN.read_bytes()
    result = invoke("validate", copy, "--999", "-")
    assert result.exit_code == 2 and "--999 must name a file" in result.stderr and result.stdout == ""


# -- B. faults --------------------------------------------------------------------------------


def _disk_full(monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)


def test_a_full_disk_is_exit_4_naming_the_output_not_the_input(tmp_path, monkeypatch):
    _disk_full(monkeypatch)
    out = tmp_path / "fixed.x12"
    result = invoke("fix", CLINIC, "-o", out)
    assert result.exit_code == 4, result.output
    assert result.stderr == f"edi-ivig: {out}: cannot write: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_a_write_that_fails_is_exit_4_with_nothing_left(tmp_path):
    # A real write error, unprivileged: a file-size limit makes write() fail (EFBIG) as a full disk does.
    out = tmp_path / "fixed.x12"

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))

    done = subprocess.run(
        [sys.executable, "-m", "edi_ivig", "fix", str(DEMO), "-o", str(out)],
        capture_output=True, text=True, preexec_fn=limit, check=False, timeout=60,
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith(f"edi-ivig: {out}: cannot write: File too large")
    assert str(DEMO) not in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(AS_ROOT, reason="root writes into a read-only folder anyway")
def test_a_folder_without_write_permission_is_exit_4(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = invoke("fix", CLINIC, "-o", locked / "fixed.x12")
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 4 and f"{locked / 'fixed.x12'}: cannot write: Permission denied" in result.stderr


def test_permission_denied_is_exit_4_naming_the_output(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    out = tmp_path / "fixed.x12"
    result = invoke("fix", CLINIC, "-o", tmp_path / "ok.x12", "--json", out)
    assert result.exit_code == 4, result.output
    assert f"edi-ivig: {tmp_path / 'ok.x12'}: cannot write: Permission denied" in result.stderr
    assert str(CLINIC) not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_reader_that_closes_stdout_early_is_exit_4_quietly():
    process = _edi_ivig("fix", "-", "-o", "-", stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before a byte is written
    _, stderr = process.communicate(DEMO.read_bytes(), timeout=60)
    lines = [line for line in stderr.decode().splitlines() if not line.startswith("-:")]  # the summary line
    assert process.returncode == 4, stderr
    assert lines == ["edi-ivig: stdout: cannot write: Broken pipe"]


def test_validate_reports_a_999_it_cannot_write_as_exit_4(tmp_path, monkeypatch):
    _disk_full(monkeypatch)
    result = invoke("validate", CLEAN, "--999", tmp_path / "ack.999")
    assert result.exit_code == 4, result.output
    assert result.stderr == f"edi-ivig: {tmp_path / 'ack.999'}: cannot write: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_batch_reports_an_output_error_as_exit_4(tmp_path, monkeypatch):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    for name in ("claims.x12", "other.x12"):
        (inbox / name).write_bytes(CLEAN.read_bytes())
    fsync = os.fsync

    def full_for_one_report(fd):
        if ".claims.x12.json." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", full_for_one_report)
    result = invoke("batch", inbox, out, "--workers", "1")
    assert result.exit_code == 4, result.output
    assert f"edi-ivig: claims.x12: cannot write {out / 'claims.x12.json'}: No space left on device" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["batch-summary.json", "other.x12", "other.x12.277", "other.x12.json"]
    failures = json.loads((out / "batch-summary.json").read_text())["failures"]
    assert failures == [{"file": "claims.x12", "error": f"cannot write {out / 'claims.x12.json'}: No space left on device"}]


def _big_input(path, claims=40000):
    from edi_ivig.bench import write_file

    write_file(path, "P", claims, 0.1)


def _wait_for_temporary(folder, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(p.name.endswith(".tmp") for p in folder.iterdir()):
            return
        assert process.poll() is None, "finished before it could be stopped: make the input bigger"
        time.sleep(0.05)
    raise AssertionError("no temporary file appeared")


def test_sigterm_to_a_running_fix_leaves_no_temporary(tmp_path):
    big, out = tmp_path / "big.x12", tmp_path / "out"
    _big_input(big)
    out.mkdir()
    process = _edi_ivig("fix", big, "-o", out / "fixed.x12", "--json", out / "r.json",
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_temporary(out, process)
    time.sleep(0.3)  # well into reading
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert list(out.iterdir()) == []
    assert b"Traceback" not in stderr


def test_sigterm_to_a_running_batch_stops_its_workers_and_leaves_no_temporary(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    for name in ("a.x12", "b.x12", "c.x12"):
        _big_input(inbox / name, claims=25000)
    process = _edi_ivig("batch", inbox, out, "--workers", "2", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (out.is_dir() and any(p.name.endswith(".tmp") for p in out.iterdir())):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert not (out / "c.x12").exists()  # the file not started was cancelled


def _dead_pid():
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_later_run_removes_the_temporaries_a_killed_run_left(tmp_path):
    dead = _dead_pid()
    alive = subprocess.Popen(["sleep", "30"])
    try:
        stale = tmp_path / f".fixed.x12.{dead}.k3j9x0ab.tmp"
        live = tmp_path / f".fixed.x12.{alive.pid}.z8y7w6vu.tmp"
        someone_elses = tmp_path / ".fixed.x12.notours.tmp"
        for path in (stale, live, someone_elses):
            path.write_bytes(b"half an interchange")
        result = invoke("fix", CLEAN, "-o", tmp_path / "fixed.x12")
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["fixed.x12", live.name, someone_elses.name])
    finally:
        alive.kill()
        alive.wait()


def test_batch_removes_the_temporaries_a_killed_run_left(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    out.mkdir()
    (inbox / "claims.x12").write_bytes(CLEAN.read_bytes())
    stale = out / f".gone.x12.{_dead_pid()}.abcdefgh.tmp"
    stale.write_bytes(b"half")
    assert invoke("batch", inbox, out, "--workers", "1").exit_code == 0
    assert not stale.exists()


# -- C. batch: nothing silently left out, no empty NAME, workers capped -----------------------


def test_batch_reports_and_counts_the_files_it_skips(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    (inbox / "claims.x12").write_bytes(CLEAN.read_bytes())
    (inbox / "..837").write_bytes(CLEAN.read_bytes())
    (inbox / ".claims").write_bytes(CLEAN.read_bytes())
    (inbox / "archive").mkdir()
    result = invoke("batch", inbox, out, "--workers", "1")
    assert result.exit_code == 0, result.output
    for name in ("..837", ".claims", "archive"):
        assert f"edi-ivig: {name}: skipped: " in result.stderr
    assert "1 file(s), 0 failed, 3 skipped;" in result.stdout
    summary = json.loads((out / "batch-summary.json").read_text())
    assert summary["skipped"] == 3
    assert [s["file"] for s in summary["skipped_files"]] == ["..837", ".claims", "archive"]


def test_batch_writes_no_name_when_every_claim_is_held(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    out.mkdir()
    every_claim_held = FIXTURES / "rules" / "IG01" / "837p-units-do-not-divide" / "input.x12"  # its one claim keeps an error
    (inbox / "held.x12").write_bytes(every_claim_held.read_bytes())
    (out / "held.x12").write_bytes(b"left from an earlier run")
    result = invoke("batch", inbox, out, "--workers", "1", "--hold-errors")
    assert result.exit_code == 1, result.output
    assert (out / "held.x12.held").stat().st_size > 0
    assert not (out / "held.x12").exists()
    assert (out / "held.x12.277").exists() and (out / "held.x12.json").exists()


def test_batch_caps_workers_at_the_cpu_count_with_a_warning(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("a.x12", "b.x12"):
        (inbox / name).write_bytes(CLEAN.read_bytes())
    cpus = os.cpu_count() or 1
    result = invoke("batch", inbox, tmp_path / "out", "--workers", cpus + 5)
    assert result.exit_code == 0, result.output
    assert f"--workers {cpus + 5} is more than the {cpus} CPU(s); using {cpus}" in result.stderr
    assert f"with {cpus} worker(s)" in result.stdout
