"""Compare what an upstream file says with a config table, and write the table back.

Only the columns a file carries are compared; every other column is kept from the table's row.
A blank in the file never clears a value (an old file does not know of a later termination), and
a value the file rounds (the crosswalk's whole billing units) is a conflict, not a change, when it
disagrees with the table. Rows the file does not hold are kept and listed, never dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import textwrap
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import Path

import attrs

from edi_ivig.files import atomic_output
from edi_ivig.refdata.common import HCPCS_TABLE, MUE_TABLE, NDC_TABLE, Observed, Upstream

KEYS = {HCPCS_TABLE: ("hcpcs", "effective_from"), NDC_TABLE: ("ndc11",), MUE_TABLE: ("code", "setting")}
MUE_COLUMNS = ("code", "setting", "units", "mai", "rationale", "source")


@attrs.frozen
class Table:
    """A config CSV as written: its `#` lines, its columns in order, its rows."""

    name: str
    header: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]

    @classmethod
    def read(cls, path: Path) -> Table:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        header = tuple(line for line in lines[: next((i for i, x in enumerate(lines) if not x.startswith("#")), len(lines))])
        reader = csv.reader(io.StringIO("\n".join(lines[len(header):]), newline=""))
        columns = tuple(next(reader, []))
        rows = tuple(dict(zip(columns, fields, strict=False)) for fields in reader if fields)
        return cls(path.stem, header, columns, rows)

    def meta(self, key: str) -> str | None:
        prefix = f"# {key}:"
        return next((line[len(prefix):].strip() for line in self.header if line.startswith(prefix)), None)

    def render(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([row.get(column, "") for column in self.columns])
        return "".join(f"{line}\n" for line in self.header) + out.getvalue()

    def write(self, path: Path) -> None:
        """Atomically: a temporary file beside it, renamed over it (edi_ivig.files.atomic_output)."""
        with atomic_output(str(path)) as sink:
            sink.write(self.render().encode("utf-8"))


@attrs.frozen
class Change:
    column: str
    old: str
    new: str


@attrs.frozen
class RowDiff:
    """What one file changes, or would change, in one row."""

    kind: str  # added | changed | terminated | kept (not in this file) | noted (conflicts or notes only)
    key: tuple[str, ...]
    line: int | None  # the row's place in the upstream file
    changes: tuple[Change, ...] = ()
    conflicts: tuple[Change, ...] = ()  # the file disagrees; the table's value is kept
    notes: tuple[str, ...] = ()


@attrs.frozen
class FileDiff:
    upstream: Upstream
    table: str | None
    rows: tuple[RowDiff, ...] = ()
    notes: tuple[str, ...] = ()

    def count(self, kind: str) -> int:
        return sum(1 for row in self.rows if row.kind == kind)


def compare(table: Table, upstream: Upstream) -> tuple[FileDiff, Table]:
    """The diff of one file against a table, and the table with the diff applied."""
    keys = KEYS[table.name]
    rows = [dict(row) for row in table.rows]
    index = {tuple(row.get(k, "") for k in keys): i for i, row in enumerate(rows)}
    matched: set[int] = set()
    diffs: list[RowDiff] = []
    for seen in upstream.rows:
        at = index.get(seen.key)
        if at is None and table.name == HCPCS_TABLE:
            at = _same_code(rows, seen, matched)
        if at is None:
            row = {column: "" for column in table.columns}
            row.update({k: v for k, v in (*seen.fills.items(), *seen.values.items()) if k in row})
            if "confidence" in row:
                row["confidence"] = "low"
            row["source"] = upstream.cited
            if table.name == NDC_TABLE:
                row = _like_its_code(row, rows)
            rows.append(row)
            index[seen.key] = len(rows) - 1
            matched.add(len(rows) - 1)
            diffs.append(RowDiff("added", seen.key, seen.line, tuple(Change(c, "", v) for c, v in row.items() if v), (), seen.notes))
            continue
        matched.add(at)
        diff = _row_diff(rows[at], seen, table.columns, keys)
        if diff.changes:
            rows[at] = _applied(rows[at], diff.changes, upstream, seen)
        if diff.changes or diff.conflicts or diff.notes:
            diffs.append(diff)
    for i, row in enumerate(table.rows):
        if i not in matched and all(row.get(k) == v for k, v in upstream.scope.items()):
            diffs.append(RowDiff("kept", tuple(row.get(k, "") for k in keys), None))
    notes = _age_notes(table, upstream)
    return FileDiff(upstream, table.name, tuple(diffs), notes), attrs.evolve(table, rows=tuple(rows))


# What every NDC of one code shares (the descriptor's route, the product's form), which a file
# that names only the NDC, its code and its size leaves blank on a new row.
SHARED_BY_CODE = ("route", "form")


def _like_its_code(row: dict[str, str], rows: Sequence[dict[str, str]]) -> dict[str, str]:
    """A new NDC row with the columns the table's other NDCs of its code all agree on, saying so,
    and its product spelled as they spell it (the crosswalk writes names in capitals)."""
    siblings = [r for r in rows if r.get("hcpcs") == row.get("hcpcs")]
    filled = {}
    for column in SHARED_BY_CODE:
        values = {r.get(column, "") for r in siblings}
        if column in row and not row[column] and len(values) == 1 and "" not in values:
            filled[column] = values.pop()
    spelled = {r["product"] for r in siblings if r.get("product", "").casefold() == row.get("product", "").casefold()}
    if len(spelled) == 1 and row.get("product") not in spelled:  # PANZYGA as the table writes it: Panzyga
        row = {**row, "product": spelled.pop()}
    if not filled:
        return row
    said = " and ".join(filled)
    return {**row, **filled, "source": f"{row['source']}; {said} as the table's other NDCs of {row['hcpcs']}"}


def _same_code(rows: Sequence[dict[str, str]], seen: Observed, matched: set[int]) -> int | None:
    """A code's row whose start the table does not know, or the code's only row: the file then gives its start."""
    code = seen.values["hcpcs"]
    same = [i for i, row in enumerate(rows) if row["hcpcs"] == code and i not in matched]
    blank = [i for i in same if not rows[i]["effective_from"]]
    if blank:
        return blank[0]
    all_rows = [i for i, row in enumerate(rows) if row["hcpcs"] == code]
    return same[0] if len(all_rows) == 1 and same else None


def _row_diff(row: dict[str, str], seen: Observed, columns: Sequence[str], keys: Sequence[str]) -> RowDiff:
    changes, conflicts, notes = [], [], list(seen.notes)
    for column, new in seen.values.items():
        old = row.get(column, "")
        if column not in columns or new == old or _same_number(old, new):
            continue
        if not new:
            notes.append(f"kept {column} {old}: this file shows none")
        elif column in seen.rounded_up_to and old:
            if not _rounds_to(old, new, seen.rounded_up_to[column]):
                conflicts.append(Change(column, old, new))
        else:
            changes.append(Change(column, old, new))
    terminated = any(c.column == "terminated_on" and not c.old for c in changes)
    kind = "terminated" if terminated else "changed" if changes else "noted"
    key = tuple(row.get(k, "") for k in keys)
    return RowDiff(kind, key, seen.line, tuple(changes), tuple(conflicts), tuple(notes))


def _applied(row: dict[str, str], changes: Sequence[Change], upstream: Upstream, seen: Observed) -> dict[str, str]:
    """The row with the file's values, its source naming the file (and what it gave) before what the old source said."""
    new = dict(row)
    for change in changes:
        new[change.column] = change.new
    given = [c.column + (" (BILLUNITSPKG x unit, CMS rounds up to whole units)" if c.column in seen.rounded_up_to else "")
             for c in changes]
    cited = f"{upstream.cited}: {', '.join(given)}"
    new["source"] = f"{cited}; {row['source']}" if row.get("source") else cited
    return new


