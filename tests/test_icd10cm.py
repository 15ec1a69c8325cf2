"""The ICD-10-CM code set (edi_ivig/icd10cm.py) is the pinned library's, not a list of ours.

edi-ivig reads the library's code list instead of importing it (the import parses the whole
tabular XML, seconds and 190 MB); these tests import the library and hold every answer of the
fast path to the library's own over the whole release, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import subprocess
import sys
from importlib import resources

import pytest

from edi_ivig import icd10cm
from edi_ivig.reference import condition_group_names, condition_groups, coverage_list, read_table
from edi_ivig.settings import ConfigError

library = pytest.importorskip("simple_icd_10_cm")


def _no_dot(code: str) -> str:
    return code.replace(".", "")


@pytest.fixture(scope="module")
def library_codes() -> dict[str, bool]:
    """Every code of the library's tree (no dots; chapters and blocks left out) -> whether it is a leaf."""
    codes = [c for c in library.get_all_codes(with_dots=True) if c[:1].isalpha() and "-" not in c]
    return {_no_dot(code): library.is_leaf(code) for code in codes}


def test_the_release_is_the_pinned_librarys():
    release = icd10cm.release()
    assert importlib.metadata.version("simple-icd-10-cm") == release.version == "1.5.0"
    pinned = [d for d in importlib.metadata.requires("edi-ivig") if d.startswith("simple-icd-10-cm")]
    assert pinned == [f"simple-icd-10-cm=={release.version}"]
    # the code list named in config/icd10cm_release.toml is the one the library builds its tree from
    from simple_icd_10_cm import simple_icd_10_cm as module

    assert release.code_list.endswith("/" + module._all_codes_package_file_name)
    assert "April-1-2026" in module._classification_data_package_file_name
    xml = resources.files("simple_icd_10_cm.data").joinpath(module._classification_data_package_file_name)
    with xml.open(encoding="utf-8") as f:
        assert "<version>2026</version>" in f.read(200)  # the FY2026 tabular
    assert (release.valid_from, release.valid_through) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))


def test_the_code_set_has_exactly_the_librarys_codes(library_codes):
    codes = icd10cm.code_set().codes
    assert list(codes) == sorted(library_codes)


def test_billable_is_the_librarys_leaf_for_every_code(library_codes):
    codes = icd10cm.code_set()
    wrong = [code for code, leaf in library_codes.items() if codes.kind(code) != ("billable" if leaf else "header")]
    assert wrong == []


def test_billable_descendants_are_the_librarys_leaves_under_a_code(library_codes):
    codes = icd10cm.code_set()
    headers = [code for code, leaf in library_codes.items() if not leaf]
    assert len(headers) > 10_000
    for code in headers[::25] + ["G35", "D80", "G618", "C900", "N17", "T8052", "S72001"]:
        expected = sorted(_no_dot(d) for d in library.get_descendants(code) if library.is_leaf(d))
        assert list(codes.billable_descendants(code)) == expected, code  # sorted: the tabular has C92.9 before C92.A


def test_what_the_837_carries_and_the_article_prints_read_the_same():
    codes = icd10cm.code_set()
    assert codes.kind("G35A") == codes.kind("G35.A") == codes.kind("g35.a") == "billable"
    assert library.is_valid_item("G35A") and library.is_valid_item("G35.A")  # the library takes both forms too
    assert codes.kind("T8052XA") == codes.kind("T80.52XA") == "billable"  # seventh character with placeholder
    assert codes.kind("G35") == "header" and codes.kind("G35B") == "header"
    assert codes.billable_descendants("G35") == ("G35A", "G35B0", "G35B1", "G35B2", "G35C0", "G35C1", "G35C2", "G35D")
    for nothing in ("G3581", "E12", "E08-E13", "12", "", "G35AAAAAAAA"):
        assert codes.kind(nothing) == icd10cm.kind(nothing) == "unknown", nothing
    assert icd10cm.kind("T80.52XA") == "billable" and icd10cm.kind("G35" + "A" * 1_000_000) == "unknown"


def test_ranges_resolve_to_the_categories_the_release_has():
    codes = icd10cm.code_set()
    assert codes.resolve("E08-E13") == ("E08", "E09", "E10", "E11", "E13")  # there is no E12
    assert codes.resolve("E40-E46") == tuple(_no_dot(c) for c in library.get_children("E40-E46"))
    assert codes.resolve("C90.0") == ("C900",)
    with pytest.raises(ValueError, match="E12 is not a code of ICD-10-CM FY2026"):
        codes.resolve("E12")
    with pytest.raises(ValueError, match="not from one category to a later one"):
        codes.resolve("E13-E08")


