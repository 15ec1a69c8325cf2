"""The conservation check (edi_ivig.conservation): a fix that would change what a claim bills is
not written. Broken fixes, planted as rules, are refused with the claim sent as read; random
claims driven through every real fix never trip the check."""

from __future__ import annotations

import io
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edi_ivig
from conftest import CORPUS, FIXTURES
from edi_ivig.model import DateRange
from edi_ivig.pipeline import NOT_CONSERVED, Pipeline
from edi_ivig.rules.base import Problem, ReplaceLine, Rule
from edi_ivig.rules.ig01_per_day_lines import _divide
from edi_ivig.rules.registry import RULES

P_TEMPLATE = FIXTURES / "rules" / "IG05" / "837p-jz-added-unsafe" / "input.x12"
I_TEMPLATE = FIXTURES / "rules" / "IG01" / "837i-two-day-course-split" / "input.x12"


def claim_file(template, segments: list[str]) -> bytes:
    """The template's envelope and loops around one claim of the given segments."""
    text = template.read_text()
    head, rest = text.split("CLM*", 1)
    tail = rest[rest.index("SE*"):].split("~\n", 1)[1]
    se = f"SE*{head.count('~') - 2 + len(segments) + 1}*0001~\n"
    return (head + "".join(s + "~\n" for s in segments) + se + tail).encode()


INSTITUTIONAL = claim_file(I_TEMPLATE, [
    "CLM*CONS-I1*36150***13:A:1**A*Y*Y", "DTP*434*RD8*20261006-20261008", "CL1*3**01", "HI*ABK:G6181",
    "LX*1", "SV2*0636*HC:J1569:JZ*33600*UN*420**300.01", "DTP*472*RD8*20261006-20261008",
    "LIN**N4*00944270006", "CTP****2100*ML",
    "LX*2", "SV2*0260*HC:96365*1200*UN*3", "DTP*472*RD8*20261006-20261008",
    "LX*3", "SV2*0260*HC:96366*1350*UN*9", "DTP*472*RD8*20261006-20261008",
])


class BrokenFix(Rule):
    """A rule whose fix is wrong in a given way; it borrows IG01's id and settings."""

    id = "IG01"
    title = "a broken fix"
    policy = source = example = ""
    severity = "error"
    fix = "safe"

    def __init__(self, replace):
        self.replace = replace
        self.as_read: dict[str, object] = {}

    def check(self, claim, ctx):
        line = claim.lines[0]
        if self.as_read.setdefault(claim.id, claim) is claim:  # a fix that is satisfied once made
            yield Problem("broken", line, ReplaceLine(line, tuple(self.replace(line))))


def _days(line):
    return [DateRange(line.date.start.replace(day=line.date.start.day + i), line.date.start.replace(day=line.date.start.day + i))
            for i in range(line.date.days)]


def split_copying_non_covered(line):
    """The per-day split as it was: SV207 copied onto every day."""
    charges = _divide(line.charge, line.date.days)
    quantities = _divide(line.drug.quantity, line.date.days)
    for day, charge, quantity in zip(_days(line), charges, quantities):
        yield line.edit(dates=day, charge=charge, units=line.units / line.date.days, drug_quantity=quantity)


def split_copying_charge(line):
    for day in _days(line):
        yield line.edit(dates=day, units=line.units / line.date.days, drug_quantity=line.drug.quantity / 3,
                        non_covered=Decimal("100.01"))


def split_losing_a_day(line):
    yield from list(split_copying_non_covered(line))[:2]


def units_tripled(line):
    yield line.edit(units=line.units * 3)


def dropped(line):
    return ()


