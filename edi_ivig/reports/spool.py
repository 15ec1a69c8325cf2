"""Text a report writes ahead of what must come before it (its totals, its page head).

In memory up to a few MB, then on disk, so a large input does not hold its
report in memory. Added text is written in batches: the spool file's write
costs more than a segment or a claim's entry.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

IN_MEMORY = 4 << 20
BATCH = 1024


class Spool:
    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, mode="w+", encoding="utf-8")
        self._pending: list[str] = []
        self.count = 0  # texts added

    def add(self, text: str, count: int = 1) -> None:
        """`text` holds `count` texts (segments, entries) joined."""
        self._pending.append(text)
        self.count += count
        if len(self._pending) >= BATCH:
            self._flush()

    def extend(self, other: Spool) -> None:
        self._flush()
        for chunk in other.drain():
            self._file.write(chunk)
        self.count += other.count

    def drain(self) -> Iterator[str]:
        """The text added, in chunks; the spool is closed after."""
        self._flush()
        self._file.seek(0)
        while chunk := self._file.read(1 << 16):
            yield chunk
        self._file.close()

    def _flush(self) -> None:
        self._file.write("".join(self._pending))
        self._pending.clear()
