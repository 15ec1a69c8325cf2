"""IG10's code-set check (a header or no code on the date of service) against the rest of the product:
its severity is not the configured one, it holds a claim, it is said once for the days of a split line."""

from __future__ import annotations

import edi_ivig
from conftest import FIXTURES
from edi_ivig.settings import Config

CASES = FIXTURES / "rules" / "IG10"
G35_IN_WINDOW = (CASES / "837p-multiple-sclerosis-header-after-the-split" / "input.x12").read_bytes()


def _ig10(result) -> list[tuple[str, str]]:
    return [(f.severity, f.message.split(": ", 1)[1]) for f in result.findings if f.rule == "IG10"]


def test_a_header_is_an_error_whatever_ig10s_configured_severity():
    # G35 (a header on 2025-11-01) and G62.9 (billable, not on the list) on one line
    data = G35_IN_WINDOW.replace(b"HI*ABK:G35~", b"HI*ABK:G35*ABF:G629~").replace(b"UN*56***1~", b"UN*56***1:2~")
    for severity in ("info", "warning"):
        config = Config.load(overrides={"rules": {"IG10": {"severity": severity}}})
        found = _ig10(edi_ivig.process(data, config=config))
        assert [s for s, _ in found] == ["error", severity], found
        assert found[0][1].startswith("diagnosis 1 (G35) is a header")
        assert found[1][1].startswith("the diagnoses it points to (G629) are not on the coverage list")  # G35 left out
    # configured as errors too, the two are one finding of the line, as any rule's are
    config = Config.load(overrides={"rules": {"IG10": {"severity": "error"}}})
    ((severity, message),) = _ig10(edi_ivig.process(data, config=config))
    assert severity == "error" and " | J1561-JZ on 2025-11-01: the diagnoses it points to (G629)" in message


def test_a_header_holds_the_claim_and_turning_ig10_off_turns_it_off():
    held = edi_ivig.process(G35_IN_WINDOW, mode="fix", hold_errors=True)
    assert held.held and not held.output.count(b"CLM*")
    off = Config.load(overrides={"rules": {"IG10": {"enabled": False}}})
    assert _ig10(edi_ivig.process(G35_IN_WINDOW, config=off)) == []


def test_after_the_window_a_header_is_still_an_error_and_an_unknown_code_a_warning():
    later = G35_IN_WINDOW.replace(b"D8*20251101", b"D8*20261101")
    assert _ig10(edi_ivig.process(later)) == [("error", _ig10(edi_ivig.process(G35_IN_WINDOW))[0][1])]
    unknown = later.replace(b"HI*ABK:G35~", b"HI*ABK:G35Z9~")
    ((severity, message),) = _ig10(edi_ivig.process(unknown))
    assert severity == "warning" and "(the date of service is after 2026-09-30); unless the next year's code set added it" in message
    assert not edi_ivig.process(unknown, mode="fix", hold_errors=True).held  # a warning holds nothing


def test_before_the_window_the_code_set_says_nothing():
    earlier = G35_IN_WINDOW.replace(b"D8*20251101", b"D8*20250915")  # FY2025: G35 was billable
    assert all("header" not in message for _, message in _ig10(edi_ivig.process(earlier)))


def test_a_split_course_is_told_once():
    """A five-day range that IG01 splits into five lines is one billed line: one finding, not five."""
    case = FIXTURES / "rules" / "IG01" / "837p-five-day-course-split"
    data = (case / "input.x12").read_bytes().replace(b"HI*ABK:G6181~", b"HI*ABK:G35~")
    data = data.replace(b"RD8*20261005-20261009", b"RD8*20251103-20251107")
    config = Config.load(overrides={"rules": {"IG01": {"fix": "always"}}})
    result = edi_ivig.process(data, mode="fix", config=config)
    assert {f.rule for f in result.findings if f.fixed} == {"IG01"}  # the drug line and its two administration lines split
    ((severity, message),) = _ig10(result)
    assert severity == "error" and message.startswith("diagnosis 1 (G35) is a header")
