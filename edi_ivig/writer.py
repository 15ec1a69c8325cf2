"""Parts back to bytes: what no rule changed as read, edited claims rebuilt.

The writer makes no decision about claims: it is told which claims changed and
emits them with the source delimiters and line breaks, renumbering LX 1..n in
the claim and recounting SE01 in a transaction where a claim changed. GE01 and
IEA01 count transactions and groups, which edits never add, so they stay.
"""

from __future__ import annotations

from typing import BinaryIO

from edi_ivig.model import Claim
from edi_ivig.reader import Part, Passthrough, RawClaim, TransactionEnd
from edi_ivig.x12.segment import Segment

_FLUSH_AT = 1 << 18


def render_claim(claim: Claim) -> tuple[str, int]:
    """The text of an edited claim and its number of segments."""
    d = claim.delimiters
    rendered = [segment.render(d) for segment in claim.segments]
    for number, line in enumerate(claim.lines, start=1):
        lx, *rest = line.segments
        rendered.append(lx.with_element(1, str(number)).render(d))
        rendered.extend(segment.render(d) for segment in rest)
    return "".join(rendered), len(rendered)


class Writer:
    """Write parts in order to a binary stream."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._buffer: list[str] = []
        self._size = 0
        self._delta = 0  # segments added (or removed) in the open transaction
        self._changed = False

    def write(self, part: Part, edited: Claim | None = None) -> None:
        """Write `part`; for a claim a rule changed, `edited` is its new model."""
        if isinstance(part, RawClaim) and edited is not None:
            text, count = render_claim(edited)
            self._delta += count - len(part.pieces)
            self._changed = True
            self._emit(text)
        elif isinstance(part, TransactionEnd):
            self._emit(self._transaction_end(part))
            self._delta, self._changed = 0, False
        else:
            assert isinstance(part, (Passthrough, RawClaim))
            self._emit(part.text)

    def close(self) -> None:
        self._flush()
        self._stream.flush()

    def _transaction_end(self, end: TransactionEnd) -> str:
        if not self._changed:
            return end.text
        d = end.transaction.header.delimiters
        se = Segment.parse(end.piece, d.element, end.number)
        return se.with_element(1, str(end.segments_read + self._delta)).render(d)

    def _emit(self, text: str) -> None:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= _FLUSH_AT:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            self._stream.write("".join(self._buffer).encode("latin-1"))
            self._buffer, self._size = [], 0
