"""`edi-ivig serve`: start the service, and stop it without losing a request in flight.

Everything that can be wrong with how it was started (the config, the token, the TLS files,
the address) is found before it listens, and is exit 2 with one line, as a usage error of any
other command is; nothing of it waits to become a 500 on the first request.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import ssl

import click

from edi_ivig import log


class _Size(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        from edi_ivig.service.body import parse_size

        if isinstance(value, int):
            return value
        try:
            return parse_size(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class _ToStructlog(logging.Handler):
    """uvicorn's own messages (a malformed request, a TLS handshake that failed) as structlog
    events, without the exception text or traceback they may carry: that can quote a request."""

    def emit(self, record: logging.LogRecord) -> None:
        event = record.getMessage() if record.exc_info is None else record.msg
        fields = {"logger": record.name}
        if record.exc_info and record.exc_info[0] is not None:
            fields["error"] = record.exc_info[0].__name__
        log.get_logger().log(record.levelno, str(event), **fields)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket. Made with proto IPPROTO_TCP, as uvicorn makes its own: asyncio sets
    TCP_NODELAY only on connections whose socket says TCP, and without it every answer on a
    keep-alive connection waited 40 ms for a delayed ACK (measured: 44 ms against 0.8 ms)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except OSError:
        listener.close()
        raise
    return listener


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (0.0.0.0: every interface).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8837, show_default=True,
    help="The port; 0 takes a free one, which the `listening` log line names.",
)
@click.option(
    "--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="A TOML file layered over the defaults (as for check and fix), read once at start.",
)
@click.option(
    "--token-file", type=click.Path(exists=True, dir_okay=False), default=None,
    help="Require `Authorization: Bearer TOKEN` on /v1, TOKEN read from this file (or set EDI_IVIG_TOKEN"
    " instead). Without either, the service takes no token.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Worker processes doing the conversions; more than the CPU count is capped at it."
    " [default: the CPU count, at most 8]",
)
@click.option(
    "--max-body", type=_Size(), default="64M", show_default=True,
    help="The largest 837 taken (bytes, or with K, M or G: 512K, 64M); a larger one is 413, read no further.",
)
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Serve HTTPS with this certificate chain (PEM); needs --ssl-keyfile.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The private key (PEM) of --ssl-certfile.")
def serve(
    host: str, port: int, config_path: str | None, token_file: str | None, workers: int | None, max_body: int,
    ssl_certfile: str | None, ssl_keyfile: str | None,
) -> None:
    """Run the hook as an HTTP service: POST an 837, get the corrected 837, 277CA and report.

    POST /v1/check and /v1/fix take the 837 as the body (query parameters
    unsafe_fixes=true, hold_errors=true) and answer JSON: the corrected 837, the
    held claims and the 277CA base64-encoded (the exact bytes `edi-ivig fix`
    writes), and the JSON report. With `Accept: application/edi-x12` the answer
    is the corrected 837 alone, the counts in Edi-Ivig-* headers. GET /v1/rules
    lists the rules; /healthz, /readyz and /openapi.json need no token.

    \b
    Examples:
      edi-ivig serve                                    http://127.0.0.1:8837, no token
      curl --data-binary @claims.837 'http://127.0.0.1:8837/v1/fix?unsafe_fixes=true' \\
           | jq -r .output | base64 -d > fixed.837
      curl --data-binary @claims.837 -H 'Accept: application/edi-x12' \\
           http://127.0.0.1:8837/v1/fix -o fixed.837 -D headers.txt
      EDI_IVIG_TOKEN=$(cat token) edi-ivig serve --host 0.0.0.0 --workers 4 \\
           --ssl-certfile cert.pem --ssl-keyfile key.pem --config payers.toml
      edi-ivig --log-format json serve --port 0         a free port, named in the log

    Access logs (method, path, status, sizes, time; never a query value or body)
    go to stderr. SIGTERM, SIGHUP or Ctrl-C stops it taking connections,
    finishes the requests in flight, then exits (143, or 130 for Ctrl-C). Exit code 2 when the config,
    token, TLS files or address are wrong, before it listens.
    """
    import uvicorn

    from edi_ivig.cli import _load_config, _workers
    from edi_ivig.service.app import build_app
    from edi_ivig.service.auth import TokenError, load_token
    from edi_ivig.service.work import Workers

    root = click.get_current_context().find_root().params
    verbosity, log_format = max(1, root.get("verbose", 0)), root.get("log_format", "console")
    log.configure(verbosity, log_format)  # the access log is info
    config = _load_config(config_path)
    try:
        token = load_token(token_file, os.environ)
    except TokenError as error:
        raise click.UsageError(str(error)) from None
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together")
    if ssl_certfile is not None:  # read now: a bad file is a usage error, not a failed handshake later
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(ssl_certfile, ssl_keyfile)
        except (ssl.SSLError, OSError) as error:
            why = error.strerror or getattr(error, "reason", None) or error
            raise click.UsageError(f"--ssl-certfile/--ssl-keyfile: cannot use them: {why}") from None
    size = _workers(workers)
    uvicorn_logger = logging.getLogger("uvicorn")
    uvicorn_logger.handlers[:] = [_ToStructlog()]
    uvicorn_logger.propagate = False
    try:  # before the workers start: a port in use is found at once
        listener = _listen(host, port)
    except OSError as error:
        raise click.UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    pool = None
    try:
        pool = Workers(config, size, verbosity, log_format)
        app = build_app(pool, max_body=max_body, token=token)
        settings = uvicorn.Config(
            app, lifespan="off", access_log=False, log_config=None, log_level="warning", server_header=False,
            proxy_headers=False, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
        )
        bound = listener.getsockname()[1]
        scheme = "https" if ssl_certfile else "http"
        shown = f"[{host}]" if ":" in host else host
        log.get_logger().info("listening", url=f"{scheme}://{shown}:{bound}", port=bound, workers=size,
                              token=token is not None, max_body=max_body)
        if token is None and host not in ("127.0.0.1", "::1", "localhost"):
            log.get_logger().warning("listening beyond this machine without a token: set --token-file or EDI_IVIG_TOKEN")
        server = uvicorn.Server(settings)
        # uvicorn finishes the requests in flight on SIGTERM and SIGINT; a hang-up gets the same
        signal.signal(signal.SIGHUP, lambda number, frame: server.handle_exit(signal.SIGTERM, frame))
        server.run(sockets=[listener])
    finally:
        listener.close()
        if pool is not None:
            pool.close()
        log.get_logger().info("stopped")