def test_the_condition_groups_table_is_checked_against_the_release():
    """Every entry is a code (or a range between codes) of the release and carries its description there."""
    table = read_table(resources.files("edi_ivig.config"), "icd10cm_condition_groups")
    assert table.meta("release") == icd10cm.release().name
    for row in table.rows:
        entry = row["codes"]
        assert library.is_valid_item(entry), entry
        assert library.get_description(entry) == row["description"], entry
    groups = condition_groups()
    assert set(groups) == condition_group_names() == {"diabetes_mellitus", "malnutrition", "renal_failure", "dysproteinemia"}
    assert groups["dysproteinemia"] == ("D472", "D890", "D891", "D892", "C880", "C900")  # R14: it has codes now
    assert {"I120", "I1311", "I132", "Z992", "N17", "N185", "N186", "N19"} == set(groups["renal_failure"])
    assert groups["diabetes_mellitus"] == ("E08", "E09", "E10", "E11", "E13")
    assert groups["malnutrition"] == ("E40", "E41", "E42", "E43", "E44", "E45", "E46")


def test_every_code_of_the_shipped_coverage_list_is_billable_in_the_release_but_the_split_g35():
    """POLICY-REVIEW C3: the listed codes checked against the FY2026 code set, not only read about."""
    codes = icd10cm.code_set()
    shipped = coverage_list("coverage_a57187_group1")
    kinds = {code: codes.kind(code) for code in shipped.conditions}
    assert "unknown" not in kinds.values()
    assert [code for code, kind in kinds.items() if kind == "header"] == ["G35"]
    assert shipped.billable_until("G35") == dt.date(2025, 9, 30) and shipped.children_covered("G35")


def test_the_window_is_the_releases_fiscal_year():
    release = icd10cm.release()
    assert release.covers(dt.date(2025, 10, 1)) and release.covers(dt.date(2026, 9, 30))
    assert not release.covers(dt.date(2025, 9, 30)) and not release.covers(dt.date(2026, 10, 1))
    assert not release.covers(None)


def test_another_library_version_is_refused(monkeypatch):
    icd10cm.release.cache_clear()
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "1.6.0")
    try:
        with pytest.raises(ConfigError, match=r"names simple-icd-10-cm 1\.5\.0 .* but 1\.6\.0 is installed"):
            icd10cm.release()
    finally:
        icd10cm.release.cache_clear()


def test_the_code_set_loads_without_importing_the_library_and_quickly():
    """The start-up cost measured in a fresh process: the library's import would be seconds and 190 MB."""
    probe = (
        "import sys, time, resource\n"
        "from edi_ivig import icd10cm\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "start = time.perf_counter(); icd10cm.code_set(); icd10cm.kind('G35A')\n"
        "took = time.perf_counter() - start\n"
        "grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024\n"
        "print('simple_icd_10_cm' in sys.modules, took, grew)\n"
    )
    imported, took, grew = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert imported == "False"
    assert float(took) < 1.5, took  # 0.1-0.2 s
    assert float(grew) < 12, grew  # MB of peak memory, for a moment: about 8.7 (the packed codes keep 0.7)


def _fresh_code_set(monkeypatch, folder):
    monkeypatch.setenv("EDI_IVIG_CACHE_DIR", str(folder))
    icd10cm.code_set.cache_clear()
    try:
        return icd10cm.code_set()
    finally:
        icd10cm.code_set.cache_clear()


def test_the_packed_copy_an_earlier_run_left_gives_the_same_codes(monkeypatch, tmp_path):
    made = _fresh_code_set(monkeypatch, tmp_path)
    (kept,) = tmp_path.glob("icd10cm-*.packed")
    read = _fresh_code_set(monkeypatch, tmp_path)
    assert read.codes.packed == made.codes.packed and len(read.codes) == len(made.codes) > 90_000
    assert [read.kind(c) for c in ("G35", "G35A", "J069", "ZZZ9")] == ["header", "billable", "billable", "unknown"]
    assert kept.read_text(encoding="ascii").count("\n") == 1  # the hash line, then the codes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


@pytest.mark.parametrize("damage", ["torn", "altered", "not text"])
def test_a_damaged_packed_copy_is_made_again_not_believed(monkeypatch, tmp_path, damage):
    made = _fresh_code_set(monkeypatch, tmp_path)
    (kept,) = tmp_path.glob("icd10cm-*.packed")
    text = kept.read_bytes()
    kept.write_bytes({
        "torn": text[: len(text) // 2],
        "altered": text.replace(b"G35A   ", b"G35Z   ", 1),
        "not text": b"\xff\xfe" + text,
    }[damage])
    read = _fresh_code_set(monkeypatch, tmp_path)
    assert read.codes.packed == made.codes.packed and read.kind("G35A") == "billable"
    assert kept.read_bytes() == text  # made again


def test_a_cache_folder_that_cannot_be_written_is_no_error(monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    codes = _fresh_code_set(monkeypatch, blocked / "edi-ivig")
    assert codes.kind("G35A") == "billable"
