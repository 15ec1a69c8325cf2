"""Configuration: per-rule switches and options, with per-payer overrides.

`config/default.toml` ships in the package; `--config FILE` layers a user file
over it. Keys are checked against a schema, so a typo is an error that names
the key rather than a setting silently ignored.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

SEVERITIES = ("error", "warning", "info")
FIX_POLICIES = ("auto", "always", "never")
RULE_SCHEMA = {"enabled": bool, "severity": SEVERITIES, "fix": FIX_POLICIES}
OPTIONS_SCHEMA: dict[str, Any] = {"noc_units": ("one", "dose")}


class ConfigError(Exception):
    """A configuration file is not valid; the message names the file and key."""


@attrs.frozen
class RuleSettings:
    enabled: bool
    severity: str
    fix: str


@attrs.frozen
class Settings:
    """What applies to one claim: the defaults with its payer's overrides."""

    rules: Mapping[str, RuleSettings]
    noc_units: str

    def rule(self, rule_id: str) -> RuleSettings:
        return self.rules[rule_id]


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
        rule_ids: tuple[str, ...] | None = None,
    ) -> Config:
        """The defaults, then the user's file, then `overrides` (a dict in the file's shape)."""
        from edi_ivig.rules import RULES

        ids = rule_ids or tuple(rule.id for rule in RULES)
        text = resources.files("edi_ivig.config").joinpath("default.toml").read_text(encoding="utf-8")
        data = _parse(text, "default.toml", ids)
        for rule_id in ids:
            if set(data.get("rules", {}).get(rule_id, {})) != set(RULE_SCHEMA):
                raise ConfigError(f"default.toml: rules.{rule_id} must set {', '.join(RULE_SCHEMA)}")
        if user_file is not None:
            path = Path(user_file)
            try:
                user_text = path.read_text(encoding="utf-8")
            except OSError as error:
                raise ConfigError(f"{path}: {error.strerror or error}") from None
            data = _merge(data, _parse(user_text, str(path), ids))
        if overrides:
            _check(overrides, "overrides", ids, overrides_allowed=True, path="")
            data = _merge(data, overrides)
        return cls(data)

    def for_claim(self, payer_id: str | None, filing_indicator: str | None) -> Settings:
        return self._resolve(payer_id or "", filing_indicator or "")

    @functools.lru_cache(maxsize=256)  # noqa: B019 - a Config lives as long as the process
    def _resolve(self, payer_id: str, filing_indicator: str) -> Settings:
        data = self._data
        for overrides in (data.get("filing_indicator", {}).get(filing_indicator), data.get("payer", {}).get(payer_id)):
            if overrides:
                data = _merge(data, overrides)
        rules = {rule_id: RuleSettings(**values) for rule_id, values in data["rules"].items()}
        return Settings(rules=rules, **data["options"])


def _parse(text: str, name: str, rule_ids: tuple[str, ...]) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: not valid TOML: {error}") from None
    _check(data, name, rule_ids, overrides_allowed=True, path="")
    return data


def _check(data: dict[str, Any], name: str, rule_ids: tuple[str, ...], *, overrides_allowed: bool, path: str) -> None:
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
        elif key in ("payer", "filing_indicator") and overrides_allowed:
            _expect_table(value, name, where)
            for selector, overrides in value.items():
                _expect_table(overrides, name, f"{where}.{selector}")
                _check(overrides, name, rule_ids, overrides_allowed=False, path=f"{where}.{selector}.")
        else:
            raise ConfigError(f"{name}: unknown key '{where}'")


def _check_values(values: dict[str, Any], schema: dict[str, Any], name: str, path: str) -> None:
    for key, value in values.items():
        expected = schema.get(key)
        if expected is None:
            raise ConfigError(f"{name}: unknown key '{path}.{key}'")
        if isinstance(expected, tuple):
            if value not in expected:
                choices = ", ".join(repr(c) for c in expected)
                raise ConfigError(f"{name}: '{path}.{key}' is {value!r}; it must be one of {choices}")
        elif not isinstance(value, expected):
            raise ConfigError(f"{name}: '{path}.{key}' must be {expected.__name__}, not {value!r}")


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
