"""Configuration: per-rule switches and options, with per-payer overrides.

`config/default.toml` ships in the package; `--config FILE` layers a user file
over it. Keys are checked against a schema, so a typo is an error that names
the key rather than a setting silently ignored.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

SEVERITIES = ("error", "warning", "info")
FIX_POLICIES = ("auto", "always", "never")


class ConfigError(Exception):
    """A configuration file is not valid; the message names the file and key."""


# -- the schema: each value checker returns what is wrong with a value, or None ---------------

Check = Callable[[Any], "str | None"]


def _one_of(*choices: str) -> Check:
    listed = ", ".join(repr(c) for c in choices)
    return lambda value: None if value in choices else f"is {value!r}; it must be one of {listed}"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {value!r}"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value else f"must be a non-empty string, not {value!r}"


def _list_of(what: str, one: str, example: str, fits: Callable[[str], bool]) -> Check:
    """A list of codes each of one shape: a misspelt one ("13x", "J1561 ") would match no claim and
    quietly switch a check off, so it is an error naming it."""
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"must be a list of {what} (strings such as {example}), not {value!r}"
        wrong = [v for v in value if not fits(v)]
        return f"has {wrong[0]!r}, which is not {one} such as {example}" if wrong else None
    return check


def _two_digits(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isdigit()


def _procedure_code(code: str) -> bool:
    """HCPCS Level II (a capital and four digits: J1561) or CPT (five digits, or four and a capital: 96365, 0591T)."""
    if len(code) != 5 or not code.isascii():
        return False
    return (code[0].isupper() and code[1:].isdigit()) or (code[:4].isdigit() and (code[4].isdigit() or code[4].isupper()))


def _cpt_code(code: str) -> bool:
    return len(code) == 5 and code.isascii() and code.isdigit()


_bill_types = _list_of("types of bill", "a type of bill", '"13" (CLM05-1: the 13 of TOB 013X)', _two_digits)
_places = _list_of("places of service", "a place of service", '"22"', _two_digits)
_codes = _list_of("procedure codes", "a procedure code", '"J1561"', _procedure_code)


def _daily_maximum(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be a table: code = { units = N, source = \"...\" }"
    for code, limit in value.items():
        if not (isinstance(limit, dict) and set(limit) == {"units", "source"}):
            return f"{code} must be {{ units = N, source = \"...\" }}: a limit ships with its source"
        if not isinstance(limit["units"], int) or limit["units"] < 1 or _text(limit["source"]):
            return f"{code} needs a whole number of units and a source"
    return None


def _product_codes(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be a table: code = { route = \"IV\" or \"SC\", unit_mg = N, source = \"...\" }"
    for code, row in value.items():
        if not _cpt_code(code):
            return f"has {code!r}, which is not a CPT code (five digits, such as 90283); HCPCS codes are in the HCPCS table"
        if not (isinstance(row, dict) and set(row) == {"route", "unit_mg", "source"}):
            return f"{code} must be {{ route = \"IV\", unit_mg = N, source = \"...\" }}: a code ships with its source"
        if row["route"] not in ("IV", "SC") or not isinstance(row["unit_mg"], int) or row["unit_mg"] < 1 or _text(row["source"]):
            return f"{code} needs route IV or SC, a whole number of mg per unit and a source"
    return None


def _status_code(value: Any) -> str | None:
    category, _, status = value.partition(":") if isinstance(value, str) else ("", "", "")
    if len(category) == 2 and category[0].isalpha() and category[1] in "0123456789" and status.isascii() and status.isdigit():
        return None
    return f"must be a 277CA category:status code such as \"A7:453\", not {value!r}"


RULE_SCHEMA: dict[str, Check] = {"enabled": _boolean, "severity": _one_of(*SEVERITIES), "fix": _one_of(*FIX_POLICIES)}
OPTIONS_SCHEMA: dict[str, Check] = {
    "noc_units": _one_of("one", "dose"),
    "jw_jz": _one_of("medicare", "always", "never"),
    "jw_jz_bill_types": _bill_types,
    "administration_check": _one_of("office", "all", "never"),
    "ja_jb_codes": _codes,
    "coverage_list": _text,
    "home_coverage_list": _text,
    "daily_maximum": _daily_maximum,
    "mue": _one_of("medicare", "always", "never"),
    "facility_places_of_service": _places,
    "line_date_bill_types": _bill_types,
    "inpatient_bill_types": _bill_types,
    "opps_bill_types": _bill_types,
    "opps_packaged_codes": _codes,
    "dme_mac": _boolean,
    "immune_globulin_cpt_codes": _product_codes,
}


COVERAGE_LIST_KEYS = ("coverage_list", "home_coverage_list")
ACKNOWLEDGMENT_SCHEMA: dict[str, Check] = {"source_name": _text, "source_id": _text}


@attrs.frozen
class RuleSettings:
    enabled: bool
    severity: str
    fix: str


@attrs.frozen
class Settings:
    """What applies to one claim: the defaults with its payer's overrides (see default.toml)."""

    rules: Mapping[str, RuleSettings]
    noc_units: str
    jw_jz: str
    jw_jz_bill_types: tuple[str, ...]
    administration_check: str
    ja_jb_codes: tuple[str, ...]
    coverage_list: str
    home_coverage_list: str
    daily_maximum: Mapping[str, Mapping[str, Any]]
    mue: str
    facility_places_of_service: tuple[str, ...]
    line_date_bill_types: tuple[str, ...]
    inpatient_bill_types: tuple[str, ...]
    opps_bill_types: tuple[str, ...]
    opps_packaged_codes: tuple[str, ...]
    dme_mac: bool
    immune_globulin_cpt_codes: Mapping[str, Mapping[str, Any]]
    status_codes: Mapping[str, str]

    def rule(self, rule_id: str) -> RuleSettings:
        return self.rules[rule_id]

    def status_code(self, rule_id: str, kind: str = "") -> str:
        """The 277CA code of a finding: its rule's check if mapped, else its rule's."""
        return self.status_codes.get(f"{rule_id}.{kind}") or self.status_codes[rule_id]


