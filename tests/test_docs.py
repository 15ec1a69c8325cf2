"""The documentation site: it builds with --strict, and its rule pages are the rules themselves."""

from __future__ import annotations

import html
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from edi_ivig.cli import main
from edi_ivig.rules.registry import RULES

ROOT = Path(__file__).parent.parent
_spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
hooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hooks)


def test_the_rules_table_is_edi_ivig_rules_with_links():
    markdown = CliRunner().invoke(main, ["rules", "--format", "markdown"]).stdout.strip()
    table = hooks.rules_table()
    for row in markdown.splitlines()[2:]:
        rule_id = row.split("|")[1].strip()
        assert row.replace(f"| {rule_id} |", f"| [{rule_id}]({rule_id}.md) |", 1) in table


def test_each_rule_page_says_what_the_rule_says():
    for rule in RULES:
        page = hooks.rule_page(rule)
        assert page.startswith(f"# {rule.id}: {rule.title}\n")
        assert f"| Severity | {rule.severity} " in page and f"| Fix | {rule.fix or 'none (flag only)'} |" in page
        for heading in hooks.HEADINGS:
            assert f"\n## {heading}\n" in page, (rule.id, heading)
        for name, case in hooks.cases(rule.id):
            assert f"- **{name}** (" in page
            assert f"](../fixtures/rules/{rule.id}/{name}/input.x12)" in page
        assert hooks.cases(rule.id), rule.id


def test_stars_of_x12_are_not_emphasis():
    assert hooks._escape("DTP*472 and `REF*6R` and CTP*") == r"DTP\*472 and `REF*6R` and CTP\*"


def test_the_site_builds_strict(tmp_path):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    site = tmp_path / "site"
    index = (site / "rules" / "index.html").read_text(encoding="utf-8")
    for rule in RULES:
        assert f'href="{rule.id}.html"' in index
        page = (site / "rules" / f"{rule.id}.html").read_text(encoding="utf-8")
        assert html.escape(rule.title, quote=False) in page and "Fix and its safety" in page
        name, _ = hooks.cases(rule.id)[0]
        assert (site / "fixtures" / "rules" / rule.id / name / "input.x12").is_file()
    configuration = (site / "configuration.html").read_text(encoding="utf-8")
    assert "noc_units" in configuration and "&lt;!-- default.toml --&gt;" not in configuration
    assert (site / "reference-data.html").is_file()
    assert time.monotonic() - started < 60  # about 5 s on an idle machine