def _same_number(a: str, b: str) -> bool:
    try:
        return bool(a and b) and Decimal(a) == Decimal(b)
    except InvalidOperation:
        return False


def _rounds_to(table_value: str, file_value: str, step: str) -> bool:
    """True when the table's value, rounded up to whole steps, is the file's (5 mL of 16.5% = 0.99 g, billed as 10 x 100 mg)."""
    try:
        whole = (Decimal(table_value) / Decimal(step)).to_integral_value(rounding=ROUND_CEILING)
        return whole * Decimal(step) == Decimal(file_value)
    except InvalidOperation:
        return False


def _age_notes(table: Table, upstream: Upstream) -> tuple[str, ...]:
    stated = (table.meta("effective") or "")[:10]
    try:
        as_of = dt.date.fromisoformat(stated)
    except ValueError:
        return ()
    if upstream.effective < as_of:
        return (f"this file (effective {upstream.effective}) is older than the table (# effective: {as_of}): "
                "what it changes may have changed again since; review before --write",)
    if upstream.effective > as_of and table.name != MUE_TABLE:
        return (f"this file is newer than the table's '# effective: {as_of}' line: update that line by hand",)
    return ()


def new_mue_table(upstreams: Sequence[Upstream]) -> Table:
    """An empty MUE table, its `#` lines naming the files it is made from."""
    return Table(MUE_TABLE, mue_header(upstreams), MUE_COLUMNS, ())


