"""Read → rules → write, one claim at a time.

The only place that walks a file's claims, runs the rules (in the order of
`rules.RULES`), applies their edits and turns problems into findings. A claim
with no immune globulin (or unclassified-drug) code is never given to the
rules: it goes from the reader to the writer as the text it was read as.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import BinaryIO, Protocol

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.log import claim_hash, get_logger
from edi_ivig.model import Claim, ServiceLine, build_claim
from edi_ivig.reader import Part, RawClaim, Reader, ReadStats, ReadWarning
from edi_ivig.reference import Reference, default_reference
from edi_ivig.rules import RULES, Context, Finding, Problem, ReplaceLine, Rule
from edi_ivig.settings import Config, RuleSettings, Settings
from edi_ivig.writer import FilteringWriter, Writer

# A claim the rules want but cannot read (a malformed amount or date on it) is passed
# through unchanged with this finding, instead of failing the whole file.
UNREADABLE_CLAIM = "IG00"
MAX_PASSES = 5


@attrs.frozen
class ClaimResult:
    """What the rules made of one claim, and where it went."""

    claim_id: str
    number: int  # segment number of CLM
    kind: str
    findings: tuple[Finding, ...]
    original: Claim | None  # the parsed claim, when a rule looked at it
    edited: Claim | None  # the claim after fixes, when a fix changed it
    held: bool = False  # moved to the held file (fix --hold-errors)

    @property
    def changed(self) -> bool:
        return self.edited is not None

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" and not f.fixed for f in self.findings)

    @property
    def status(self) -> str:
        """held, changed (check: would change) or accepted: what the 277CA and reports say."""
        if self.held:
            return "held"
        if self.changed or any(f.fixable for f in self.findings):
            return "changed"
        return "accepted"


class Report(Protocol):
    """Something told about a run as it goes (the 277CA, the JSON and HTML reports)."""

    def part(self, part: Part) -> None: ...

    def claim(self, raw: RawClaim, result: ClaimResult) -> None: ...

    def finish(self, result: FileResult) -> None: ...


@attrs.define
class Counts:
    claims: int = 0
    changed: int = 0
    held: int = 0
    written: int = 0  # claims in the corrected output
    findings: dict[str, int] = attrs.Factory(lambda: {"error": 0, "warning": 0, "info": 0})
    fixed: int = 0
    errors_left: int = 0  # error findings not fixed

    def add(self, result: ClaimResult) -> None:
        self.claims += 1
        self.changed += result.status == "changed"  # as the reports say: check counts what fix would change
        self.held += result.held
        for finding in result.findings:
            self.findings[finding.severity] += 1
            self.fixed += finding.fixed
            self.errors_left += finding.severity == "error" and not finding.fixed


@attrs.frozen
class FileResult:
    """What happened to one input. `claims` holds the claims with findings or changes
    (unless the run was told not to keep them)."""

    name: str
    mode: str
    stats: ReadStats
    warnings: tuple[ReadWarning, ...]
    claims: tuple[ClaimResult, ...]
    counts: Counts = attrs.Factory(Counts)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for claim in self.claims for f in claim.findings)

    @property
    def changed_claims(self) -> int:
        return self.counts.changed

    @property
    def has_errors(self) -> bool:
        return self.counts.errors_left > 0


class Pipeline:
    """The rules and the config, ready to run over any number of files (and threads)."""

    def __init__(
        self,
        config: Config | None = None,
        reference: Reference | None = None,
        *,
        fix: bool = False,
        unsafe_fixes: bool = False,
        rules: Iterable[Rule] = RULES,
    ):
        self.config = config or Config.load()
        self.reference = reference or default_reference()
        self.fix = fix
        self.unsafe_fixes = unsafe_fixes
        self.rules = tuple(rules)
        self._watched = self.reference.watched_codes

    @property
    def mode(self) -> str:
        return "fix" if self.fix else "check"

    def wants(self, raw: RawClaim) -> bool:
        return not raw.procedure_codes.isdisjoint(self._watched)

    def process(self, raw: RawClaim) -> ClaimResult:
        """Run the rules over one claim; fix it if the mode says so."""
        kind = raw.transaction.kind
        if not self.wants(raw):
            return ClaimResult(raw.claim_id, raw.number, kind, (), None, None)
        try:
            claim = build_claim(raw)
        except UnreadableInput as error:
            codes = self.config.for_claim(None, None)
            finding = Finding(
                UNREADABLE_CLAIM, "error", raw.claim_id, None,
                f"the claim cannot be checked: {error.message}; it is passed on unchanged", False,
                codes.status_code(UNREADABLE_CLAIM),
            )
            return ClaimResult(raw.claim_id, raw.number, kind, (finding,), None, None)
        settings = self.config.for_claim(claim.subscriber.payer_id, claim.subscriber.filing_indicator)
        ctx = Context(self.reference, settings)
        rules = [
            (rule, rule_settings, self._applies(rule, rule_settings))
            for rule in self.rules
            if (rule_settings := settings.rule(rule.id)).enabled and kind in rule.claim_types
        ]
        original = claim
        applied: list[Finding] = []  # fixes made, in order
        remaining: dict[str, list[Finding]] = {}  # each rule's unfixed problems on the claim it last saw
        # One fix can enable another (units corrected, then the days divide), so the rules go
        # round until each has looked at the claim as it now is without changing it.
        unchanged_runs, runs = 0, 0
        while unchanged_runs < len(rules) and runs < MAX_PASSES * len(rules):
            rule, rule_settings, apply = rules[runs % len(rules)]
            runs += 1
            found, changed = [], False
            for problem in list(rule.check(claim, ctx)):
                priced = problem.edit.line.priced_by if problem.edit is not None else None
                if priced:  # an edit would no longer match what was priced or paid
                    problem = attrs.evolve(problem, edit=None, message=f"{problem.message}. Not fixed: the line carries {priced}; correct it by hand")
                if apply and problem.edit is not None:
                    claim = _apply(claim, problem.edit)
                    applied.append(self._finding(rule, rule_settings, settings, claim, problem, fixed=True))
                    changed = True
                else:
                    found.append(self._finding(rule, rule_settings, settings, claim, problem, fixed=False))
            remaining[rule.id] = found
            unchanged_runs = 0 if changed else unchanged_runs + 1
        if unchanged_runs < len(rules):
            get_logger().warning("fix_passes_exhausted", segment=raw.number, passes=MAX_PASSES)
        left = [f for rule, _, _ in rules for f in remaining.get(rule.id, ())]
        if not self.fix:  # check says what fix would do and changes nothing
            applied = [attrs.evolve(f, fixed=False, fix=self._safety(f.rule), fixable=True) for f in applied]
            return ClaimResult(raw.claim_id, raw.number, kind, tuple(applied + left), original, None)
        edited = claim if claim is not original else None
        return ClaimResult(raw.claim_id, raw.number, kind, tuple(applied + left), original, edited)

    def _safety(self, rule_id: str) -> str | None:
        return next((rule.fix for rule in self.rules if rule.id == rule_id), None)

    def _applies(self, rule: Rule, settings: RuleSettings) -> bool:
        """Whether `fix` applies this rule's fixes (`check` works out the same, on a copy)."""
        if rule.fix is None or settings.fix == "never":
            return False
        return rule.fix == "safe" or self.unsafe_fixes or settings.fix == "always"

    @staticmethod
    def _finding(
        rule: Rule, settings: RuleSettings, status_codes: Settings, claim: Claim, problem: Problem, *, fixed: bool
    ) -> Finding:
        return Finding(
            rule=rule.id,
            severity=settings.severity,
            claim_id=claim.id,
            line=problem.line.number if problem.line is not None else None,
            message=problem.message,
            fixed=fixed,
            status_code=status_codes.status_code(rule.id, problem.kind),
            fix=rule.fix if problem.edit is not None and not fixed and settings.fix != "never" else None,
        )

    def run(
        self,
        source: BinaryIO,
        sink: BinaryIO | None = None,
        *,
        name: str = "-",
        held: BinaryIO | None = None,
        reports: Sequence[Report] = (),
        keep: bool = True,
    ) -> FileResult:
        """Read `source`; write the corrected 837 to `sink`, and with `held`, move the claims
        that still carry an error finding there. `keep=False` keeps counts, not claims."""
        log = get_logger().bind(file=name)
        reader = Reader(source)
        writers: list[tuple[Writer | FilteringWriter, bool | None]] = []
        if sink is not None:
            writers.append((FilteringWriter(sink, keep_empty=True), False) if held is not None else (Writer(sink), None))
        if held is not None:
            writers.append((FilteringWriter(held), True))
        counts, kept = Counts(), []
        plain = Writer if held is None and not reports else None  # nothing to tell about a claim no rule wants
        for part in reader:
            if plain is not None and isinstance(part, RawClaim) and not self.wants(part):
                counts.claims += 1
                for writer, _ in writers:
                    writer.write(part)
                continue
            if isinstance(part, RawClaim):
                result = self.process(part)
                if held is not None and result.has_errors:
                    result = attrs.evolve(result, held=True)
                counts.add(result)
                if keep and (result.findings or result.changed):
                    kept.append(result)
                if result.findings:
                    log.debug(
                        "claim_checked", claim=claim_hash(result.claim_id), segment=result.number,
                        findings=len(result.findings),
                        rules=sorted({f.rule for f in result.findings}), changed=result.changed, held=result.held,
                    )
                edited = result.edited if self.fix else None
                for writer, holding in writers:
                    if holding is None:
                        writer.write(part, edited)  # type: ignore[call-arg]
                    else:
                        writer.write(part, edited, keep=result.held == holding)  # type: ignore[call-arg]
                for report in reports:
                    report.claim(part, result)
            else:
                for writer, _ in writers:
                    writer.write(part)
                for report in reports:
                    report.part(part)
        for writer, holding in writers:
            writer.close()
            if holding is False:
                counts.written = writer.claims  # type: ignore[union-attr]
        if sink is not None and held is None:
            counts.written = counts.claims
        for warning in reader.warnings:
            log.warning("read_warning", message=warning.message, segment=warning.segment)
        result = FileResult(name, self.mode, reader.stats, tuple(reader.warnings), tuple(kept), counts)
        log.info(
            "file_done", claims=counts.claims, changed=counts.changed, held=counts.held,
            findings=sum(counts.findings.values()), errors_left=counts.errors_left,
        )
        for report in reports:
            report.finish(result)
        return result


def _apply(claim: Claim, edit: ReplaceLine) -> Claim:
    position = next((i for i, line in enumerate(claim.lines) if line is edit.line), None)
    if position is None:  # a rule bug: two problems of one rule edit the same line
        raise RuntimeError("an edit names a line the claim no longer has")
    lines: list[ServiceLine] = list(claim.lines)
    lines[position : position + 1] = edit.replacement
    return claim.with_lines(lines)


def run(source: BinaryIO, sink: BinaryIO | None = None, *, name: str = "-", pipeline: Pipeline | None = None) -> FileResult:
    """Read and (when `sink` is given) write one file; without a pipeline, check with the defaults."""
    if pipeline is None:
        pipeline = Pipeline(fix=sink is not None)
    return pipeline.run(source, sink, name=name)
