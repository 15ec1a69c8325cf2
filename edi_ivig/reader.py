"""Segments to parts: the envelope, the hierarchy and each claim, in one pass.

The reader walks the segments of an 837 once and yields, in file order:
`Passthrough` text (what no rule edits: each envelope segment, each
transaction header, each HL loop), one `RawClaim` per 2300 loop (its segment
texts and the loops it belongs to), and a `TransactionEnd` per SE. It parses no more than it must to do so; the
domain model (`edi_ivig.model`) is built from a `RawClaim` only when a rule
wants to look at the claim. Joining the parts' text gives back the input.

It refuses, with `UnreadableInput`, what it cannot map to claims: text that is
not X12, a transaction set other than 837, a broken envelope, a segment id no
837 has, a claim outside a subscriber or patient, a claim whose billing
provider, subscriber or patient lacks (or repeats) the name loop that
identifies it, a claim without CLM01/CLM02/CLM05, a service segment without LX.
Everything else, including errors only the implementation guide forbids, is
passed through as read: that is `edi-ivig validate`'s job.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, Union

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.x12.delimiters import ISA_LENGTH, WHITESPACE, Delimiters
from edi_ivig.x12.tokenizer import Interchange, tokenize

# Every segment id of the 837P (X222A1) and 837I (X223A2) maps, envelope included;
# tests check this against pyx12's maps.
SEGMENT_IDS = frozenset(
    "AMT BHT CAS CL1 CLM CN1 CR1 CR2 CR3 CRC CTP CUR DMG DTP FRM GE GS HCP HI HL IEA ISA"
    " K3 LIN LQ LX MEA MIA MOA N3 N4 NM1 NTE OI PAT PER PRV PS1 PWK QTY REF SBR SE ST"
    " SV1 SV2 SV5 SVD TA1".split()
)
EMPTY_SEGMENT = "empty segment: two terminators in a row"
HIPAA_VERSIONS = {"005010X222A1": "837P", "005010X223A2": "837I"}
# What a claim shows of its kind: CLM05-2 (B place of service, A uniform billing), SV1 or SV2.
CONTENT_KINDS = {"B": "837P", "A": "837I"}

# HL03 hierarchical level codes.
BILLING_PROVIDER, SUBSCRIBER, PATIENT = "20", "22", "23"
LEVEL_NAMES = {
    BILLING_PROVIDER: "billing provider (2000A)",
    SUBSCRIBER: "subscriber (2000B)",
    PATIENT: "patient (2000C)",
}
# The one name loop (NM101 entity code) each level needs before a claim can use it.
REQUIRED_NAME = {
    BILLING_PROVIDER: ("85", "billing provider name (2010AA)"),
    SUBSCRIBER: ("IL", "subscriber name (2010BA)"),
    PATIENT: ("QC", "patient name (2010CA)"),
}


@attrs.frozen
class ReadWarning:
    message: str
    segment: int | None = None


@attrs.frozen
class Envelope:
    """The ISA and GS around a transaction (elements as read)."""

    isa: tuple[str, ...]
    gs: tuple[str, ...]

    @property
    def interchange_control_number(self) -> str:
        return self.isa[13]

    @property
    def group_control_number(self) -> str:
        return self.gs[6]


@attrs.frozen(eq=False)
class Loop:
    """The segment texts of one loop as read: a transaction header or an HL loop."""

    pieces: tuple[str, ...]
    number: int  # segment number of the first piece
    delimiters: Delimiters
    level: str = ""  # HL03 of an HL loop: 20 billing provider, 22 subscriber, 23 patient
    offset: int | None = None  # byte offset of the terminator before the first piece (for messages)

    @property
    def text(self) -> str:
        terminator = self.delimiters.segment
        return terminator + terminator.join(self.pieces)


@attrs.frozen(eq=False)
class Transaction:
    """One ST..SE as the reader saw it: its kind and header (ST through the first HL)."""

    kind: str  # "837P" or "837I"
    version: str
    control_number: str
    envelope: Envelope
    header: Loop


@attrs.frozen(eq=False)
class RawClaim:
    """One 2300 loop as read, with the loops above it; the model parses it on demand."""

    claim_id: str
    pieces: tuple[str, ...]
    number: int  # segment number of CLM
    line_count: int
    procedure_codes: frozenset[str]  # of its SV101/SV202: a cheap filter, no model needed
    transaction: Transaction
    billing_provider: Loop
    subscriber: Loop
    patient: Loop | None
    offset: int | None = None  # byte offset of the terminator before CLM (for messages)

    @property
    def delimiters(self) -> Delimiters:
        return self.billing_provider.delimiters

    @property
    def text(self) -> str:
        terminator = self.delimiters.segment
        return terminator + terminator.join(self.pieces)


@attrs.frozen
class Passthrough:
    """Text no rule edits, as read, and what it is.

    `kind` is the segment id of an envelope segment (ISA, with whatever text
    preceded it; GS; GE; IEA; TA1), "gap" for what follows the last terminator
    of an interchange, "header" for ST through the segment before the first HL,
    or "loop" for an HL loop; `loop` holds the header or HL loop itself.
    """

    text: str
    kind: str
    loop: Loop | None = None


@attrs.frozen
class TransactionEnd:
    """An SE, with the number of segments ST..SE actually read (for recounting)."""

    transaction: Transaction
    piece: str
    segments_read: int
    number: int

    @property
    def text(self) -> str:
        return self.transaction.header.delimiters.segment + self.piece


Part = Union[Passthrough, RawClaim, TransactionEnd]


@attrs.define
class ReadStats:
    interchanges: int = 0
    groups: int = 0
    transactions: int = 0
    claims: int = 0
    service_lines: int = 0
    kinds: set[str] = attrs.Factory(set)
    last_segment: int = 0  # the number of the last segment read (of the file, for a chunk of it)


class Reader:
    """Iterate the parts of an 837 byte stream; see the module docstring.

    A stream that is a chunk of a file (whole interchanges, edi_ivig.chunks) is told how many
    segments and bytes come before it, so that every number it gives is the file's.
    """

    def __init__(self, stream: BinaryIO, *, segments_before: int = 0, bytes_before: int = 0):
        self._stream = stream
        self._bytes_before = bytes_before
        self.stats = ReadStats()
        self.warnings: list[ReadWarning] = []
        self.segment_number = segments_before  # of the last segment read; ISA of the first interchange = 1

    def __iter__(self) -> Iterator[Part]:
        for interchange in tokenize(self._stream, offset=self._bytes_before):
            yield from _InterchangeWalker(self, interchange).walk()
        if self.stats.interchanges == 0:  # pragma: no cover - tokenize raises first
            raise UnreadableInput("no interchange found")

    def warn(self, message: str, segment: int | None = None) -> None:
        self.warnings.append(ReadWarning(message, segment))


class _InterchangeWalker:
    """The state of one pass over one interchange (ISA..IEA).

    Ordinary segments are appended, in the loop of `walk`, to the collection
    under way: the transaction header, an HL loop or a claim. The few segments
    that shape the structure go to an `_on_<id>` method, which may append
    finished parts to `ready`.
    """

    def __init__(self, reader: Reader, interchange: Interchange):
        self.reader = reader
        self.interchange = interchange
        self.delimiters = interchange.delimiters
        self.isa = tuple(interchange.isa.split(self.delimiters.element))
        self.ready: list[Part] = []
        self.written = interchange.offset + ISA_LENGTH  # byte offset after what left `pieces`
        self.gs: tuple[str, ...] | None = None
        self.st: tuple[str, ...] = ()
        self.st_number = 0
        self.transaction: Transaction | None = None
        self.after_iea = False
        # the collection under way: None outside ST..SE, else "header", "loop" or "claim"
        self.collecting: str | None = None
        self.pieces: list[str] = _OUTSIDE
        self.start = 0  # segment number of its first piece
        self.level = ""  # HL03 of the last HL
        self.levels: dict[str, Loop] = {}  # the open HL loop of each level
        self.problems: dict[Loop, str | None] = {}  # what each HL loop lacks to identify a claim
        self.context: tuple[Loop, Loop, Loop | None] | None = None
        self.claim_id = ""
        self.lines = 0
        self.codes: set[str] = set()
        self.in_line = False
        # When the envelope names no guide, the claims say which kind the transaction is: what
        # the claim under way shows (CLM05-2, SV1 or SV2), None when the envelope decides.
        self.evidence: set[str] | None = None
        # None for an ordinary segment, a method for one that shapes the structure
        self.handlers: dict[str, Any] = dict.fromkeys(SEGMENT_IDS)
        self.handlers.update((sid, getattr(self, "_on_" + sid.lower())) for sid in _STRUCTURAL)
        # Most files put a line break after each terminator; knowing the ids with it in front
        # spares the hot loop an lstrip per segment.
        for lead in ("\n", "\r\n"):
            self.handlers.update({lead + sid: handler for sid, handler in list(self.handlers.items()) if sid[0] != "\n" and sid[0] != "\r"})

    def walk(self) -> Iterator[Part]:
        reader = self.reader
        reader.stats.interchanges += 1
        number = isa_number = reader.segment_number + 1
        lead = self.interchange.lead
        if lead.strip(WHITESPACE):
            reader.warn(_lead_described(lead), isa_number)
        self.ready.append(Passthrough(lead + self.interchange.isa, "ISA"))
        sep, handlers, ready = self.delimiters.element, self.handlers, self.ready
        append = self.pieces.append
        piece = ""
        pieces = iter(self.interchange.pieces)
        try:
            for piece in pieces:
                sid = piece.partition(sep)[0]
                handler = handlers.get(sid, _UNKNOWN)
                if handler is _UNKNOWN and sid[:1] <= " ":
                    sid = sid.lstrip(WHITESPACE)
                    handler = handlers.get(sid, _UNKNOWN)
                number += 1
                if handler is None:  # an ordinary segment of the collection under way
                    append(piece)
                    continue
                if handler is _UNKNOWN:
                    if self.after_iea and not piece.strip(WHITESPACE):  # what follows the last terminator
                        number -= 1
                        ready.append(Passthrough(self.delimiters.segment + piece, "gap"))
                        continue
                    self._unknown(sid, piece, number)
                handler(piece, number)
                append = self.pieces.append
                if ready:
                    yield from ready
                    ready.clear()
        except UnreadableInput as error:
            if error.what == EMPTY_SEGMENT and _at_end(pieces):
                number -= 1  # no segment there: the file ends after a terminator, cut short (below)
            else:
                if error.segment is None:
                    error.segment = number
                if error.offset is None and error.segment == number:
                    error.offset = self._offset_of(piece)
                raise
        reader.segment_number = reader.stats.last_segment = number
        if not self.after_iea:
            inside = "a transaction: no SE, GE or IEA" if self.collecting else "a functional group: no GE or IEA" if self.gs else "an interchange: no IEA"
            raise UnreadableInput(f"the file ends inside {inside} after it; is the file cut short?", segment=number)
        yield from ready

    def _offset_of(self, piece: str) -> int:
        """Byte offset of the id of `piece`, the segment being handled (not yet collected)."""
        pending = sum(1 + len(p) for p in self.pieces)
        return self.written + pending + 1 + len(piece) - len(piece.lstrip(WHITESPACE))

    def _unknown(self, sid: str, piece: str, number: int) -> None:
        if not piece.strip(WHITESPACE):
            raise UnreadableInput(EMPTY_SEGMENT, segment=number)
        if not sid:
            raise UnreadableInput("segment without an id: it starts with the element separator", segment=number)
        raise UnreadableInput(f"a segment id that no 837 has ({_described(sid)})", segment=number)

    # -- envelope ----------------------------------------------------------------------------

    def _envelope_segment(self, piece: str, kind: str) -> None:
        self.ready.append(Passthrough(self.delimiters.segment + piece, kind))
        self.written += 1 + len(piece)

    def _on_gs(self, piece: str, number: int) -> None:
        self._not_after_iea("GS", number)
        if self.gs is not None:
            raise UnreadableInput("GS inside a functional group: the GE before it is missing", segment=number)
        self.gs = gs = tuple(self._elements(piece))
        require_full_gs(gs, number)
        self.reader.stats.groups += 1
        self._envelope_segment(piece, "GS")

    def _on_st(self, piece: str, number: int) -> None:
        self._not_after_iea("ST", number)
        if self.gs is None:
            raise UnreadableInput("ST outside a functional group: no GS before it", segment=number)
        if self.collecting:
            raise UnreadableInput("ST inside a transaction: the SE before it is missing", segment=number)
        self.st = st = tuple(self._elements(piece))
        set_id = st[1] if len(st) > 1 else ""
        if set_id != "837":
            raise UnreadableInput(
                "ST01 (transaction set) is not 837, a claim;"
                " edi-ivig reads 837P (005010X222A1) and 837I (005010X223A2)",
                segment=number,
            )
        self.reader.stats.transactions += 1
        self.st_number = number
        self.levels, self.problems, self.level = {}, {}, ""
        self._collect("header", piece, number)

    def _on_se(self, piece: str, number: int) -> None:
        self._require_transaction("SE", number)
        self._close_collection()
        if self.evidence is not None:  # a transaction with no claim: nothing says otherwise
            self.evidence = set()
            self._settle_kind(number)
            self.evidence = None
        transaction = self.transaction
        assert transaction is not None
        self.ready.append(TransactionEnd(transaction, piece, number - self.st_number + 1, number))
        self.written += 1 + len(piece)
        self.transaction = None

    def _on_ge(self, piece: str, number: int) -> None:
        self._not_after_iea("GE", number)
        if self.collecting:
            raise UnreadableInput("GE inside a transaction: the SE before it is missing", segment=number)
        if self.gs is None:
            raise UnreadableInput("GE without a GS before it", segment=number)
        self.gs = None
        self._envelope_segment(piece, "GE")

    def _on_iea(self, piece: str, number: int) -> None:
        self._not_after_iea("IEA", number)
        if self.collecting:
            raise UnreadableInput("IEA inside a transaction: the SE before it is missing", segment=number)
        if self.gs is not None:
            raise UnreadableInput("IEA inside a functional group: the GE before it is missing", segment=number)
        self.after_iea = True
        self._envelope_segment(piece, "IEA")

    def _on_ta1(self, piece: str, number: int) -> None:
        self._not_after_iea("TA1", number)
        if self.gs is not None:
            raise UnreadableInput("TA1 inside a functional group", segment=number)
        self._envelope_segment(piece, "TA1")

    def _not_after_iea(self, sid: str, number: int) -> None:
        if self.after_iea:
            raise UnreadableInput(f"{sid} after IEA: a new interchange must start with ISA", segment=number)

    # -- hierarchy and claims ----------------------------------------------------------------

    def _on_hl(self, piece: str, number: int) -> None:
        self._require_transaction("HL", number)
        self._close_collection()
        elements = self._elements(piece)
        self.level = elements[3] if len(elements) > 3 else ""
        self._collect("loop", piece, number)

    def _on_clm(self, piece: str, number: int) -> None:
        self._require_transaction("CLM", number)
        elements = self._elements(piece)
        for index, name in ((1, "claim id"), (2, "total charge"), (5, "facility code")):
            if len(elements) <= index or not elements[index].split(self.delimiters.component)[0]:
                raise UnreadableInput(f"CLM{index:02d} ({name}) is empty; it is required", segment=number)
        self._close_collection()
        self.context = self._context_for_claim(number)
        self.claim_id = elements[1]
        self.lines = 0
        self.codes = set()
        self.in_line = False
        if self.evidence is not None:
            qualifier = (elements[5].split(self.delimiters.component) + [""])[1]
            self.evidence = {CONTENT_KINDS[qualifier]} if qualifier in CONTENT_KINDS else set()
        self._collect("claim", piece, number)

    def _on_lx(self, piece: str, number: int) -> None:
        if self.collecting != "claim":
            raise UnreadableInput("LX (service line) outside a claim: no CLM before it", segment=number)
        self.lines += 1
        self.in_line = True
        self.pieces.append(piece)

    def _on_sv1(self, piece: str, number: int) -> None:
        if self.collecting != "claim" or not self.in_line:
            sid = piece.lstrip(WHITESPACE)[:3]
            raise UnreadableInput(f"{sid} (service line) without an LX before it in its claim", segment=number)
        self.pieces.append(piece)
        # the procedure code: SV101-2 (837P) or SV202-2 (837I)
        d = self.delimiters
        elements = piece.split(d.element, 3)
        position = 1 if elements[0].endswith("1") else 2
        if self.evidence is not None:
            self.evidence.add("837P" if position == 1 else "837I")
        composite = elements[position] if len(elements) > position else ""
        parts = composite.split(d.component, 2)
        if len(parts) > 1:
            self.codes.add(parts[1])

    _on_sv2 = _on_sv1

    def _require_transaction(self, sid: str, number: int) -> None:
        if not self.collecting:
            self._not_after_iea(sid, number)
            raise UnreadableInput(f"{sid} outside a transaction: no ST before it", segment=number)

    def _elements(self, piece: str) -> list[str]:
        return piece.lstrip(WHITESPACE).split(self.delimiters.element)

    def _collect(self, what: str, piece: str, number: int) -> None:
        self.collecting = what
        self.start = number
        self.pieces = [piece]

    def _close_collection(self) -> None:
        what, pieces = self.collecting, self.pieces
        if what is None:
            return
        self.collecting, self.pieces = None, _OUTSIDE
        offset = self.written
        if what == "claim":
            if self.evidence is not None:
                self._settle_kind(self.start)
            self.written += len(pieces) + sum(map(len, pieces))
            stats = self.reader.stats
            stats.claims += 1
            stats.service_lines += self.lines
            assert self.transaction is not None and self.context is not None
            self.ready.append(
                RawClaim(
                    self.claim_id, tuple(pieces), self.start, self.lines, frozenset(self.codes),
                    self.transaction, *self.context, offset,
                )
            )
            return
        loop = Loop(tuple(pieces), self.start, self.delimiters, self.level if what == "loop" else "", offset)
        text = loop.text
        if self.level in REQUIRED_NAME and what == "loop":  # judged here, from the text just joined
            self.problems[loop] = _name_problem(text, self.level, self.delimiters)
        self.written += len(text)
        self.ready.append(Passthrough(text, what, loop))
        if what == "header":
            self.transaction = self._transaction(loop)
            return
        # A new billing provider closes the subscriber and patient under the one before, and so on.
        if self.level == BILLING_PROVIDER:
            self.levels = {}
        elif self.level == SUBSCRIBER:
            self.levels.pop(PATIENT, None)
        self.levels[self.level] = loop

    def _transaction(self, header: Loop) -> Transaction:
        st, gs = self.st, self.gs
        assert gs is not None
        version = st[3] if len(st) > 3 and st[3] else gs[8] if len(gs) > 8 else ""
        kind = self._kind(version, header)
        if kind:
            self.reader.stats.kinds.add(kind)
        self.evidence = None if kind else set()
        return Transaction(kind, version, st[2] if len(st) > 2 else "", Envelope(self.isa, gs), header)

    def _settle_kind(self, number: int) -> None:
        """Decide (at its first claim) or confirm the kind of a transaction whose envelope names no
        guide, from what the claim shows; a claim that shows both kinds, or another than the
        claims before it, is refused: which guide to read it by is not known."""
        transaction, evidence = self.transaction, self.evidence
        assert transaction is not None and evidence is not None
        if len(evidence) > 1:
            raise UnreadableInput(
                "the envelope (GS08/ST03) names no 837 guide, and this claim shows both kinds: professional"
                " (SV1, CLM05-2 B) and institutional (SV2, CLM05-2 A); edi-ivig cannot tell which guide it follows",
                segment=number,
            )
        if transaction.kind:
            if evidence and evidence != {transaction.kind}:
                raise UnreadableInput(
                    f"the envelope (GS08/ST03) names no 837 guide; the transaction's first claim made it an"
                    f" {transaction.kind}, but this claim is an {evidence.pop()}: one transaction holds one kind",
                    segment=number,
                )
            return
        kind = next(iter(evidence), "837P")
        shown = "its claims (CLM05-2, SV1/SV2)" if evidence else "nothing in it (no claim says), as the default"
        self.transaction = attrs.evolve(transaction, kind=kind)
        self.reader.stats.kinds.add(kind)
        self.reader.warn(
            f"the version (ST03 or GS08) names no 837 implementation guide; read as {kind} from {shown}",
            transaction.header.number,
        )

    def _context_for_claim(self, number: int) -> tuple[Loop, Loop, Loop | None]:
        """The billing provider, subscriber and patient loops of the claim starting at `number`."""
        if self.level not in (SUBSCRIBER, PATIENT):
            raise UnreadableInput(
                "CLM is not under a subscriber (HL level 22) or patient (HL level 23);"
                f" the HL before it is {_level_named(self.level)}",
                segment=number,
            )
        needed = (BILLING_PROVIDER, SUBSCRIBER, PATIENT) if self.level == PATIENT else (BILLING_PROVIDER, SUBSCRIBER)
        for level in needed:
            loop = self.levels.get(level)
            if loop is None:
                raise UnreadableInput(f"the claim has no {LEVEL_NAMES[level]} HL loop above it", segment=number)
            problem = self.problems.get(loop)
            if problem:
                raise UnreadableInput(
                    f"the {LEVEL_NAMES[level]} HL loop at segment {loop.number} {problem},"
                    " so the claim here cannot be identified",
                    segment=number,
                )
        levels = self.levels
        return levels[BILLING_PROVIDER], levels[SUBSCRIBER], levels.get(PATIENT) if self.level == PATIENT else None

    def _kind(self, version: str, header: Loop) -> str:
        number = header.number
        try:
            kind, warning = kind_of_version(version, number)
        except UnreadableInput as error:
            error.offset = _first_offset(header)
            raise
        if warning:
            self.reader.warn(warning, number)
        return kind


def require_full_gs(gs: Sequence[str], number: int) -> None:
    """Refuse a GS without its eight elements: all are mandatory, and the 277CA answers with them."""
    if len(gs) < 9:
        raise UnreadableInput(
            f"GS has {len(gs) - 1} elements; a functional group header needs eight (GS01 to GS08)",
            segment=number,
        )


def kind_of_version(version: str, number: int) -> tuple[str, str | None]:
    """837P or 837I for an ST03 (or GS08) version, with a warning when it is not a HIPAA one;
    "" when the version names no guide (the claims in the transaction decide).

    Raises UnreadableInput for what is not a 5010 professional or institutional 837.
    """
    kind = HIPAA_VERSIONS.get(version)
    if kind:
        return kind, None
    if (version and not version.startswith("005010")) or any(g in version for g in ("X224", "X096", "X097", "X098")):
        raise UnreadableInput(
            "the 837 version (ST03 or GS08) is not a 5010 professional or institutional one;"
            " edi-ivig reads 837P (005010X222A1) and 837I (005010X223A2)",
            segment=number,
        )
    kind = "837I" if "X223" in version else "837P"
    if "X222" in version or "X223" in version:
        named = "005010X223A2" if kind == "837I" else "005010X222A1"
        return kind, f"the version (ST03 or GS08) is not the HIPAA-named {named}; read as {kind}"
    return "", None  # no guide named: the claims decide (_InterchangeWalker._settle_kind)


def _name_problem(text: str, level: str, d: Delimiters) -> str | None:
    """What keeps an HL loop (its text) from identifying a claim: its name loop missing or repeated."""
    entity, name = REQUIRED_NAME[level]
    count = len(_name_pattern(d.segment, d.element, entity).findall(text))
    if count == 1:
        return None
    if count == 0:
        return f"has no NM1*{entity} {name}"
    return f"has {count} NM1*{entity} {name} loops where one is allowed"


@functools.lru_cache(maxsize=64)
def _name_pattern(terminator: str, separator: str, entity: str) -> re.Pattern[str]:
    """NM1 segments of one entity: right after a terminator and the whitespace that may follow it."""
    return re.compile(re.escape(terminator) + r"[ \t\r\n]*NM1" + re.escape(separator + entity + separator))


class _Outside(list):  # type: ignore[type-arg]
    """Stands for the collection between transactions, where no ordinary segment may be."""

    def append(self, piece: str) -> None:
        sid = piece.lstrip(WHITESPACE)[:3]
        raise UnreadableInput(f"{sid} outside a transaction (ST..SE)")


_OUTSIDE = _Outside()


def _at_end(pieces: Iterator[str]) -> bool:
    """Whether nothing but whitespace is left (the tokenizer's last piece is what follows the last terminator)."""
    try:
        return all(not piece.strip(WHITESPACE) for piece in pieces)
    except UnreadableInput:
        return False


UTF8_BOM = "\xef\xbb\xbf"  # as decoded from latin-1


def _lead_described(lead: str) -> str:
    """The warning for text before an ISA: a byte-order mark is named for what it is."""
    if lead.startswith(UTF8_BOM) and not lead[3:].strip(WHITESPACE):
        return "a UTF-8 byte-order mark stands before the ISA; it is not X12 and is kept as it is"
    return f"{len(lead)} bytes of text before the ISA are not X12; they are kept as they are"


def _level_named(level: str) -> str:
    """An HL03 code for a message: named when it is one edi-ivig knows, else not shown."""
    return f"a {LEVEL_NAMES[level]} loop" if level in LEVEL_NAMES else "an HL loop of another level (HL03)"


def _first_offset(loop: Loop) -> int | None:
    """The byte offset of the id of a loop's first segment."""
    if loop.offset is None:
        return None
    piece = loop.pieces[0]
    return loop.offset + 1 + len(piece) - len(piece.lstrip(WHITESPACE))


def _described(text: str) -> str:
    """What a message says of text from the input: its length and kind of characters, never the
    text itself. A stray terminator inside a name makes the rest of the name a "segment id"."""
    if text.isascii() and text.isalnum() and text.upper() == text:
        kind = "letters and digits"
    elif text.isascii() and text.isprintable():
        kind = "with characters no segment id has"
    else:
        kind = "with non-ASCII or control characters"
    return f"{len(text)} character{'s' if len(text) != 1 else ''}, {kind}"


# The segment ids that shape the structure; every other 837 segment joins the collection
# under way. (ISA never reaches the walker: the tokenizer starts interchanges.)
_STRUCTURAL = ("GS", "ST", "SE", "GE", "IEA", "TA1", "HL", "CLM", "LX", "SV1", "SV2")
_UNKNOWN = object()
