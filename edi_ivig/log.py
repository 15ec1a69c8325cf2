"""Logging: structlog on stderr, quiet unless asked.

Log events carry counts, rule ids, file names and segment positions, never the
content of a claim (no names, member ids, dates of birth, addresses or
diagnosis codes): what goes to stderr ends up in clearinghouse log stores.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure(verbosity: int = 0, fmt: str = "console") -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
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
    return structlog.get_logger("edi_ivig")
