"""The layers stay apart: the model knows no X12, and the rules know only the model.

Read from the source (ast), so that a new import or a rule reaching for the
segments fails here before anyone has to notice it in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import edi_ivig

PACKAGE = Path(edi_ivig.__file__).parent
# What reads and writes X12: the model and the rules must not depend on it.
READING_AND_WRITING = ("edi_ivig.x12", "edi_ivig.reader", "edi_ivig.elements", "edi_ivig.mapping",
                       "edi_ivig.rendering", "edi_ivig.writer")
RULES = sorted((PACKAGE / "rules").glob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module `path` imports, `from edi_ivig import x12` counted as edi_ivig.x12."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def from_layers(path: Path) -> list[str]:
    return sorted(m for m in imported(path) if any(m == layer or m.startswith(layer + ".") for layer in READING_AND_WRITING))


def test_the_model_imports_nothing_that_reads_or_writes_x12():
    assert from_layers(PACKAGE / "model.py") == []
    assert not any(m.startswith("edi_ivig.") for m in imported(PACKAGE / "model.py")), "the model stands on its own"


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_a_rule_imports_nothing_that_reads_or_writes_x12(path):
    assert from_layers(path) == []


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_a_rule_touches_no_segments_nor_where_a_line_came_from(path):
    tree = ast.parse(path.read_text(), str(path))
    touched = sorted({
        f"line {node.lineno}: .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("segments", "origin", "delimiters", "all_segments")
    })
    assert touched == []


def test_the_check_sees_what_it_looks_for():
    """The checks above would pass on nothing: they find what they look for where it is."""
    assert "edi_ivig.x12.segment" in from_layers(PACKAGE / "mapping.py")
    assert "edi_ivig.rendering.render_claim" in from_layers(PACKAGE / "writer.py")
    assert len(RULES) > 10
