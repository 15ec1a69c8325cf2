"""`edi-ivig rules` and the rule documentation every rule carries."""

from __future__ import annotations

import json

from click.testing import CliRunner

from edi_ivig.cli import main
from edi_ivig.rules.registry import RULES


def test_every_rule_documents_itself():
    for rule in RULES:
        assert rule.id.startswith("IG") and len(rule.id) == 4
        for attribute in ("title", "policy", "source", "example"):
            assert getattr(rule, attribute), (rule.id, attribute)
        assert rule.severity in ("error", "warning", "info")
        assert rule.fix in ("safe", "unsafe", None)


def test_rules_json_lists_ids_and_fix_safety():
    result = CliRunner().invoke(main, ["rules", "--format", "json"])
    data = json.loads(result.stdout)
    assert [(r["id"], r["fix"]) for r in data][:4] == [
        ("IG01", "unsafe"), ("IG02", "safe"), ("IG03", "safe"), ("IG04", "unsafe")
    ]


def test_rules_table_and_markdown():
    table = CliRunner().invoke(main, ["rules"]).stdout
    assert "IG01" in table and "unsafe" in table
    markdown = CliRunner().invoke(main, ["rules", "--format", "markdown"]).stdout
    assert markdown.startswith("| id | title |")
