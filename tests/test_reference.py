"""Reference tables: sources and dates on every table and row; the date of service picks the code."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest

from edi_ivig.reference import default_reference, read_table

TABLES = (
    "hcpcs_immune_globulin",
    "ndc_immune_globulin",
    "procedure_codes",
    "mue_immune_globulin",
    "coverage_a57187_group1",
    "icd10cm_condition_groups",
)


@pytest.mark.parametrize("name", TABLES)
def test_every_table_names_its_source_and_effective_date(name):
    table = read_table(resources.files("edi_ivig.config"), name)
    assert table.meta("source")
    assert dt.date.fromisoformat(table.meta("effective")[:10])
    assert all(row["source"] for row in table.rows)


def test_ndcs_are_eleven_digits_unique_and_carry_a_confidence():
    table = default_reference().tables["ndc_immune_globulin"]
    ndcs = [row["ndc11"] for row in table.rows]
    assert all(len(n) == 11 and n.isdigit() for n in ndcs)
    assert len(ndcs) == len(set(ndcs))
    assert {row["confidence"] for row in table.rows} <= {"high", "medium", "low"}


def test_every_ndc_points_to_a_known_code():
    ref = default_reference()
    for row in ref.tables["ndc_immune_globulin"].rows:
        assert ref.code(row["hcpcs"], None) is not None, row["ndc11"]


def test_the_date_of_service_picks_the_code():
    ref = default_reference()
    assert ref.code("J1553", dt.date(2026, 3, 31)) is None
    assert ref.code("J1553", dt.date(2026, 4, 1)).unit_mg == 100  # IV, yet per 100 mg
    assert ref.code("C9072", dt.date(2021, 2, 1)).unit_mg == 500
    assert ref.code("C9072", dt.date(2021, 4, 1)) is None
    assert ref.code("J1562", dt.date(2026, 1, 1)) is None


def test_a_product_keeps_the_codes_it_had():
    """Asceniv was C9072 in 2021-Q1, then J1554 (replaced_by in the HCPCS table); Yimmugo had none before J1553."""
    ref = default_reference()
    asceniv, yimmugo = ref.ndc("69800025001"), ref.ndc("70573060511")
    assert set(ref.product_codes(asceniv)) == {"J1554", "C9072"}
    assert ref.specific_code(asceniv, dt.date(2021, 2, 15)).code == "C9072"
    assert ref.specific_code(asceniv, dt.date(2022, 3, 1)).code == "J1554"
    assert ref.specific_code(asceniv, dt.date(2020, 12, 15)) is None
    assert ref.product_codes(yimmugo) == ("J1553",)
    assert ref.specific_code(yimmugo, dt.date(2026, 3, 31)) is None
    replaced = {row.code: row.replaced_by for code in ref.watched_codes for row in ref.rows(code) if row.replaced_by}
    assert all(ref.rows(new) for new in replaced.values())  # each names a code of the table


def test_the_blog_errors_are_not_in_the_tables():
    ref = default_reference()
    assert ref.code("J1559", dt.date(2026, 1, 1)).product == "Hizentra"  # not Gammaplex
    assert ref.code("J1559", dt.date(2026, 1, 1)).unit_mg == 100
    assert ref.code("J1557", dt.date(2026, 1, 1)).product == "Gammaplex"
    iv = [r for rows in ref._codes.values() for r in rows if r.route == "IV" and r.unit_mg]
    assert all(r.unit_mg in (500, 100) for r in iv)  # never "1 unit = 1 gram"


def test_no_cpt_descriptors_ship():
    text = resources.files("edi_ivig.config").joinpath("procedure_codes.csv").read_text()
    for phrase in ("infusion", "hour", "injection", "office", "visit"):
        rows = [line for line in text.splitlines() if not line.startswith("#")]
        assert not any(phrase in line.lower().split(",", 2)[-1] for line in rows), phrase
