"""Reference tables from config/: HCPCS codes, NDC products, procedure code roles.

Data, not logic: each CSV names its source and effective date in `#` lines at
the top, and each row its own source. The date of service picks the code row
(codes are added and terminated; J1553 is IV and billed per 100 mg from
2026-04-01). Loaded once per process and shared read-only.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import attrs

import edi_ivig.icd10cm as icd10cm
from edi_ivig.settings import ConfigError

# Codes that stand for "some drug we have no code for"; whether such a line is
# immune globulin depends on its NDC.
UNCLASSIFIED_DRUG_CODES = frozenset({"J3490", "J3590", "J7799"})


@attrs.frozen
class HcpcsCode:
    code: str
    product: str
    route: str  # IV, SC, IV/SC, IM, or "" for unclassified-drug and service codes
    unit_mg: int | None  # the descriptor's billing unit
    noc: bool
    form: str  # for a not-otherwise-classified IV code, the form it is for: "lyophilized" (J1566), "liquid" (J1599)
    effective_from: dt.date | None  # None: not confirmed (the table has no source for it), not "always"
    terminated_on: dt.date | None
    replaced_by: str | None  # the code that took over the same product when this one ended
    # A code for any product of its route (a CPT product code a payer takes, 90283/90284): the NDC
    # says which product, and no product is another's under it.
    any_product: bool = False

    def valid_on(self, day: dt.date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.terminated_on is None or day <= self.terminated_on
        )

    @property
    def dates_confirmed(self) -> bool:
        """Whether the table knows when the code began; a code with no known start is no code to recode to."""
        return self.effective_from is not None

    @property
    def is_immune_globulin_drug(self) -> bool:
        """An IV or SC immune globulin product code (not IM gamma globulin, not Q2052)."""
        return self.route in ("IV", "SC", "IV/SC")


@attrs.frozen
class NdcProduct:
    ndc: str
    product: str
    hcpcs: str
    concentration_pct: Decimal | None
    grams_per_package: Decimal | None
    ml_per_package: Decimal | None
    route: str
    form: str  # "liquid", "lyophilized" or "kit": which not-otherwise-classified code fits it, the NDC unit it is counted in

    @property
    def grams_per_ml(self) -> Decimal | None:
        return self.concentration_pct / 100 if self.concentration_pct is not None else None


@attrs.frozen
class MueLimit:
    """A medically unlikely edit: the most units of a code CMS pays in one setting."""

    code: str
    setting: str  # practitioner (837P) or outpatient_hospital (837I)
    units: int
    mai: int  # 1: per claim line; 2: per day, by policy (not appealable); 3: per day, clinical
    source: str

    @property
    def per_line(self) -> bool:
        return self.mai == 1


@attrs.frozen
class Table:
    """A CSV table and what its header says of it."""

    name: str
    header: tuple[str, ...]  # the "# key: value" lines
    rows: tuple[dict[str, str], ...]

    def meta(self, key: str) -> str | None:
        prefix = f"# {key}:"
        return next((line[len(prefix):].strip() for line in self.header if line.startswith(prefix)), None)


class Reference:
    """The reference tables, indexed for the rules."""

    def __init__(self, tables: dict[str, Table]):
        self.tables = tables
        self._codes: dict[str, list[HcpcsCode]] = {}
        for row in tables["hcpcs_immune_globulin"].rows:
            code = HcpcsCode(
                code=row["hcpcs"],
                product=row["product"],
                route=row["route"],
                unit_mg=int(row["unit_mg"]) if row["unit_mg"] else None,
                noc=row["noc"] == "Y",
                form=row["form"],
                effective_from=_date(row["effective_from"]),
                terminated_on=_date(row["terminated_on"]),
                replaced_by=row["replaced_by"] or None,
            )
            self._codes.setdefault(code.code, []).append(code)
        self._linked: dict[str, list[str]] = {}  # code -> the codes it replaced or that replaced it
        for rows in self._codes.values():
            for code in rows:
                if code.replaced_by:
                    self._linked.setdefault(code.replaced_by, []).append(code.code)
                    self._linked.setdefault(code.code, []).append(code.replaced_by)
        self._ndcs = {
            row["ndc11"]: NdcProduct(
                ndc=row["ndc11"],
                product=row["product"],
                hcpcs=row["hcpcs"],
                concentration_pct=_decimal(row["concentration_pct"]),
                grams_per_package=_decimal(row["grams_per_package"]),
                ml_per_package=_decimal(row["ml_per_package"]),
                route=row["route"],
                form=row["form"],
            )
            for row in tables["ndc_immune_globulin"].rows
        }
        self._groups: dict[str, str] = {row["code"]: row["group"] for row in tables["procedure_codes"].rows}
        effective = tables["mue_immune_globulin"].meta("effective")
        self._mue = {
            (row["code"], row["setting"]): MueLimit(
                row["code"], row["setting"], int(row["units"]), int(row["mai"]), f"{row['source']}, effective {effective}"
            )
            for row in tables["mue_immune_globulin"].rows
        }

    def code(self, code: str, on: dt.date | None) -> HcpcsCode | None:
        """The row of an immune globulin (or unclassified-drug) code valid on a date of service.

        Without a date (an 837I line with none), the row with no end date, if any.
        """
        rows = self._codes.get(code, ())
        if on is None:
            return next((r for r in rows if r.terminated_on is None), None)
        return next((r for r in rows if r.valid_on(on)), None)

    def rows(self, code: str) -> Sequence[HcpcsCode]:
        """Every row of a code in the table, whatever the date (none for a code not in it)."""
        return self._codes.get(code, ())

    def ndc(self, ndc: str | None) -> NdcProduct | None:
        return self._ndcs.get(ndc) if ndc else None

    def mue(self, code: str, setting: str) -> MueLimit | None:
        """The medically unlikely edit of a code in a setting (practitioner, outpatient_hospital), if CMS has one."""
        return self._mue.get((code, setting))

    def group(self, code: str) -> str | None:
        """The role of a procedure code (iv_initial, em_visit, ...), or None."""
        return self._groups.get(code)

    def codes_in(self, *groups: str) -> frozenset[str]:
        return frozenset(code for code, group in self._groups.items() if group in groups)

    @functools.cached_property
    def watched_codes(self) -> frozenset[str]:
        """Procedure codes that put a claim in front of the rules: immune globulin and unclassified drugs."""
        return frozenset(self._codes)

    @functools.cached_property
    def product_names(self) -> frozenset[str]:
        """Every brand the tables name, without strengths: "Gamunex-C / Gammaked" gives both."""
        names = {row.product for rows in self._codes.values() for row in rows if row.is_immune_globulin_drug and not row.noc}
        names |= {p.product for p in self._ndcs.values()}
        brands = set()
        for name in names:
            for part in name.split(" / "):
                words = [w for w in part.split("(")[0].split() if not w.endswith("%")]
                if words:
                    brands.add(" ".join(words))
        return frozenset(brands)

    def same_product(self, code: str) -> tuple[str, ...]:
        """The code and those that replaced it or that it replaced: one product's codes over time
        (C9072 and J1554 for Asceniv)."""
        codes, waiting = [], [code]
        while waiting:
            current = waiting.pop()
            codes.append(current)
            waiting.extend(c for c in self._linked.get(current, ()) if c not in codes and c not in waiting)
        return tuple(codes)

    def product_codes(self, ndc: NdcProduct) -> tuple[str, ...]:
        """The codes a product has had: its code in the NDC crosswalk and the codes linked to it."""
        return self.same_product(ndc.hcpcs)

    def own_code(self, codes: Iterable[str], on: dt.date | None, through: dt.date | None = None) -> HcpcsCode | None:
        """The first of a product's codes that is its own (not NOC) and valid on the date (through `through`).

        A code whose first date is not confirmed is not one: a recode to it could not be shown right.
        """
        rows = (self.code(code, on) for code in codes)
        return next((
            row for row in rows
            if row is not None and not row.noc and row.dates_confirmed and (through is None or row.valid_on(through))
        ), None)

    def unclassified_code(self, form: str, on: dt.date | None) -> HcpcsCode | None:
        """The not-otherwise-classified IV immune globulin code for a product form (J1566 lyophilized, J1599 liquid)."""
        return next((
            row for rows in self._codes.values() for row in rows
            if row.noc and row.form == form and row.is_immune_globulin_drug and (on is None or row.valid_on(on))
        ), None)

    def specific_code(self, ndc: NdcProduct, on: dt.date | None) -> HcpcsCode | None:
        """The product's own (not NOC) code valid on the date, from the NDC crosswalk and the codes linked to it."""
        return self.own_code(self.product_codes(ndc), on)


