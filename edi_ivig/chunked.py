"""One file converted as chunks (edi_ivig.chunks) in several processes, and the chunks' outputs
joined into the ones converting it whole gives: for `fix --workers` here, and for batch on Dask
(edi_ivig.dask_batch).

A chunk's run gives its share of each output: the corrected and held 837s (joined by
concatenation once each chunk's wrapping is taken off), its 277CA interchanges (those that answer
one 837 interchange cut in two become one, GE01 counted again), its claims' JSON report entries,
the text report's lines, and its counts. When any chunk cannot be read, or the segment counts of
the chunks do not meet what the plan says, the caller converts the whole file as one: a file is
never given different outputs for having been cut.
"""

from __future__ import annotations

import io
import itertools
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, BinaryIO, TextIO

import attrs

from edi_ivig import chunks as cutting
from edi_ivig.errors import UnreadableInput
from edi_ivig.pipeline import ClaimResult, Counts, FileResult, Pipeline, build_pipeline
from edi_ivig.reader import Part, Passthrough, RawClaim, ReadStats, ReadWarning
from edi_ivig.reports.ack277 import Ack277
from edi_ivig.reports.json_report import entry_text, write_report
from edi_ivig.reports.json_report import summary as json_summary
from edi_ivig.reports.spool import Spool
from edi_ivig.reports.text import TextReport, claim_lines
from edi_ivig.settings import Config
from edi_ivig.x12.delimiters import ISA_LENGTH

# fix --workers cuts a file this large or larger (smaller ones take longer to cut and start
# processes for than to convert), into four chunks a worker of at least CHUNK bytes
LARGE_FILE = 8 << 20
CHUNK, MAX_CHUNK = 1 << 20, 8 << 20  # a chunk's bytes and its outputs are what a process holds


@attrs.frozen
class ChunkResult:
    """What the pipeline made of one chunk."""

    readable: bool
    output: bytes = b""
    held: bytes = b""
    acks: tuple[tuple[int, bytes], ...] = ()  # each 277CA interchange, with the file's index of the 837 one it answers
    entries: tuple[str, ...] = ()  # the JSON report's claims, each as its JSON text
    lines: tuple[str, ...] = ()  # the text report's lines
    fixable: int = 0  # findings `fix` would correct (the text report's count)
    kinds: frozenset[str] = frozenset()
    warnings: tuple[dict[str, Any], ...] = ()
    counts: Counts = attrs.Factory(Counts)
    service_lines: int = 0
    by_rule: dict[str, int] = attrs.Factory(dict)
    last_segment: int = 0


class _Collect:
    """A report that keeps each claim's JSON report entry (when `entries`) and text lines, counts
    findings by rule, and notes where each interchange's 277CA ends in `ack` (told of each part
    after the Ack277 is)."""

    def __init__(self, ack: io.BytesIO, *, entries: bool) -> None:
        self.every_claim = entries  # the JSON report lists every claim; the rest is of claims with findings
        self.entries: list[str] = []
        self.lines: list[str] = []
        self.fixable = 0
        self.by_rule: Counter[str] = Counter()
        self._ack = ack
        self.ack_ends: list[int] = []  # per 837 interchange of the chunk

    def part(self, part: Part) -> None:
        if isinstance(part, Passthrough) and part.kind == "IEA":
            self.ack_ends.append(self._ack.tell())

    def claim(self, raw: RawClaim, result: ClaimResult) -> None:
        if self.every_claim:
            self.entries.append(entry_text(result))
        self.lines += claim_lines(result)
        self.fixable += sum(f.fixable for f in result.findings)
        self.by_rule.update(f.rule for f in result.findings)

    def finish(self, result: FileResult) -> None:
        pass


