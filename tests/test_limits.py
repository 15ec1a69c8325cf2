"""Limits: big inputs in flat memory, a claim with thousands of lines, a 1 MB element, wrong HL nesting."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest

import edi_ivig
from conftest import FIXTURES, roundtrip
from edi_ivig.pipeline import Pipeline

CLINIC = (FIXTURES / "read" / "837p-ivig-clinic.x12").read_bytes()
HEAD, _, REST = CLINIC.partition(b"CLM*NWI-0001*")
IVIG_CLAIM = b"CLM*NWI-0001*" + REST[: REST.index(b"HL*3*1*22*1~")]


def with_claim(claim: bytes) -> bytes:
    """The clinic file with its first claim replaced (SE01 left as is: the reader does not mind)."""
    return CLINIC.replace(IVIG_CLAIM, claim)


_GENERATOR = r"""
import sys
from edi_ivig.bench import write_file
from pathlib import Path
write_file(Path(sys.argv[1]), "P", int(sys.argv[2]), 0.05)
"""


def _peak_rss_mb(path, tmp_path) -> float:
    child = subprocess.run(
        [sys.executable, "-c", "import sys\n"
         "from edi_ivig.bench import peak_rss_mb\n"
         "from edi_ivig.pipeline import Pipeline\n"
         "with open(sys.argv[1], 'rb') as s, open(sys.argv[2], 'wb') as o: Pipeline(fix=True).run(s, o, keep=False)\n"
         "print(peak_rss_mb())", str(path), str(tmp_path / "out.x12")],
        capture_output=True, text=True, check=True,
    )
    return float(child.stdout)


def test_memory_stays_flat_as_the_input_grows(tmp_path):
    small, large = tmp_path / "small.x12", tmp_path / "large.x12"
    subprocess.run([sys.executable, "-c", _GENERATOR, str(small), "5000"], check=True)
    subprocess.run([sys.executable, "-c", _GENERATOR, str(large), "60000"], check=True)
    assert large.stat().st_size > 20e6  # 12 times the small one
    peak_small, peak_large = _peak_rss_mb(small, tmp_path), _peak_rss_mb(large, tmp_path)
    assert peak_large < 64, peak_large
    assert peak_large - peak_small < 8, (peak_small, peak_large)


def test_a_claim_with_thousands_of_lines_is_read_in_linear_time():
    visit = b"LX*1~\nSV1*HC:99213*100*UN*1***1~\nDTP*472*D8*20261005~\n"
    claim = IVIG_CLAIM + visit * 3000
    data = with_claim(claim)
    started = time.perf_counter()
    result = edi_ivig.process(data, mode="fix")
    assert time.perf_counter() - started < 10
    ig01 = [f for f in result.findings if f.rule == "IG01"]
    assert ig01 and all("over the 837P limit of 50" in f.message for f in ig01)
    assert result.output == data  # nothing split: the claim would only grow


def test_a_one_megabyte_element_passes_through():
    note = b"NTE*ADD*" + b"N" * 1_000_000 + b"~\n"
    data = with_claim(IVIG_CLAIM.replace(b"REF*6R*NWI0001L4~\n", b"REF*6R*NWI0001L4~\n" + note))
    assert roundtrip(data) == data
    fixed = edi_ivig.process(data, mode="fix").output
    assert fixed.count(b"N" * 1_000_000) == 1


def test_a_segment_without_its_terminator_fails_fast_not_slowly():
    data = CLINIC[:200] + b"X" * (20 << 20)  # 20 MB with no terminator
    started = time.perf_counter()
    with pytest.raises(edi_ivig.UnreadableInput) as error:
        Pipeline().run(io.BytesIO(data))
    assert "no segment terminator" in str(error.value)
    assert time.perf_counter() - started < 10


def test_thousands_of_claimless_hl_loops_pass_through():
    loops = b"".join(b"HL*%d*1*22*0~\nSBR*P*18*******MB~\n" % n for n in range(3, 5003))
    data = CLINIC.replace(b"HL*3*1*22*1~", loops + b"HL*3*1*22*1~")
    assert roundtrip(data) == data


@pytest.mark.parametrize(
    "old, new, message",
    [
        (b"HL*2*1*22*0~", b"HL*2*1*23*0~", "the claim has no subscriber (2000B) HL loop above it"),
        (b"HL*1**20*1~", b"HL*1**99*1~", "the claim has no billing provider (2000A) HL loop above it"),
        (b"HL*2*1*22*0~", b"HL*2*1**0~", "CLM is not under a subscriber (HL level 22) or patient (HL level 23); the HL before it is an HL loop of another level (HL03)"),
    ],
)
def test_wrong_hl_nesting_is_a_clear_error(old, new, message):
    with pytest.raises(edi_ivig.UnreadableInput) as error:
        edi_ivig.process(CLINIC.replace(old, new, 1))
    assert message in str(error.value)


def test_hl_ids_that_point_nowhere_are_passed_through():
    data = CLINIC.replace(b"HL*2*1*22*0~", b"HL*2*77*22*0~").replace(b"HL*4*3*23*0~", b"HL*4*99*23*0~")
    assert edi_ivig.process(data).output == data
    assert roundtrip(data) == data
