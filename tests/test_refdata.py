"""edi-ivig refdata over the real upstream excerpts in ../shared/refdata/upstream/ (skipped when absent).

What the excerpts reproduce of today's tables, and what they cannot (listed in config/README.md,
"Taking in a new quarter").
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from conftest import ROOT, SHARED
from edi_ivig.cli import main
from edi_ivig.refdata.common import HCPCS_TABLE, MUE_TABLE, NDC_TABLE
from edi_ivig.refdata.load import read_all
from edi_ivig.refdata.tables import Table, take_in

UPSTREAM = SHARED / "refdata" / "upstream"
CONFIG = ROOT / "config"
pytestmark = pytest.mark.skipif(not UPSTREAM.is_dir(), reason="../shared/refdata/upstream is not beside the repository")

HCPCS_2019 = UPSTREAM / "cms-hcpcs-anweb-2019-01.ig-rows.txt"
HCPCS_2020 = UPSTREAM / "cms-hcpcs-anweb-2020-10.ig-rows.csv"
CROSSWALKS = sorted(UPSTREAM.glob("cms-asp-ndc-hcpcs-crosswalk-*.ig-rows.csv"))
MUE = [UPSTREAM / "cms-mue-practitioner-2026-04-01.ig-rows.csv", UPSTREAM / "cms-mue-outpatient-hospital-2026-04-01.ig-rows.csv"]
ICD10_ORDER = UPSTREAM / "cms-icd10cm-order-2026.G35.txt"


def refdata(*args: object) -> object:
    return CliRunner().invoke(main, ["refdata", *[str(a) for a in args]])


def diffs_of(*paths: Path, config: Path = CONFIG):
    return take_in(read_all([str(p) for p in paths], None, None, config), config)


def config_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir(parents=True)
    for table in CONFIG.glob("*.csv"):
        shutil.copy(table, folder)
    return folder


# The source a crosswalk import writes: "FILE (effective DATE)" on a row it added (and what it
# filled like the code's other rows), "FILE (effective DATE): COLUMN (how); OLD SOURCE" on one it filled.
IMPORTED = re.compile(r"cms-asp-ndc-hcpcs-crosswalk-\S+ \(effective [0-9-]+\)(?P<filled>: grams_per_package \([^)]*\); )?")


def before_the_crosswalks(tmp_path: Path) -> Path:
    """A copy of config/ as it was before the nine crosswalk quarters were taken in (2026-12-02):
    the rows they added dropped, the sizes they filled blank again, each row's own source back."""
    folder = config_copy(tmp_path)
    table = Table.read(folder / "ndc_immune_globulin.csv")
    rows = []
    for row in table.rows:
        imported = IMPORTED.match(row["source"])
        if imported and not imported["filled"]:
            continue
        while imported and imported["filled"]:
            row = {**row, "grams_per_package": "", "source": row["source"][imported.end():]}
            imported = IMPORTED.match(row["source"])
        rows.append(row)
    attrs.evolve(table, rows=tuple(rows)).write(folder / "ndc_immune_globulin.csv")
    return folder


def test_the_shipped_ndc_table_has_taken_in_the_nine_quarters() -> None:
    diffs, _ = diffs_of(*CROSSWALKS)
    assert [(d.count("added"), d.count("changed"), sum(bool(r.conflicts) for r in d.rows)) for d in diffs] == [(0, 0, 0)] * 9


# -- HCPCS -------------------------------------------------------------------------------------------

# Rows of the hcpcs table that no HCPCS excerpt holds: J1460 and Q2052 are outside the excerpts' code filter;
# the others came after the file (2019: J1551-J1554, J1558, J1576, J1577, C9072; 2020-10 holds J1558).
NOT_IN_2019 = {"J1460", "J1551", "J1552", "J1553", "J1554", "J1558", "J1576", "J1577", "C9072", "Q2052"}


