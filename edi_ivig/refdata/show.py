"""The diff as people read it (one line a row) and as JSON (--json)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from edi_ivig.refdata.tables import Change, FileDiff, RowDiff

FORMAT_NAMES = {
    "hcpcs-fixed": "CMS HCPCS Alpha-Numeric file (fixed-width)",
    "hcpcs-csv": "CMS HCPCS Alpha-Numeric file (CSV of the xlsx)",
    "hcpcs-xlsx": "CMS HCPCS Alpha-Numeric file (xlsx)",
    "crosswalk": "CMS ASP NDC-HCPCS crosswalk",
    "mue": "CMS NCCI MUE table",
    "icd10-order": "CMS ICD-10-CM order file (report only, no table)",
    "fda-ndc": "FDA NDC Directory package.txt + product.txt",
}
KINDS = ("added", "changed", "terminated", "noted", "kept")


def key_text(key: Sequence[str]) -> str:
    return " ".join(part or "(no start date)" for part in key)


def _value(text: str) -> str:
    return text if text else "''"


def _changes(changes: Sequence[Change]) -> str:
    return "; ".join(f"{c.column}: {_value(c.old)} -> {_value(c.new)}" for c in changes)


def text(diffs: Sequence[FileDiff], written: Sequence[str]) -> list[str]:
    lines: list[str] = []
    for diff in diffs:
        u = diff.upstream
        target = f" -> {diff.table}.csv" if diff.table else ""
        lines.append(f"{u.name}: {FORMAT_NAMES[u.format]}, effective {u.effective}{target}")
        lines += [f"  note: {note}" for note in diff.notes]
        lines += [f"  {line}" for line in u.report]
        for row in diff.rows:
            lines += _row_lines(row)
        kept = [key_text(row.key) for row in diff.rows if row.kind == "kept"]
        if kept:
            lines.append(f"  kept: not in this file ({len(kept)}): {', '.join(kept)}")
        if diff.table:
            counts = ", ".join(f"{diff.count(kind)} {kind}" for kind in KINDS[:3])
            conflicts = sum(len(row.conflicts) for row in diff.rows)
            lines.append(f"  {counts}, {len(kept)} kept (not in this file), {conflicts} conflict(s)")
    if written:
        lines.append(f"written: {', '.join(written)}")
    elif any(diff.table for diff in diffs):
        lines.append("nothing written (review the diff, then run again with --write)")
    return lines


def _row_lines(row: RowDiff) -> list[str]:
    if row.kind == "kept":
        return []
    where = f" (line {row.line})" if row.line else ""
    lines = []
    if row.kind == "added":
        given = ", ".join(f"{c.column}={c.new}" for c in row.changes if c.column != "source")
        lines.append(f"  added {key_text(row.key)}{where}: {given}")
    elif row.changes:
        lines.append(f"  {row.kind} {key_text(row.key)}{where}: {_changes(row.changes)}")
    for conflict in row.conflicts:
        lines.append(f"  conflict {key_text(row.key)}{where}: {conflict.column} {conflict.old} in the table (kept),"
                     f" {conflict.new} in this file")
    for note in row.notes:
        lines.append(f"  note {key_text(row.key)}{where}: {note}")
    return lines


def as_json(diffs: Sequence[FileDiff], written: Sequence[str]) -> str:
    files = []
    for diff in diffs:
        u = diff.upstream
        entry: dict[str, object] = {"file": u.name, "format": u.format, "effective": u.effective.isoformat(),
                                    "table": f"{diff.table}.csv" if diff.table else None, "notes": list(diff.notes)}
        for kind in KINDS:
            rows = [row for row in diff.rows if row.kind == kind]
            name = "kept_not_in_file" if kind == "kept" else kind
            entry[name] = [list(row.key) for row in rows] if kind == "kept" else [_row_json(row) for row in rows]
        if u.report:
            entry["report"] = list(u.report)
        files.append(entry)
    return json.dumps({"files": files, "written": list(written)}, indent=2) + "\n"


def _row_json(row: RowDiff) -> dict[str, object]:
    return {
        "key": list(row.key), "line": row.line,
        "changes": [{"column": c.column, "old": c.old, "new": c.new} for c in row.changes],
        "conflicts": [{"column": c.column, "table": c.old, "file": c.new} for c in row.conflicts],
        "notes": list(row.notes),
    }
