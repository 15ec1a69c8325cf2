"""The CPU work of the service, in worker processes; the event loop only hands bytes over.

The pipeline is CPU-bound Python. Run on the event loop it would keep /healthz (and every
other request) waiting while a file is fixed; run in threads it would share one core through
the GIL. So each request goes to a pool of `--workers` processes, spawned (not forked from a
process that runs an event loop and threads) and started before the service listens. A worker
calls `edi_ivig.process` itself, so the service gives the bytes the hook gives, and it also
renders the reply (base64, JSON), which is CPU work too.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import attrs

from edi_ivig import log
from edi_ivig.api import Result, process
from edi_ivig.errors import UnreadableInput
from edi_ivig.settings import Config

EDI = "application/edi-x12"
JSON = "application/json"


@attrs.frozen
class Reply:
    """What a worker made of one request: the body to send, its type, the counts for headers."""

    body: bytes
    media_type: str
    counts: dict[str, str]


@attrs.frozen
class Unreadable:
    """The input is not an 837 edi-ivig can read. Only the message crosses back: the exception
    itself would be rebuilt from its args, which lack the segment and byte it names."""

    message: str


class WorkersLost(Exception):
    """A worker process died (killed, out of memory); the pool is replaced for the next request."""


def document(result: Result, mode: str) -> dict[str, Any]:
    """The JSON reply: the three EDI outputs as base64 (any bytes, whatever their encoding, come
    back exactly), the report as JSON. `encoding` says how to get the bytes back."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return {
        "mode": mode,
        "encoding": "base64",
        "output": b64(result.output),
        "held": b64(result.held),
        "ack_277ca": b64(result.ack_277ca),
        "report": result.report,
    }


def counts(result: Result) -> dict[str, str]:
    """The report's summary as response headers (with Accept: application/edi-x12)."""
    summary = result.report["summary"]
    findings = summary["findings"]
    errors_left = sum(1 for f in result.findings if f.severity == "error" and not f.fixed)
    return {
        "Edi-Ivig-Claims": str(summary["claims"]),
        "Edi-Ivig-Changed": str(summary["changed"]),
        "Edi-Ivig-Held": str(summary["held"]),
        "Edi-Ivig-Errors-Left": str(errors_left),
        "Edi-Ivig-Findings": ", ".join(f"{severity}={findings[severity]}" for severity in ("error", "warning", "info")),
    }


# -- in the worker process -----------------------------------------------------------------------

_CONFIG: Config | None = None
_ALL_STARTED: Any = None  # a barrier of the pool's size: see Workers._start


def _start(config: Config, verbosity: int, log_format: str, parent: int, all_started: Any) -> None:
    """Each worker's set-up. The parent decides when workers stop (after the requests in flight),
    so a SIGTERM or Ctrl-C sent to the whole process group must not kill them first; and a
    parent that is gone without stopping them (kill -9) must not leave them waiting for ever."""
    global _CONFIG, _ALL_STARTED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    _ALL_STARTED = all_started
    log.configure(verbosity, log_format)
    _CONFIG = config
    from edi_ivig.reference import default_reference

    default_reference()  # read now, not by the first request


def _exit_with(parent: int) -> None:
    """Exit once the parent is gone (this process is then another's child; also when it was
    gone before this worker got this far)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def _started() -> None:
    """One of the tasks that start the pool: each waits until every worker has one, so the pool
    is only taken as started once all its workers are."""
    _ALL_STARTED.wait(timeout=300)


def convert(data: bytes, mode: str, unsafe_fixes: bool, hold_errors: bool, media_type: str) -> Reply | Unreadable:
    """One request's work: `process`, then the reply in the media type asked for."""
    try:
        result = process(data, mode=mode, config=_CONFIG, unsafe_fixes=unsafe_fixes, hold_errors=hold_errors)
    except UnreadableInput as error:
        return Unreadable(error.message)
    if media_type == EDI:
        return Reply(result.output, EDI, counts(result))
    body = json.dumps(document(result, mode), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(body, JSON, counts(result))


# -- in the service process ----------------------------------------------------------------------


class Workers:
    """The process pool, started (every worker spawned and set up) before the service listens.

    A worker that dies (killed, out of memory) breaks the whole pool: the requests in flight get
    WorkersLost (503), and a new pool is started in a thread while /readyz says 503.
    """

    def __init__(self, config: Config, size: int, verbosity: int = 0, log_format: str = "console"):
        self.size = size
        self._setup = (config, verbosity, log_format, os.getpid())
        self._pool: ProcessPoolExecutor | None = self._start()

    @property
    def ready(self) -> bool:
        return self._pool is not None

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            self.size, mp_context=context, initializer=_start, initargs=(*self._setup, context.Barrier(self.size))
        )
        # A spawned pool starts a worker for each task submitted while none is idle; a task ends
        # only when every worker is in one, so all of them have started and are set up.
        for done in wait([pool.submit(_started) for _ in range(self.size)]).done:
            done.result()
        return pool

    def _replace(self) -> None:
        self._pool = self._start()

    async def convert(self, data: bytes, mode: str, unsafe_fixes: bool, hold_errors: bool, media_type: str) -> Reply | Unreadable:
        pool = self._pool
        if pool is None:
            raise WorkersLost()
        try:
            return await asyncio.wrap_future(pool.submit(convert, data, mode, unsafe_fixes, hold_errors, media_type))
        except BrokenProcessPool:
            if pool is self._pool:  # the first request to find it broken has it replaced
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
                asyncio.get_running_loop().run_in_executor(None, self._replace)
            raise WorkersLost() from None

    def close(self) -> None:
        """Wait for the work in hand, then stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
