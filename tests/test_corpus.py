"""The outside corpus (../shared/corpus): every 837 is read and comes out byte-identical.

Its SOURCES.md names the files that are broken on purpose; those, and the
files that are not 837s, must be refused with exit 3 and a message.
"""

from __future__ import annotations

import fnmatch
import re

import pytest
from click.testing import CliRunner

from conftest import CORPUS, needs_corpus
from edi_ivig.cli import main

BROKEN = ("ims__x12_bad_*", "*_missing_*", "*_loop_errors*", "*no_isa*")


def _corpus_files():
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def _is_837(path) -> bool:
    text = path.read_bytes().decode("latin-1")
    return re.search(r"(^|[~\n])\s*ST.837.", text) is not None


def _is_broken(path) -> bool:
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in BROKEN)


READABLE_837 = [p for p in _corpus_files() if _is_837(p) and not _is_broken(p)]
REFUSED = [p for p in _corpus_files() if not _is_837(p) or _is_broken(p)]


@needs_corpus
def test_the_corpus_is_where_the_tests_expect_it():
    assert len(READABLE_837) >= 40 and len(REFUSED) >= 15


@needs_corpus
@pytest.mark.parametrize("path", READABLE_837, ids=lambda p: p.name)
def test_corpus_837_fix_is_byte_identical(path, tmp_path):
    output = tmp_path / path.name
    result = CliRunner().invoke(main, ["fix", str(path), "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    assert output.read_bytes() == path.read_bytes()


@needs_corpus
@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.name)
def test_corpus_broken_and_non_837_files_are_refused(path, tmp_path):
    output = tmp_path / "out"
    result = CliRunner().invoke(main, ["fix", str(path), "-o", str(output)])
    assert result.exit_code == 3
    (line,) = result.stderr.splitlines()
    assert re.search(r"cannot read: (segment \d+|byte \d+)", line), line
    assert not output.exists() and list(tmp_path.iterdir()) == []


@needs_corpus
@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.name)
def test_validate_reports_on_or_refuses_the_broken_and_non_837_files(path):
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)  # no traceback
    assert result.exit_code in (0, 1, 3), result.output  # valid (a 270 pyx12 has a map for), errors, or refused
    if result.exit_code == 3:
        assert "cannot read: " in result.stderr


@needs_corpus
def test_validate_reads_an_837_whose_gs08_names_no_guide_as_fix_does():
    path = CORPUS / "ext" / "staedi__sample837-HL-nested.edi"
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "note: pyx12 has no map for GS08 '005010'; it was validated as an 837P" in result.stderr
