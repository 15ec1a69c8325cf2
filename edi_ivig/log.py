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

# structlog's dev module imports rich when it can, to format exceptions with rich's traceback,
# local variables shown: claim content must never reach stderr that way, and the import costs
# about 0.1 s of every run's start. So rich is hidden from that one import; the console renderer
# below formats exceptions as plain tracebacks.
_rich, sys.modules["rich"] = sys.modules.get("rich"), None  # type: ignore[assignment]
try:
    import structlog
finally:
    if _rich is None:
        del sys.modules["rich"]
    else:
        sys.modules["rich"] = _rich

# A claim id is named in logs only by a keyed hash: stable within a run (or across runs with
# EDI_IVIG_LOG_SALT set, to follow one claim through a clearinghouse's logs), useless to
# anyone without the salt.
_SALT = os.environ.get("EDI_IVIG_LOG_SALT", "").encode() or secrets.token_bytes(16)


def configure(verbosity: int = 0, fmt: str = "console") -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
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
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger() -> structlog.typing.FilteringBoundLogger:
    if not structlog.is_configured():  # a library caller that set nothing up: stay quiet
        configure(0)
    return structlog.get_logger("edi_ivig")


def claim_hash(claim_id: str) -> str:
    """What a log says instead of a claim id (CLM01)."""
    return hashlib.blake2b(claim_id.encode("latin-1", "replace"), key=_SALT[:64], digest_size=8).hexdigest()