@attrs.frozen
class CoverageList:
    """ICD-10-CM codes (without dots) that support IVIG, with their conditions."""

    name: str
    conditions: Mapping[str, str]  # code -> condition ("" when none), e.g. B20 -> max_age_years=12

    def __contains__(self, code: str) -> bool:
        return code in self.conditions

    def max_age(self, code: str) -> int | None:
        value = self._condition(code, "max_age_years")
        return int(value) if value.isascii() and value.isdigit() else None

    def billable_until(self, code: str) -> dt.date | None:
        """The last date of service the code is billable on (ICD-10-CM retires codes every October)."""
        value = self._condition(code, "billable_until")
        try:
            return dt.date.fromisoformat(value) if value else None
        except ValueError:
            raise ValueError(f"{code}: billable_until {value!r} is not a date (YYYY-MM-DD)") from None

    def children_covered(self, code: str) -> bool:
        """Whether a listed code that became a header covers its billable children after its
        billable_until (the day ICD-10-CM split it), as A57187 did G35's: unless the list says
        children_covered=no. A header listed with no billable_until covers none: this MAC lists
        the codes it covers (POLICY-REVIEW C4)."""
        return self._condition(code, "children_covered") != "no"

    def not_payable_with(self, code: str) -> tuple[str, ...]:
        """The associated conditions (diabetes_mellitus, ...) that make a listed code not payable."""
        return tuple(group.strip() for group in self._condition(code, "not_payable_if_associated_with").split("|") if group.strip())

    def _condition(self, code: str, name: str) -> str:
        for part in self.conditions.get(code, "").split(";"):
            key, _, value = part.partition("=")
            if key.strip() == name:
                return value.strip()
        return ""


