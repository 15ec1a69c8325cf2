"""`batch` on a Dask distributed cluster, IN_DIR and OUT_DIR anywhere fsspec reaches.

Each input file is a task; a file of at least `split_bytes` with several interchanges is
cut into chunks of whole interchanges (edi_ivig.chunks), a task each, and a last task
joins their outputs into the ones a single task writes (the 837s and the 277CA by
concatenation, the JSON report merged), or, when any chunk could not be read or the
chunks' segment counts do not meet, converts the whole file as one task: a file is never
given different outputs for having been cut.

Every output appears under its final name only when complete: a local OUT_DIR is written
by `batch.convert` itself (a temporary beside the output, renamed); object storage gets a
temporary key first (edi_ivig.places). A worker that dies mid-file has its task run again
on another worker by the scheduler (up to `allowed-failures` deaths, then the file is
reported as failed); what the dead one left under a temporary name is removed at the end.

The outputs and batch-summary.json are the bytes the local batch writes for the same
inputs. Imported only when a Dask option is given: `fix` and the local batch never load Dask.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import attrs
import dask
import distributed

from edi_ivig import batch as batches
from edi_ivig import chunked
from edi_ivig import chunks as cutting
from edi_ivig.files import OutputError, atomic_output, remove_stale_temporaries
from edi_ivig.pipeline import Pipeline, build_pipeline
from edi_ivig.places import Place, PlaceError, new_run_id, open_place
from edi_ivig.settings import Config

# A file this large is worth cutting (a task per chunk of about this size); smaller ones are one task.
SPLIT_BYTES = 64 << 20
# Deaths of a worker running one task before the scheduler gives up on it (Dask's default is 3):
# a file that kills a worker twice is more likely to kill the next one than to be unlucky.
ALLOWED_FAILURES = 2
SUFFIXES = ("", ".277", ".json", ".held")


class DaskError(Exception):
    """The cluster cannot be had (no scheduler at the address, a cluster that does not start)."""


@attrs.frozen
class Options:
    """What every task needs to build its pipeline: the loaded config travels, not its path,
    so the workers of a remote cluster need no copy of the file."""

    config: Config
    unsafe_fixes: bool
    hold_errors: bool
    key: str  # one per (config file, flags): a worker builds the pipeline once per key


@contextlib.contextmanager
def connect(scheduler: str | None = None, local_workers: int | None = None) -> Iterator[distributed.Client]:
    """A client of the cluster at `scheduler`, or of a local cluster of `local_workers` processes."""
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        if scheduler is not None:
            try:
                client = distributed.Client(scheduler, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as error:
                raise DaskError(f"no Dask scheduler reached at {scheduler}: {_first_line(error)}") from None
            with client:
                yield client
            return
        cluster = distributed.LocalCluster(
            n_workers=local_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0", silence_logs=40,  # logging.ERROR: the batch's own lines stay readable
        )
        with cluster, distributed.Client(cluster, set_as_default=False) as client:
            yield client


def run_dask_batch(
    in_url: str,
    out_url: str,
    client: distributed.Client,
    *,
    unsafe_fixes: bool = False,
    hold_errors: bool = False,
    config_path: str | None = None,
    split_bytes: int = SPLIT_BYTES,
    progress: bool = False,
) -> batches.BatchSummary:
    """The local batch's run_batch, on the cluster: the same outputs, the same summary."""
    started = time.perf_counter()
    source, target = open_place(in_url, must_exist=True), open_place(out_url, must_exist=False)
    if source.same(target):
        raise PlaceError(f"{out_url}: OUT_DIR is IN_DIR; edi-ivig never writes over its inputs")
    if target.local:
        remove_stale_temporaries(target.root)
    entries = source.entries()
    skipped = tuple(batches.Skipped(e.name, e.why_skipped) for e in entries if e.why_skipped is not None)
    files = [e for e in entries if e.why_skipped is None]
    config = Config.load(config_path)
    key = hashlib.sha256(pickle.dumps((config, unsafe_fixes, hold_errors))).hexdigest()  # a changed file is a new key
    options = Options(config, unsafe_fixes, hold_errors, key)
    run_id = new_run_id()
    large = [e for e in files if e.size >= split_bytes]
    plans = dict(zip([e.name for e in large], client.gather(
        [client.submit(_plan, source, e.name, split_bytes, not hold_errors, key=f"plan-{e.name}-{run_id}")
         for e in large]
    ))) if large else {}
    futures = {}
    for entry in files:
        plan = plans.get(entry.name, [cutting.WHOLE])
        key = f"convert-{entry.name}-{run_id}"
        if len(plan) == 1:
            futures[entry.name] = client.submit(_convert_whole, source, target, entry.name, options, run_id, key=key)
            continue
        parts = [
            client.submit(_convert_chunk, source, entry.name, chunk, options, key=f"chunk-{index}-{entry.name}-{run_id}")
            for index, chunk in enumerate(plan)
        ]
        futures[entry.name] = client.submit(_merge, source, target, entry.name, plan, parts, options, run_id, key=key)
    if progress and futures:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the summary line's
            distributed.progress(list(futures.values()), notebook=False)
            print(file=sys.stderr)
    outcomes = tuple(_outcome(name, future) for name, future in sorted(futures.items()))
    summary = batches.BatchSummary(outcomes, time.perf_counter() - started, skipped)
    _write_summary(target, summary, run_id)
    if target.local:
        remove_stale_temporaries(target.root)  # what a worker that died left beside its outputs
    else:
        target.remove_temporaries(run_id)
    return summary


