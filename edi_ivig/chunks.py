"""Where a large 837 may be cut into pieces that convert on their own: between interchanges.

An interchange (ISA..IEA) is the one unit an 837 reader needs nothing outside of: its
delimiters are its own ISA's, and every envelope count (SE01, GE01, IEA01) and every
claim's loops lie inside it. So each `Chunk` holds whole interchanges, and the pipeline
run over a chunk, told what comes before it (`segments_before`, `bytes_before`), gives
the same parts, numbers and findings as over the whole file. The 837 outputs (corrected
and held) and the 277CA (one interchange per interchange acknowledged) of a file are then
the chunks' outputs joined in order; the JSON report is one object per file, so its parts
are merged (edi_ivig.dask_batch).

Cutting inside an interchange (between transactions) would need a made-up ISA/GS around
each piece and envelope counts rewritten in every output; it is not done.

`plan` is the one function: a later change uses it for a multi-core `fix` of one file.
Anything it cannot cut cleanly (no ISA, a banner the tokenizer refuses, one interchange,
anything unreadable) is one chunk: the whole file, read as it always is.
"""

from __future__ import annotations

from typing import BinaryIO

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.x12.delimiters import WHITESPACE
from edi_ivig.x12.tokenizer import tokenize


@attrs.frozen
class Chunk:
    """Bytes [start, end) of a file: whole interchanges, the first one's lead (text before its ISA) included."""

    start: int
    end: int | None  # None: to the end of the file
    segments_before: int  # segments of the file before the chunk (ISA of the first interchange = 1)

    @property
    def whole_file(self) -> bool:
        return self.start == 0 and self.end is None


WHOLE = Chunk(0, None, 0)


def plan(stream: BinaryIO, target_bytes: int) -> list[Chunk]:
    """Cut `stream` (read to its end) into chunks of whole interchanges of about `target_bytes`
    each, or more; `[WHOLE]` when there is nothing to cut or it cannot be cut cleanly.

    The segment count before each chunk follows the reader's (every piece is a segment,
    except the blank one after a terminator that ends an interchange); the caller checks it
    against what the reader counted and falls back to the whole file when they differ.
    """
    starts: list[tuple[int, int]] = []  # (byte offset, segments before) of each interchange
    segments = 0
    try:
        for interchange in tokenize(stream):
            if starts and interchange.lead:  # text before a later ISA: not a clean cut
                return [WHOLE]
            starts.append((interchange.offset - len(interchange.lead), segments))
            count, last = 1, ""
            for piece in interchange.pieces:
                count += 1
                last = piece
            if not last.strip(WHITESPACE):  # what follows the last terminator
                count -= 1
            segments += count
    except UnreadableInput:
        return [WHOLE]
    chunks: list[Chunk] = []
    for offset, before in starts:
        if chunks and offset - chunks[-1].start < target_bytes:
            continue  # this interchange joins the chunk under way
        if chunks:
            chunks[-1] = attrs.evolve(chunks[-1], end=offset)
        chunks.append(Chunk(offset, None, before))
    return chunks if len(chunks) > 1 else [WHOLE]