@pytest.mark.parametrize("path", [HCPCS_2019, HCPCS_2020], ids=["fixed-width-2019", "csv-2020-10"])
def test_hcpcs_files_reproduce_the_rows_they_cover(path: Path) -> None:
    (diff,), changed = diffs_of(path)
    assert diff.table == HCPCS_TABLE and not changed
    assert [row.kind for row in diff.rows if row.kind not in ("kept", "noted")] == []  # units, dates, noc all agree
    kept = {row.key[0] for row in diff.rows if row.kind == "kept"}
    assert kept == (NOT_IN_2019 if path == HCPCS_2019 else NOT_IN_2019 - {"J1558"})
    # J1562's termination (2025-12-31) is later than either file: a blank TERM DT does not clear it
    (noted,) = [row for row in diff.rows if row.kind == "noted"]
    assert noted.key == ("J1562", "2007-01-01") and noted.notes == ("kept terminated_on 2025-12-31: this file shows none",)
    assert "older than the table" in diff.notes[0]


def test_hcpcs_takes_immune_globulin_by_descriptor_not_the_neighbours_of_the_range() -> None:
    (upstream,) = read_all([str(HCPCS_2019)], None, None, CONFIG)
    codes = {row.values["hcpcs"] for row in upstream.rows}
    assert not codes & {"J1570", "J1571", "J1573", "J1580", "J1590", "J1595"}  # ganciclovir, HepaGam B, ...
    by_code = {row.values["hcpcs"]: row for row in upstream.rows}
    assert by_code["J1575"].values["unit_mg"] == "100"  # "100 mg immuneglobulin", from a continuation-free record
    assert by_code["J1566"].values["noc"] == "Y" and "unit_mg" not in by_code["J1560"].values  # "over 10 cc"


def test_a_new_immune_globulin_code_of_the_range_is_added_with_low_confidence(tmp_path: Path) -> None:
    lines = HCPCS_2020.read_text(encoding="latin-1").splitlines()
    j1558 = next(line for line in lines if line.startswith("J1558,"))
    qivigy = j1558.replace("J1558", "J1577").replace("(xembify)", "(qivigy)").replace("20200701", "20260701")
    (tmp_path / "hcpcs-2026-07.csv").write_text("\n".join([lines[0], qivigy]) + "\n", encoding="latin-1")
    table = config_copy(tmp_path)
    (diff,), changed = diffs_of(tmp_path / "hcpcs-2026-07.csv", config=table)
    (row,) = [r for r in diff.rows if r.kind != "kept"]
    # J1577's row has no start date in the table: the file gives it
    assert row.kind == "changed" and [(c.column, c.old, c.new) for c in row.changes] == [("effective_from", "", "2026-07-01")]
    written = {r["hcpcs"]: r for r in changed[HCPCS_TABLE].rows}["J1577"]
    assert written["confidence"] == "low" and written["product"] == "Qivigy" and written["route"] == "IV"  # kept
    assert written["source"].startswith("hcpcs-2026-07.csv (effective 2026-07-01): effective_from; hcpcsdata.com scrape")


