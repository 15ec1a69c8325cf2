"""IG11 and the MUE table: values as CMS published them, per setting, per line where MAI is 1."""

from __future__ import annotations

from pathlib import Path

import attrs

from edi_ivig.pipeline import Pipeline, run
from edi_ivig.reference import Reference, Table, default_reference

FIXTURE = Path(__file__).parent.parent / "fixtures/rules/IG11/837p-over-the-medicare-mue/input.x12"


def test_the_table_holds_the_published_values_per_setting():
    ref = default_reference()
    # Read off the CMS files (../shared/refdata/upstream/cms-mue-*-2026-04-01.ig-rows.csv).
    assert (ref.mue("J1561", "practitioner").units, ref.mue("J1561", "practitioner").mai) == (360, 3)
    assert ref.mue("J1559", "outpatient_hospital").units == 2400
    assert ref.mue("96366", "practitioner").units == 8 and ref.mue("96366", "outpatient_hospital").units == 24
    assert ref.mue("J1460", "practitioner").mai == 2
    assert ref.mue("J1577", "practitioner") is None  # no MUE published for Qivigy's code
    assert "effective 2026-04-01" in ref.mue("J1459", "practitioner").source


def _findings(reference: Reference) -> list[str]:
    with FIXTURE.open("rb") as source:
        result = run(source, name=FIXTURE.name, pipeline=Pipeline(reference=reference))
    return [f.message for f in result.findings if f.rule == "IG11"]


def _with_mue(row: dict[str, str]) -> Reference:
    tables = dict(default_reference().tables)
    mue = tables["mue_immune_globulin"]
    rows = tuple(r for r in mue.rows if (r["code"], r["setting"]) != (row["code"], row["setting"])) + (row,)
    tables["mue_immune_globulin"] = attrs.evolve(mue, rows=rows)
    return Reference(tables)


def test_an_mai_1_edit_is_checked_per_line():
    row = {"code": "J1561", "setting": "practitioner", "units": "399", "mai": "1", "rationale": "test", "source": "a test row"}
    (message,) = _findings(_with_mue(row))
    assert "400 units on the line, over the medically unlikely edit of 399 per line (a test row" in message
    assert "MAI 1: per claim line" in message


def test_within_the_edit_nothing_is_said():
    row = {"code": "J1561", "setting": "practitioner", "units": "400", "mai": "3", "rationale": "test", "source": "a test row"}
    assert _findings(_with_mue(row)) == []
    assert len(_findings(default_reference())) == 1  # the shipped 360 a day


def test_table_rows_are_what_the_reader_expects():
    table: Table = default_reference().tables["mue_immune_globulin"]
    assert {row["setting"] for row in table.rows} == {"practitioner", "outpatient_hospital"}
    assert all(row["mai"] in ("1", "2", "3") and row["units"].isdigit() for row in table.rows)
    assert len({(row["code"], row["setting"]) for row in table.rows}) == len(table.rows)
