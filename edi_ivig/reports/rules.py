"""`edi-ivig rules`: the rule list as a terminal table, markdown or JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping

from rich.console import Console
from rich.table import Table

from edi_ivig.rules.registry import RULES
from edi_ivig.settings import Config

COLUMNS = ("id", "title", "applies to", "severity", "fix", "277CA")


def rows() -> list[dict[str, str]]:
    codes = Config.load().for_claim(None, None)
    return [
        {
            "id": rule.id,
            "title": rule.title,
            "claims": "/".join(sorted(rule.claim_types)),
            "applies to": rule.applies_to,
            "severity": ", ".join(dict.fromkeys((rule.severity, *rule.kind_severity.values()))),
            "fix": rule.fix or "none (flag only)",
            "277CA": ", ".join(_status_codes(codes.status_codes, rule.id)),
            "policy": rule.policy,
            "source": rule.source,
            "example": rule.example,
        }
        for rule in sorted(RULES, key=lambda r: r.id)
    ]


def _status_codes(codes: Mapping[str, str], rule_id: str) -> list[str]:
    """Every 277CA code a rule can send: its own, then those of its checks ("IG05.units")."""
    found = [codes[rule_id]] + [code for key, code in codes.items() if key.startswith(f"{rule_id}.")]
    return list(dict.fromkeys(found))


def render(fmt: str) -> str:
    data = rows()
    if fmt == "json":
        return json.dumps(data, indent=2)
    if fmt == "markdown":
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(row[c] for c in COLUMNS) + " |" for row in data]
        return "\n".join(lines)
    table = Table(show_lines=False)
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for row in data:
        table.add_row(*(row[c] for c in COLUMNS))
    buffer = io.StringIO()
    Console(file=buffer, width=120, force_terminal=False).print(table)
    return buffer.getvalue()
