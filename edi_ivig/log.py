"""Logging: structlog on stderr, quiet unless asked.

Log events carry counts, rule ids, file names and segment positions, never the
content of a claim (no names, member ids, dates of birth, addresses or
diagnosis codes): what goes to stderr ends up in clearinghouse log stores.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sys
from typing import Any

# A claim id is named in logs only by a keyed hash: stable within a run (or across runs with
# EDI_IVIG_LOG_SALT set, to follow one claim through a clearinghouse's logs), useless to
# anyone without the salt.
_SALT = os.environ.get("EDI_IVIG_LOG_SALT", "").encode() or secrets.token_bytes(16)


def configure(verbosity: int = 0, fmt: str = "console") -> None:
    """Log at WARNING (0), INFO (1) or DEBUG (2 and more), to stderr, as console lines or JSON.

    structlog itself is set up when something is first logged at that level: a run with
    nothing to say (most runs) never imports it, which is a good part of the start-up."""
    global _wanted, _applied
    _wanted = ({0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG), fmt)
    _applied = False


def get_logger() -> Logger:
    return Logger()


class Logger:
    """structlog's bound logger, imported and made when an event is first at a level that logs.

    With `configure` called (the command line, the service) an event below its level costs a
    comparison; in a library caller that set nothing up, each event goes to structlog as
    configured there, or (if nothing is) at WARNING."""

    def __init__(self, bound: dict[str, Any] | None = None):
        self._bound = bound or {}

    def bind(self, **values: Any) -> Logger:
        return Logger({**self._bound, **values})

    def debug(self, event: str, **values: Any) -> None:
        self.log(logging.DEBUG, event, **values)

    def info(self, event: str, **values: Any) -> None:
        self.log(logging.INFO, event, **values)

    def warning(self, event: str, **values: Any) -> None:
        self.log(logging.WARNING, event, **values)

    def error(self, event: str, **values: Any) -> None:
        self.log(logging.ERROR, event, **values)

    def log(self, level: int, event: str, **values: Any) -> None:
        if _wanted is not None and level < _wanted[0]:
            return
        logger = _structlog_logger()
        if self._bound:
            logger = logger.bind(**self._bound)
        logger.log(level, event, **values)


_wanted: tuple[int, str] | None = None  # (level, format) from configure, not yet given to structlog
_applied = False


def _structlog_logger():  # type: ignore[no-untyped-def]
    global _applied
    structlog = _import_structlog()
    if _wanted is not None and not _applied:
        _apply(structlog, *_wanted)
        _applied = True
    elif not structlog.is_configured():  # a library caller that set nothing up: stay quiet
        _apply(structlog, logging.WARNING, "console")
    return structlog.get_logger("edi_ivig")


def _apply(structlog, level: int, fmt: str) -> None:  # type: ignore[no-untyped-def]
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_Stderr()),
        cache_logger_on_first_use=False,
    )


class _Stderr:
    """Whatever sys.stderr is when a line is written (structlog is set up late, maybe while a
    caller has stderr redirected for a moment)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _import_structlog():  # type: ignore[no-untyped-def]
    """structlog, imported with rich hidden: its dev module imports rich when it can, to format
    exceptions with rich's traceback, local variables shown; claim content must never reach
    stderr that way (the console renderer above formats exceptions as plain tracebacks)."""
    if "structlog" in sys.modules:
        return sys.modules["structlog"]
    rich, sys.modules["rich"] = sys.modules.get("rich"), None  # type: ignore[assignment]
    try:
        import structlog
    finally:
        if rich is None:
            del sys.modules["rich"]
        else:
            sys.modules["rich"] = rich
    return structlog


def claim_hash(claim_id: str) -> str:
    """What a log says instead of a claim id (CLM01)."""
    return hashlib.blake2b(claim_id.encode("latin-1", "replace"), key=_SALT[:64], digest_size=8).hexdigest()
