"""The OpenAPI 3.1 document of the service, written by hand: it is short, and a test holds it to
the routes the application has and to the replies they give (their JSON checked against it)."""

from __future__ import annotations

from typing import Any

from edi_ivig import __version__

EDI = "application/edi-x12"


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


_BOOLEAN = {"type": "boolean", "default": False}
_UNSAFE = {
    "name": "unsafe_fixes", "in": "query", "required": False, "schema": _BOOLEAN,
    "description": "Also apply the unsafe fixes (check: report what fix would then do), as `edi-ivig fix --unsafe-fixes`.",
}
_HOLD = {
    "name": "hold_errors", "in": "query", "required": False, "schema": _BOOLEAN,
    "description": "Move the claims that still carry an error into `held` (an 837 of its own), as `--hold-errors`.",
}
_COUNT = {"schema": {"type": "integer", "minimum": 0}}
_COUNTS = {
    "Edi-Ivig-Claims": {**_COUNT, "description": "claims read"},
    "Edi-Ivig-Changed": {**_COUNT, "description": "claims changed (check: that fix would change)"},
    "Edi-Ivig-Held": {**_COUNT, "description": "claims held (hold_errors): in the JSON reply's `held`, not in this body"},
    "Edi-Ivig-Errors-Left": {**_COUNT, "description": "error findings not fixed"},
    "Edi-Ivig-Findings": {"schema": {"type": "string", "example": "error=1, warning=0, info=2"},
                          "description": "findings by severity"},
}
_BASE64 = {"type": "string", "contentEncoding": "base64"}


def _conversion(mode: str, summary: str, parameters: list[dict[str, Any]], max_body: int) -> dict[str, Any]:
    return {
        "summary": summary,
        "operationId": mode,
        "security": [{"bearer": []}],
        "parameters": parameters,
        "requestBody": {
            "required": True,
            "description": f"The 837 (837P 005010X222A1 or 837I 005010X223A2), any encoding, at most {max_body} bytes"
                           " (--max-body). The Content-Type is not looked at.",
            "content": {EDI: {"schema": {"type": "string", "format": "binary"}},
                        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
        "responses": {
            "200": {
                "description": "Done. JSON by default; with `Accept: application/edi-x12`, the corrected 837"
                               " alone (check: the input unchanged), the counts in headers.",
                "headers": _COUNTS,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Result"}},
                    EDI: {"schema": {"type": "string", "format": "binary"}},
                },
            },
            "400": _error("A query parameter the endpoint does not take, or a value other than true or false."),
            "401": _error("No bearer token, or the wrong one (when the service has one).",
                          {"WWW-Authenticate": {"schema": {"type": "string"}}}),
            "406": _error("The Accept header takes neither application/json nor application/edi-x12."),
            "413": _error("The body is over the limit (--max-body); it was not read past the limit."),
            "422": _error("Not an 837 edi-ivig can read: the message says what and where (segment, byte), as"
                          " `edi-ivig fix` does, and never quotes the input."),
            "503": _error("A worker process stopped while this request was in hand: send it again.",
                          {"Retry-After": {"schema": {"type": "integer"}}}),
        },
    }


def document(max_body: int) -> dict[str, Any]:
    """The document served at /openapi.json."""
    from edi_ivig.reports.rules import rows

    plain = {"type": "string"}
    fields = list(rows()[0])
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "edi-ivig",
            "version": __version__,
            "description": "The edi-ivig hook (`edi_ivig.process`) over HTTP: an 837 in, the corrected 837, the"
                           " held claims, the 277CA and the JSON report out (docs/service.md).",
        },
        "paths": {
            "/v1/check": {"post": _conversion("check", "Report what the rules find; change nothing.", [_UNSAFE], max_body)},
            "/v1/fix": {"post": _conversion("fix", "Apply the fixes and say what was done.", [_UNSAFE, _HOLD], max_body)},
            "/v1/rules": {"get": {
                "summary": "The rules, as `edi-ivig rules --format json` lists them.",
                "operationId": "rules",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "The rules.", "content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}}}}},
                    "401": _error("No bearer token, or the wrong one."),
                },
            }},
            "/healthz": {"get": {
                "summary": "Liveness: the service answers (its event loop is not held up by work). No token needed.",
                "operationId": "healthz",
                "security": [],
                "responses": {"200": {"description": "Alive.", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Health"}}}}},
            }},
            "/readyz": {"get": {
                "summary": "Readiness: its worker processes are started and it takes work. No token needed.",
                "operationId": "readyz",
                "security": [],
                "responses": {
                    "200": {"description": "Ready.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Ready"}}}},
                    "503": {"description": "Its workers are being replaced (one stopped).", "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}},
                },
            }},
            "/openapi.json": {"get": {
                "summary": "This document. No token needed.",
                "operationId": "openapi",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "Set with --token-file or EDI_IVIG_TOKEN; without either the service takes no token.",
            }},
            "schemas": {
                "Result": {
                    "type": "object",
                    "required": ["mode", "encoding", "output", "held", "ack_277ca", "report"],
                    "additionalProperties": False,
                    "properties": {
                        "mode": {"enum": ["check", "fix"]},
                        "encoding": {"const": "base64", "description": "output, held and ack_277ca are the bytes,"
                                     " base64 (RFC 4648, padded): decode them to get the exact bytes back"},
                        "output": {**_BASE64, "description": "the corrected 837, the bytes `edi-ivig fix -o` writes"
                                   " (check: the input unchanged)"},
                        "held": {**_BASE64, "description": "the claims held (hold_errors): an 837 of its own, or empty"},
                        "ack_277ca": {**_BASE64, "description": "the 277CA (005010X214) for the submitter"},
                        "report": {"type": "object", "description": "the JSON report (docs/reports.md), `input` \"-\"",
                                   "required": ["input", "transaction", "mode", "claims", "summary", "warnings"]},
                    },
                },
                "Error": {
                    "type": "object", "required": ["error", "message"], "additionalProperties": False,
                    "properties": {"error": plain, "message": plain},
                },
                "Rule": {  # the fields `edi-ivig rules --format json` gives, whatever they are today
                    "type": "object", "required": fields, "additionalProperties": False,
                    "properties": {key: plain for key in fields},
                },
                "Health": {
                    "type": "object", "required": ["status", "version"], "additionalProperties": False,
                    "properties": {"status": {"const": "ok"}, "version": plain},
                },
                "Ready": {
                    "type": "object", "required": ["status", "workers"], "additionalProperties": False,
                    "properties": {"status": plain, "workers": {"type": "integer", "minimum": 1}},
                },
            },
        },
    }