@functools.lru_cache(maxsize=16)
def coverage_list(name_or_path: str) -> CoverageList:
    """A shipped list by name (config/NAME.csv) or a CSV of the user's by path, checked row by row.

    IG10 trusts the list on every claim: a shifted column or a mistyped condition would quietly
    cover or uncover a diagnosis, so a row that cannot be read as the rules read it is a
    ConfigError naming the file and line instead.
    """
    if name_or_path.endswith(".csv"):
        path = Path(name_or_path)
        where, source = str(path), path.open
    else:
        where = f"config/{name_or_path}.csv"
        source = resources.files("edi_ivig.config").joinpath(f"{name_or_path}.csv").open
    icd10cm.release()  # the list is read against the code set's release: a wrong library fails here, at load
    with source(encoding="utf-8-sig", newline="") as f:  # -sig: a list saved by a spreadsheet starts with a BOM
        lines = f.read().splitlines()
    name = Table(name_or_path, tuple(_header_lines(lines)), ()).meta("name")
    return CoverageList(name or Path(name_or_path).stem, _coverage_conditions(lines, where))


COVERAGE_COLUMNS = ("code", "description", "condition", "source")

# An ICD-10-CM code in form: a letter, a digit, a letter or digit, then up to four more after an
# optional dot (B20, G61.81, G35.B0, T80.52XA); checked upper-cased, as normalize_diagnosis does.
_ICD10CM = re.compile(r"[A-Z][0-9][A-Z0-9](\.?[A-Z0-9]{1,4})?")


