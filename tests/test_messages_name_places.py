"""Errors name places, never content (issue 13, part A).

A claim with a distinctive invented value in every element (fixtures/phi) is
broken at each segment in turn: a stray terminator inside each element, the
file cut inside and after the segment, a wrong segment id, a non-number where a
number belongs, a bad date, an unknown HL level. Whatever edi-ivig says about
the broken file (the UnreadableInput text from `process()`, the IG00 finding
messages and read warnings of the reports, the command line's stderr with its
-vv logs) must carry none of the planted values, nor any four characters of
one: what a message says reaches log stores and payers.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

import edi_ivig
from conftest import FIXTURES
from edi_ivig import log
from edi_ivig.cli import main

PLANTED_FILE = FIXTURES / "phi" / "planted-837p.x12"
DATA = PLANTED_FILE.read_text(encoding="latin-1")
SEGMENTS = DATA.split("~")  # each with the line break before it; the last is the final line break
ST, SE = 2, len(SEGMENTS) - 4  # indexes of ST and SE
# What the claim must carry for the rules to look at it, and the envelope's own codes.
NOT_PLANTED = {"J1459", "0019", "0930", "005010X222A1"}
# What the breaks put in: as private as what they replace.
BAD_ID, BAD_NUMBER, BAD_DATE, BAD_LEVEL = "ZQXK", "ZQXNUM", "19441399", "ZQXL"
NUMBERS = {("CLM", 2), ("SV1", 2), ("SV1", 4), ("CTP", 4), ("LX", 1), ("SV1", 7)}
DATES = {("DTP", 3), ("DMG", 2)}


def _elements(index: int) -> list[str]:
    return SEGMENTS[index].strip().split("*")


def _planted() -> set[str]:
    values = {BAD_ID, BAD_NUMBER, BAD_DATE, BAD_LEVEL}
    for index in range(ST + 1, SE):
        for element in _elements(index)[1:]:
            values.update(c for c in element.split(":") if len(c) >= 4 and c not in NOT_PLANTED)
    return values


PLANTED = _planted()
FORBIDDEN = {value[i : i + 4] for value in PLANTED for i in range(len(value) - 3)}


def _with_segment(index: int, text: str) -> str:
    segments = list(SEGMENTS)
    segments[index] = "\n" + text
    return "~".join(segments)


def _breaks() -> list[tuple[str, str]]:
    """(name, broken file) for every break at every segment of the transaction."""
    cases = []
    offset = 0
    for index in range(ST, SE + 1):
        elements = _elements(index)
        sid = elements[0]
        start = DATA.index(SEGMENTS[index], offset)
        end = offset = start + len(SEGMENTS[index])
        cases.append((f"{index + 1}-{sid}-cut-inside", DATA[: start + len(SEGMENTS[index]) // 2]))
        cases.append((f"{index + 1}-{sid}-cut-after", DATA[: end + 1]))
        cases.append((f"{index + 1}-{sid}-wrong-id", _with_segment(index, "*".join([BAD_ID, *elements[1:]]))))
        for position, value in enumerate(elements[1:], start=1):
            if len(value) >= 2:
                split = list(elements)
                split[position] = value[: len(value) // 2] + "~" + value[len(value) // 2 :]
                cases.append((f"{index + 1}-{sid}{position:02d}-stray-terminator", _with_segment(index, "*".join(split))))
            replacement = BAD_NUMBER if (sid, position) in NUMBERS else BAD_DATE if (sid, position) in DATES else None
            if sid == "HL" and position == 3:
                replacement = BAD_LEVEL
            if replacement is not None:
                changed = list(elements)
                changed[position] = replacement
                cases.append((f"{index + 1}-{sid}{position:02d}-bad-value", _with_segment(index, "*".join(changed))))
    return cases


BREAKS = _breaks()


def _leaks(messages: list[str]) -> list[str]:
    """The planted fragments found in any message (segment and byte numbers, log timestamps,
    claim hashes and file names set aside)."""
    found = []
    for message in messages:
        scrubbed = re.sub(r"\b(segments?|bytes?) \d+", r"\1 #", message)
        scrubbed = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z|claim=[0-9a-f]{16}|file=\S+", "#", scrubbed)
        found += [f"{fragment!r} in {message!r}" for fragment in FORBIDDEN if fragment in scrubbed]
    return found


def _report_messages(report: dict) -> list[str]:
    findings = [f["message"] for claim in report["claims"] for f in claim["findings"] if f["rule"] == "IG00"]
    return findings + [w["message"] for w in report["warnings"]]


def _process_messages(data: bytes) -> list[str]:
    messages = []
    for mode, hold in (("check", False), ("fix", True)):
        try:
            result = edi_ivig.process(data, mode=mode, hold_errors=hold)
        except edi_ivig.UnreadableInput as error:
            messages.append(str(error))
        else:
            messages += _report_messages(result.report)
    return messages


def test_the_planted_claim_is_read_and_every_break_is_reported():
    """The test means something: the claim reads as is, and the breaks give messages to look at."""
    assert not _process_messages(DATA.encode("latin-1"))
    assert len(PLANTED) > 40 and {"ZQXNAME", "MBR98765QX", "19440229", "83917.43"} <= PLANTED
    said = [m for _, broken in BREAKS for m in _process_messages(broken.encode("latin-1"))]
    assert len(said) > 2 * len(BREAKS) * 0.9
    assert any(m.startswith("the claim cannot be checked") for m in said)  # IG00 cases are among them
    assert all(re.match(r"(segment \d+|byte \d+|the claim cannot be checked: segment \d+, byte \d+)", m) for m in said
               if "read as 837P" not in m)


@pytest.mark.parametrize("name, broken", BREAKS, ids=[name for name, _ in BREAKS])
def test_what_process_says_of_a_broken_claim_names_no_value(name, broken):
    assert _leaks(_process_messages(broken.encode("latin-1"))) == []


# The command line costs more a run: one break of each kind at each segment, in check and fix, at -vv.
CLI_BREAKS = [case for case in BREAKS if not case[0].endswith("stray-terminator")]
CLI_BREAKS += [case for case in BREAKS if case[0].split("-")[1] in ("NM101", "NM103", "NM104", "NM109")]


@pytest.mark.parametrize("name, broken", CLI_BREAKS[::3], ids=[name for name, _ in CLI_BREAKS[::3]])
def test_what_the_command_line_says_of_a_broken_claim_names_no_value(name, broken, tmp_path):
    source = tmp_path / "in.x12"
    source.write_bytes(broken.encode("latin-1"))
    runner = CliRunner()
    try:
        checked = runner.invoke(main, ["-vv", "check", str(source), "--json", str(tmp_path / "r.json")])
        fixed = runner.invoke(main, ["-vv", "fix", str(source), "-o", str(tmp_path / "out.x12")])
    finally:
        log.configure(0)
    assert checked.exit_code in (0, 1, 3) and fixed.exit_code in (0, 1, 3), checked.output + fixed.output
    messages = [checked.stderr, fixed.stderr]
    if checked.exit_code != 3:
        messages += _report_messages(json.loads((tmp_path / "r.json").read_text()))
    assert "cannot read" in checked.stderr or "file_done" in checked.stderr  # the logs were on
    assert _leaks(messages) == []
