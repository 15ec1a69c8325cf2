"""Unreadable input: exit 3, one line naming the place, nothing written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import UNREADABLE
from edi_ivig.cli import main


@pytest.mark.parametrize("path", UNREADABLE, ids=lambda p: p.stem)
def test_fix_refuses_with_the_expected_message_and_leaves_no_output(path, tmp_path):
    expected = path.with_suffix(".expected").read_text().strip()
    output = tmp_path / "out.x12"
    result = CliRunner().invoke(main, ["fix", str(path), "-o", str(output)])
    assert result.exit_code == 3
    assert result.stderr == f"edi-ivig: {path}: cannot read: {expected}\n"
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", UNREADABLE, ids=lambda p: p.stem)
def test_the_message_names_a_segment_or_byte(path):
    expected = path.with_suffix(".expected").read_text()
    assert expected.startswith(("segment ", "byte "))