def _coverage_conditions(lines: Sequence[str], where: str) -> dict[str, str]:
    """Code (normalized) -> condition, from the lines of a coverage list; raises on the first bad row."""
    rows = _numbered_rows(lines, where)
    line, header = next(rows, (len(lines) + 1, []))
    missing = [column for column in COVERAGE_COLUMNS if column not in header]
    if missing:
        raise _row_error(where, line, f"the header lacks column {', '.join(repr(c) for c in missing)} (a coverage list has {','.join(COVERAGE_COLUMNS)})")
    conditions: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for line, fields in rows:
        code, condition = _coverage_row(fields, header, where, line)
        if code in first_line:
            raise _row_error(where, line, f"{code} is listed again (first on line {first_line[code]})")
        conditions[code], first_line[code] = condition, line
    return conditions


def _coverage_row(fields: Sequence[str], header: Sequence[str], where: str, line: int) -> tuple[str, str]:
    """The normalized code and condition of one row, or the error that names what is wrong with it."""
    if len(fields) != len(header):
        raise _row_error(
            where, line, f"{len(fields)} fields where the header has {len(header)} (a comma inside a field needs quotes)"
        )
    row = dict(zip(header, fields, strict=True))
    problem = _code_problem(row["code"])
    if problem:
        raise _row_error(where, line, problem)
    code = normalize_diagnosis(row["code"])
    problem = _condition_problem(row["condition"])
    if problem:
        raise _row_error(where, line, f"{code}: {problem}")
    return code, row["condition"]


def _code_problem(text: str) -> str | None:
    """What keeps a code from ever matching an 837 diagnosis (which normalize_diagnosis compares), or None."""
    if not text.strip():
        return "the code is empty"
    if not _ICD10CM.fullmatch(text.strip().upper()):
        return (
            f"code {text!r} is not an ICD-10-CM code (a letter, a digit, then letters or digits: "
            "3 to 7 characters, any dot after the third)"
        )
    return None


def _whole_years(value: str) -> str | None:
    return None if value.isascii() and value.isdigit() else f"max_age_years {value!r} is not a whole number of years"


def _iso_date(value: str) -> str | None:
    """Exactly YYYY-MM-DD: fromisoformat also takes 20250930 and week dates, which a reader of the list would misread."""
    try:
        ok = len(value) == 10 and value[4] == value[7] == "-" and dt.date.fromisoformat(value) is not None
    except ValueError:
        ok = False
    return None if ok else f"billable_until {value!r} is not a date (YYYY-MM-DD)"


def _known_groups(value: str) -> str | None:
    """Groups of icd10cm_condition_groups.csv: an unknown one would never match a claim's diagnosis."""
    known = condition_group_names()
    for group in (part.strip() for part in value.split("|")):
        if not group:
            return f"an empty condition group in not_payable_if_associated_with {value!r}"
        if group not in known:
            return f"unknown condition group {group!r} (known: {', '.join(sorted(known))})"
    return None


def _no(value: str) -> str | None:
    """Children are covered by default (CoverageList.children_covered): the only thing to say is no."""
    return None if value == "no" else f"children_covered {value!r} can only be 'no' (the children are covered otherwise)"


# The conditions IG10 reads (CoverageList.max_age, billable_until, children_covered,
# not_payable_with), each with the check of its value; and those kept as the article's words,
# needing the medical record.
CHECKED_CONDITIONS = {
    "max_age_years": _whole_years,
    "billable_until": _iso_date,
    "children_covered": _no,
    "not_payable_if_associated_with": _known_groups,
}
NOTED_CONDITIONS = frozenset({"requires_prior_failure", "restrict_to_condition", "info_icd10cm"})


