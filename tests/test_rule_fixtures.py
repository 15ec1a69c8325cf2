"""Every rule fixture under fixtures/rules: input, expected output, expected findings.

One test function reads them all; `edi-ivig regress fixtures/rules` runs the same cases.
"""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES
from edi_ivig.regress import find_cases, run_case
from edi_ivig.rules.registry import RULES

CASES = find_cases(FIXTURES / "rules")


def test_every_rule_has_cases():
    folders = {case.folder.parent.name for case in CASES}
    assert {rule.id for rule in RULES} <= folders


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.folder.parent.name}/{c.folder.name}")
def test_rule_fixture(case):
    outcome = run_case(case)
    assert outcome.error is None, outcome.error
    assert not outcome.output_diff, "\n".join(outcome.output_diff)
    assert not outcome.findings_diff, "\n".join(outcome.findings_diff)


def _kind(case) -> str:
    return "837I" if b"X223" in case.input.read_bytes()[:400] else "837P"


def _outcome(case, rule_id: str) -> str:
    """What the rule does in the case: fixes, flags only, or stays quiet."""
    findings = [f for f in json.loads(case.expected_findings.read_text()) if f["rule"] == rule_id]
    if not findings:
        return "quiet"
    return "fixed" if any(f["fixed"] for f in findings) else "flagged"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_each_rule_fires_and_fixes_fires_only_and_stays_quiet_on_both_claim_types(rule):
    outcomes = ("fixed", "flagged", "quiet") if rule.fix else ("flagged", "quiet")
    wanted = {(kind, outcome) for kind in rule.claim_types for outcome in outcomes}
    seen = {(_kind(case), _outcome(case, rule.id)) for case in CASES if case.folder.parent.name == rule.id}
    assert wanted <= seen, sorted(wanted - seen)