def _outcome(name: str, future: distributed.Future) -> batches.FileOutcome:
    try:
        return future.result()
    except distributed.KilledWorker:
        return batches.FileOutcome(name, error=f"its worker died converting it, {ALLOWED_FAILURES + 1} times")


def _write_summary(target: Place, summary: batches.BatchSummary, run_id: str) -> None:
    text = (json.dumps(summary.as_dict(), indent=2) + "\n").encode("utf-8")
    try:
        _put(target, batches.SUMMARY, text, run_id)
    except OutputError:
        raise
    except OSError as error:
        raise OutputError(target.shown(batches.SUMMARY), error) from error


# -- the tasks: module-level functions, so a worker imports them by name -------------------------

_PIPELINES: dict[str, tuple[Pipeline, bool]] = {}


def _worker(options: Options) -> tuple[Pipeline, bool]:
    """This worker process's pipeline for the options, built once (a pipeline serves any thread)."""
    if options.key not in _PIPELINES:
        pipeline = build_pipeline("fix", config=options.config, unsafe_fixes=options.unsafe_fixes)
        _PIPELINES[options.key] = (pipeline, options.hold_errors)
    return _PIPELINES[options.key]


def _plan(source: Place, name: str, split_bytes: int, transactions: bool) -> list[cutting.Chunk]:
    try:
        with source.fs.open(source.path(name), "rb") as stream:
            return cutting.plan(stream, split_bytes, transactions=transactions)
    except OSError:
        return [cutting.WHOLE]  # the task that converts it says what is wrong


def _convert_whole(source: Place, target: Place, name: str, options: Options, run_id: str) -> batches.FileOutcome:
    """One file, one task: batch.convert itself, staged through a local folder when a place is remote."""
    worker = _worker(options)
    with tempfile.TemporaryDirectory(prefix="edi-ivig-") as staging:
        if source.local:
            path = Path(source.path(name))
        else:
            path = Path(staging, "in", name)
            path.parent.mkdir()
            try:
                source.fs.get_file(source.path(name), str(path))
            except OSError as error:
                return _failed(target, name, f"cannot read: {error.strerror or _first_line(error)}", run_id)
        if target.local:
            return batches.convert(path, Path(target.root), worker)
        out = Path(staging, "out")
        out.mkdir()
        outcome = batches.convert(path, out, worker)
        if outcome.error is not None:
            return _failed(target, name, outcome.error, run_id, cannot_write=outcome.cannot_write)
        produced = {suffix: out / f"{name}{suffix}" for suffix in SUFFIXES}
        try:
            for suffix, made in produced.items():
                if made.exists():
                    target.publish(f"{name}{suffix}", str(made), run_id)
                else:
                    target.remove(f"{name}{suffix}")
        except OSError as error:
            return _failed(target, name, f"cannot write {target.shown(name)}: {_first_line(error)}", run_id,
                           cannot_write=True)
        return outcome


