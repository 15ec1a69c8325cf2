"""`edi-ivig summary FILE.277`: the 277CA as the submitter reads it, claim by claim."""

from __future__ import annotations

from click.testing import CliRunner

import edi_ivig
from conftest import FIXTURES
from edi_ivig.cli import main
from edi_ivig.reports.ack277_summary import read, render

DEMO = (FIXTURES / "demo" / "claims.x12").read_bytes()
DEMO_CONFIG = FIXTURES / "demo" / "payers.toml"


def test_each_claim_with_its_status_and_what_was_done():
    config = edi_ivig.load_config(DEMO_CONFIG)
    ack = edi_ivig.process(DEMO, mode="fix", config=config).ack_277ca
    claims = {c.claim_id: c for c in read(ack)}
    assert list(claims) == ["DEMO-1", "DEMO-2", "DEMO-3", "DEMO-4"]
    assert [c.action for c in claims.values()] == ["WQ"] * 4
    text = render(ack, "claims.277")
    assert "DEMO-1  accepted (A2:20)  22930.88  corrected IG01; to review IG06" in text
    assert "DEMO-4  accepted (A2:20)       125  nothing to correct" in text
    assert "claims.277: 4 claim(s), 4 accepted, 0 rejected (held)" in text
    assert "  IG01  One line per day for immune globulin given over several days" in text


def test_a_held_claim_names_its_lines_and_no_patient():
    result = edi_ivig.process(DEMO, mode="fix", hold_errors=True)
    claims = {c.claim_id: c for c in read(result.ack_277ca)}
    held = claims["DEMO-1"]
    assert held.action == "U" and held.codes and all(not code.startswith("A2") for code in held.codes)
    assert str(held.lines[0]).startswith("J1561-JZ on 2026-10-05..2026-10-09 (REF*6R D1L1): A7:")
    text = render(result.ack_277ca, "claims.277")
    assert "rejected (held)" in text and "held for IG01" in text
    patient = next(s for s in DEMO.decode().split("~") if s.strip().startswith("NM1*QC") or s.strip().startswith("NM1*IL"))
    assert patient.split("*")[3] not in text  # the patient's (or subscriber's) last name


def test_the_command_and_an_unreadable_file(tmp_path):
    ack = tmp_path / "claims.277"
    ack.write_bytes(edi_ivig.process(DEMO, mode="fix").ack_277ca)
    result = CliRunner().invoke(main, ["summary", str(ack)])
    assert result.exit_code == 0 and "DEMO-3" in result.stdout
    bad = tmp_path / "bad.277"
    bad.write_bytes(b"ISA*cut short")
    result = CliRunner().invoke(main, ["summary", str(bad)])
    assert result.exit_code == 3 and "cannot read" in result.stderr
