"""The coding rules on one claim, as a billing person would meet them (issue: IG05-IG11)."""

from __future__ import annotations

import io

from conftest import FIXTURES
from edi_ivig.pipeline import Pipeline

# One Medicare claim: JW and JZ on one drug line, an E/M visit without 25 on the infusion
# day, hydration beside the infusion, and a diagnosis off the coverage list.
SEGMENTS = [
    "CLM*MIX-1*5100***11:B:1*Y*A*Y*Y", "HI*ABK:G629",
    "LX*1", "SV1*HC:J1561:JW:JZ*4200*UN*56***1", "DTP*472*D8*20261005", "LIN**N4*13533080511", "CTP****280*ML",
    "LX*2", "SV1*HC:96365*400*UN*1***1", "DTP*472*D8*20261005",
    "LX*3", "SV1*HC:96361*150*UN*1***1", "DTP*472*D8*20261005",
    "LX*4", "SV1*HC:99213*350*UN*1***1", "DTP*472*D8*20261005",
]


def _file() -> bytes:
    template = (FIXTURES / "rules" / "IG05" / "837p-jz-added-unsafe" / "input.x12").read_text()
    head, rest = template.split("CLM*", 1)
    tail = rest[rest.index("SE*"):]
    body = "".join(s + "~\n" for s in SEGMENTS)
    se_count = head.count("~") - 2 + len(SEGMENTS) + 1
    tail = f"SE*{se_count}*0001~\n" + tail.split("~\n", 1)[1]
    return (head + body + tail).encode()


def test_check_reports_each_problem_with_its_line_and_277ca_code():
    result = Pipeline().run(io.BytesIO(_file()))
    found = {(f.rule, f.line, f.status_code) for f in result.findings}
    assert ("IG05", 1, "A8:448") in found  # JW and JZ on one line
    assert ("IG06", 4, "A7:453") in found  # E/M without 25 on the infusion day
    assert ("IG07", 3, "A7:454") in found  # hydration beside the infusion
    assert ("IG10", 1, "A7:255") in found  # G62.9 is not on the coverage list


def test_unsafe_fixes_add_25_where_the_policy_says_and_no_jz_where_it_does_not():
    sink = io.BytesIO()
    result = Pipeline(fix=True, unsafe_fixes=True).run(io.BytesIO(_file()), sink)
    out = sink.getvalue().decode()
    assert "SV1*HC:99213:25*350" in out  # the visit gets 25
    assert "SV1*HC:J1561:JW:JZ*4200" in out  # the JW+JZ conflict is not "fixed" by guessing
    assert "SV1*HC:96365*400" in out and "SV1*HC:96361*150" in out  # no modifier on procedures
    fixed = {(f.rule, f.line) for f in result.findings if f.fixed}
    assert fixed == {("IG06", 4)}


def _claim(*segments: str) -> bytes:
    template = (FIXTURES / "rules" / "IG05" / "837p-jz-added-unsafe" / "input.x12").read_text()
    head, rest = template.split("CLM*", 1)
    tail = rest[rest.index("SE*"):].split("~\n", 1)[1]
    return (head + "".join(s + "~\n" for s in segments) + f"SE*{head.count('~') - 2 + len(segments) + 1}*0001~\n" + tail).encode()


def test_an_ndc_of_another_product_is_flagged_also_before_that_product_had_a_code():
    """J1459 is Privigen's code; a Yimmugo NDC under it is wrong on any date (IG09), J1553 or not."""
    data = _claim(
        "CLM*X-1*4400***11:B:1*Y*A*Y*Y", "HI*ABK:G6181",
        "LX*1", "SV1*HC:J1459:JZ*4000*UN*20***1", "DTP*472*D8*20260115", "LIN**N4*70573060511", "CTP****100*ML",
        "LX*2", "SV1*HC:96365*400*UN*1***1", "DTP*472*D8*20260115",
    )
    messages = [f.message for f in Pipeline().run(io.BytesIO(data)).findings if f.rule == "IG09"]
    assert messages == [
        "J1459-JZ on 2026-01-15: J1459 is Privigen but NDC 70573060511 is Yimmugo, which has no code of its own on"
        " this date; the NDC and the code must name the same product"
    ]


