"""Read a request body without holding more than the limit.

An 837 is read whole before any claim is processed (as the filter does), so the body is
buffered; the limit bounds that buffer. A Content-Length over the limit is refused before a
byte of the body is read; a chunked body is refused as soon as it passes the limit, the rest
left unread.
"""

from __future__ import annotations

import re

from starlette.requests import Request

_SIZE = re.compile(r"(\d+)([KMG]?)", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


class TooLarge(Exception):
    """The body is over the limit (413)."""


def parse_size(text: str) -> int:
    """`64M` (MiB), `512K`, `1G` or a number of bytes; raises ValueError."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a size: a number of bytes, or one with K, M or G after it (64M)")
    return int(match[1]) * _UNITS[match[2].upper()]


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or TooLarge once it is known to be more than `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)
