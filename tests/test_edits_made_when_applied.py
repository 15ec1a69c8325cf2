"""A fix that is costly to work out (IG01's split) is worked out only when it is applied:
under the defaults the split is unsafe and not applied, so no day's line is made; with the
payer's protocol declared, it is made once and the output is the split."""

from __future__ import annotations

import io
from pathlib import Path

import attrs
import pytest

from edi_ivig.pipeline import build_pipeline
from edi_ivig.reader import RawClaim, Reader
from edi_ivig.rules import ig01_per_day_lines
from edi_ivig.rules.base import ReplaceLine
from edi_ivig.settings import Config

FIVE_DAYS = Path(__file__).parent.parent / "fixtures" / "rules" / "IG01" / "837p-five-day-course-not-split-by-default" / "input.x12"


def _claim() -> RawClaim:
    return next(part for part in Reader(io.BytesIO(FIVE_DAYS.read_bytes())) if isinstance(part, RawClaim))


@pytest.fixture
def splits(monkeypatch):
    made = []
    split = ig01_per_day_lines._split

    def counted(line, taken):
        made.append(line.number)
        return split(line, taken)

    monkeypatch.setattr(ig01_per_day_lines, "_split", counted)
    return made


@pytest.mark.parametrize("mode", ["check", "fix"])
def test_a_split_not_applied_is_not_made(splits, mode):
    result = build_pipeline(mode).process(_claim())
    ig01 = [f for f in result.findings if f.rule == "IG01"]
    assert ig01 and all(f.fix == "unsafe" and not f.fixed and not f.fixable for f in ig01)
    assert result.edited is None
    assert splits == []


def test_a_split_applied_is_made_once_per_line(splits):
    raw = _claim()
    payer = build_pipeline("check").process(raw).original.subscriber.payer_id
    config = Config.load(overrides={"payer": {payer: {"rules": {"IG01": {"fix": "always"}}}}})
    result = build_pipeline("fix", config=config).process(raw)
    assert result.edited is not None and len(result.edited.lines) > len(result.original.lines)
    split_lines = [line.number for line in result.original.lines if line.date is not None and line.date.is_range]
    assert sorted(splits) == sorted(split_lines)


def test_an_edit_makes_its_lines_once():
    calls = []
    line = object()
    edit = ReplaceLine(line, make=lambda: calls.append(1) or ("a", "b"))  # type: ignore[arg-type]
    assert edit.replacement == ("a", "b") and edit.replacement == ("a", "b")
    assert calls == [1]
    assert ReplaceLine(line, ("c",)).replacement == ("c",)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ReplaceLine(line)  # type: ignore[arg-type]
    made = ReplaceLine(line, ("c",), make=lambda: calls.append(2) or ())  # type: ignore[arg-type]
    assert made.replacement == ("c",) and calls == [1]  # lines given are not made again
    assert attrs.evolve(edit).replacement == ("a", "b") and calls == [1]
