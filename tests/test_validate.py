"""pyx12 implementation-guide validation, and invariant 3 (outputs stay valid)."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from conftest import CORPUS, FIXTURES, READABLE, fix_bytes, needs_corpus
from edi_ivig.cli import main
from edi_ivig.validate import validate

CLINIC = FIXTURES / "read" / "837p-ivig-clinic.x12"


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_the_output_of_every_valid_input_fixture_validates(path):
    data = path.read_bytes()
    assert validate(io.BytesIO(data)).valid, "the input fixture itself must be valid"
    result = validate(io.BytesIO(fix_bytes(data)))
    assert result.valid, result.errors


def test_errors_are_grouped_by_claim_with_positions(tmp_path):
    broken = CLINIC.read_bytes().replace(b"SV1*HC:96365*1250*UN*5***1", b"SV1*HC:96365*1250*XX*5***1")
    path = tmp_path / "bad.x12"
    path.write_bytes(broken)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "  claim NWI-0001:" in result.stdout
    assert "segment 30 (SV103, position 28 in its transaction)" in result.stdout


def test_999_is_written_and_is_itself_a_valid_999(tmp_path):
    broken = CLINIC.read_bytes().replace(b"SE*58*0001", b"SE*57*0001")
    path, ack = tmp_path / "bad.x12", tmp_path / "bad.999"
    path.write_bytes(broken)
    result = CliRunner().invoke(main, ["validate", str(path), "--999", str(ack)])
    assert result.exit_code == 1
    text = ack.read_text()
    assert "ST*999*" in text and "IK5*R" in text
    assert validate(io.BytesIO(ack.read_bytes())).valid


def test_non_hipaa_version_is_validated_against_its_kind_with_a_note(tmp_path):
    path = tmp_path / "a2.x12"
    path.write_bytes(CLINIC.read_bytes().replace(b"005010X222A1", b"005010X222A2"))
    result = validate(io.BytesIO(path.read_bytes()))
    assert result.notes == (
        "pyx12 has no map for GS08 '005010X222A2'; it was validated as an 837P against 837.5010.X222.A1.xml,"
        " which reports GS08/ST03 as invalid codes",
    )
    assert {e.segment_id for e in result.errors} <= {"GS", "ST"}
    assert result.errors


@pytest.mark.parametrize("name", ["no-isa", "gs-too-short"])
def test_validate_refuses_what_cannot_be_tokenized_as_fix_does(name):
    expected = (FIXTURES / "unreadable" / f"{name}.expected").read_text().strip()
    expected = re.sub(r", byte \d+", "", expected)  # validate reads a normalized copy: segment numbers only
    result = CliRunner().invoke(main, ["validate", str(FIXTURES / "unreadable" / f"{name}.x12")])
    assert result.exit_code == 3
    assert result.stderr.strip().endswith(f"cannot read: {expected}"), result.stderr


@pytest.mark.parametrize(
    "name, envelope",
    [("not-an-837", "icvn=00501, fic=HS, vriic=005010X222A1"), ("version-4010", "icvn=00501, fic=HC, vriic=004010X098A1")],
)
def test_validate_says_which_envelope_pyx12_has_no_map_for(name, envelope):
    result = CliRunner().invoke(main, ["validate", str(FIXTURES / "unreadable" / f"{name}.x12")])
    assert result.exit_code == 3
    assert result.stderr.strip().endswith(f"cannot read: pyx12 cannot validate it: Map not found. {envelope}"), result.stderr


def test_validate_checks_the_277ca_and_999_edi_ivig_writes(tmp_path):
    ack = tmp_path / "demo.277"
    CliRunner().invoke(main, ["check", str(FIXTURES / "demo" / "claims.x12"), "--277", str(ack)])
    result = CliRunner().invoke(main, ["validate", str(ack)])
    assert (result.exit_code, result.stdout) == (0, f"{ack}: valid\n")


@needs_corpus
def test_validate_agrees_with_pyx12_on_corpus_files_it_reads_directly():
    path = CORPUS / "ext" / "stupidedi__X223A2_Institutional__ppo-repriced-claim.edi"
    assert validate(io.BytesIO(path.read_bytes())).valid
    path = CORPUS / "ext" / "ims__x12_segment_errors.txt"
    messages = [e.message for e in validate(io.BytesIO(path.read_bytes())).errors]
    assert 'Mandatory segment "Health Care Diagnosis Code" (HI) missing' in messages


@needs_corpus
def test_validate_reads_what_pyx12_alone_cannot():
    # a banner before the ISA: pyx12's own reader refuses the file
    path = CORPUS / "ext" / "stupidedi__X222_Professional__1.edi"
    result = validate(io.BytesIO(path.read_bytes()))
    assert result.errors and all(e.segment_id != "ISA" for e in result.errors)


def test_validate_refuses_an_interchange_version_pyx12_does_not_know(tmp_path):
    path = tmp_path / "isa-00601.x12"
    path.write_bytes((FIXTURES / "demo" / "claims.x12").read_bytes().replace(b"*00501*", b"*00601*", 1))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 3
    assert result.stderr.strip().endswith(
        "cannot read: segment 1: pyx12 cannot validate it: ISA Interchange Control Version Number is unknown: 00601"
    ), result.stderr


def test_validation_messages_name_places_not_what_the_claim_says(tmp_path):
    """A stray terminator inside a name made pyx12 call the first name a segment id, and a bad
    birth date was quoted: `edi-ivig validate` says where, never the name or the date."""
    from click.testing import CliRunner

    from conftest import FIXTURES
    from edi_ivig.cli import main

    data = (FIXTURES / "rules" / "IG11" / "837p-over-the-daily-maximum" / "input.x12").read_bytes()
    data = data.replace(b"NM1*IL*1*TESTPATIENT*ALEX", b"NM1*IL*1*ZZFAKEPATIENT~QUINCY").replace(b"DMG*D8*19580314", b"DMG*D8*19601341")
    path = tmp_path / "bad.x12"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code != 0 and "segment" in result.output
    for content in ("QUINCY", "ZZFAKEPATIENT", "19601341"):
        assert content not in result.output