BROKEN = {
    "non-covered amount copied to each day": (split_copying_non_covered, "non-covered amount (SV207) would add up to 900.03, not 300.01"),
    "charge copied to each day": (split_copying_charge, "line charge (SV203) would add up to 100800, not 33600"),
    "a day lost": (split_losing_a_day, "the days billed would be 2026-10-06..2026-10-07 (2 days), not 2026-10-06..2026-10-08 (3 days)"),
    "units tripled": (units_tripled, "the units would add up to 1260, not 420 as billed"),
    "line dropped": (dropped, "line 1 would be dropped"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_fix_that_breaks_conservation_is_refused_and_the_claim_sent_as_read(name):
    replace, words = BROKEN[name]
    sink = io.BytesIO()
    result = Pipeline(fix=True, rules=[BrokenFix(replace)]).run(io.BytesIO(INSTITUTIONAL), sink)
    assert sink.getvalue() == INSTITUTIONAL
    refused = [f for f in result.findings if f.rule == NOT_CONSERVED]
    assert len(refused) == 1 and refused[0].severity == "error" and not refused[0].fixed
    assert words in refused[0].message
    assert result.claims[0].edited is None
    broken = [f for f in result.findings if f.rule == "IG01"]
    assert broken and not any(f.fixed or f.fix for f in broken), "the refused fix is neither applied nor offered"


def test_a_pointer_to_no_diagnosis_is_refused():
    data = claim_file(P_TEMPLATE, [
        "CLM*CONS-P1*4760***11:B:1*Y*A*Y*Y", "HI*ABK:G6181",
        "LX*1", "SV1*HC:J1459:JZ*4760*UN*56***1", "DTP*472*RD8*20261005-20261006",
    ])

    def pointer_to_nothing(line):
        yield attrs.evolve(line, diagnosis_pointers=(1, 7))

    sink = io.BytesIO()
    result = Pipeline(fix=True, rules=[BrokenFix(pointer_to_nothing)]).run(io.BytesIO(data), sink)
    assert sink.getvalue() == data
    assert "diagnosis pointer 7 would point at no diagnosis (the claim has 1)" in result.findings[-1].message


def test_check_says_the_same_as_fix_of_a_refused_fix():
    result = Pipeline(rules=[BrokenFix(split_copying_non_covered)]).run(io.BytesIO(INSTITUTIONAL))
    assert [f.rule for f in result.findings] == ["IG01", NOT_CONSERVED]
    assert not any(f.fixable for f in result.findings)


def test_a_refused_claim_is_held_with_hold_errors():
    sink, held = io.BytesIO(), io.BytesIO()
    result = Pipeline(fix=True, rules=[BrokenFix(units_tripled)]).run(io.BytesIO(INSTITUTIONAL), sink, held=held)
    assert result.counts.held == 1
    assert b"CLM*CONS-I1*" in held.getvalue() and b"SV2*0636*HC:J1569:JZ*33600*UN*420**300.01" in held.getvalue()


def test_the_real_split_divides_the_non_covered_amount():
    sink = io.BytesIO()
    result = Pipeline(fix=True, unsafe_fixes=True).run(io.BytesIO(INSTITUTIONAL), sink)
    out = sink.getvalue().decode()
    assert not [f for f in result.findings if f.rule == NOT_CONSERVED]
    assert out.count("**100.01~") == 1 and out.count("*UN*140**100~") == 2


# -- random claims through every fix ------------------------------------------------------------

DRUG_CODES = ["J1459", "J1561", "J1569", "J1599", "J1559", "J1555", "J1553", "J1566", "J3590", "J1572", "J1557", "J1554", "C9072"]
NDCS = ["", "44206043690", "44206043820", "00944270006", "13533080511", "68982082202", "70573060511", "44206045194",
        "00944270003", "0094427000"]
ADMIN = ["96365", "96366", "96369", "96370", "96360", "99213", "99211"]


@st.composite
def claims(draw):
    institutional = draw(st.booleans())
    year = draw(st.sampled_from([2021, 2023, 2025, 2026]))
    month = draw(st.sampled_from([1, 3, 4, 10]))
    start = f"{year}{month:02d}{draw(st.integers(1, 20)):02d}"
    days = draw(st.integers(1, 5))
    end = start[:6] + f"{int(start[6:]) + days - 1:02d}"
    when = f"DTP*472*D8*{start}" if days == 1 else f"DTP*472*RD8*{start}-{end}"
    lines, total = [], Decimal(0)
    for number in range(1, draw(st.integers(1, 4)) + 1):
        drug = number == 1 or draw(st.booleans())
        code = draw(st.sampled_from(DRUG_CODES if drug else ADMIN))
        modifiers = draw(st.lists(st.sampled_from(["JZ", "JW", "JA", "25", "59"]), max_size=2, unique=True)) if drug else []
        charge = Decimal(draw(st.integers(1, 5_000_000))) / 100
        units = draw(st.sampled_from([days, days * 2, days * 56, 60, 280, 300, 7, 1, 13]))
        basis = draw(st.sampled_from(["UN", "UN", "UN", "MJ"]))
        total += charge
        composite = ":".join(["HC", code, *modifiers])
        if institutional:
            non_covered = draw(st.sampled_from(["", "", "0", "300.01", "0.07"]))
            service = f"SV2*{'0636' if drug else '0260'}*{composite}*{charge}*{basis}*{units}" + (f"**{non_covered}" if non_covered else "")
        else:
            service = f"SV1*{composite}*{charge}*{basis}*{units}***{draw(st.sampled_from(['1', '1:2', '3']))}"
        line = [f"LX*{number}", service, when]
        if draw(st.booleans()):
            line.append(f"REF*6R*CTL{number}")
        if drug and draw(st.integers(0, 4)):
            ndc = draw(st.sampled_from(NDCS))
            quantity = draw(st.sampled_from(["300", "280", "30", "1400", "2100", "0.5", "2", "12.5", "7"]))
            unit = draw(st.sampled_from(["ML", "GR", "UN", "ME", "F2"]))
            line += [f"LIN**N4*{ndc}", f"CTP****{quantity}*{unit}"]
        lines += line
    filing = draw(st.sampled_from(["MB", "MA", "CI"]))
    if institutional:
        header = [f"CLM*RND-I*{total}***{draw(st.sampled_from(['13', '85', '11']))}:A:1**A*Y*Y",
                  f"DTP*434*RD8*{start}-{end}", "CL1*3**01", "HI*ABK:G6181*ABF:D8009"]
        data = claim_file(I_TEMPLATE, header + lines)
    else:
        header = [f"CLM*RND-P*{total}***11:B:1*Y*A*Y*Y", "HI*ABK:G6181*ABF:D8009"]
        data = claim_file(P_TEMPLATE, header + lines)
    return data.replace(b"*******MA~" if institutional else b"*******MB~", f"*******{filing}~".encode(), 1)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=claims(), unsafe=st.booleans())
def test_no_fix_of_the_product_breaks_conservation(data, unsafe):
    sink = io.BytesIO()
    result = Pipeline(fix=True, unsafe_fixes=unsafe, rules=RULES).run(io.BytesIO(data), sink)
    refused = [f.message for f in result.findings if f.rule == NOT_CONSERVED]
    assert not refused, refused


# -- every sample, through the hook ------------------------------------------------------------

SAMPLES = sorted({
    *FIXTURES.rglob("input.x12"), *(FIXTURES / "read").glob("*.x12"), *(FIXTURES / "fuzz").glob("*.x12"),
    FIXTURES / "demo" / "claims.x12",
})
CORPUS_837 = [p for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.name != "SOURCES.md"] if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", SAMPLES + CORPUS_837, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_sample_trips_the_check_through_process(path):
    data = path.read_bytes()
    for unsafe in (False, True):
        try:
            result = edi_ivig.process(data, mode="fix", unsafe_fixes=unsafe, hold_errors=True)
        except edi_ivig.UnreadableInput:
            return
        assert not [f for f in result.findings if f.rule == NOT_CONSERVED]
        assert all(f["rule"] != NOT_CONSERVED for c in result.report["claims"] for f in c["findings"])
