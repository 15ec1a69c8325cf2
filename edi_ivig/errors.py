"""The one exception callers of edi-ivig need to know."""

from __future__ import annotations


class UnreadableInput(Exception):
    """The input is not an 837 edi-ivig can read; nothing was written.

    The message says what is wrong and where: the segment number (ISA = 1,
    counted from the start of the file) and the byte offset when known.
    """

    def __init__(self, what: str, *, segment: int | None = None, offset: int | None = None):
        self.what = what
        self.segment = segment
        self.offset = offset
        super().__init__(what)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        where = []
        if self.segment is not None:
            where.append(f"segment {self.segment}")
        if self.offset is not None:
            where.append(f"byte {self.offset}")
        return f"{', '.join(where)}: {self.what}" if where else self.what