def _fixed_unsafe(*lines: str, claim: str = "CLM*X*4400***11:B:1*Y*A*Y*Y", diagnosis: str = "HI*ABK:G6181"):
    """`fix --unsafe-fixes` on one claim: its findings as (rule, fixed) and the output text."""
    data = _claim(claim, diagnosis, *lines)
    sink = io.BytesIO()
    result = Pipeline(fix=True, unsafe_fixes=True).run(io.BytesIO(data), sink)
    return result.findings, sink.getvalue().decode(), data.decode()


def test_a_code_billed_before_it_began_is_told_the_products_code_then():
    """J1554 on 2021-02-15, before it began: Asceniv's code that day was C9072 (IG12, unsafe fix)."""
    findings, out, _ = _fixed_unsafe(
        "LX*1", "SV1*HC:J1554*4000*UN*20***1", "DTP*472*D8*20210215", "LIN**N4*69800025001", "CTP****100*ML",
        "LX*2", "SV1*HC:96365*400*UN*1***1", "DTP*472*D8*20210215",
    )
    assert [(f.rule, f.fixed) for f in findings] == [("IG12", True)]
    assert "SV1*HC:C9072*4000*UN*20***1~" in out


def test_recoding_a_line_billed_in_minutes_bills_units():
    """C9072 in 2022, in minutes (MJ), for Asceniv given as 10 g: J1554 x 20 units (UN), not x 90 minutes."""
    _, out, _ = _fixed_unsafe(
        "LX*1", "SV1*HC:C9072*4000*MJ*90***1", "DTP*472*D8*20220301", "LIN**N4*69800025001", "CTP****10*GR",
        "LX*2", "SV1*HC:96365*400*UN*1***1", "DTP*472*D8*20220301",
    )
    assert "SV1*HC:J1554*4000*UN*20***1~" in out


def test_a_terminated_code_with_another_products_ndc_is_flagged_not_recoded():
    """J1562 (Vivaglobin, SC, 100 mg) with a Privigen NDC: which one is wrong is not known, so no fix to J1459."""
    findings, out, given = _fixed_unsafe(
        "LX*1", "SV1*HC:J1562:JZ*4000*UN*100***1", "DTP*472*D8*20260110", "LIN**N4*44206043605", "CTP****100*ML",
        "LX*2", "SV1*HC:96369*400*UN*1***1", "DTP*472*D8*20260110",
        diagnosis="HI*ABK:D801",
    )
    assert [(f.rule, f.fixed) for f in findings] == [("IG12", False)]
    assert "billed under J1459, not J1562: the NDC and the code must name the same product" in findings[0].message
    assert out == given


def test_a_code_that_names_its_product_is_recoded_without_an_ndc():
    """C9072 is Asceniv: in 2023 with no NDC, its JW line goes to J1554 with the administered line, so IG05 adds no JZ."""
    _, out, _ = _fixed_unsafe(
        "LX*1", "SV1*HC:C9072*3800*UN*19***1", "DTP*472*D8*20230801", "LIN**N4*69800025001", "CTP****95*ML",
        "LX*2", "SV1*HC:C9072:JW*200*UN*1***1", "DTP*472*D8*20230801",
        "LX*3", "SV1*HC:96365*0*UN*1***1", "DTP*472*D8*20230801",
        claim="CLM*X*4000***11:B:1*Y*A*Y*Y",
    )
    assert "SV1*HC:J1554*3800*UN*19***1~" in out and "SV1*HC:J1554:JW*200*UN*1***1~" in out
    assert ":JZ" not in out
