"""What `check` and `fix` print: a line per finding as it is found, then a summary line."""

from __future__ import annotations

import tempfile
from typing import Callable

from edi_ivig.pipeline import ClaimResult, FileResult
from edi_ivig.reader import Part, RawClaim
from edi_ivig.rules.base import Finding


def summary(result: FileResult, fixable: int) -> str:
    s, counts = result.stats, result.counts
    kinds = "/".join(sorted(s.kinds)) or "837"
    findings = sum(counts.findings.values())
    head = f"{result.name}: {kinds}, {s.claims} claim(s), {s.service_lines} service line(s)"
    if result.mode == "check":
        if not findings:
            return f"{head}; no findings"
        return f"{head}; {findings} finding(s): {counts.errors_left} error(s), {fixable} that `fix` would correct"
    head = f"{head}; {counts.changed} claim(s) changed"
    if counts.held:
        head += f", {counts.held} held, {counts.written} sent on"
    if not findings:
        return f"{head}; no findings"
    return f"{head}; {findings} finding(s): {counts.fixed} fixed, {counts.errors_left} error(s) left"


def finding_line(f: Finding) -> str:
    line = f"line {f.line}" if f.line is not None else "claim"
    if f.fixed:
        state = "fixed"
    elif f.fixable:
        state = f"{f.fix} fix: `fix` applies it"
    elif f.fix:
        state = f"{f.fix} fix: needs --unsafe-fixes"
    else:
        state = "not fixable"
    return f"  {f.claim_id} {line}: {f.rule} {f.severity} [{f.status_code}] ({state}) {f.message}"


def claim_lines(result: ClaimResult) -> list[str]:
    """What the report prints of a claim: a line per finding, and one if it was held."""
    lines = [finding_line(finding) for finding in result.findings]
    if result.held:
        lines.append(f"  {result.claim_id}: held, with the error(s) above, in the held file")
    return lines


class TextReport:
    """Prints the findings and the summary once the input has been read to the end.

    The finding lines are spooled (on disk beyond a few MB) rather than printed as
    they come, so an input that turns out to be unreadable prints one line: the error.
    """

    every_claim = False  # a claim without findings is not in it

    def __init__(self, echo: Callable[[str], None], *, details: bool = True):
        self._echo = echo
        self._details = details  # False: the summary only (it names no claim)
        self._fixable = 0
        self._spool = tempfile.SpooledTemporaryFile(max_size=4 << 20, mode="w+", encoding="utf-8")

    def part(self, part: Part) -> None:
        pass

    def claim(self, raw: RawClaim, result: ClaimResult) -> None:
        self.add(claim_lines(result), sum(f.fixable for f in result.findings))

    def add(self, lines: list[str], fixable: int) -> None:
        """Lines and a count of fixable findings from a chunk of the input run elsewhere (fix --workers)."""
        self._fixable += fixable
        if self._details:
            for line in lines:
                self._spool.write(line + "\n")

    def finish(self, result: FileResult) -> None:
        self._spool.seek(0)
        for line in self._spool:
            self._echo(line.rstrip("\n"))
        self._spool.close()
        self._echo(summary(result, self._fixable))