def convert(
    pipeline: Pipeline, data: bytes, chunk: cutting.Chunk, name: str, *, hold_errors: bool,
    reports: frozenset[str] = frozenset({"277", "json"}),
) -> ChunkResult:
    """Run `fix` over the bytes of one chunk of the file `name`, with the reports named ("277",
    "json"; the text report's lines always)."""
    sink, ack = io.BytesIO(), io.BytesIO()
    held = io.BytesIO() if hold_errors else None
    collect = _Collect(ack, entries="json" in reports)
    told = [Ack277(ack, pipeline.config), collect] if "277" in reports else [collect]
    wrapped = bool(chunk.prefix or chunk.suffix)
    try:
        if wrapped and hold_errors:  # the held and corrected files count envelopes over the whole interchange
            raise UnreadableInput("a chunk inside an interchange, with --hold-errors")
        result = pipeline.run(
            io.BytesIO(chunk.prefix + data + chunk.suffix), sink, name=name, held=held,
            reports=told, keep=False,
            segments_before=chunk.reader_segments_before, bytes_before=chunk.reader_bytes_before,
        )
    except UnreadableInput:
        return ChunkResult(readable=False)
    output = sink.getvalue()
    if not (output.startswith(chunk.prefix) and output.endswith(chunk.suffix)):
        return ChunkResult(readable=False)  # the wrapping came out changed: let the whole file say why
    output = output[len(chunk.prefix):len(output) - len(chunk.suffix)]
    acks, ack_bytes, start = [], ack.getvalue(), 0
    for index, end in enumerate(collect.ack_ends):
        if end > start:
            acks.append((chunk.first_interchange + index, ack_bytes[start:end]))
        start = end
    return ChunkResult(
        True, output, held.getvalue() if held is not None else b"", tuple(acks), tuple(collect.entries),
        tuple(collect.lines), collect.fixable, frozenset(result.stats.kinds),
        tuple({"message": w.message, "segment": w.segment} for w in result.warnings),
        result.counts, result.stats.service_lines, dict(collect.by_rule), result.stats.last_segment,
    )


def meet(plan: Sequence[cutting.Chunk], parts: Sequence[ChunkResult]) -> bool:
    """Whether the chunks' outputs make the whole file's: each read, each ending where the plan says."""
    return all(p.readable for p in parts) and all(p.last_segment == c.last_segment for p, c in zip(parts, plan))


def counts(parts: Sequence[ChunkResult]) -> Counts:
    total = Counts()
    for part in parts:
        c = part.counts
        total.claims += c.claims
        total.changed += c.changed
        total.held += c.held
        total.written += c.written
        total.fixed += c.fixed
        total.errors_left += c.errors_left
        for severity, count in c.findings.items():
            total.findings[severity] += count
    return total


def file_result(name: str, parts: Sequence[ChunkResult]) -> FileResult:
    """The FileResult converting the whole file gives (its claims not kept)."""
    stats = ReadStats(
        claims=sum(p.counts.claims for p in parts), service_lines=sum(p.service_lines for p in parts),
        kinds=set().union(*(p.kinds for p in parts)), last_segment=parts[-1].last_segment,
    )
    warnings = tuple(ReadWarning(w["message"], w["segment"]) for p in parts for w in p.warnings)
    return FileResult(name, "fix", stats, warnings, (), counts(parts))


def json_report(name: str, parts: Sequence[ChunkResult]) -> str:
    report = io.StringIO()
    entries = [entry for part in parts for entry in part.entries]
    _write_json(report, file_result(name, parts), parts, len(entries), [",\n    ".join(entries)])
    return report.getvalue()


def _write_json(out: TextIO, result: FileResult, parts: Sequence[ChunkResult], claims: int, entries: Iterable[str]) -> None:
    write_report(
        out, result.name, result.stats.kinds, "fix", claims, entries, json_summary(result),
        [warning for part in parts for warning in part.warnings],
    )


def join_acks(acks: list[tuple[int, bytes]]) -> bytes:
    """The 277CA of the file from the chunks' 277CA interchanges: the pieces that answer one
    837 interchange (cut between its transactions) become one, its GE01 counted again."""
    joined = io.BytesIO()
    join = _AckJoin(joined)
    for index, ack in acks:
        join.add(index, ack)
    join.close()
    return joined.getvalue()


# -- fix --workers: the chunks of one local file in a pool of processes -------------------------


class NotCut(Exception):
    """The file is to be converted whole: too small or nowhere to cut it, a chunk that cannot be
    read, chunks whose segment counts do not meet, or a worker process that died."""


@attrs.frozen
class Outputs:
    """Where fix --workers writes: the corrected 837, and what else was asked for."""

    output: BinaryIO
    held: BinaryIO | None = None
    ack: BinaryIO | None = None
    json: TextIO | None = None