def xlsx_from_csv(csv_path: Path, target: Path) -> Path:
    """The quarterly .xlsx as CMS ships it: sheet A, ten note rows, then the header row (built here: none is shipped)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "A"
    sheet.append(["Note regarding coverage and payment indicators for codes in CMS' 2020 HCPCS Update"])
    for _ in range(9):
        sheet.append([])
    for fields in csv.reader(io.StringIO(csv_path.read_text(encoding="latin-1"), newline="")):
        sheet.append(fields)
    book.save(target)
    return target


def test_the_native_xlsx_reads_as_its_csv(tmp_path: Path) -> None:
    xlsx = xlsx_from_csv(HCPCS_2020, tmp_path / "HCPC2020_OCT_ANWEB.xlsx")
    (from_csv,) = read_all([str(HCPCS_2020)], None, None, CONFIG)
    (from_xlsx,) = read_all([str(xlsx)], None, None, CONFIG)
    assert from_xlsx.format == "hcpcs-xlsx" and from_xlsx.effective.isoformat() == "2020-10-01"
    assert [r.values for r in from_xlsx.rows] == [r.values for r in from_csv.rows]
    assert [r.line for r in from_xlsx.rows] == [r.line + 10 for r in from_csv.rows]  # the sheet's own rows


# -- crosswalk ---------------------------------------------------------------------------------------


def test_nine_crosswalk_quarters_read_with_their_header_years_and_effective_lines() -> None:
    upstreams = read_all([str(p) for p in CROSSWALKS], None, None, CONFIG)
    assert [u.effective.isoformat() for u in upstreams] == [
        f"{y}-{m}-01" for y in (2024, 2025) for m in ("01", "04", "07", "10")] + ["2026-01-01"]
    assert [len(u.rows) for u in upstreams] == [81, 87, 91, 91, 94, 94, 94, 94, 94]  # IG rows less one per GamaSTAN NDC under two codes


def test_crosswalk_reproduces_the_ndc_codes_and_package_grams_of_the_table(tmp_path: Path) -> None:
    before = before_the_crosswalks(tmp_path)
    (diff,), _ = diffs_of(CROSSWALKS[-1], config=before)
    table = {row["ndc11"]: row for row in Table.read(before / "ndc_immune_globulin.csv").rows}
    changed = [row for row in diff.rows if row.kind == "changed"]
    assert all(c.column == "grams_per_package" and c.old == "" for row in changed for c in row.changes)  # fills only
    assert not [row for row in diff.rows if row.conflicts]  # every size the table has is BILLUNITSPKG x unit, rounded up
    (upstream,) = read_all([str(CROSSWALKS[-1])], None, None, before)
    covered = [seen for seen in upstream.rows if seen.key[0] in table]
    assert len(covered) == 60  # and 34 NDCs the table lacks (added)
    for seen in covered:
        assert seen.values["hcpcs"] == table[seen.key[0]]["hcpcs"]
    sizes = {seen.key[0]: seen.values.get("grams_per_package") for seen in covered}
    assert sizes["44206043940"] == "40" and sizes["00944270002"] == "1" and sizes["68982081001"] == "1"  # 0.99 g billed as 10 x 100 mg
    added = {row.key[0] for row in diff.rows if row.kind == "added"}
    assert {"13533033504", "13533033512"} <= added  # GamaSTAN as CMS lists it (0335); the table has FDA's 635 and a 0335 'verify'


def test_crosswalk_survives_embedded_newlines_an_ndc_column_and_no_padding(tmp_path: Path) -> None:
    lines = CROSSWALKS[-1].read_bytes().decode("utf-8").split("\r\n")
    header = lines[8].rstrip(",").replace("NDC2", "NDC")
    ketorolac = 'J1885,Ketorolac tromethamine inj,Some Labeler,12345-6789-01,"Ketorolac Trom\nInjection",15 MG,1,1,1,1'
    path = tmp_path / "crosswalk-2026Q1.csv"
    path.write_text("\r\n".join([*lines[:8], header, ketorolac, *lines[9:]]), encoding="utf-8")
    (upstream,) = read_all([str(path)], None, None, CONFIG)
    (original,) = read_all([str(CROSSWALKS[-1])], None, None, CONFIG)
    assert [r.values for r in upstream.rows] == [r.values for r in original.rows]
    assert upstream.rows[0].line == original.rows[0].line + 2  # the quoted line break counts as a line


# -- MUE ---------------------------------------------------------------------------------------------


def test_mue_excerpts_reproduce_the_committed_table_byte_for_byte(tmp_path: Path) -> None:
    folder = config_copy(tmp_path)
    (folder / "mue_immune_globulin.csv").unlink()
    result = refdata(*reversed(MUE), "--config-dir", folder, "--write")
    assert result.exit_code == 0, result.output
    assert (folder / "mue_immune_globulin.csv").read_bytes() == (CONFIG / "mue_immune_globulin.csv").read_bytes()


def test_mue_excerpts_change_nothing_in_the_committed_table() -> None:
    diffs, changed = diffs_of(*MUE)
    assert not changed and all(not diff.rows for diff in diffs)


def test_mue_with_crlf_line_ends_reads_the_same(tmp_path: Path) -> None:
    crlf = tmp_path / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"
    crlf.write_bytes(MUE[0].read_bytes().replace(b"\n", b"\r\n"))
    (a,) = read_all([str(crlf)], None, None, CONFIG)
    (b,) = read_all([str(MUE[0])], None, None, CONFIG)
    assert [r.values for r in a.rows] == [r.values for r in b.rows] and len(a.rows) == 36


# -- ICD-10-CM order file: a report, no table ----------------------------------------------------------


def test_icd10_order_reports_headers_of_the_coverage_list_and_writes_nothing(tmp_path: Path) -> None:
    folder = config_copy(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = refdata(ICD10_ORDER, "--config-dir", folder, "--write")
    assert result.exit_code == 0, result.output
    assert "G35: a header in this file (not billable); billable children: G35.A, G35.B0, G35.B1, G35.B2, G35.C0, G35.C1, G35.C2, G35.D" in result.output
    assert "absent from this file: B20, " in result.output  # the excerpt holds G35 only
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# -- --json and --write --------------------------------------------------------------------------------


def test_json_diff(tmp_path: Path) -> None:
    result = refdata(CROSSWALKS[-1], HCPCS_2019, "--json", tmp_path / "diff.json", "--config-dir", before_the_crosswalks(tmp_path))
    assert result.exit_code == 0, result.output
    files = json.loads((tmp_path / "diff.json").read_text())
    assert json.loads((tmp_path / "diff.json").read_text())["written"] == []
    hcpcs, crosswalk = files["files"]
    assert hcpcs["table"] == "hcpcs_immune_globulin.csv" and hcpcs["effective"] == "2019-01-01"
    assert ["J1460", "1984-01-01"] in hcpcs["kept_not_in_file"]
    assert hcpcs["noted"][0]["notes"] == ["kept terminated_on 2025-12-31: this file shows none"]
    fill = next(row for row in crosswalk["changed"] if row["key"] == ["64208823408"])
    assert fill["changes"] == [{"column": "grams_per_package", "old": "", "new": "20"}] and fill["line"] == 38
    assert {"added", "changed", "terminated", "kept_not_in_file", "noted"} <= crosswalk.keys()


def test_write_applies_the_diff_to_a_copy_of_config(tmp_path: Path) -> None:
    folder = before_the_crosswalks(tmp_path)
    untouched = {name: (folder / name).read_bytes() for name in ("hcpcs_immune_globulin.csv", "mue_immune_globulin.csv")}
    result = refdata(*CROSSWALKS, HCPCS_2020, *MUE, "--config-dir", folder, "--write")
    assert result.exit_code == 0, result.output
    assert "written: ndc_immune_globulin.csv" in result.output
    assert {name: (folder / name).read_bytes() for name in untouched} == untouched
    ndc = Table.read(folder / "ndc_immune_globulin.csv")
    old = Table.read(before_the_crosswalks(tmp_path / "again") / "ndc_immune_globulin.csv")
    assert ndc.header == old.header and ndc.columns == old.columns
    rows = {row["ndc11"]: row for row in ndc.rows}
    assert set(rows) >= {row["ndc11"] for row in old.rows}  # nothing dropped
    gammaplex = rows["64208823408"]
    assert gammaplex["grams_per_package"] == "20" and gammaplex["confidence"] == "medium"
    assert gammaplex["source"].startswith("cms-asp-ndc-hcpcs-crosswalk-2024Q1.ig-rows.csv (effective 2024-01-01):"
                                          " grams_per_package (BILLUNITSPKG x unit, CMS rounds up to whole units); ")
    assert gammaplex["source"].endswith(next(r for r in old.rows if r["ndc11"] == "64208823408")["source"])
    new = rows["00069840002"]
    assert (new["hcpcs"], new["grams_per_package"], new["confidence"]) == ("J1568", "1", "low")
    # route and form from the table's other NDCs of J1568, which all agree, and said so
    assert (new["route"], new["form"], new["concentration_pct"]) == ("IV", "liquid", "")
    assert new["source"] == (
        "cms-asp-ndc-hcpcs-crosswalk-2024Q3.ig-rows.csv (effective 2024-07-01)"  # first listed
        "; route and form as the table's other NDCs of J1568"
    )
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left
    again = refdata(*CROSSWALKS, "--config-dir", folder)
    assert "0 added, 0 changed" in again.output.splitlines()[-2]


def test_the_shipped_tables_load_after_a_write(tmp_path: Path) -> None:
    from edi_ivig.reference import Reference, read_table

    folder = config_copy(tmp_path)
    refdata(*CROSSWALKS, "--config-dir", folder, "--write")
    reference = Reference({name: read_table(folder, name) for name in (HCPCS_TABLE, NDC_TABLE, "procedure_codes", MUE_TABLE)})
    assert reference.ndc("00069840002").hcpcs == "J1568"
    assert reference.ndc("00069840002").form == "liquid"
