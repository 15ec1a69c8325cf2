"""Regression cases: folders of input EDI with the expected output and findings.

A case is a folder holding `input.x12`, `expected.x12` (the corrected 837
`fix` must write; absent for a check-only case) and `findings.json` (the
expected findings, in order), with an optional `case.toml`:

    description = "what the case shows"
    mode = "fix"            # or "check"
    unsafe_fixes = false
    [config]                # same keys as a --config file
    options.noc_units = "dose"

`edi-ivig regress DIR` runs every case under DIR; the project's own rule
fixtures under fixtures/rules/ are such cases.
"""

from __future__ import annotations

import difflib
import io
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.files import atomic_output, atomic_text_output
from edi_ivig.pipeline import build_pipeline
from edi_ivig.settings import Config, ConfigError
from edi_ivig.x12.delimiters import WHITESPACE
from edi_ivig.x12.tokenizer import tokenize

CASE_KEYS = {"description", "mode", "unsafe_fixes", "config"}


@attrs.frozen
class Case:
    folder: Path
    description: str
    mode: str
    unsafe_fixes: bool
    config: dict[str, Any]

    @property
    def input(self) -> Path:
        return self.folder / "input.x12"

    @property
    def expected_output(self) -> Path:
        return self.folder / "expected.x12"

    @property
    def expected_findings(self) -> Path:
        return self.folder / "findings.json"


@attrs.frozen
class Outcome:
    case: Case
    output: bytes | None  # what `fix` wrote (None in check mode)
    findings: list[dict[str, Any]]
    output_diff: list[str]
    findings_diff: list[str]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not self.output_diff and not self.findings_diff


def find_cases(root: Path) -> list[Case]:
    folders = sorted({p.parent for p in root.rglob("input.x12")}) if root.is_dir() else []
    return [load_case(folder) for folder in folders]


def load_case(folder: Path) -> Case:
    options: dict[str, Any] = {}
    toml = folder / "case.toml"
    if toml.exists():
        try:
            options = tomllib.loads(toml.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{toml}: not valid TOML: {error}") from None
        unknown = set(options) - CASE_KEYS
        if unknown:
            raise ValueError(f"{toml}: unknown key {sorted(unknown)[0]!r} (keys are {', '.join(sorted(CASE_KEYS))})")
        if options.get("mode", "fix") not in ("fix", "check"):
            raise ValueError(f"{toml}: mode is {options['mode']!r}; it must be 'fix' or 'check'")
    _check_findings(folder / "findings.json")
    return Case(
        folder=folder,
        description=options.get("description", ""),
        mode=options.get("mode", "fix"),
        unsafe_fixes=bool(options.get("unsafe_fixes", False)),
        config=options.get("config", {}),
    )


def _check_findings(path: Path) -> None:
    """An unparsable findings.json is the case's fault, as a wrong case.toml is: name the file
    and where the JSON breaks (a fixture, not claim data), before any case runs."""
    if not path.exists():
        return
    try:
        json.loads(path.read_bytes())
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
            " (fix it, or remove it and run --update to record what edi-ivig does now)"
        ) from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not valid JSON: not UTF-8 text") from None


def run_case(case: Case) -> Outcome:
    try:
        config = Config.load(overrides=case.config, base=case.folder)
    except ConfigError as error:
        return Outcome(case, None, [], [], [], error=f"case.toml config: {error}")
    pipeline = build_pipeline(case.mode, config=config, unsafe_fixes=case.unsafe_fixes)
    data = case.input.read_bytes()
    sink = io.BytesIO() if case.mode == "fix" else None
    try:
        result = pipeline.run(io.BytesIO(data), sink, name=str(case.input))
    except UnreadableInput as error:
        return Outcome(case, None, [], [], [], error=f"input unreadable: {error.message}")
    output = sink.getvalue() if sink is not None else None
    findings = [f.as_dict() for f in result.findings]
    output_diff: list[str] = []
    if output is not None:
        if not case.expected_output.exists():
            output_diff = [f"expected.x12 is missing; {_RECORD}"]
        elif output != (expected := case.expected_output.read_bytes()):
            output_diff = edi_diff(expected, output, "expected.x12", "actual")
    findings_diff = []
    if not case.expected_findings.exists():
        findings_diff = [f"findings.json is missing; {_RECORD}"]
    elif findings != (expected_findings := json.loads(case.expected_findings.read_text())):
        findings_diff = list(
            difflib.unified_diff(
                _json_lines(expected_findings), _json_lines(findings), "findings.json", "actual", lineterm=""
            )
        )
    return Outcome(case, output, findings, output_diff, findings_diff)


_RECORD = "`edi-ivig regress --update` records what edi-ivig does now (read it before you keep it)"


def update(outcome: Outcome) -> None:
    """Make the case expect what it got (only when asked: `regress --update`)."""
    case = outcome.case
    if outcome.output is not None:
        with atomic_output(str(case.expected_output)) as out:
            out.write(outcome.output)
    with atomic_text_output(str(case.expected_findings)) as out:
        out.write(json.dumps(outcome.findings, indent=2) + "\n")


def edi_diff(expected: bytes, actual: bytes, expected_name: str, actual_name: str) -> list[str]:
    """A unified diff with one segment per line, whatever the files' line breaks."""
    return list(
        difflib.unified_diff(_segments(expected), _segments(actual), expected_name, actual_name, lineterm="")
    )


def _segments(data: bytes) -> list[str]:
    if not data:
        return []
    try:
        lines = []
        for interchange in tokenize(io.BytesIO(data)):
            lines.append(interchange.isa)
            lines.extend(p.strip(WHITESPACE) for p in interchange.pieces if p.strip(WHITESPACE))
        return lines
    except UnreadableInput:
        return data.decode("latin-1").splitlines()


def _json_lines(findings: list[dict[str, Any]]) -> list[str]:
    return json.dumps(findings, indent=2).splitlines()


def iter_outcomes(root: Path) -> Iterator[Outcome]:
    for case in find_cases(root):
        yield run_case(case)