def _condition_problem(condition: str) -> str | None:
    """What in a condition IG10 would misread or ignore (a typo in a key, a bad value), or None.

    Parsed as CoverageList._condition parses it: `key=value` parts separated by `;`, spaces trimmed.
    """
    seen: set[str] = set()
    for part in (p.strip() for p in condition.split(";")):
        if not part:
            continue
        key, equals, value = (text.strip() for text in part.partition("="))
        if key not in CHECKED_CONDITIONS and key not in NOTED_CONDITIONS:
            known = ", ".join((*CHECKED_CONDITIONS, *sorted(NOTED_CONDITIONS)))
            return f"unknown condition {key!r} (known: {known})"
        if not equals:
            return f"condition {key!r} needs '=' and a value"
        if key in seen:
            return f"condition {key!r} given twice"
        seen.add(key)
        problem = CHECKED_CONDITIONS[key](value) if key in CHECKED_CONDITIONS else None
        if problem:
            return problem
    return None


def _numbered_rows(lines: Sequence[str], where: str) -> Iterator[tuple[int, list[str]]]:
    """The CSV rows after the `#` lines, each with the line it starts on in the file (the `#` lines counted)."""
    body = [(number, line) for number, line in enumerate(lines, 1) if not line.startswith("#")]
    reader = csv.reader(line for _, line in body)
    consumed = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _row_error(where, body[min(consumed, len(body) - 1)][0], f"not CSV ({error})") from None
        if fields:  # a blank line is no row, as csv.DictReader has it
            yield body[consumed][0], fields
        consumed = reader.line_num


def _row_error(where: str, line: int, problem: str) -> ConfigError:
    return ConfigError(f"{where} line {line}: {problem}")


CONDITION_GROUPS = "icd10cm_condition_groups"


@functools.cache
def condition_group_names() -> frozenset[str]:
    """The groups of icd10cm_condition_groups.csv, read without the code set (the config checks lists with it)."""
    return frozenset(row["group"] for row in read_table(resources.files("edi_ivig.config"), CONDITION_GROUPS).rows)


@functools.cache
def condition_groups() -> Mapping[str, tuple[str, ...]]:
    """Associated condition -> the ICD-10-CM codes (without dots) that carry it, resolved through the
    pinned library's code set on first use: a claim diagnosis that is one of them or under one has it."""
    codes = icd10cm.code_set()
    groups: dict[str, tuple[str, ...]] = {}
    for number, row in enumerate(read_table(resources.files("edi_ivig.config"), CONDITION_GROUPS).rows, 1):
        try:
            resolved = codes.resolve(row["codes"])
        except ValueError as error:
            raise ConfigError(f"config/{CONDITION_GROUPS}.csv row {number} ({row['group']}): {error}") from None
        groups[row["group"]] = (*groups.get(row["group"], ()), *resolved)
    return groups


def normalize_diagnosis(code: str) -> str:
    """ICD-10-CM as an 837 carries it: no dot, upper case (G61.81 -> G6181)."""
    return code.replace(".", "").strip().upper()


TABLES = ("hcpcs_immune_globulin", "ndc_immune_globulin", "procedure_codes", "mue_immune_globulin")


@functools.cache
def default_reference() -> Reference:
    folder = resources.files("edi_ivig.config")
    return Reference({name: read_table(folder, name) for name in TABLES})


def read_table(folder: Traversable | Path, name: str) -> Table:
    with folder.joinpath(f"{name}.csv").open(encoding="utf-8", newline="") as f:
        lines = f.read().splitlines()
    header = tuple(_header_lines(lines))
    rows = tuple(csv.DictReader(line for line in lines if not line.startswith("#")))
    return Table(name, header, rows)


def _header_lines(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        if not line.startswith("#"):
            return
        yield line


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None
