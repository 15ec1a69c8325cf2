"""Access logs: one line a request with method, path, status, sizes and time, and nothing else.

Not uvicorn's access log, which prints the query string: no query value, header or body goes
into a log (they can carry claim data), and a path that is not one of the service's is logged as
`(other)`, since a client can put anything in a path.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edi_ivig.log import get_logger


class AccessLog:
    """ASGI middleware logging event `request` when each response is complete."""

    def __init__(self, app: ASGIApp, paths: Iterable[str]):
        self.app = app
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = {"status": 0, "received": 0, "sent": 0}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["received"] += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["sent"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            get_logger().info(
                "request",
                method=scope["method"] if scope["method"].isalpha() else "(other)",
                path=scope["path"] if scope["path"] in self.paths else "(other)",
                status=seen["status"],
                received=seen["received"],
                sent=seen["sent"],
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
