"""Nothing lost through the API (issue 13, part B).

Every claim that comes in goes out, in the corrected output or in the held
file: `process(..., hold_errors=True)` once returned neither for a file whose
only claims stood in the text before an interchange with no claim (the
corrected output dropped the claimless interchange, and its lead with it).
And with nothing fixed and nothing held, the output is the input, byte for
byte, through `process()`, the command-line filter and `batch`.
"""

from __future__ import annotations

import io
import subprocess
import sys

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import SEED_BYTES, mangled

import edi_ivig
from conftest import FIXTURES
from edi_ivig.cli import main
from edi_ivig.reader import RawClaim, Reader
from edi_ivig.validate import validate

LEAD_CLAIMS = FIXTURES / "fuzz" / "claims-in-text-before-an-interchange-with-none.x12"


def _clm_count(data: bytes) -> int:
    """CLM segments in a file, read or not: what a payer would get as claims."""
    return data.count(b"~CLM*") + data.count(b"~\nCLM*") + data.count(b"~\r\nCLM*")


def _claims(data: bytes) -> int:
    if not data:
        return 0
    return sum(isinstance(part, RawClaim) for part in Reader(io.BytesIO(data)))


def test_claims_before_an_interchange_with_none_are_kept_in_the_output():
    data = LEAD_CLAIMS.read_bytes()
    result = edi_ivig.process(data, mode="fix", hold_errors=True)
    assert result.report["summary"]["changed"] == 0 and result.held == b""
    assert result.output == data


def _check_invariant(data: bytes, unsafe: bool) -> None:
    try:
        plain = edi_ivig.process(data, mode="fix", unsafe_fixes=unsafe)
        holding = edi_ivig.process(data, mode="fix", unsafe_fixes=unsafe, hold_errors=True)
    except edi_ivig.UnreadableInput:
        return
    claims = _claims(data)
    assert _claims(plain.output) == claims
    assert _claims(holding.output) + _claims(holding.held) == claims
    assert _clm_count(holding.output) + _clm_count(holding.held) == _clm_count(data)
    if plain.report["summary"]["changed"] == 0:
        assert plain.output == data
        if holding.report["summary"]["held"] == 0:
            assert holding.output == data and holding.held == b""


def test_every_seed_keeps_its_claims():
    for data in SEED_BYTES + [LEAD_CLAIMS.read_bytes()]:
        _check_invariant(data, unsafe=True)


@settings(max_examples=300, deadline=10000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=mangled(), unsafe=st.booleans())
def test_no_mutation_loses_a_claim_through_process(data, unsafe):
    _check_invariant(data, unsafe)


def test_the_filter_passes_every_byte_through():
    for data in (LEAD_CLAIMS.read_bytes(), (FIXTURES / "read" / "837-two-interchanges.x12").read_bytes()):
        done = subprocess.run([sys.executable, "-m", "edi_ivig", "fix", "-", "-o", "-"], input=data,
                              capture_output=True, timeout=60)
        assert done.returncode in (0, 1), done.stderr
        assert _claims(done.stdout) == _claims(data)
        if edi_ivig.process(data, mode="fix").output == data:
            assert done.stdout == data


def test_batch_keeps_every_claim(tmp_path):
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    files = {"lead.x12": LEAD_CLAIMS.read_bytes(), "clinic.x12": (FIXTURES / "read" / "837p-ivig-clinic.x12").read_bytes(),
             "two.x12": (FIXTURES / "read" / "837-two-interchanges.x12").read_bytes()}
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    result = CliRunner().invoke(main, ["batch", str(inbox), str(outbox), "--workers", "1", "--hold-errors"])
    assert result.exit_code in (0, 1), result.output
    for name, data in files.items():
        held = outbox / f"{name}.held"
        out = (outbox / name).read_bytes()
        assert _claims(out) + (_claims(held.read_bytes()) if held.exists() else 0) == _claims(data)
    assert (outbox / "lead.x12").read_bytes() == files["lead.x12"]


CLAIMLESS_LOOP = FIXTURES / "read" / "837p-subscriber-loop-without-a-claim.x12"


def test_a_subscriber_loop_without_a_claim_is_kept_when_claims_are_held():
    """HL*2 (a subscriber with no claim) is nobody's to drop: with nothing held the output is the
    input; with the IVIG claim of HL*3 held (an unsplit range), HL*2 stays and HL*4 becomes HL*3."""
    data = CLAIMLESS_LOOP.read_bytes()
    plain = edi_ivig.process(data, mode="fix")
    assert plain.output == data
    holding = edi_ivig.process(data, mode="fix", hold_errors=True)
    assert holding.report["summary"]["held"] == 1
    sent, held = holding.output.decode(), holding.held.decode()
    assert "HL*2*1*22*0~\nSBR*P*18*******MB~\nNM1*IL*1*EXAMPLEONE*ROBIN" in sent  # the claimless loop, in place
    assert "HL*3*1*22*0~\nSBR*P*18*******MB~\nNM1*IL*1*EXAMPLETHREE*LEE" in sent and "CLM*NL-OTHER" in sent
    assert "NL-IVIG" not in sent and "EXAMPLEONE" not in held  # the held file carries only the held claim's loops
    assert "HL*2*1*22*0~\nSBR*P*18*******MB~\nNM1*IL*1*EXAMPLETWO*KIM" in held
    assert validate(io.BytesIO(holding.output)).valid and validate(io.BytesIO(holding.held)).valid


def test_repeated_hl_numbers_are_written_as_read_when_nothing_is_dropped():
    """Found by hypothesis: an HL01 repeated in the input (a sender's error) came back renumbered
    through hold_errors though no claim was held."""
    data = CLAIMLESS_LOOP.read_bytes().replace(b"HL*3*1*22*0", b"HL*2*1*22*0")
    holding = edi_ivig.process(data.replace(b"RD8*20261005-20261006", b"D8*20261005"), mode="fix", hold_errors=True)
    assert holding.report["summary"]["held"] == 0
    assert holding.output == data.replace(b"RD8*20261005-20261006", b"D8*20261005") and holding.held == b""
