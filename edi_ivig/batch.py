"""Batch conversion: every file of a folder, in parallel processes.

For each input NAME, OUT_DIR gets NAME (the corrected 837), NAME.277 and
NAME.json, each written atomically, and with hold_errors NAME.held (the claims
still carrying an error) when there are such claims, and no NAME when every claim
is held (a transmitter sends whatever is in the outbox, an empty file too); a
file that cannot be read, or whose outputs cannot be written, is reported and
gets no output, and the batch goes on. Hidden names (and anything not a regular
file) are not converted but reported as skipped. `batch-summary.json` sums it up
without timings, so running the same folder twice gives the same bytes everywhere.

Stopped by SIGTERM, SIGINT or SIGHUP, the batch cancels the files not started
and stops its workers, each removing its temporary files as it unwinds.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import attrs

from edi_ivig.errors import UnreadableInput
from edi_ivig.files import (
    Interrupted,
    OutputError,
    atomic_output,
    atomic_text_output,
    install_signal_handlers,
    remove_stale_temporaries,
    spool,
)
from edi_ivig.log import get_logger
from edi_ivig.pipeline import ClaimResult, FileResult, Pipeline, build_pipeline
from edi_ivig.reader import Part, RawClaim
from edi_ivig.reports.ack277 import Ack277
from edi_ivig.reports.json_report import JsonReport

SUMMARY = "batch-summary.json"


@attrs.frozen
class FileOutcome:
    name: str
    error: str | None = None  # why the file has no output
    cannot_write: bool = False  # the error is an output's (disk full, permission denied), not the input's
    claims: int = 0
    changed: int = 0
    held: int = 0
    errors_left: int = 0
    findings: dict[str, int] = attrs.Factory(dict)  # by rule


@attrs.frozen
class Skipped:
    name: str
    why: str


@attrs.frozen
class BatchSummary:
    files: tuple[FileOutcome, ...]
    seconds: float
    skipped: tuple[Skipped, ...] = ()

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.error is not None]

    def totals(self) -> dict[str, object]:
        by_rule: Counter[str] = Counter()
        for outcome in self.files:
            by_rule.update(outcome.findings)
        return {
            "files": len(self.files),
            "failed": len(self.failed),
            "skipped": len(self.skipped),
            "claims": sum(f.claims for f in self.files),
            "changed": sum(f.changed for f in self.files),
            "held": sum(f.held for f in self.files),
            "errors_left": sum(f.errors_left for f in self.files),
            "findings_by_rule": dict(sorted(by_rule.items())),
        }

    def as_dict(self) -> dict[str, object]:
        return {
            **self.totals(),
            "failures": [{"file": f.name, "error": f.error} for f in self.failed],
            "skipped_files": [{"file": s.name, "why": s.why} for s in self.skipped],
        }

    @property
    def cannot_write(self) -> bool:
        return any(f.cannot_write for f in self.files)


HIDDEN = "a hidden name (transfer tools write files in progress so); rename it to have it converted"
NOT_A_FILE = "not a regular file"


def inputs(in_dir: Path) -> list[Path]:
    """The files to convert: every regular file directly in the folder, not hidden, by name."""
    return sorted(p for p in in_dir.iterdir() if _why_skipped(p) is None)


def skipped(in_dir: Path) -> list[Skipped]:
    """Everything else directly in the folder, with why: reported, never silently left out.

    A hidden name (.NAME) is not converted: it is how file-transfer tools (rsync, many
    SFTP clients) and edi-ivig itself name a file still being written, and half a file
    must not reach the payer.
    """
    found = [Skipped(p.name, why) for p in in_dir.iterdir() if (why := _why_skipped(p)) is not None]
    return sorted(found, key=lambda s: s.name)


def _why_skipped(path: Path) -> str | None:
    if path.name.startswith("."):
        return HIDDEN
    if not path.is_file():
        return NOT_A_FILE
    return None


def run_batch(
    in_dir: Path,
    out_dir: Path,
    *,
    workers: int = 1,
    unsafe_fixes: bool = False,
    hold_errors: bool = False,
    config_path: str | None = None,
    progress: Callable[[FileOutcome], None] | None = None,
) -> BatchSummary:
    started = time.perf_counter()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(str(out_dir), error) from error
    remove_stale_temporaries(out_dir)
    files = inputs(in_dir)
    outcomes: list[FileOutcome] = []

    def done(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)

    _convert_all(files, out_dir, workers, (unsafe_fixes, hold_errors, config_path), done)
    outcomes.sort(key=lambda o: o.name)
    summary = BatchSummary(tuple(outcomes), time.perf_counter() - started, tuple(skipped(in_dir)))
    with atomic_output(str(out_dir / SUMMARY)) as sink:
        sink.write((json.dumps(summary.as_dict(), indent=2) + "\n").encode("utf-8"))
    get_logger().info("batch_done", files=len(outcomes), failed=len(summary.failed), seconds=round(summary.seconds, 3))
    return summary


def _convert_all(
    files: list[Path], out_dir: Path, workers: int, options: tuple[bool, bool, str | None],
    done: Callable[[FileOutcome], None],
) -> None:
    if workers <= 1 or len(files) <= 1:
        _start_worker(*options)
        for path in files:
            done(convert(path, out_dir))
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_pool_worker, initargs=options)
    try:
        for future in as_completed([pool.submit(_convert_in_pool, path, out_dir) for path in files]):
            done(future.result())
    except BaseException:  # a signal (Interrupted) or a worker that died: no file more
        _stop(pool)
        raise
    pool.shutdown()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the files not started and stop the workers; SIGTERM makes each unwind and remove its temporaries."""
    processes = list((pool._processes or {}).values())  # no public way before Python 3.14's terminate_workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


