"""Where a large 837 may be cut into pieces that convert on their own: between interchanges
(ISA..IEA), and between transactions (ST..SE) inside one.

An interchange is a unit the reader needs nothing outside of: its delimiters are its own
ISA's, and every claim's loops lie inside one transaction. A chunk that starts or ends
inside an interchange is wrapped, for the reader, in that interchange's own ISA and the
GS of the group open at the cut (`prefix`), and the GE of that group and the IEA
(`suffix`), as read: the reader checks no envelope count, so the claims read the same.
Told what comes before it (`segments_before`, `bytes_before`), the reader then gives
every part, segment number and byte offset as in the whole file.

What the outputs of the chunks make together (edi_ivig.dask_batch): the corrected 837 is
their concatenation once each chunk's wrapping is taken off; the 277CA (one interchange
per 837 interchange with claims) joins the pieces of an interchange cut in two, counting
GE01 again; the JSON report is merged. With --hold-errors only interchanges are cut
(`transactions=False`): the held and corrected files drop transactions and groups left
without claims and count GE01 and IEA01 over the whole interchange.

`plan` is the one function: a later change uses it for a multi-core `fix` of one file.
What it cannot cut cleanly (no ISA, text between interchanges, anything the tokenizer
refuses) is one chunk: the whole file, read as it always is. The caller checks that the
reader counted the segments `plan` says (`last_segment`) and otherwise converts the whole
file: a file cut into chunks never gets different outputs.
"""

from __future__ import annotations

from typing import BinaryIO

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.x12.delimiters import ISA_LENGTH, WHITESPACE
from edi_ivig.x12.tokenizer import tokenize

WRAPPING_SEGMENTS = 2  # ISA and GS before, GE and IEA after


@attrs.frozen
class Chunk:
    """Bytes [start, end) of a file, and what the reader needs around them."""

    start: int
    end: int | None  # None: to the end of the file
    segments_before: int  # segments of the file before `start`
    last_segment: int  # the number the reader reaches at the end of the chunk (wrapping included)
    first_interchange: int = 0  # index in the file of the interchange the chunk starts in
    prefix: bytes = b""  # the ISA and GS around a chunk that starts inside an interchange
    suffix: bytes = b""  # the GE and IEA around one that ends inside an interchange

    @property
    def whole_file(self) -> bool:
        return self.start == 0 and self.end is None

    @property
    def reader_segments_before(self) -> int:
        return self.segments_before - (WRAPPING_SEGMENTS if self.prefix else 0)

    @property
    def reader_bytes_before(self) -> int:
        return self.start - len(self.prefix)


WHOLE = Chunk(0, None, 0, 0)


@attrs.frozen
class _Cut:
    offset: int  # where the next chunk would start
    segments_before: int
    interchange: int
    inside: bool  # before an ST (inside an interchange), not before an ISA
    prefix: bytes = b""
    suffix: bytes = b""


def plan(stream: BinaryIO, target_bytes: int, *, transactions: bool = True) -> list[Chunk]:
    """Cut `stream` (read to its end) into chunks of about `target_bytes` or more, at
    interchanges and, with `transactions`, before an ST; `[WHOLE]` when nothing is cut."""
    try:
        cuts, total = _cuts(stream, transactions)
    except UnreadableInput:
        return [WHOLE]
    if cuts is None:
        return [WHOLE]
    chosen = [cuts[0]]
    for cut in cuts[1:]:
        if cut.offset - chosen[-1].offset >= target_bytes:
            chosen.append(cut)
    if len(chosen) < 2:
        return [WHOLE]
    chunks = []
    for cut, after in zip(chosen, [*chosen[1:], None]):
        last = after.segments_before if after is not None else total
        suffix = after.suffix if after is not None and after.inside else b""
        chunks.append(Chunk(
            cut.offset, after.offset if after is not None else None, cut.segments_before,
            last + (WRAPPING_SEGMENTS if suffix else 0), cut.interchange, cut.prefix if cut.inside else b"", suffix,
        ))
    return chunks


def _cuts(stream: BinaryIO, transactions: bool) -> tuple[list[_Cut] | None, int]:
    """Every place a chunk may start, and the file's segment count; None when it may not be cut.

    The count follows the reader's: every piece is a segment but the blank one after the
    terminator that ends an interchange."""
    cuts: list[_Cut] = []
    segments = 0
    for index, interchange in enumerate(tokenize(stream)):
        if index and interchange.lead:  # text before a later ISA: not a clean cut
            return None, 0
        cuts.append(_Cut(interchange.offset - len(interchange.lead), segments, index, False))
        d = interchange.delimiters
        segments += 1  # the ISA
        at = interchange.offset + ISA_LENGTH  # where the terminator before the next piece is
        gs, last, seen_st = "", "", False
        opened: list[tuple[int, int, str]] = []  # (offset, segments before, its GS) of each ST of the open group
        groups: list[tuple[list[tuple[int, int, str]], str]] = []  # each group's STs and its GE
        for piece in interchange.pieces:
            sid = piece.lstrip(WHITESPACE).partition(d.element)[0]
            if sid == "GS":
                gs = piece
            elif sid == "ST" and transactions and gs:
                if seen_st:  # a cut before the first would leave a chunk of no transaction
                    opened.append((at, segments, gs))
                seen_st = True
            elif sid == "GE":
                groups.append((opened, piece))
                opened, gs = [], ""
            elif sid == "IEA":
                for starts, ge in groups:
                    suffix = (d.segment + ge + d.segment + piece + d.segment).encode("latin-1")
                    for offset, before, group in starts:
                        prefix = (interchange.isa + d.segment + group).encode("latin-1")
                        cuts.append(_Cut(offset, before, index, True, prefix, suffix))
            segments += 1
            at += 1 + len(piece)
            last = piece
        if not last.strip(WHITESPACE):  # what follows the last terminator: not a segment
            segments -= 1
    return sorted(cuts, key=lambda c: c.offset), segments
