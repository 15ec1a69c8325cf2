"""Parts back to bytes: what no rule changed as read, edited claims rebuilt.

The writers make no decision about claims: they are told which claims changed
(and, when claims are held, which to keep) and emit them with the source
delimiters and line breaks (`edi_ivig.rendering` renders an edited claim,
renumbering its LX 1..n), recounting SE01 in a transaction where something changed.
"""

from __future__ import annotations

from typing import BinaryIO

from edi_ivig.model import Claim
from edi_ivig.reader import Loop, Part, Passthrough, RawClaim, TransactionEnd
from edi_ivig.rendering import render_claim
from edi_ivig.x12.delimiters import Delimiters
from edi_ivig.x12.segment import Segment

_FLUSH_AT = 1 << 18


def _with_count(piece: str, count: int, d: Delimiters) -> str:
    """An SE, GE or IEA with its first element (the count) set."""
    return Segment.parse(piece.lstrip(d.segment), d.element).with_element(1, str(count)).render(d)


class _Output:
    """Buffered text out to a binary stream (latin-1: one byte per character, as read)."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._buffer: list[str] = []
        self._size = 0

    def emit(self, text: str) -> None:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._stream.write("".join(self._buffer).encode("latin-1"))
            self._buffer, self._size = [], 0

    def close(self) -> None:
        self.flush()
        self._stream.flush()


class Writer:
    """Write every part in order. GE01 and IEA01 count transactions and groups,
    which edits never add, so they stay as read."""

    def __init__(self, stream: BinaryIO):
        self._out = _Output(stream)
        self._delta = 0  # segments added (or removed) in the open transaction
        self._changed = False

    def write(self, part: Part, edited: Claim | None = None) -> None:
        """Write `part`; for a claim a rule changed, `edited` is its new model."""
        if isinstance(part, RawClaim) and edited is not None:
            text, count = render_claim(edited)
            self._delta += count - len(part.pieces)
            self._changed = True
            self._out.emit(text)
        elif isinstance(part, TransactionEnd):
            d = part.transaction.header.delimiters
            self._out.emit(_with_count(part.text, part.segments_read + self._delta, d) if self._changed else part.text)
            self._delta, self._changed = 0, False
        else:
            self._out.emit(part.text)

    def close(self) -> None:
        self._out.close()


# The HL levels a claim's loops stand at (HL03): billing provider, subscriber, patient.
LEVEL_DEPTH = {"20": 0, "22": 1, "23": 2}


def _hl(loop: Loop) -> Segment:
    return Segment.parse(loop.pieces[0], loop.delimiters.element)


class FilteringWriter:
    """Write only the claims it is told to keep, with the envelope and loops they need.

    When claims are held, the corrected output keeps the claims fit to send and
    the held file the others; each is a valid 837 of its own. An HL loop is
    written when the first kept claim under it comes, so a loop left with no
    claim is dropped and the loops after it are renumbered; a transaction, group
    or interchange left with no claim is dropped, and SE01, GE01 and IEA01 count
    what was written. With every claim kept, the output is the same as Writer's.

    `keep_empty` (the corrected output, not the held file) also writes what had
    no claim to begin with, as read: an interchange, group or transaction with
    no CLM (and the text before its ISA) is nobody's to drop, and the held file
    is no place for it.
    """

    def __init__(self, stream: BinaryIO, keep_empty: bool = False):
        self._out = _Output(stream)
        self._keep_empty = keep_empty
        # whether a claim (kept or not) came in the open interchange, group and transaction
        self._claim_in = {"ISA": False, "GS": False, "header": False}
        self._loops: list[Passthrough] = []  # the HL loops of the open transaction while it has no claim
        self.claims = 0
        self._interchange: list[Passthrough] = []  # ISA (and TA1s) not yet written
        self._group: Passthrough | None = None  # GS not yet written
        self._header: Passthrough | None = None  # ST..header not yet written
        self._isa_open = self._gs_open = self._st_open = False
        self._groups = self._transactions = 0  # written in the open interchange / group
        self._group_dropped = self._transaction_dropped = False
        self._segments = 0  # written in the open transaction
        self._changed = False  # a claim in the open transaction was edited, dropped or its loops renumbered
        self._hl_count = 0  # HL loops written in the open transaction
        self._dropped = False  # a loop of the open transaction was not written: HL01 renumbered from then
        # the billing provider, subscriber and patient loops last written, with (HL01 as read,
        # HL01 as written): claims come in loop order, so a loop once left is never needed again
        self._written: list[tuple[Loop, str, str] | None] = [None, None, None]

    def write(self, part: Part, edited: Claim | None = None, keep: bool = True) -> None:
        if isinstance(part, RawClaim):
            self._claim(part, edited, keep)
        elif isinstance(part, TransactionEnd):
            self._transaction_end(part)
        else:
            self._passthrough(part)

    def close(self) -> None:
        self._out.close()

    def _passthrough(self, part: Passthrough) -> None:
        kind = part.kind
        if kind in self._claim_in:
            self._claim_in[kind] = False
            self._loops = []
        if self._keep_empty:
            self._open_empty(part)
        if kind == "ISA":
            self._interchange, self._isa_open, self._groups, self._group_dropped = [part], False, 0, False
        elif kind == "TA1":
            self._out.emit(part.text) if self._isa_open else self._interchange.append(part)
        elif kind == "GS":
            self._group, self._gs_open, self._transactions, self._transaction_dropped = part, False, 0, False
        elif kind == "header":
            self._header, self._st_open = part, False
            self._segments, self._changed = 0, False
            # the held file leaves out loops from the start; the corrected output only once it holds a claim
            self._hl_count, self._written, self._dropped = 0, [None, None, None], not self._keep_empty
        elif kind == "GE":
            if self._gs_open:
                self._groups += 1
                self._out.emit(self._count(part, self._transactions, self._transaction_dropped))
            else:
                self._group_dropped = True
        elif kind == "IEA":
            if self._isa_open:
                self._out.emit(self._count(part, self._groups, self._group_dropped))
        elif kind == "gap":
            if self._isa_open:
                self._out.emit(part.text)
        # an HL loop waits for the first kept claim under it (see _claim)

    def _open_empty(self, part: Passthrough) -> None:
        """With keep_empty, open what is closing with no claim ever in it, so it is written
        (and keep each HL loop until the next claim shows whether it holds one)."""
        kind, claim_in = part.kind, self._claim_in
        if kind == "loop":
            self._loops.append(part)
        elif kind == "GE" and not claim_in["GS"] and not self._gs_open:
            self._open_interchange()
            self._open_group()
        elif kind == "IEA" and not claim_in["ISA"] and not self._isa_open:
            self._open_interchange()

    def _claim(self, raw: RawClaim, edited: Claim | None, keep: bool) -> None:
        self._claim_in = dict.fromkeys(self._claim_in, True)
        waiting, self._loops = self._loops, []
        own = (raw.billing_provider, raw.subscriber, raw.patient)
        if not keep:
            self._changed = self._dropped = True
            # a loop with no claim of its own waits for the next kept claim under its parent
            self._loops = [part for part in waiting if all(part.loop is not mine for mine in own)]
            return
        self._open_transaction()
        for part in waiting:  # keep_empty: the loops since the last claim, in their place
            loop = part.loop
            assert loop is not None
            depth = next((d for d, mine in enumerate(own) if mine is loop), None)
            if depth is None:
                self._write_claimless(loop, own)
            else:
                self._write_own(own, depth)
        self._write_own(own, len(own) - 1)
        if edited is not None:
            text, count = render_claim(edited)
            self._changed = True
        else:
            text, count = raw.text, len(raw.pieces)
        self._out.emit(text)
        self._segments += count
        self.claims += 1

    def _open_interchange(self) -> None:
        if not self._isa_open:
            for part in self._interchange:
                self._out.emit(part.text)
            self._isa_open = True

    def _open_group(self) -> None:
        if not self._gs_open:
            assert self._group is not None
            self._out.emit(self._group.text)
            self._gs_open = True

    def _open_transaction(self) -> None:
        if self._st_open:
            return
        self._open_interchange()
        self._open_group()
        assert self._header is not None and self._header.loop is not None
        self._out.emit(self._header.text)
        self._segments += len(self._header.loop.pieces)
        self._st_open = True

    def _write_loop(self, loop: Loop, depth: int) -> None:
        d = loop.delimiters
        hl = Segment.parse(loop.pieces[0], d.element)
        old_id, old_parent = hl.get(1), hl.get(2)
        self._hl_count += 1
        # as read until a loop is dropped (HL01 as the sender wrote it, repeats and all), then in order
        new_id = str(self._hl_count) if self._dropped else old_id
        parents = {entry[1]: entry[2] for entry in self._written[:depth] if entry is not None}
        new_parent = parents.get(old_parent, old_parent)
        self._written[depth:] = [(loop, old_id, new_id)] + [None] * (2 - depth)
        if (new_id, new_parent) == (old_id, old_parent):
            self._out.emit(loop.text)
        else:
            self._changed = True
            renumbered = hl.with_element(1, new_id).with_element(2, new_parent)
            self._out.emit(renumbered.render(d) + loop.text[len(d.segment) + len(loop.pieces[0]):])
        self._segments += len(loop.pieces)

    def _write_own(self, own: tuple[Loop | None, ...], depth: int) -> None:
        """The claim's own loops down to `depth` that are not written yet, outermost first."""
        for d, loop in enumerate(own[: depth + 1]):
            written = self._written[d]
            if loop is not None and (written is None or written[0] is not loop):
                self._write_loop(loop, d)

    def _write_claimless(self, loop: Loop, own: tuple[Loop | None, ...] = (None, None, None)) -> None:
        """An HL loop with no claim of its own (keep_empty): nobody's to drop, so written in its
        place, renumbered like the others, after the loop it belongs to (the claim's own, `own`,
        when it is that); not when the loop it belongs to was dropped."""
        depth = LEVEL_DEPTH.get(loop.level, 1)
        if depth:
            parent = _hl(loop).get(2)
            under = next((d for d, mine in enumerate(own[:depth]) if mine is not None and _hl(mine).get(1) == parent), None)
            if under is not None:
                self._write_own(own, under)
            if not any(entry is not None and entry[1] == parent for entry in self._written[:depth]):
                self._changed = self._dropped = True
                return
        self._write_loop(loop, depth)

    def _transaction_end(self, end: TransactionEnd) -> None:
        if self._keep_empty and not self._claim_in["header"]:  # no claim in it: as read
            self._open_transaction()
            for part in self._loops:
                self._out.emit(part.text)
            self._loops = []
        elif self._keep_empty and self._st_open:  # loops after its last claim
            for part in self._loops:
                assert part.loop is not None
                self._write_claimless(part.loop)
            self._loops = []
        if not self._st_open:
            self._transaction_dropped = True
            return
        self._segments += 1
        d = end.transaction.header.delimiters
        self._out.emit(_with_count(end.text, self._segments, d) if self._changed else end.text)
        self._transactions += 1
        self._st_open = False

    @staticmethod
    def _count(part: Passthrough, count: int, recount: bool) -> str:
        if not recount:
            return part.text
        piece = part.text
        terminator = piece[0]
        element = piece.lstrip(terminator + " \t\r\n")[len(part.kind)]
        return _with_count(piece, count, Delimiters(element, "\x00", terminator))