_WORKER: list[tuple[Pipeline, bool]] = []  # per worker process, made once by _start_worker: (pipeline, hold_errors)


def _start_pool_worker(unsafe_fixes: bool, hold_errors: bool, config_path: str | None) -> None:
    """A worker process: its own signal handlers (a forkserver or spawned one inherits none), then its pipeline."""
    install_signal_handlers()
    _start_worker(unsafe_fixes, hold_errors, config_path)


def _start_worker(unsafe_fixes: bool, hold_errors: bool, config_path: str | None) -> None:
    _WORKER[:] = [(build_pipeline("fix", config=config_path, unsafe_fixes=unsafe_fixes), hold_errors)]


def _convert_in_pool(path: Path, out_dir: Path) -> FileOutcome:
    """convert, in a worker that ends when stopped: the pool would otherwise hand it the next file."""
    try:
        return convert(path, out_dir)
    except Interrupted as stop:  # its temporaries are gone by now
        os._exit(128 + stop.signum)


def convert(path: Path, out_dir: Path, worker: tuple[Pipeline, bool] | None = None) -> FileOutcome:
    """One file: its corrected 837, 277CA, JSON report and held claims, all or nothing.

    With hold_errors, NAME and NAME.held are spooled and written only when not empty.
    `worker` is (pipeline, hold_errors), by default this process's (a Dask worker passes its own).
    """
    pipeline, hold_errors = worker or _WORKER[0]
    name = path.name
    by_rule = _FindingsByRule()
    target, held_target = out_dir / name, out_dir / f"{name}.held"
    try:
        with ExitStack() as stack:
            source = stack.enter_context(open(path, "rb"))
            sink = stack.enter_context(spool(str(target)) if hold_errors else atomic_output(str(target)))
            ack = stack.enter_context(atomic_output(str(out_dir / f"{name}.277")))
            report = stack.enter_context(atomic_text_output(str(out_dir / f"{name}.json")))
            held = stack.enter_context(spool(str(held_target))) if hold_errors else None
            reports = [Ack277(ack, pipeline.config), JsonReport(report), by_rule]
            result = pipeline.run(source, sink, name=name, held=held, reports=reports, keep=False)
            if hold_errors:
                _write_if_any(sink, target)
            _write_if_any(held, held_target)
    except OutputError as error:
        get_logger().warning("batch_file_not_written", file=name, output=error.where)
        _remove_earlier_outputs(out_dir, name)
        return FileOutcome(name, error=f"cannot write {error.where}: {error.strerror}", cannot_write=True)
    except UnreadableInput as error:
        get_logger().warning("batch_file_unreadable", file=name)
        _remove_earlier_outputs(out_dir, name)
        return FileOutcome(name, error=f"cannot read: {error.message}")
    except OSError as error:
        _remove_earlier_outputs(out_dir, name)
        return FileOutcome(name, error=error.strerror or str(error))
    return FileOutcome(
        name,
        claims=result.counts.claims,
        changed=result.counts.changed,
        held=result.counts.held,
        errors_left=result.counts.errors_left,
        findings=dict(sorted(by_rule.counts.items())),
    )


def _write_if_any(spooled: BinaryIO | None, target: Path) -> None:
    """The spooled bytes as `target` when there are any; else no `target` (not even one left
    from an earlier run): NAME.held when no claim was held, NAME when every claim was."""
    if spooled is None or not spooled.tell():
        try:
            target.unlink(missing_ok=True)
        except OSError as error:
            raise OutputError(str(target), error) from error
        return
    spooled.seek(0)
    with atomic_output(str(target)) as sink:
        shutil.copyfileobj(spooled, sink)


def _remove_earlier_outputs(out_dir: Path, name: str) -> None:
    """A file that fails gets no output: none left from an earlier run over the same folder."""
    for suffix in ("", ".277", ".json", ".held"):
        (out_dir / f"{name}{suffix}").unlink(missing_ok=True)


class _FindingsByRule:
    """A report that only counts findings by rule."""

    every_claim = False  # a claim without findings is not in it

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def part(self, part: Part) -> None:
        pass

    def claim(self, raw: RawClaim, result: ClaimResult) -> None:
        self.counts.update(f.rule for f in result.findings)

    def finish(self, result: FileResult) -> None:
        pass


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
