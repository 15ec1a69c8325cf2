"""The three ways edi-ivig is used give the same bytes: the Python hook, the filter, the batch."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

import edi_ivig
from conftest import FIXTURES, READABLE
from edi_ivig.cli import main
from edi_ivig.regress import find_cases

DEMO = FIXTURES / "demo" / "claims.x12"
SAMPLES = [DEMO, *READABLE, *(c.input for c in find_cases(FIXTURES / "rules"))]


def test_process_fixes_bytes_and_reports():
    result = edi_ivig.process(DEMO.read_bytes(), mode="fix")
    assert result.output != DEMO.read_bytes()
    assert result.ack_277ca.startswith(b"ISA*00*")
    assert result.report["summary"]["claims"] == 4
    assert {f.rule for f in result.findings} >= {"IG01", "IG02", "IG03"}
    assert result.held == b""


def test_process_in_check_mode_returns_the_input_unchanged():
    data = DEMO.read_bytes()
    result = edi_ivig.process(data)
    assert result.output == data
    assert result.report["mode"] == "check"


def test_process_holds_claims_when_asked():
    result = edi_ivig.process(DEMO.read_bytes(), mode="fix", hold_errors=True)
    assert b"CLM*DEMO-1*" in result.held and b"CLM*DEMO-1*" not in result.output


def test_unreadable_input_raises_the_one_documented_exception():
    with pytest.raises(edi_ivig.UnreadableInput) as error:
        edi_ivig.process(b"not an 837 at all", mode="fix")
    assert str(error.value) == "byte 0: no ISA segment found: an X12 interchange starts with ISA"
    with pytest.raises(ValueError):
        edi_ivig.process(DEMO.read_bytes(), mode="repair")


def test_a_config_is_loaded_once_and_serves_many_calls(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[rules.IG01]\nenabled = false\n")
    config = edi_ivig.load_config(path)
    for _ in range(3):
        assert "IG01" not in {f.rule for f in edi_ivig.process(DEMO.read_bytes(), mode="fix", config=config).findings}
    with pytest.raises(edi_ivig.ConfigError):
        path.write_text("[rules.IG01]\nenable = false\n")
        edi_ivig.load_config(path)


def test_process_is_thread_safe():
    config = edi_ivig.load_config()
    inputs = [p.read_bytes() for p in SAMPLES]
    expected = [edi_ivig.process(d, mode="fix", unsafe_fixes=True, config=config) for d in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda d: edi_ivig.process(d, mode="fix", unsafe_fixes=True, config=config), inputs * 3))
    for index, result in enumerate(got):
        want = expected[index % len(inputs)]
        assert (result.output, result.ack_277ca, result.report) == (want.output, want.ack_277ca, want.report)


def _filter(data: bytes) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "edi_ivig", "fix", "-", "-o", "-"], input=data, capture_output=True, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_hook_filter_and_batch_give_the_same_bytes(tmp_path):
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    for index in range(200):
        source = SAMPLES[index % len(SAMPLES)]
        (inbox / f"{index:03d}-{source.parent.name}.x12").write_bytes(source.read_bytes())
    result = CliRunner().invoke(main, ["batch", str(inbox), str(outbox), "--workers", "2"])
    assert result.exit_code == 1, result.stderr  # some samples keep errors on purpose
    assert "200 file(s), 0 failed" in result.stdout
    for path in sorted(inbox.iterdir()):
        data = path.read_bytes()
        hooked = edi_ivig.process(data, mode="fix")
        assert (outbox / path.name).read_bytes() == hooked.output, path.name
        assert (outbox / f"{path.name}.277").read_bytes() == hooked.ack_277ca, path.name
        assert json.loads((outbox / f"{path.name}.json").read_text())["summary"] == hooked.report["summary"]
    for path in sorted(inbox.iterdir())[:5]:  # the filter is a process per file: a few suffice
        assert _filter(path.read_bytes()) == (outbox / path.name).read_bytes()


def test_batch_goes_on_past_a_bad_file_and_reruns_give_the_same_bytes(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "good.x12").write_bytes(DEMO.read_bytes())
    (inbox / "bad.x12").write_bytes((FIXTURES / "unreadable" / "cut-short.x12").read_bytes())
    (inbox / ".hidden").write_bytes(b"ignored")
    first, second = tmp_path / "o1", tmp_path / "o2"
    for out in (first, second):
        result = CliRunner().invoke(main, ["batch", str(inbox), str(out), "--workers", "2"])
        assert result.exit_code == 1
        assert "edi-ivig: bad.x12: cannot read: segment 38" in result.stderr
    names = sorted(p.name for p in first.iterdir())
    assert names == ["batch-summary.json", "good.x12", "good.x12.277", "good.x12.json"]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    summary = json.loads((first / "batch-summary.json").read_text())
    assert (summary["files"], summary["failed"], summary["claims"]) == (2, 1, 4)


def test_batch_refuses_to_write_over_its_inputs(tmp_path):
    assert CliRunner().invoke(main, ["batch", str(tmp_path), str(tmp_path)]).exit_code == 2


def test_batch_holds_errors_as_fix_does(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    (inbox / "demo.x12").write_bytes(DEMO.read_bytes())  # two of its four claims keep an error
    (inbox / "clean.x12").write_bytes((FIXTURES / "read" / "837i-ivig-outpatient.x12").read_bytes())
    out.mkdir()
    (out / "clean.x12.held").write_bytes(b"left from an earlier run")
    result = CliRunner().invoke(main, ["batch", str(inbox), str(out), "--workers", "2", "--hold-errors"])
    assert result.exit_code == 1, result.output
    assert ", 2 held;" in result.stdout
    assert json.loads((out / "batch-summary.json").read_text())["held"] == 2
    hooked = edi_ivig.process(DEMO.read_bytes(), mode="fix", hold_errors=True)
    assert hooked.held and (out / "demo.x12.held").read_bytes() == hooked.held
    assert (out / "demo.x12").read_bytes() == hooked.output
    assert not (out / "clean.x12.held").exists()  # nothing held: no file, and no stale one


def test_batch_over_an_earlier_run_leaves_only_what_this_run_wrote(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    (inbox / "demo.x12").write_bytes(DEMO.read_bytes())
    (inbox / "later-broken.x12").write_bytes(DEMO.read_bytes())
    assert CliRunner().invoke(main, ["batch", str(inbox), str(out), "--workers", "1", "--hold-errors"]).exit_code == 1
    assert (out / "demo.x12.held").exists() and (out / "later-broken.x12.held").exists()
    (inbox / "later-broken.x12").write_bytes((FIXTURES / "unreadable" / "cut-short.x12").read_bytes())
    result = CliRunner().invoke(main, ["batch", str(inbox), str(out), "--workers", "1"])
    assert result.exit_code == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == ["batch-summary.json", "demo.x12", "demo.x12.277", "demo.x12.json"]  # no held file, no stale outputs
