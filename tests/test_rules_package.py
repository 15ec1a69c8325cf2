"""The rules package a newcomer reads: no import cycle through it, and every rule's
docstring in the same four headings (what the docs site shows of each rule)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from edi_ivig.rules.registry import RULES

PACKAGE = Path(__file__).parent.parent / "edi_ivig"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str], package: str) -> set[str]:
    """The edi_ivig modules a module imports when it runs (in functions too, not under TYPE_CHECKING).

    Importing edi_ivig.rules.X runs edi_ivig/rules/__init__.py first, so that counts as an
    import of edi_ivig.rules too.
    """
    found: set[str] = set()

    def add(name: str) -> None:
        if name in modules:
            found.add(name)
            parent = name.rpartition(".")[0]
            if parent.startswith("edi_ivig.rules"):
                add(parent)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            add(base)
            for alias in node.names:
                add(f"{base}.{alias.name}")  # `from edi_ivig.rules import ig01_per_day_lines`
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = _imports(ast.parse(path.read_text(encoding="utf-8")), set(paths), package) - {name}
    return graph


def cycles_through(graph: dict[str, set[str]], prefix: str) -> list[list[str]]:
    """Each import cycle (a path back to where it started) through a module whose name starts with `prefix`."""
    found = []
    for start in sorted(m for m in graph if m.startswith(prefix)):
        stack, seen = [(start, [start])], {start}
        while stack:
            module, path = stack.pop()
            for target in sorted(graph[module]):
                if target == start:
                    found.append(path + [start])
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, path + [target]))
    return found


def test_no_import_cycle_through_the_rules_package():
    cycles = cycles_through(import_graph(), "edi_ivig.rules")
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_finds_a_cycle():
    graph = {"edi_ivig.rules": {"edi_ivig.rules.a"}, "edi_ivig.rules.a": {"edi_ivig.rules"}, "edi_ivig.x": set()}
    assert cycles_through(graph, "edi_ivig.rules") == [
        ["edi_ivig.rules", "edi_ivig.rules.a", "edi_ivig.rules"],
        ["edi_ivig.rules.a", "edi_ivig.rules", "edi_ivig.rules.a"],
    ]


HEADINGS = ["What it checks", "Why it matters", "Example", "Fix and its safety"]


def test_every_rule_docstring_has_the_four_headings():
    for rule in RULES:
        doc = inspect.cleandoc(type(rule).__doc__ or "")
        title, _, body = doc.partition("\n")
        assert title == f"{rule.title}.", rule.id
        sections = re.split(r"(?m)^## (.+)$", body)[1:]
        assert sections[0::2] == HEADINGS, (rule.id, sections[0::2])
        texts = dict(zip(sections[0::2], (text.strip() for text in sections[1::2])))
        assert all(texts.values()), rule.id
        assert texts["Why it matters"] == f"{rule.policy}\n\nSource: {rule.source}.", rule.id
        assert texts["Example"] == rule.example, rule.id
        # the safety is said at the start of a paragraph: "Safe", "Unsafe" or "No fix"
        said = {"safe": "Safe", "unsafe": "Unsafe", None: "No fix"}[rule.fix]
        assert any(p.startswith(said) for p in texts["Fix and its safety"].split("\n\n")), rule.id


def test_every_rule_says_where_it_applies_and_the_rules_table_shows_it():
    from edi_ivig.reports.rules import rows

    table = {row["id"]: row for row in rows()}
    for rule in RULES:
        assert "applies_to" in vars(type(rule)), f"{rule.id} sets no applies_to of its own"
        assert rule.applies_to.strip() and table[rule.id]["applies to"] == rule.applies_to, rule.id
