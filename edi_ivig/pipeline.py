"""Read → (rules) → write, one claim at a time.

The only place that walks a file's claims, and (from the rules issue on) the
only place that orders rules and applies their edits. With no rule that wants
a claim, the claim is never parsed: it goes from the reader to the writer as
the text it was read as.
"""

from __future__ import annotations

from typing import BinaryIO

import attrs

from edi_ivig.log import get_logger
from edi_ivig.reader import Reader, ReadStats, ReadWarning
from edi_ivig.writer import Writer


@attrs.frozen
class FileResult:
    """What happened to one input."""

    name: str
    stats: ReadStats
    warnings: tuple[ReadWarning, ...]
    changed_claims: int = 0


def run(source: BinaryIO, sink: BinaryIO | None = None, *, name: str = "-") -> FileResult:
    """Read `source`; when `sink` is given, write the (corrected) 837 to it."""
    log = get_logger().bind(file=name)
    reader = Reader(source)
    writer = Writer(sink) if sink is not None else None
    for part in reader:
        if writer is not None:
            writer.write(part)
    if writer is not None:
        writer.close()
    for warning in reader.warnings:
        log.warning("read_warning", message=warning.message, segment=warning.segment)
    stats = reader.stats
    log.info(
        "file_read",
        interchanges=stats.interchanges,
        transactions=stats.transactions,
        claims=stats.claims,
        service_lines=stats.service_lines,
    )
    return FileResult(name, stats, tuple(reader.warnings))