def _failed(target: Place, name: str, error: str, run_id: str, *, cannot_write: bool = False) -> batches.FileOutcome:
    """A file with no output: none left from an earlier run either (as batch.convert does)."""
    with contextlib.suppress(OSError):
        for suffix in SUFFIXES:
            target.remove(f"{name}{suffix}")
    return batches.FileOutcome(name, error=error, cannot_write=cannot_write)


def _convert_chunk(source: Place, name: str, chunk: cutting.Chunk, options: Options) -> chunked.ChunkResult:
    pipeline, hold_errors = _worker(options)
    with source.fs.open(source.path(name), "rb") as stream:
        stream.seek(chunk.start)
        data = stream.read() if chunk.end is None else stream.read(chunk.end - chunk.start)
    return chunked.convert(pipeline, data, chunk, name, hold_errors=hold_errors)


def _merge(
    source: Place, target: Place, name: str, plan: list[cutting.Chunk], parts: list[chunked.ChunkResult], options: Options,
    run_id: str,
) -> batches.FileOutcome:
    """The chunks' outputs as the one task's; the whole file as one task when they do not add up."""
    if not chunked.meet(plan, parts):
        return _convert_whole(source, target, name, options, run_id)
    output, held = b"".join(p.output for p in parts), b"".join(p.held for p in parts)
    by_rule: Counter[str] = Counter()
    for part in parts:
        by_rule.update(part.by_rule)
    total = chunked.counts(parts)
    hold = options.hold_errors
    outputs = {
        "": output if output or not hold else None,  # with --hold-errors: no NAME when every claim is held
        ".277": chunked.join_acks([ack for part in parts for ack in part.acks]),
        ".json": chunked.json_report(name, parts).encode("utf-8"),
        ".held": held or None,
    }
    try:
        for suffix, data in outputs.items():
            if data is None:
                _remove(target, f"{name}{suffix}")
            else:
                _put(target, f"{name}{suffix}", data, run_id)
    except OSError as error:
        where = error.where if isinstance(error, OutputError) else target.shown(name)
        return _failed(target, name, f"cannot write {where}: {error.strerror or _first_line(error)}", run_id,
                       cannot_write=True)
    return batches.FileOutcome(
        name, claims=total.claims, changed=total.changed, held=total.held, errors_left=total.errors_left,
        findings=dict(sorted(by_rule.items())),
    )


def _put(target: Place, name: str, data: bytes, run_id: str) -> None:
    """NAME holds `data`, whole or not at all."""
    if target.local:
        with atomic_output(target.path(name)) as sink:
            sink.write(data)
        return
    with tempfile.NamedTemporaryFile(prefix="edi-ivig-") as staged:
        staged.write(data)
        staged.flush()
        target.publish(name, staged.name, run_id)


def _remove(target: Place, name: str) -> None:
    if target.local:
        try:
            os.unlink(target.path(name))
        except FileNotFoundError:
            pass
        except OSError as error:
            raise OutputError(target.path(name), error) from error
    else:
        target.remove(name)


def dashboard(client: distributed.Client) -> str | None:
    """The cluster's dashboard address, when it serves one."""
    return client.dashboard_link if client.scheduler_info().get("services", {}).get("dashboard") else None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


__all__ = ["DaskError", "connect", "dashboard", "run_dask_batch", "SPLIT_BYTES"]
