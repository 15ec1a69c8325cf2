"""Bytes to segment texts, one interchange at a time, in bounded memory.

The hot path of every command, so it stays close to `str.split`: the input is
decoded as latin-1 (one character per byte, so any byte round-trips and offsets
are byte offsets), and each interchange is split on the terminator its own ISA
declares. What follows a terminator up to the next segment id (line breaks,
indentation) stays at the front of the next piece, so joining the pieces with
the terminator gives back the input exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.x12.delimiters import (
    ISA_LENGTH,
    SEGMENT_LENGTH,
    WHITESPACE,
    Delimiters,
    parse_isa,
)

CHUNK_SIZE = 1 << 20
# Longer than any real segment (a 1 MB element included) yet small enough that a
# file with the wrong terminator fails fast instead of filling memory.
MAX_SEGMENT = 16 << 20
# Text before the first ISA (a banner, a byte-order mark) is tolerated up to this size.
MAX_PREAMBLE = 1 << 20

_FIRST_ISA = re.compile(r"(?<![A-Za-z0-9])ISA(?=[^A-Za-z0-9 \t\r\n])")


@attrs.frozen
class Interchange:
    """One ISA..IEA as text: what precedes it, its ISA, and the pieces after it.

    `pieces` yields each segment after the ISA with the whitespace before it; the
    last piece is what follows the last terminator (whitespace before the next
    ISA or the end of the file, or an unterminated final segment). So the exact
    input is `lead + isa + terminator + terminator.join(pieces)`.
    """

    lead: str
    isa: str
    delimiters: Delimiters
    offset: int
    pieces: Iterator[str]


class _Buffer:
    """The not yet tokenized text and the byte offset where it starts."""

    def __init__(self, stream: BinaryIO, chunk_size: int, offset: int = 0):
        self._stream = stream
        self._chunk_size = chunk_size
        self.text = ""
        self.offset = offset
        self.eof = False

    def fill(self) -> bool:
        data = self._stream.read(self._chunk_size)
        if not data:
            self.eof = True
            return False
        self.text += data.decode("latin-1")
        return True

    def consume(self, length: int) -> str:
        taken, self.text = self.text[:length], self.text[length:]
        self.offset += length
        return taken


def tokenize(stream: BinaryIO, chunk_size: int = CHUNK_SIZE, offset: int = 0) -> Iterator[Interchange]:
    """Yield the interchanges of a byte stream; consume each one's pieces before the next.

    `offset` is where the stream starts in its file (a chunk of it, edi_ivig.chunks), so
    that byte offsets in messages are the file's."""
    buf = _Buffer(stream, chunk_size, offset)
    start = _find_first_isa(buf)
    while True:
        lead = buf.consume(start)
        while len(buf.text) < SEGMENT_LENGTH and buf.fill():
            pass
        offset = buf.offset
        delimiters, _ = parse_isa(buf.text[:SEGMENT_LENGTH], offset)
        isa = buf.consume(SEGMENT_LENGTH)[:ISA_LENGTH]
        pieces = _pieces(buf, delimiters.segment)
        yield Interchange(lead, isa, delimiters, offset, pieces)
        for _ in pieces:  # the caller stopped early: skip to the next interchange
            pass
        if not buf.text and (buf.eof or not buf.fill()):
            return
        start = 0


def _find_first_isa(buf: _Buffer) -> int:
    """Where the first ISA starts, counted from the text not consumed yet."""
    while True:
        match = _FIRST_ISA.search(buf.text)
        if match:
            return match.start()
        if len(buf.text) > MAX_PREAMBLE or not buf.fill():
            if "I\x00S\x00A\x00" in buf.text or buf.text.startswith(("\xff\xfe", "\xfe\xff")):
                raise UnreadableInput("UTF-16 text: X12 is one byte per character; convert it", offset=0)
            raise UnreadableInput(
                "no ISA segment found: an X12 interchange starts with ISA", offset=0
            )


def _pieces(buf: _Buffer, terminator: str) -> Iterator[str]:
    while True:
        end = _next_isa(buf.text, terminator)
        if end is not None:
            gap_start, isa_start = end
            if gap_start > 0:  # whole segments before the terminator that ends them
                yield from buf.text[: gap_start - 1].split(terminator)
            yield buf.text[gap_start:isa_start]
            buf.consume(isa_start)
            return
        if buf.eof:
            yield from buf.consume(len(buf.text)).split(terminator)
            return
        parts = buf.text.split(terminator)
        tail = parts.pop()
        if len(tail) > MAX_SEGMENT:
            raise UnreadableInput(
                f"no segment terminator {terminator!r} in {len(tail)} bytes:"
                " the terminator declared in ISA does not match the data",
                offset=buf.offset + len(buf.text) - len(tail),
            )
        yield from parts
        buf.consume(len(buf.text) - len(tail))
        buf.fill()


def _next_isa(text: str, terminator: str) -> tuple[int, int] | None:
    """Where the next interchange starts: (start of the whitespace before it, its "ISA").

    An ISA starts a piece: it stands at the start of `text` (which always begins
    a piece) or after a terminator, with only whitespace between.
    """
    at = text.find("ISA")
    while at >= 0:
        gap_start = at
        while gap_start > 0 and text[gap_start - 1] in WHITESPACE and text[gap_start - 1] != terminator:
            gap_start -= 1
        after = text[at + 3 : at + 4]
        if (gap_start == 0 or text[gap_start - 1] == terminator) and after and not after.isalnum() and after not in WHITESPACE:
            return gap_start, at
        at = text.find("ISA", at + 3)
    return None
