"""The bearer token: where it comes from, and the check in front of the /v1 endpoints.

The token is given by --token-file or the EDI_IVIG_TOKEN environment variable (one of the two,
never both: which one wins would be a guess). Without one the service is open, which is why it
listens on 127.0.0.1 unless told otherwise. /healthz, /readyz and /openapi.json stay open: a load
balancer or orchestrator probes them without a secret, and they carry no claim data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

ENVIRONMENT = "EDI_IVIG_TOKEN"
OPEN = frozenset({"/healthz", "/readyz", "/openapi.json"})
REALM = 'Bearer realm="edi-ivig"'


class TokenError(Exception):
    """The token cannot be had as configured; the message says why (never the token)."""


def load_token(token_file: str | None, environ: Mapping[str, str]) -> bytes | None:
    """The token to require, or None for an open service."""
    from_environment = environ.get(ENVIRONMENT)
    if token_file is not None and from_environment is not None:
        raise TokenError(f"--token-file and {ENVIRONMENT} both give a token: give one of them")
    if token_file is not None:
        try:
            text = Path(token_file).read_text(encoding="utf-8")
        except OSError as error:
            raise TokenError(f"--token-file {token_file}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise TokenError(f"--token-file {token_file}: not UTF-8 text") from None
        where = f"--token-file {token_file}"
    elif from_environment is not None:
        text, where = from_environment, ENVIRONMENT
    else:
        return None
    token = text.strip()
    if not token or any(c.isspace() for c in token) or not token.isprintable():
        raise TokenError(f"{where}: the token must be one word of printable characters (a trailing newline is fine)")
    return token.encode("utf-8")


class BearerAuth:
    """ASGI middleware: 401 with WWW-Authenticate (RFC 6750) unless `Authorization: Bearer TOKEN`.

    The comparison takes the same time however much of the token is right, and whatever its
    length: the SHA-256 digests of the two are compared with hmac.compare_digest.
    """

    def __init__(self, app: ASGIApp, token: bytes | None):
        self.app = app
        self.token = token
        self._digest = hashlib.sha256(token).digest() if token is not None else b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token is None or scope["type"] != "http" or scope["path"] in OPEN:
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        scheme, _, presented = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(hashlib.sha256(presented.strip()).digest(), self._digest):
            await self.app(scope, receive, send)
            return
        if given:
            challenge, message = f'{REALM}, error="invalid_token"', "the bearer token is not the one this service takes"
        else:
            challenge, message = REALM, "this service takes a bearer token: Authorization: Bearer TOKEN"
        body = json.dumps({"error": "unauthorized", "message": message}).encode()
        await send({
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", challenge.encode()),
            ],
        })
        await send({"type": "http.response.body", "body": body})