class Config:
    """The layered configuration; `for_claim` resolves it for a payer."""

    def __init__(self, data: dict[str, Any]):
        self._data = data

    @classmethod
    def load(
        cls,
        user_file: str | Path | None = None,
        *,
        overrides: dict[str, Any] | None = None,
        base: Path | None = None,
    ) -> Config:
        """The defaults, then the user's file, then `overrides` (a dict in the file's shape).

        A coverage list given as a .csv path is read relative to the file that names it
        (`base` for `overrides`).
        """
        text = resources.files("edi_ivig.config").joinpath("default.toml").read_text(encoding="utf-8")
        # The rules are the ones default.toml sets (a test holds them to the registry), so the
        # configuration needs nothing from the rules package, which imports it.
        ids = tuple(tomllib.loads(text).get("rules", {}))
        data = _parse(text, "default.toml", ids, None)
        missing = [f"options.{key}" for key in OPTIONS_SCHEMA if key not in data.get("options", {})]
        missing += [f"rules.{r}" for r in ids if set(data.get("rules", {}).get(r, {})) != set(RULE_SCHEMA)]
        missing += [f"status_codes.{key}" for key in ("accepted", "received", "IG00", "IG99", *ids) if key not in data.get("status_codes", {})]
        missing += [f"acknowledgment.{k}" for k in ACKNOWLEDGMENT_SCHEMA if k not in data.get("acknowledgment", {})]
        if missing:
            raise ConfigError(f"default.toml: {', '.join(missing)} must be set")
        if user_file is not None:
            path = Path(user_file)
            try:
                user_text = path.read_text(encoding="utf-8")
            except OSError as error:
                raise ConfigError(f"{path}: {error.strerror or error}") from None
            data = _merge(data, _parse(user_text, str(path), ids, path.parent))
        if overrides:
            _check(overrides, "overrides", ids, overrides_allowed=True, path="", base=base)
            data = _merge(data, overrides)
        return cls(data)

    def for_claim(self, payer_id: str | None, filing_indicator: str | None, submitter_id: str | None = None) -> Settings:
        return self._resolve(payer_id or "", filing_indicator or "", submitter_id or "")

    @functools.lru_cache(maxsize=256)  # noqa: B019 - a Config lives as long as the process
    def _resolve(self, payer_id: str, filing_indicator: str, submitter_id: str) -> Settings:
        data = self._data
        sections = (
            data.get("filing_indicator", {}).get(filing_indicator),
            data.get("submitter", {}).get(submitter_id),
            data.get("payer", {}).get(payer_id),
        )
        for overrides in sections:
            if overrides:
                data = _merge(data, overrides)
        rules = {rule_id: RuleSettings(**values) for rule_id, values in data["rules"].items()}
        options = dict(data["options"])
        for key, value in options.items():
            if isinstance(value, list):
                options[key] = tuple(value)
        return Settings(rules=rules, status_codes=dict(data["status_codes"]), **options)

    @functools.cached_property
    def drug_codes(self) -> frozenset[str]:
        """The codes any section names as immune globulin or gives a daily limit: claims carrying
        one must reach the rules even when no code of the reference tables is on them."""
        data = self._data
        sections = [data] + [
            section for kind in ("payer", "submitter", "filing_indicator") for section in data.get(kind, {}).values()
        ]
        options = [section.get("options", {}) for section in sections]
        return frozenset(
            code for option in options for key in ("immune_globulin_cpt_codes", "daily_maximum") for code in option.get(key, {})
        )

    @property
    def acknowledgment(self) -> Mapping[str, str]:
        """The 277CA's information source: name and id (not per payer)."""
        return self._data["acknowledgment"]


