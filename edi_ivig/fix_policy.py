"""Whether a fix is applied: the one place that decides it.

A fix is applied only when it can be shown right, and only as far as the user allows:

- shown right: not on a line another payer already priced or paid (2430 SVD, HCP), and not
  computed from reference facts in doubt (a code and an NDC of different products, a code
  whose first date no source confirms: `Rule.relies_on`, `rules.lines.facts_in_doubt`); the
  conservation check (edi_ivig.conservation) then verifies what was applied;
- allowed: the fix's safety (the rule's `fix`, or the problem's own `safety`) against the
  rule's config (`fix` = auto, always or never, with payer, submitter and filing-indicator
  sections already resolved in Settings) and `--unsafe-fixes`.
"""

from __future__ import annotations

import attrs

from edi_ivig.model import Claim
from edi_ivig.reference import Reference
from edi_ivig.rules.base import Problem, Rule
from edi_ivig.rules.lines import facts_in_doubt
from edi_ivig.settings import RuleSettings


@attrs.frozen
class FixPolicy:
    unsafe_fixes: bool = False

    @staticmethod
    def safety(rule: Rule, problem: Problem) -> str | None:
        """"safe" or "unsafe" for a problem with an edit, None for one without."""
        return (problem.safety or rule.fix) if problem.edit is not None else None

    def applies(self, rule: Rule, problem: Problem, settings: RuleSettings) -> bool:
        """Whether `fix` applies this problem's edit (`check` works out the same, on a copy)."""
        safety = self.safety(rule, problem)
        if safety is None or settings.fix == "never":
            return False
        return safety == "safe" or self.unsafe_fixes or settings.fix == "always"

    @staticmethod
    def offered(rule: Rule, problem: Problem, settings: RuleSettings) -> str | None:
        """The fix a finding says there is ("safe", "unsafe"), or None when there is none to apply."""
        return FixPolicy.safety(rule, problem) if settings.fix != "never" else None

    @staticmethod
    def shown_right(rule: Rule, problem: Problem, claim: Claim, reference: Reference) -> Problem:
        """The problem without its edit when the edit cannot be shown right, saying why."""
        if problem.edit is None:
            return problem
        line = problem.edit.line
        why = f"the line carries {line.priced_by}; correct it by hand" if line.priced_by else None
        if why is None and rule.relies_on:
            why = next((
                f"{doubt}; no fix is computed from facts in doubt"
                for facts, doubt in facts_in_doubt(line, claim, reference) if facts & rule.relies_on
            ), None)
        return attrs.evolve(problem, edit=None, message=f"{problem.message}. Not fixed: {why}") if why else problem
