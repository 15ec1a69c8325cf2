"""The Starlette application: the routes, what they take and what they answer.

    POST /v1/check, POST /v1/fix   an 837 in the body; ?unsafe_fixes=true, ?hold_errors=true (fix)
    GET  /v1/rules                 what `edi-ivig rules --format json` prints
    GET  /healthz, /readyz         liveness (the event loop answers), readiness (workers started)
    GET  /openapi.json             the OpenAPI document of all of this

Messages name what is wrong, never what a request carried: no body content, no query value.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from edi_ivig import __version__
from edi_ivig.log import get_logger
from edi_ivig.service.access_log import AccessLog
from edi_ivig.service.auth import BearerAuth
from edi_ivig.service.body import TooLarge, read_body
from edi_ivig.service.openapi import document
from edi_ivig.service.work import EDI, JSON, Unreadable, Workers, WorkersLost

OPTIONS = {"check": ("unsafe_fixes",), "fix": ("unsafe_fixes", "hold_errors")}
BOOLEANS = {"true": True, "false": False}


class BadRequest(Exception):
    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def failure(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)


def options(request: Request, mode: str) -> dict[str, bool]:
    """The query parameters as process() options; unknown names and values are refused (400)
    without being repeated: a query string is no place for claim data, but it could hold some."""
    allowed = OPTIONS[mode]
    found = dict.fromkeys(OPTIONS["fix"], False)
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            raise BadRequest(400, "bad_parameter", f"{request.url.path} takes the query parameters {', '.join(allowed)} only")
        if value.lower() not in BOOLEANS:
            raise BadRequest(400, "bad_parameter", f"{name} must be true or false")
        found[name] = BOOLEANS[value.lower()]
    return found


def media_type(accept: str | None) -> str:
    """application/json unless the Accept header prefers application/edi-x12 (406 if it takes neither)."""
    if not accept:
        return JSON
    quality = {JSON: (-1, 0.0), EDI: (-1, 0.0)}  # (specificity of the best matching range, its q)
    for part in accept.split(","):
        kind, *parameters = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind = kind.lower()
        for offered in quality:
            specificity = 2 if kind == offered else 1 if kind == offered.split("/")[0] + "/*" else 0 if kind == "*/*" else -1
            if specificity > quality[offered][0]:
                quality[offered] = (specificity, q)
    json_q, edi_q = quality[JSON][1], quality[EDI][1]
    if max(json_q, edi_q) <= 0:
        raise BadRequest(406, "not_acceptable", f"this endpoint answers {JSON} or {EDI}")
    return EDI if edi_q > json_q else JSON


def build_app(workers: Workers, *, max_body: int, token: bytes | None) -> Starlette:
    """The service over `workers`, with its body limit and, if given, its bearer token."""
    log = get_logger()
    from edi_ivig.reports.rules import rows

    rules = rows()

    async def convert(request: Request, mode: str) -> Response:
        try:
            chosen = options(request, mode)
            kind = media_type(request.headers.get("accept"))
            data = await read_body(request, max_body)
        except BadRequest as error:
            return failure(error.status, error.error, error.message)
        except ClientDisconnect:  # nobody is there to read an answer
            return failure(400, "disconnected", "the client went away before the body was read")
        except TooLarge:
            return failure(413, "too_large", f"the body is over this service's limit of {max_body} bytes (--max-body)")
        try:
            reply = await workers.convert(data, mode, chosen["unsafe_fixes"], chosen["hold_errors"], kind)
        except WorkersLost:
            return failure(503, "workers_lost", "a worker process stopped; the request was not done: send it again",
                           {"Retry-After": "1"})
        except Exception as error:  # a bug: its message could quote the input, so only its type is logged
            log.error("request failed", path=request.url.path, error=type(error).__name__)
            return failure(500, "internal", "edi-ivig failed on this input; the log names the error (not the input)")
        if isinstance(reply, Unreadable):
            return failure(422, "unreadable", reply.message)
        return Response(reply.body, media_type=reply.media_type, headers=reply.counts)

    async def check(request: Request) -> Response:
        return await convert(request, "check")

    async def fix(request: Request) -> Response:
        return await convert(request, "fix")

    async def list_rules(request: Request) -> Response:
        return JSONResponse(rules)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    async def readyz(request: Request) -> Response:
        if workers.ready:
            return JSONResponse({"status": "ready", "workers": workers.size})
        return JSONResponse({"status": "starting workers", "workers": workers.size}, status_code=503)

    openapi = json.dumps(document(max_body), indent=2).encode()

    async def openapi_json(request: Request) -> Response:
        return Response(openapi, media_type=JSON)

    routes = [
        Route("/v1/check", check, methods=["POST"]),
        Route("/v1/fix", fix, methods=["POST"]),
        Route("/v1/rules", list_rules, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(BearerAuth, token=token)
    app.add_middleware(AccessLog, paths=[route.path for route in routes])
    return app