def _parse(text: str, name: str, rule_ids: tuple[str, ...], base: Path | None) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: not valid TOML: {error}") from None
    _check(data, name, rule_ids, overrides_allowed=True, path="", base=base)
    return data


def _check(
    data: dict[str, Any], name: str, rule_ids: tuple[str, ...], *, overrides_allowed: bool, path: str, base: Path | None
) -> None:
    for key, value in data.items():
        where = f"{path}{key}"
        if key == "rules":
            _expect_table(value, name, where)
            for rule_id, settings in value.items():
                if rule_id not in rule_ids:
                    raise ConfigError(f"{name}: unknown rule '{where}.{rule_id}' (rules are {', '.join(rule_ids)})")
                _expect_table(settings, name, f"{where}.{rule_id}")
                _check_values(settings, RULE_SCHEMA, name, f"{where}.{rule_id}")
        elif key == "options":
            _expect_table(value, name, where)
            _check_values(value, OPTIONS_SCHEMA, name, where)
            _resolve_paths(value, base)
            for list_key in COVERAGE_LIST_KEYS:
                if list_key in value:
                    _check_coverage_list(value[list_key], name, f"{where}.{list_key}")
        elif key == "status_codes":
            _expect_table(value, name, where)
            for code_key, code in value.items():
                rule_id = code_key.split(".")[0]
                if rule_id not in (*rule_ids, "IG00", "IG99") and code_key not in ("accepted", "received"):
                    raise ConfigError(f"{name}: unknown key '{where}.{code_key}'")
                problem = _status_code(code)
                if problem:
                    raise ConfigError(f"{name}: '{where}.{code_key}' {problem}")
        elif key == "acknowledgment" and overrides_allowed:
            _expect_table(value, name, where)
            _check_values(value, ACKNOWLEDGMENT_SCHEMA, name, where)
        elif key in ("payer", "submitter", "filing_indicator") and overrides_allowed:
            _expect_table(value, name, where)
            for selector, overrides in value.items():
                _expect_table(overrides, name, f"{where}.{selector}")
                _check(overrides, name, rule_ids, overrides_allowed=False, path=f"{where}.{selector}.", base=base)
        else:
            raise ConfigError(f"{name}: unknown key '{where}'")


def _check_values(values: dict[str, Any], schema: dict[str, Check], name: str, path: str) -> None:
    for key, value in values.items():
        check = schema.get(key)
        if check is None:
            raise ConfigError(f"{name}: unknown key '{path}.{key}'")
        problem = check(value)
        if problem:
            raise ConfigError(f"{name}: '{path}.{key}' {problem}")


def _check_coverage_list(listed: str, name: str, path: str) -> None:
    """Read the list now, so a missing file or a malformed row stops the run before any claim.

    The list's own errors name its file and line (reference.coverage_list); this adds the
    config file and key that chose the list.
    """
    from edi_ivig.reference import coverage_list

    try:
        coverage_list(listed)
    except OSError as error:
        raise ConfigError(f"{name}: '{path}' {listed}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name}: '{path}' {listed}: not a UTF-8 coverage list CSV ({error.reason})") from None
    except ConfigError as error:
        raise ConfigError(f"{name}: '{path}' {error}") from None


def _resolve_paths(options: dict[str, Any], base: Path | None) -> None:
    for key in COVERAGE_LIST_KEYS:
        listed = options.get(key)
        if isinstance(listed, str) and listed.endswith(".csv") and base is not None:
            options[key] = str((base / listed).resolve())


def _expect_table(value: Any, name: str, path: str) -> None:
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: '{path}' must be a table")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
