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
