"""Every rule fixture under fixtures/rules: input, expected output, expected findings.

One test function reads them all; `edi-ivig regress fixtures/rules` runs the same cases.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from edi_ivig.regress import find_cases, run_case

CASES = find_cases(FIXTURES / "rules")


def test_every_rule_has_cases():
    from edi_ivig.rules import RULES

    folders = {case.folder.parent.name for case in CASES}
    assert {rule.id for rule in RULES} <= folders


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.folder.parent.name}/{c.folder.name}")
def test_rule_fixture(case):
    outcome = run_case(case)
    assert outcome.error is None, outcome.error
    assert not outcome.output_diff, "\n".join(outcome.output_diff)
    assert not outcome.findings_diff, "\n".join(outcome.findings_diff)