def mue_header(upstreams: Sequence[Upstream]) -> tuple[str, ...]:
    """The `#` lines of the MUE table, as IG11's table has them (wrapped at 111 columns)."""
    order = ("practitioner", "outpatient_hospital")
    ranked = sorted(upstreams, key=lambda u: order.index(u.scope.get("setting", "practitioner")))
    names = " and ".join(dict.fromkeys(u.source_name for u in ranked))
    excerpts = all(".ig-rows." in u.name for u in upstreams)
    where = "excerpts in ../shared/refdata/upstream/, rows copied as published" if excerpts else "rows copied as published"
    tables = "tables" if len(ranked) > 1 else "table"
    paragraphs = (
        "# table: CMS NCCI medically unlikely edits (MUE) for the immune globulin drug codes and the infusion"
        " administration codes, per setting: the most units of service a payer following CMS pays for a code",
        f"# source: CMS NCCI MUE {tables} {names} ({where}); CPT administration codes carry code numbers and values"
        " only (no descriptors: AMA copyright)",
        f"# effective: {max(u.effective for u in upstreams).isoformat()}",
        "# columns: setting practitioner (837P) or outpatient_hospital (837I); units the MUE value; mai the MUE"
        " adjudication indicator: 1 per claim line, 2 per day (policy: absolute), 3 per day (clinical: may be"
        " appealed with records); rationale as CMS gives it; source the CMS file the row came from",
    )
    return tuple(line for paragraph in paragraphs for line in textwrap.wrap(
        paragraph, width=111, subsequent_indent="#   ", break_long_words=False, break_on_hyphens=False))


def take_in(upstreams: Sequence[Upstream], config_dir: Path) -> tuple[list[FileDiff], dict[str, Table]]:
    """Each file's diff, applied in turn (oldest first, so the newest file has the last word); the tables after.

    Returns the diffs in the order applied and the tables that changed (name -> table).
    """
    order = {"practitioner": 0, "outpatient_hospital": 1}
    ranked = sorted(enumerate(upstreams), key=lambda pair: (
        pair[1].table or "~", pair[1].effective, order.get(pair[1].scope.get("setting", ""), 0), pair[0]))
    tables: dict[str, Table] = {}
    before: dict[str, Table] = {}
    diffs: list[FileDiff] = []
    mue = [u for u in upstreams if u.table == MUE_TABLE]
    for _, upstream in ranked:
        if upstream.table is None:
            diffs.append(FileDiff(upstream, None))
            continue
        if upstream.table not in tables:
            tables[upstream.table] = _table(config_dir, upstream.table, mue)
            before[upstream.table] = tables[upstream.table]
        diff, tables[upstream.table] = compare(tables[upstream.table], upstream)
        diffs.append(diff)
    changed = {name: table for name, table in tables.items() if table.render() != _on_disk(config_dir, name)}
    return diffs, changed


def _table(config_dir: Path, name: str, mue: Sequence[Upstream]) -> Table:
    path = config_dir / f"{name}.csv"
    if name != MUE_TABLE:
        return Table.read(path)
    if not path.is_file():
        return new_mue_table(mue)
    table = Table.read(path)
    stated = (table.meta("effective") or "")[:10]
    if stated < max(u.effective for u in mue).isoformat():  # a newer quarter: its files are now the source
        table = attrs.evolve(table, header=mue_header(mue))
    return table


def _on_disk(config_dir: Path, name: str) -> str | None:
    path = config_dir / f"{name}.csv"
    return path.read_text(encoding="utf-8") if path.is_file() else None