def convert_file(
    path: str, config: Config, outputs: Outputs, text: TextReport, *, unsafe_fixes: bool, workers: int,
) -> FileResult:
    """Convert a large file in chunks, `workers` at a time, each output written as the chunks
    come back in order (a chunk's share is all that is held at once, and of the 277CA the tail
    of the interchange still open). Raises NotCut before or while writing: the caller, whose
    outputs are atomic, then converts the file whole."""
    hold_errors = outputs.held is not None
    reports = frozenset(kind for kind, sink in (("277", outputs.ack), ("json", outputs.json)) if sink is not None)
    with open(path, "rb") as stream:
        size = stream.seek(0, io.SEEK_END)
        if workers < 2 or size < LARGE_FILE:
            raise NotCut
        stream.seek(0)
        target = min(MAX_CHUNK, max(CHUNK, size // (workers * 4)))
        plan = cutting.plan(stream, target, transactions=not hold_errors)
    if len(plan) < 2:
        raise NotCut
    acks, entries, parts = _AckJoin(outputs.ack), Spool(), []
    # spawn, not fork: a worker imports what it needs and shares nothing with this process
    with ProcessPoolExecutor(min(workers, len(plan)), mp_context=get_context("spawn")) as pool:
        waiting: deque[Future[ChunkResult]] = deque()
        chunks = iter(plan)
        for chunk in itertools.islice(chunks, 2 * workers):
            waiting.append(pool.submit(_convert_chunk, path, chunk, config, unsafe_fixes, hold_errors, reports))
        try:
            while waiting:
                part, chunk = waiting.popleft().result(), plan[len(parts)]
                if not meet([chunk], [part]):
                    raise NotCut
                for following in itertools.islice(chunks, 1):
                    waiting.append(pool.submit(_convert_chunk, path, following, config, unsafe_fixes, hold_errors, reports))
                outputs.output.write(part.output)
                if outputs.held is not None:
                    outputs.held.write(part.held)
                for index, ack in part.acks:
                    acks.add(index, ack)
                for entry in part.entries:
                    entries.add(entry if not entries.count else ",\n    " + entry)
                text.add(list(part.lines), part.fixable)
                parts.append(attrs.evolve(part, output=b"", held=b"", acks=(), entries=(), lines=()))
        except (NotCut, BrokenProcessPool):
            for future in waiting:
                future.cancel()
            raise NotCut from None
    acks.close()
    result = file_result(path, parts)
    if outputs.json is not None:
        _write_json(outputs.json, result, parts, entries.count, entries.drain())
    return result


def _convert_chunk(
    path: str, chunk: cutting.Chunk, config: Config, unsafe_fixes: bool, hold_errors: bool, reports: frozenset[str],
) -> ChunkResult:
    pipeline = build_pipeline("fix", config=config, unsafe_fixes=unsafe_fixes)  # cheap: the tables load once a process
    with open(path, "rb") as stream:
        stream.seek(chunk.start)
        data = stream.read() if chunk.end is None else stream.read(chunk.end - chunk.start)
    return convert(pipeline, data, chunk, path, hold_errors=hold_errors, reports=reports)


class _AckJoin:
    """The 277CA interchanges of the chunks (ISA GS ... GE IEA, as Ack277 writes them), written as
    they come: the pieces that answer one 837 interchange become one, its GE01 counted again, so
    only the GE and IEA of the open one are held."""

    def __init__(self, sink: BinaryIO | None):
        self._sink = sink
        self._index: int | None = None  # the 837 interchange the open 277CA interchange answers
        self._tail: list[str] = []  # its GE and IEA, written when it closes
        self._pieces = self._transactions = 0
        self._end = self._element = ""

    def add(self, index: int, ack: bytes) -> None:
        if self._sink is None:
            return
        text = ack.decode("latin-1")
        terminator, element = text[ISA_LENGTH], text[3]
        end = terminator if terminator in "\r\n" else terminator + "\n"
        segments = text.split(end)[:-1]
        if index == self._index:
            body = segments[2:-2]  # the ISA and GS are the open interchange's
        else:
            self.close()
            body, self._index, self._pieces, self._transactions = segments[:-2], index, 0, 0
            self._end, self._element = end, element
        self._pieces += 1
        self._transactions += sum(1 for segment in body if segment.startswith("ST" + element))
        self._sink.write("".join(segment + end for segment in body).encode("latin-1"))
        self._tail = segments[-2:]

    def close(self) -> None:
        if self._sink is None or self._index is None:
            return
        ge = self._tail[0].split(self._element)
        if self._pieces > 1:
            ge[1] = str(self._transactions)
        self._sink.write("".join(s + self._end for s in (self._element.join(ge), self._tail[1])).encode("latin-1"))
        self._index = None
