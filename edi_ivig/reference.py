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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import attrs

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
    effective_from: dt.date | None
    terminated_on: dt.date | None
    replaced_by: str | None  # the code that took over the same product when this one ended

    def valid_on(self, day: dt.date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.terminated_on is None or day <= self.terminated_on
        )

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

    @property
    def grams_per_ml(self) -> Decimal | None:
        return self.concentration_pct / 100 if self.concentration_pct is not None else None


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
            )
            for row in tables["ndc_immune_globulin"].rows
        }
        self._groups: dict[str, str] = {row["code"]: row["group"] for row in tables["procedure_codes"].rows}

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
        """The first of a product's codes that is its own (not NOC) and valid on the date (through `through`)."""
        rows = (self.code(code, on) for code in codes)
        return next(
            (row for row in rows if row is not None and not row.noc and (through is None or row.valid_on(through))), None
        )

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
    """A shipped list by name (config/NAME.csv) or a CSV of the user's by path."""
    if name_or_path.endswith(".csv"):
        path = Path(name_or_path)
        table = read_table(path.parent, path.stem)  # type: ignore[arg-type]
    else:
        table = read_table(resources.files("edi_ivig.config"), name_or_path)
    conditions = {normalize_diagnosis(row["code"]): row.get("condition", "") or "" for row in table.rows}
    return CoverageList(table.meta("name") or table.name, conditions)


@functools.cache
def condition_groups() -> Mapping[str, tuple[str, ...]]:
    """Associated condition -> the ICD-10-CM prefixes (without dots) that carry it; none when a claim cannot show it."""
    groups: dict[str, tuple[str, ...]] = {}
    for row in read_table(resources.files("edi_ivig.config"), "icd10cm_condition_groups").rows:
        prefix = normalize_diagnosis(row["code_prefix"])
        groups[row["group"]] = (*groups.get(row["group"], ()), *([prefix] if prefix else []))
    return groups


def normalize_diagnosis(code: str) -> str:
    """ICD-10-CM as an 837 carries it: no dot, upper case (G61.81 -> G6181)."""
    return code.replace(".", "").strip().upper()


@functools.cache
def default_reference() -> Reference:
    folder = resources.files("edi_ivig.config")
    return Reference({name: read_table(folder, name) for name in ("hcpcs_immune_globulin", "ndc_immune_globulin", "procedure_codes")})


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
