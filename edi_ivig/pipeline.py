"""Read → rules → verify → write → report, one claim at a time.

The only place that walks a file's claims, runs the rules (in the order of
`rules.RULES`), applies the edits edi_ivig.fix_policy allows, has the conservation
check verify them, and turns problems into findings. A claim
with no immune globulin (or unclassified-drug) code is never given to the
rules: it goes from the reader to the writer as the text it was read as.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

import attrs

from edi_ivig import conservation
from edi_ivig.errors import UnreadableInput
from edi_ivig.fix_policy import FixPolicy
from edi_ivig.log import claim_hash, get_logger
from edi_ivig.mapping import build_claim
from edi_ivig.model import Claim, ServiceLine
from edi_ivig.reader import Part, RawClaim, Reader, ReadStats, ReadWarning
from edi_ivig.reference import Reference, default_reference
from edi_ivig.rules.base import Context, Finding, Problem, ReplaceLine, Rule
from edi_ivig.rules.registry import RULES
from edi_ivig.settings import Config, RuleSettings, Settings
from edi_ivig.writer import FilteringWriter, Writer

# A claim the rules want but cannot read (a malformed amount or date on it) is passed
# through unchanged with this finding, instead of failing the whole file.
UNREADABLE_CLAIM = "IG00"
# A claim whose fixes fail the conservation check (edi_ivig.conservation) is sent as read
# with this finding: a rule's fix would have changed what the claim bills.
NOT_CONSERVED = "IG99"
MAX_PASSES = 5
MODES = ("check", "fix")


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
    """Something told about a run as it goes (the 277CA, the JSON and HTML reports).

    A report that says nothing of a claim without findings sets `every_claim = False`: when
    every report of a run does, the claims no rule wants go from the reader to the writer
    without a result, and the reports are not told of them. (Without the attribute: True.)
    """

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
        self.config = config or _defaults()
        self.reference = reference or default_reference()
        self.fix = fix
        self.policy = FixPolicy(unsafe_fixes)
        self.rules = tuple(rules)
        self._watched = self.reference.watched_codes | self.config.drug_codes

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
        submitter = claim.transaction.submitter
        settings = self.config.for_claim(
            claim.subscriber.payer_id, claim.subscriber.filing_indicator, submitter.id if submitter else None
        )
        ctx = Context(self.reference, settings)
        rules = [
            (rule, rule_settings)
            for rule in self.rules
            if (rule_settings := settings.rule(rule.id)).enabled and kind in rule.claim_types
        ]
        fixed, applied, left = self._fix(claim, rules, ctx, raw.number)
        if fixed is not claim:
            refused = conservation.violations(claim, fixed, self.reference, settings)
            if refused:
                fixed, applied, left = claim, [], self._refused(claim, rules, ctx, settings, refused)
        findings = tuple(_one_per_billed_line(applied + left))
        if not self.fix:  # check says what fix would do and changes nothing
            findings = tuple(
                attrs.evolve(f, fixed=False, fixable=True) if f.fixed else f for f in findings
            )
            return ClaimResult(raw.claim_id, raw.number, kind, findings, claim, None)
        return ClaimResult(raw.claim_id, raw.number, kind, findings, claim, fixed if fixed is not claim else None)

    def _fix(
        self, claim: Claim, rules: list[tuple[Rule, RuleSettings]], ctx: Context, number: int
    ) -> tuple[Claim, list[Finding], list[Finding]]:
        """Run the rules, applying the fixes they may apply: the claim as fixed, the fixes
        made (in order) and what each rule still finds on it."""
        settings = ctx.settings
        applied: list[Finding] = []
        remaining: dict[str, list[Finding]] = {}  # each rule's unfixed problems on the claim it last saw
        # One fix can enable another (units corrected, then the days divide), so the rules go
        # round until each has looked at the claim as it now is without changing it.
        unchanged_runs, runs = 0, 0
        while unchanged_runs < len(rules) and runs < MAX_PASSES * len(rules):
            rule, rule_settings = rules[runs % len(rules)]
            runs += 1
            found, changed = [], False
            for problem in list(rule.check(claim, ctx)):
                problem = FixPolicy.shown_right(rule, problem, claim, self.reference)
                if self.policy.applies(rule, problem, rule_settings):
                    claim = _apply(claim, problem.edit)
                    applied.append(self._finding(rule, rule_settings, settings, claim, problem, fixed=True))
                    changed = True
                else:
                    found.append(self._finding(rule, rule_settings, settings, claim, problem, fixed=False))
            remaining[rule.id] = found
            unchanged_runs = 0 if changed else unchanged_runs + 1
        if unchanged_runs < len(rules):
            get_logger().warning("fix_passes_exhausted", segment=number, passes=MAX_PASSES)
        return claim, applied, [f for rule, _ in rules for f in remaining.get(rule.id, ())]

    def _refused(
        self, claim: Claim, rules: list[tuple[Rule, RuleSettings]], ctx: Context, settings: Settings,
        refused: list[str],
    ) -> list[Finding]:
        """The findings on the claim as read when its fixes failed the conservation check: the
        fixes are not applied (nor offered), and an error says what would not have been conserved."""
        found = [
            self._finding(rule, rule_settings, settings, claim, attrs.evolve(problem, edit=None), fixed=False)
            for rule, rule_settings in rules
            for problem in rule.check(claim, ctx)
        ]
        message = (
            "the fixes were not applied: they would not have conserved what the claim billed ("
            + "; ".join(refused) + "); the claim is passed on as read. Please report this to edi-ivig's maintainers"
        )
        found.append(Finding(NOT_CONSERVED, "error", claim.id, None, message, False, settings.status_code(NOT_CONSERVED)))
        return found

    @staticmethod
    def _finding(
        rule: Rule, settings: RuleSettings, status_codes: Settings, claim: Claim, problem: Problem, *, fixed: bool
    ) -> Finding:
        return Finding(
            rule=rule.id,
            severity=rule.kind_severity.get(problem.kind, settings.severity),
            claim_id=claim.id,
            line=problem.line.number if problem.line is not None else None,
            message=problem.message,
            fixed=fixed,
            status_code=status_codes.status_code(rule.id, problem.kind),
            fix=FixPolicy.offered(rule, problem, settings),
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
        segments_before: int = 0,
        bytes_before: int = 0,
    ) -> FileResult:
        """Read `source`; write the corrected 837 to `sink`, and with `held`, move the claims
        that still carry an error finding there. `keep=False` keeps counts, not claims.
        A `source` that is a chunk of a file says what comes before it (edi_ivig.chunks)."""
        log = get_logger().bind(file=name)
        reader = Reader(source, segments_before=segments_before, bytes_before=bytes_before)
        outputs = Outputs(sink, held)
        # nothing to tell about a claim no rule wants
        shortcut = held is None and not any(getattr(report, "every_claim", True) for report in reports)
        counts, kept = Counts(), []
        for part in reader:
            if not isinstance(part, RawClaim):
                outputs.write(part)
                for report in reports:
                    report.part(part)
            elif shortcut and not self.wants(part):
                counts.claims += 1
                outputs.write(part)
            else:
                result = self.process(part)
                if held is not None and result.has_errors:
                    result = attrs.evolve(result, held=True)
                counts.add(result)
                if keep and (result.findings or result.changed):
                    kept.append(result)
                _log_claim(log, result)
                outputs.write(part, result.edited if self.fix else None, held=result.held)
                for report in reports:
                    report.claim(part, result)
        counts.written = outputs.close(counts.claims)
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


class Outputs:
    """Where a run's parts go: the corrected 837 and, when claims are held, the held file.

    Without held claims the corrected output is every part; with them, each file keeps the
    claims it is told to and the envelopes and loops those need (writer.FilteringWriter).
    """

    def __init__(self, sink: BinaryIO | None, held: BinaryIO | None):
        self._sent: Writer | FilteringWriter | None = None
        self._held: FilteringWriter | None = FilteringWriter(held) if held is not None else None
        if sink is not None:
            self._sent = FilteringWriter(sink, keep_empty=True) if held is not None else Writer(sink)

    def write(self, part: Part, edited: Claim | None = None, *, held: bool = False) -> None:
        if isinstance(self._sent, FilteringWriter):
            self._sent.write(part, edited, keep=not held)
        elif self._sent is not None:
            self._sent.write(part, edited)
        if self._held is not None:
            self._held.write(part, edited, keep=held)

    def close(self, claims: int) -> int:
        """Finish the files; the claims in the corrected output."""
        for writer in (self._sent, self._held):
            if writer is not None:
                writer.close()
        if isinstance(self._sent, FilteringWriter):
            return self._sent.claims
        return claims if self._sent is not None else 0


def _log_claim(log, result: ClaimResult) -> None:  # type: ignore[no-untyped-def]
    if result.findings:
        log.debug(
            "claim_checked", claim=claim_hash(result.claim_id), segment=result.number, findings=len(result.findings),
            rules=sorted({f.rule for f in result.findings}), changed=result.changed, held=result.held,
        )


def _one_per_billed_line(findings: Iterable[Finding]) -> Iterator[Finding]:
    """One finding per rule, billed line (LX as read) and outcome.

    The days a split made of one billed line keep its number, so what a rule finds on
    each of them is said once, naming the days, not once a day at the same line.
    """
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.rule, f.line, f.fixed, f.severity, f.status_code, f.fix, f.fixable), []).append(f)
    for group in groups.values():
        messages = list(dict.fromkeys(f.message for f in group))
        yield group[0] if len(messages) == 1 else attrs.evolve(group[0], message=_joined(messages))


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _joined(messages: list[str]) -> str:
    """Messages that differ only in one date (the day of a split line) become one message naming the days."""
    texts = {tuple(_DAY.split(m)) for m in messages}
    dates = [_DAY.findall(m) for m in messages]
    varying = [i for i in range(len(dates[0])) if len({d[i] for d in dates}) > 1] if len(texts) == 1 else []
    if len(varying) != 1:
        return " | ".join(messages)
    at = varying[0]
    days = sorted(dt.date.fromisoformat(d[at]) for d in dates)
    if len(days) > 2 and all((b - a).days == 1 for a, b in zip(days, days[1:])):
        named = f"each day of {days[0].isoformat()}..{days[-1].isoformat()}"
    else:
        named = ", ".join(d.isoformat() for d in days[:-1]) + f" and {days[-1].isoformat()}"
    pieces = list(texts.pop())
    shown = [*dates[0][:at], named, *dates[0][at + 1:]]
    return "".join(piece + (shown[i] if i < len(shown) else "") for i, piece in enumerate(pieces))


def _apply(claim: Claim, edit: ReplaceLine) -> Claim:
    position = next((i for i, line in enumerate(claim.lines) if line is edit.line), None)
    if position is None:  # a rule bug: two problems of one rule edit the same line
        raise RuntimeError("an edit names a line the claim no longer has")
    lines: list[ServiceLine] = list(claim.lines)
    lines[position : position + 1] = edit.replacement
    return claim.with_lines(lines)


def build_pipeline(mode: str = "check", *, config: Config | str | Path | None = None, unsafe_fixes: bool = False) -> Pipeline:
    """The one way a caller (the CLI, process(), batch, regress) makes a pipeline of its options.

    `config` is a loaded Config, the path of a TOML file layered over the defaults, or None for
    the defaults (loaded once per process); a bad file raises ConfigError.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if not isinstance(config, Config):
        config = Config.load(config) if config is not None else _defaults()
    return Pipeline(config, fix=mode == "fix", unsafe_fixes=unsafe_fixes)


@functools.cache
def _defaults() -> Config:
    return Config.load()


def run(source: BinaryIO, sink: BinaryIO | None = None, *, name: str = "-", pipeline: Pipeline | None = None) -> FileResult:
    """Read and (when `sink` is given) write one file; without a pipeline, check with the defaults."""
    if pipeline is None:
        pipeline = build_pipeline("fix" if sink is not None else "check")
    return pipeline.run(source, sink, name=name)
