"""What a rule is, what it reports, and how it asks for a fix.

A rule holds only its logic: `check` looks at one claim and yields a
`Problem` for each thing wrong, with the `Edit` that would fix it when it can.
Walking the claims, applying edits, honouring the fix mode and the config, and
turning problems into `Finding`s all happen once, in `edi_ivig.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import ClassVar

import attrs

from edi_ivig.model import Claim, ServiceLine
from edi_ivig.reference import Reference
from edi_ivig.settings import Settings


@attrs.frozen(eq=False)  # an edit is the one a rule made: compared by identity
class ReplaceLine:
    """The one edit a fix makes: a service line becomes one or more lines.

    `line` is the line object as the rule saw it; `replacement` its new lines in
    order (the writer renumbers LX). An edit that is costly to work out (IG01's
    split into one line a day) gives `make` instead, called once, when the fix is
    applied: a fix that is not (unsafe and not allowed, or its facts in doubt) costs nothing.
    """

    line: ServiceLine
    _replacement: tuple[ServiceLine, ...] | None = attrs.field(default=None, repr=False)
    _make: Callable[[], Iterable[ServiceLine]] | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        if self._replacement is None and self._make is None:
            raise ValueError("an edit gives its replacement lines or a way to make them")

    @property
    def replacement(self) -> tuple[ServiceLine, ...]:
        if self._replacement is None:
            assert self._make is not None
            object.__setattr__(self, "_replacement", tuple(self._make()))
        return self._replacement  # type: ignore[return-value]


Edit = ReplaceLine


@attrs.frozen
class Problem:
    """Something a rule found on a claim (on one of its lines, or on the claim)."""

    message: str
    line: ServiceLine | None = None
    edit: Edit | None = None
    kind: str = ""  # which of a rule's checks found it, when it has several: picks the 277CA code
    # The edit's safety where it is not the rule's: IG01's split is safe when the line itself
    # states the daily dose it divides by.
    safety: str | None = None


@attrs.frozen
class Finding:
    """A problem as reported: to the submitter (277CA), the JSON and HTML reports, the logs."""

    rule: str
    severity: str
    claim_id: str
    line: int | None  # LX01 as read
    message: str
    fixed: bool
    status_code: str
    fix: str | None = None  # "safe" or "unsafe": the kind of fix found (the reports say it of one not applied)
    fixable: bool = False  # `check`: `fix` with the same options would apply that fix

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "claim_id": self.claim_id,
            "line": self.line,
            "fixed": self.fixed,
            "status_code": self.status_code,
            "message": self.message,
        }


@attrs.frozen
class Context:
    """What a rule may consult besides the claim, for one claim's run of the rules."""

    reference: Reference
    settings: Settings
    # What several rules work out about the same claim object, worked out once (see
    # rules/lines.py); each entry keeps its claim alive, so an id is never reused.
    memo: dict[tuple[str, int], tuple[object, object]] = attrs.field(factory=dict, eq=False, repr=False)

    def remember(self, what: str, claim: object, work):  # type: ignore[no-untyped-def]
        key = (what, id(claim))
        entry = self.memo.get(key)
        if entry is None:
            entry = self.memo[key] = (claim, work())
        return entry[1]


class Rule:
    """Base of every rule; subclasses set the class attributes and write `check`."""

    id: ClassVar[str]
    title: ClassVar[str]
    policy: ClassVar[str]  # the sentence the rule enforces
    source: ClassVar[str]  # where that sentence comes from
    claim_types: ClassVar[frozenset[str]] = frozenset({"837P", "837I"})
    # The settings (claim type, place of service, type of bill, payer) the rule judges claims in,
    # in a sentence: CMS policy differs by setting (rules/setting.py), and a reader must see where.
    applies_to: ClassVar[str]
    severity: ClassVar[str]  # default; the config may change it
    # Checks (Problem.kind) whose severity is not the payer's to weigh and so not the config's: an
    # invalid code is rejected whatever a payer covers (IG10 "code"); a fact no source gives is not
    # known wrong (IG12 "unconfirmed": a warning). The rule's severity otherwise.
    kind_severity: ClassVar[Mapping[str, str]] = {}
    fix: ClassVar[str | None] = None  # "safe", "unsafe", or None when the rule only flags
    # The reference facts a fix is computed from: "code" (the billed code's row: product, unit,
    # dates), "ndc" (the NDC's row). The pipeline applies no fix whose facts are in doubt.
    relies_on: ClassVar[frozenset[str]] = frozenset()
    example: ClassVar[str]

    def check(self, claim: Claim, ctx: Context) -> Iterator[Problem]:
        raise NotImplementedError
