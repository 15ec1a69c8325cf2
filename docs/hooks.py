"""mkdocs hook: the pages that come from the code, made at build time so docs and code cannot disagree.

- one page per rule (`rules/IGnn.md`) from the rule itself: its attributes, its docstring's
  headings, its 277CA codes from config/default.toml, and its cases under fixtures/rules/IGnn/
  with the description of each case.toml (the case files are copied into the site and linked);
- `reference-data.md` from config/README.md;
- in the hand-written pages, `<!-- rules-table -->` becomes `edi-ivig rules --format markdown`
  and `<!-- default.toml -->` the shipped config/default.toml.

Registered in mkdocs.yml under `hooks:`; nothing it makes is committed.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path
from typing import Any

from edi_ivig.reports.rules import render
from edi_ivig.rules.base import Rule
from edi_ivig.rules.registry import RULES
from edi_ivig.settings import Config

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "rules"
CONFIG = ROOT / "config"
HEADINGS = ("What it checks", "Why it matters", "Example", "Fix and its safety")
CASE_FILES = ("input.x12", "expected.x12", "findings.json", "case.toml")


def rule_docstring(rule: Rule) -> str:
    """The rule's docstring without its first line (the title, which heads the page)."""
    text = inspect.cleandoc(type(rule).__doc__ or "")
    return text.partition("\n")[2].strip()


def _escape(text: str) -> str:
    """X12 text (DTP*472, REF*6R) read as Markdown would turn stars into emphasis: escape them
    outside code spans."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(part if part.startswith("`") else part.replace("*", r"\*") for part in parts)


def status_codes(rule_id: str) -> list[tuple[str, str]]:
    """The 277CA codes a rule's findings carry: (which check, code), the rule's own first."""
    codes = Config.load().for_claim(None, None).status_codes
    found = [("", codes[rule_id])]
    found += [(key.partition(".")[2], code) for key, code in codes.items() if key.startswith(f"{rule_id}.")]
    return found


def cases(rule_id: str) -> list[tuple[str, dict[str, Any]]]:
    folder = FIXTURES / rule_id
    return [
        (case.name, tomllib.loads((case / "case.toml").read_text(encoding="utf-8")))
        for case in sorted(folder.iterdir())
        if (case / "case.toml").is_file()
    ]


def _case_line(rule_id: str, name: str, case: dict[str, Any]) -> str:
    how = [f"`{case.get('mode', 'fix')}`"]
    if case.get("unsafe_fixes"):
        how.append("`--unsafe-fixes`")
    if case.get("config"):
        how.append("its own `[config]`")
    links = " · ".join(
        f"[{file}](../fixtures/rules/{rule_id}/{name}/{file})"
        for file in CASE_FILES
        if (FIXTURES / rule_id / name / file).is_file()
    )
    description = _escape(" ".join(str(case.get("description", "")).split()))
    return f"- **{name}** ({', '.join(how)}): {description}<br>{links}"


def rule_page(rule: Rule) -> str:
    module = type(rule).__module__.rpartition(".")[2]
    codes = ", ".join(f"{code} ({check})" if check else code for check, code in status_codes(rule.id))
    facts = {"code": "the billed code's row (HCPCS table)", "ndc": "the NDC's row (NDC table)"}
    relies = ", ".join(facts[fact] for fact in sorted(rule.relies_on)) or ("none" if rule.fix else "(no fix)")
    lines = [
        f"# {rule.id}: {rule.title}",
        "",
        "| | |",
        "|---|---|",
        f"| Severity | {rule.severity} (config `rules.{rule.id}.severity`) |",
        f"| Claim types | {', '.join(sorted(rule.claim_types))} |",
        f"| Applies to | {_escape(rule.applies_to)} |",
        f"| Fix | {rule.fix or 'none (flag only)'} |",
        f"| Reference facts the fix relies on | {relies} |",
        f"| 277CA status codes | {codes} |",
        f"| Module | `edi_ivig/rules/{module}.py` |",
        "",
        _escape(rule_docstring(rule)),
        "",
        "## Cases",
        "",
        f"The cases in `fixtures/rules/{rule.id}/`, each run by the test suite and by"
        " `edi-ivig regress fixtures/rules` (mode, options, what the case shows):",
        "",
        *(_case_line(rule.id, name, case) for name, case in cases(rule.id)),
        "",
    ]
    return "\n".join(lines)


def rules_table() -> str:
    """`edi-ivig rules --format markdown`, each id linked to its page."""
    table = render("markdown")
    return re.sub(r"^\| (IG\d\d) \|", lambda m: f"| [{m[1]}]({m[1]}.md) |", table, flags=re.M)


# -- mkdocs events ------------------------------------------------------------------------


def on_config(config: Any) -> Any:
    """Every rule page in the nav's Rules section, in id order, after its index."""
    for entry in config["nav"]:
        if isinstance(entry, dict) and "Rules" in entry:
            entry["Rules"] += [{f"{r.id}: {r.title}": f"rules/{r.id}.md"} for r in sorted(RULES, key=lambda r: r.id)]
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for rule in RULES:
        files.append(File.generated(config, f"rules/{rule.id}.md", content=rule_page(rule)))
        for name, _ in cases(rule.id):
            for file in CASE_FILES:
                path = FIXTURES / rule.id / name / file
                if path.is_file():
                    files.append(File.generated(config, f"fixtures/rules/{rule.id}/{name}/{file}", abs_src_path=str(path)))
    files.append(File.generated(config, "reference-data.md", content=(CONFIG / "README.md").read_text(encoding="utf-8")))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- rules-table -->" in markdown:
        markdown = markdown.replace("<!-- rules-table -->", rules_table())
    if "<!-- default.toml -->" in markdown:
        text = (CONFIG / "default.toml").read_text(encoding="utf-8")
        markdown = markdown.replace("<!-- default.toml -->", f"```toml\n{text}```")
    return markdown
