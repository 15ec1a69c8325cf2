"""edi-ivig refdata on files made here: the FDA NDC Directory (SYNTHETIC: no real product.txt/package.txt is at
hand, so these follow the layout documented in ../shared/refdata/upstream/README.md section 3) and one broken
file per format (exit 2, FILE:LINE:COLUMN, no traceback)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SHARED
from edi_ivig.cli import main
from edi_ivig.refdata.fda_ndc import ndc11
from edi_ivig.refdata.load import read_all

UPSTREAM = SHARED / "refdata" / "upstream"
CONFIG = ROOT / "config"
needs_upstream = pytest.mark.skipif(not UPSTREAM.is_dir(), reason="../shared/refdata/upstream is not beside the repository")

PRODUCT_HEADER = ("PRODUCTID\tPRODUCTNDC\tPRODUCTTYPENAME\tPROPRIETARYNAME\tPROPRIETARYNAMESUFFIX\tNONPROPRIETARYNAME\t"
                  "DOSAGEFORMNAME\tROUTENAME\tSTARTMARKETINGDATE\tENDMARKETINGDATE\tMARKETINGCATEGORYNAME\tAPPLICATIONNUMBER\t"
                  "LABELERNAME\tSUBSTANCENAME\tACTIVE_NUMERATOR_STRENGTH\tACTIVE_INGRED_UNIT\tPHARM_CLASSES")
PACKAGE_HEADER = "PRODUCTID\tPRODUCTNDC\tNDCPACKAGECODE\tPACKAGEDESCRIPTION\tSTARTMARKETINGDATE\tENDMARKETINGDATE"
# SYNTHETIC rows: ids and descriptions invented, NDCs and names those of config/ndc_immune_globulin.csv
PRODUCTS = [
    "P1\t44206-439\tPLASMA DERIVATIVE\tPrivigen\t\timmune globulin\tSOLUTION\tINTRAVENOUS\t20070726\t\tBLA\tBLA125201\tCSL Behring AG\tHUMAN IMMUNOGLOBULIN G\t40\tg/400mL\t",
    "P2\t0944-2700\tPLASMA DERIVATIVE\tGammagard Liquid\t\timmune globulin\tSOLUTION\tINTRAVENOUS; SUBCUTANEOUS\t20050427\t\tBLA\tBLA125105\tTakeda Pharmaceuticals America, Inc.\tHUMAN IMMUNOGLOBULIN G\t1\tg/10mL\t",
    "P3\t64208-8234\tPLASMA DERIVATIVE\tGammaplex\t\timmune globulin\tSOLUTION\tINTRAVENOUS\t20090917\t\tBLA\tBLA125329\tBio Products Laboratory Limited\tHUMAN IMMUNOGLOBULIN G\t5\tg/100mL\t",
    "P4\t0000-0001\tHUMAN PRESCRIPTION DRUG\tNot An IG\t\tsaline\tSOLUTION\tINTRAVENOUS\t20000101\t\tNDA\tNDA000000\tSomebody\tSODIUM CHLORIDE\t9\tmg/mL\t",
]
PACKAGES = [
    "P1\t44206-439\t44206-439-40\t1 VIAL, GLASS in 1 CARTON (44206-439-40) / 400 mL in 1 VIAL, GLASS (44206-439-93)\t20070726\t",
    "P2\t0944-2700\t0944-2700-02\t1 VIAL, GLASS in 1 CARTON (0944-2700-02) / 10 mL in 1 VIAL, GLASS\t20050427\t",
    "P3\t64208-8234\t64208-8234-6\t1 BOTTLE in 1 CARTON (64208-8234-6) / 100 mL in 1 BOTTLE\t20090917\t",
    "P3\t64208-8234\t64208-8234-9\t1 BOTTLE in 1 CARTON (64208-8234-9) / 400 mL in 1 BOTTLE\t20090917\t",
    "P4\t0000-0001\t0000-0001-01\t1 BAG in 1 CARTON\t20000101\t",
]


def refdata(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["refdata", *[str(a) for a in args]])


def fda_files(folder: Path) -> tuple[Path, Path]:
    (folder / "product.txt").write_text("\r\n".join([PRODUCT_HEADER, *PRODUCTS]) + "\r\n", encoding="latin-1")
    (folder / "package.txt").write_text("\r\n".join([PACKAGE_HEADER, *PACKAGES]) + "\r\n", encoding="latin-1")
    return folder / "package.txt", folder / "product.txt"


def test_ndc11_from_the_three_labeled_forms() -> None:
    assert ndc11("0944-2700-02") == "00944270002"  # 4-4-2
    assert ndc11("44206-439-40") == "44206043940"  # 5-3-2
    assert ndc11("64208-8234-6") == "64208823406"  # 5-4-1
    assert ndc11("642088234-6") is None and ndc11("64208-8234-6a") is None


def test_fda_packages_map_to_ndc_rows(tmp_path: Path) -> None:
    package, product = fda_files(tmp_path)
    (diff,) = [d for d in _diffs([package, product], "2026-10-30")]
    by_key = {row.key[0]: row for row in diff.rows if row.kind != "kept"}
    # Privigen and Gammaplex -6 agree with the table: no row; Gammagard Liquid is labeled IV and SC
    assert set(by_key) == {"00944270002", "64208823409"}
    assert [(c.column, c.old, c.new) for c in by_key["00944270002"].changes] == [
        ("labeler", "Takeda Pharmaceuticals America, Inc. (Baxalta)", "Takeda Pharmaceuticals America, Inc."),
        ("route", "IV", "IV/SC")]
    added = by_key["64208823409"]  # a new package of a product the table has; no crosswalk gives its code
    assert added.kind == "added"
    assert {c.column: c.new for c in added.changes}.items() >= {
        "ndc_as_labeled": "64208-8234-9", "product": "Gammaplex", "labeler": "Bio Products Laboratory Limited",
        "route": "IV", "confidence": "low", "source": "package.txt (effective 2026-10-30)"}.items()
    assert "hcpcs" not in {c.column for c in added.changes}


def _diffs(paths: list[Path], effective: str):  # type: ignore[no-untyped-def]
    import datetime as dt

    from edi_ivig.refdata.tables import take_in

    upstreams = read_all([str(p) for p in paths], None, dt.date.fromisoformat(effective), CONFIG)
    return take_in(upstreams, CONFIG)[0]


def test_fda_package_without_a_date_or_its_product_file_is_refused(tmp_path: Path) -> None:
    package, product = fda_files(tmp_path)
    result = refdata(package, product)
    assert result.exit_code == 2 and "package.txt:1:1: no effective date" in result.output
    product.unlink()
    result = refdata(package, "--effective", "2026-10-30")
    assert result.exit_code == 2 and "package.txt:1:1: an FDA package.txt needs its product.txt" in result.output


# -- a bad file per format: exit 2, FILE:LINE:COLUMN, nothing written, no traceback ----------------------


def _upstream(name: str) -> bytes:
    return (UPSTREAM / name).read_bytes()


def _bad_hcpcs_date(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[2] = lines[2][:268] + b"2018X101" + lines[2][276:]  # J1555's ADD DT
    return b"\r\n".join(lines)


def _short_record(data: bytes) -> bytes:
    lines = data.split(b"\r\n")
    lines[3] = lines[3][:300]
    return b"\r\n".join(lines)


def _bad_sheet_date(data: bytes) -> bytes:
    return data.replace(b"20200701,20200701", b"2020-07-01,20200701", 1)


def _no_crosswalk_header(data: bytes) -> bytes:
    return re.sub(rb"_2026_CODE", b"CODE", data)


def _bad_crosswalk_ndc(data: bytes) -> bytes:
    return data.replace(b"44206-0437-10", b"44206-437-10", 1)


def _bad_mue_units(data: bytes) -> bytes:
    return data.replace(b"J1459,300,", b"J1459,3OO,", 1)


def _bad_mai(data: bytes) -> bytes:
    return data.replace(b"J1460,10,2 Date", b"J1460,10,Date", 1)


def _bad_order_flag(data: bytes) -> bytes:
    return data.replace(b"06432 G35B    0", b"06432 G35B    X", 1)


BROKEN = [
    ("cms-hcpcs-anweb-2019-01.ig-rows.txt", _bad_hcpcs_date, ":3:269: ADD DT is not a date (CCYYMMDD)"),
    ("cms-hcpcs-anweb-2019-01.ig-rows.txt", _short_record, ":4:301: record is 300 bytes long, not 320"),
    ("cms-hcpcs-anweb-2020-10.ig-rows.csv", _bad_sheet_date, ":6:45: ADD DT is not a date (CCYYMMDD)"),
    ("cms-asp-ndc-hcpcs-crosswalk-2026Q1.ig-rows.csv", _no_crosswalk_header, ":1:1: no header row starting with _YYYY_CODE"),
    ("cms-asp-ndc-hcpcs-crosswalk-2026Q1.ig-rows.csv", _bad_crosswalk_ndc, ":11:4: NDC is not 11 digits (5-4-2)"),
    ("cms-mue-practitioner-2026-04-01.ig-rows.csv", _bad_mue_units, ":26:2: J1459: the MUE value is not a whole number"),
    ("cms-mue-outpatient-hospital-2026-04-01.ig-rows.csv", _bad_mai, ":27:3: J1460: the MUE Adjudication Indicator"),
    ("cms-icd10cm-order-2026.G35.txt", _bad_order_flag, ":3:15: the header flag is not 0 or 1"),
]


@needs_upstream
@pytest.mark.parametrize(("name", "damage", "expected"), BROKEN, ids=[f"{n.split('.')[0]}-{d.__name__}" for n, d, _ in BROKEN])
def test_a_bad_file_is_exit_2_with_its_place(tmp_path: Path, name: str, damage, expected: str) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    before = {p.name: p.read_bytes() for p in config.iterdir()}
    broken = tmp_path / name
    broken.write_bytes(damage(_upstream(name)))
    result = refdata(broken, "--config-dir", config, "--write")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"edi-ivig: refdata: {broken}{expected}"), result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
    assert {p.name: p.read_bytes() for p in config.iterdir()} == before


def test_a_bad_fda_package_ndc_and_a_file_of_no_known_format(tmp_path: Path) -> None:
    package, product = fda_files(tmp_path)
    package.write_text(package.read_text().replace("64208-8234-9", "64208-82349"), encoding="latin-1")
    result = refdata(package, product, "--effective", "2026-10-30")
    assert result.exit_code == 2 and f"{package}:5:3: NDCPACKAGECODE is not a 10-digit NDC" in result.output
    other = tmp_path / "notes.txt"
    other.write_text("nothing here\n")
    result = refdata(other)
    assert result.exit_code == 2 and f"{other}:1:1: not a format refdata reads" in result.output


def test_help_teaches() -> None:
    result = refdata("--help")
    assert result.exit_code == 0
    for words in ("Examples:", "icd10-order", "REPORT only, no table", "simple-icd-10-cm", "--write", "kept and listed"):
        assert words in result.output
