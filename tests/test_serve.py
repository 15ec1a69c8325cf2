"""`edi-ivig serve`: the real server in a subprocess on a free loopback port, called over HTTP.

Each server is started once (a module fixture, or a test that needs one of its own) and always
stopped, also when a test fails. The service must give the bytes `process()` and `edi-ivig fix`
give, for every rule fixture, with the case's options (unsafe_fixes as a query parameter, the
case's config as --config); only the JSON report's `input` (the file name) differs from the CLI's.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import jsonschema
import pytest
from click.testing import CliRunner

import edi_ivig
from conftest import FIXTURES, UNREADABLE
from edi_ivig.cli import main
from edi_ivig.regress import find_cases
from edi_ivig.settings import Config

DEMO = (FIXTURES / "demo" / "claims.x12").read_bytes()
CASES = find_cases(FIXTURES / "rules")
TOKEN = "file-token-0123456789"
ENV_TOKEN = "env-token-9876543210"
MAX_BODY = 64 * 1024  # the main server's --max-body: every fixture is far smaller


class Server:
    """An `edi-ivig serve` subprocess: its URL once ready, its log (stderr, JSON lines)."""

    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None, scheme: str = "http"):
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "serve.log"
        self.scheme = scheme
        self._log = open(self.log_path, "wb")
        command = [sys.executable, "-m", "edi_ivig", "--log-format", "json", "serve", "--port", "0", *args]
        environ = {k: v for k, v in os.environ.items() if k != "EDI_IVIG_TOKEN"} | (env or {})
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self._log, env=environ)
        self.port = 0

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def events(self) -> list[dict]:
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def wait_ready(self, verify: ssl.SSLContext | bool = True) -> Server:
        deadline = time.monotonic() + 90
        while not self.port:
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, "no `listening` line"
            self.port = next((e["port"] for e in self.events() if e["event"] == "listening"), 0)
            time.sleep(0.05)
        while True:
            try:
                if httpx.get(self.url + "/readyz", verify=verify, timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, self.log_path.read_text()
            time.sleep(0.05)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@contextmanager
def running(folder: Path, *args: str, env: dict[str, str] | None = None, scheme: str = "http", verify=True):
    server = Server(folder, *args, env=env, scheme=scheme)
    try:
        yield server.wait_ready(verify)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    (folder / "token").write_text(TOKEN + "\n")
    with running(folder, "--workers", "2", "--max-body", str(MAX_BODY), "--token-file", str(folder / "token")) as started:
        yield started


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as http:
        yield http


def decoded(reply: httpx.Response) -> dict:
    """The JSON reply with its base64 fields as bytes, as the reply's `encoding` says."""
    body = reply.json()
    assert body["encoding"] == "base64"
    return {**body, **{key: base64.b64decode(body[key], validate=True) for key in ("output", "held", "ack_277ca")}}


def openapi_schema(document: dict, name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


# -- the endpoints --------------------------------------------------------------------------------


def test_health_and_readiness_answer_without_a_token(server):
    health = httpx.get(server.url + "/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok", "version": edi_ivig.__version__}
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "workers": 2}


def test_rules_are_what_edi_ivig_rules_prints_as_json(client):
    printed = CliRunner().invoke(main, ["rules", "--format", "json"]).stdout
    reply = client.get("/v1/rules")
    assert reply.status_code == 200 and reply.json() == json.loads(printed)


def test_the_openapi_document_describes_the_routes_the_service_has(server):
    from edi_ivig.service.app import build_app

    document = httpx.get(server.url + "/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    described = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    app = build_app(None, max_body=MAX_BODY, token=None)  # type: ignore[arg-type]
    routed = {(route.path, method) for route in app.routes for method in route.methods if method != "HEAD"}
    assert described == routed
    for path, item in document["paths"].items():  # each documents what it answers without a token
        for method, operation in item.items():
            status = httpx.request(method, server.url + path, content=DEMO).status_code
            assert str(status) in operation["responses"], (path, method, status)
            assert (status == 401) == bool(operation["security"]), (path, method)
    assert httpx.get(server.url + "/v2/fix").status_code == 401  # what is not open needs the token, even to be 404
    assert httpx.get(server.url + "/v2/fix", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_replies_are_what_the_openapi_document_says(server, client):
    document = httpx.get(server.url + "/openapi.json").json()
    checks = [
        (client.post("/v1/fix", content=DEMO), "Result"),
        (client.post("/v1/check?unsafe_fixes=true", content=DEMO), "Result"),
        (client.post("/v1/fix", content=b"no 837"), "Error"),
        (httpx.post(server.url + "/v1/fix", content=DEMO), "Error"),
        (httpx.get(server.url + "/healthz"), "Health"),
        (httpx.get(server.url + "/readyz"), "Ready"),
    ]
    for reply, name in checks:
        jsonschema.validate(reply.json(), openapi_schema(document, name))
    rules = {"type": "array", "items": openapi_schema(document, "Rule")}
    jsonschema.validate(client.get("/v1/rules").json(), {**rules, "components": document["components"]})
    with pytest.raises(jsonschema.ValidationError):  # the schemas are not so loose that anything passes
        jsonschema.validate({"mode": "fix"}, openapi_schema(document, "Result"))


@pytest.mark.parametrize("unsafe", [False, True])
def test_fix_answers_the_bytes_process_gives(client, unsafe):
    reply = client.post("/v1/fix", params={"unsafe_fixes": str(unsafe).lower(), "hold_errors": "true"}, content=DEMO)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    result = edi_ivig.process(DEMO, mode="fix", unsafe_fixes=unsafe, hold_errors=True)
    body = decoded(reply)
    assert body["mode"] == "fix"
    assert (body["output"], body["held"], body["ack_277ca"], body["report"]) == (
        result.output, result.held, result.ack_277ca, result.report)
    assert (b"CLM*DEMO-1*" in body["held"]) is not unsafe  # the unsafe fixes leave it nothing to hold for


def test_check_answers_the_input_unchanged_and_the_report(client):
    body = decoded(client.post("/v1/check", content=DEMO))
    assert body["output"] == DEMO and body["held"] == b""
    assert body["report"] == edi_ivig.process(DEMO).report and body["report"]["mode"] == "check"


def test_accept_edi_x12_answers_the_corrected_837_with_the_counts_in_headers(client):
    reply = client.post("/v1/fix", content=DEMO, headers={"Accept": "application/edi-x12"})
    result = edi_ivig.process(DEMO, mode="fix")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/edi-x12"
    assert reply.content == result.output
    summary = result.report["summary"]
    assert reply.headers["edi-ivig-claims"] == str(summary["claims"]) == "4"
    assert reply.headers["edi-ivig-changed"] == str(summary["changed"])
    assert reply.headers["edi-ivig-held"] == "0"
    errors_left = sum(1 for f in result.findings if f.severity == "error" and not f.fixed)
    assert reply.headers["edi-ivig-errors-left"] == str(errors_left) != "0"
    findings = summary["findings"]
    assert reply.headers["edi-ivig-findings"] == f"error={findings['error']}, warning={findings['warning']}, info={findings['info']}"


@pytest.mark.parametrize("accept, answered", [
    ("application/edi-x12;q=0.5, application/json", "application/json"),
    ("application/json;q=0.2, application/edi-x12", "application/edi-x12"),
    ("*/*", "application/json"),
    ("application/*, application/json;q=0", "application/edi-x12"),
])
def test_the_accept_header_chooses_json_or_edi(client, accept, answered):
    assert client.post("/v1/fix", content=DEMO, headers={"Accept": accept}).headers["content-type"] == answered


def test_an_accept_header_that_takes_neither_is_406(client):
    reply = client.post("/v1/fix", content=DEMO, headers={"Accept": "text/html"})
    assert reply.status_code == 406 and reply.json()["error"] == "not_acceptable"


@pytest.mark.parametrize("query, message", [
    ("unsafe_fixes=SMITH", "unsafe_fixes must be true or false"),
    ("patient=SMITH", "/v1/fix takes the query parameters unsafe_fixes, hold_errors only"),
])
def test_a_bad_query_parameter_is_400_and_not_repeated(client, query, message):
    reply = client.post(f"/v1/fix?{query}", content=DEMO)
    assert reply.status_code == 400 and reply.json() == {"error": "bad_parameter", "message": message}
    assert "SMITH" not in reply.text


def test_check_takes_no_hold_errors(client):
    reply = client.post("/v1/check?hold_errors=true", content=DEMO)
    assert reply.status_code == 400 and reply.json()["message"] == "/v1/check takes the query parameters unsafe_fixes only"


def test_input_that_is_not_utf8_comes_back_byte_for_byte(client, tmp_path):
    data = DEMO.replace(b"NM1*IL*1*", b"NM1*IL*1*M\xdcLLER\xff", 1)
    assert data != DEMO
    body = decoded(client.post("/v1/fix", content=data))
    assert body["output"] == edi_ivig.process(data, mode="fix").output
    (tmp_path / "in.x12").write_bytes(data)
    CliRunner().invoke(main, ["fix", str(tmp_path / "in.x12"), "-o", str(tmp_path / "out.x12")])
    assert body["output"] == (tmp_path / "out.x12").read_bytes() and b"M\xdcLLER\xff" in body["output"]


# -- unreadable input and the body limit ------------------------------------------------------------


@pytest.mark.parametrize("path", UNREADABLE, ids=lambda p: p.stem)
def test_unreadable_input_is_422_with_the_clis_message(client, path):
    data = path.read_bytes()
    with pytest.raises(edi_ivig.UnreadableInput) as raised:
        edi_ivig.process(data, mode="fix")
    reply = client.post("/v1/fix", content=data)
    assert reply.status_code == 422
    assert reply.json() == {"error": "unreadable", "message": raised.value.message}
    cli = CliRunner().invoke(main, ["fix", str(path), "-o", os.devnull])
    assert cli.exit_code == 3 and cli.stderr.strip() == f"edi-ivig: {path}: cannot read: {raised.value.message}"


def test_the_422_message_quotes_nothing_of_the_body(client):
    marker = b"ZZQUINTANILLA"
    data = DEMO.replace(b"LX*1~", b"LX*1~" + marker + b"*" + marker + b"~", 1).replace(b"LX*", b"XL*", 1)
    reply = client.post("/v1/fix", content=data)
    assert reply.status_code == 422 and reply.json()["message"]
    assert marker.decode() not in reply.text


def test_a_body_of_the_limit_is_read_and_one_byte_more_is_413(client):
    assert client.post("/v1/fix", content=b"x" * MAX_BODY).status_code == 422  # read, not an 837
    reply = client.post("/v1/fix", content=b"x" * (MAX_BODY + 1))
    assert reply.status_code == 413 and reply.json()["error"] == "too_large"
    assert str(MAX_BODY) in reply.json()["message"]


def test_a_chunked_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(MAX_BODY // 1024 + 1):
            yield b"x" * 1024

    reply = client.post("/v1/fix", content=chunks())
    assert reply.request.headers.get("transfer-encoding") == "chunked"
    assert reply.status_code == 413


def test_a_body_over_the_limit_is_refused_before_it_is_all_sent(server):
    """A chunked body whose end is never sent: the 413 comes once the limit is passed, so the
    service neither waits for the rest nor keeps it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(f"POST /v1/fix HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                           f"Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"x" * 4096
        for _ in range(MAX_BODY // len(chunk) + 2):
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = connection.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_the_body_is_read_no_further_than_the_limit():
    """In process, with an endless body: reading stops at the first chunk past the limit."""
    from starlette.requests import Request

    from edi_ivig.service.body import TooLarge, read_body

    given = 0

    async def receive():
        nonlocal given
        given += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    request = Request({"type": "http", "method": "POST", "path": "/v1/fix", "headers": [], "query_string": b""}, receive)
    with pytest.raises(TooLarge):
        asyncio.run(read_body(request, 10_000))
    assert given == 11


@pytest.mark.parametrize("text, size", [("100", 100), ("512K", 512 * 1024), ("64m", 64 * 1024**2), ("1G", 1024**3)])
def test_max_body_takes_bytes_or_k_m_g(text, size):
    from edi_ivig.service.body import parse_size

    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["1.5M", "-1", "64MB", ""])
def test_max_body_refuses_what_is_not_a_size(text):
    assert CliRunner().invoke(main, ["serve", "--max-body", text]).exit_code == 2


# -- the token --------------------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(server):
    reply = httpx.post(server.url + "/v1/fix", content=DEMO)
    assert reply.status_code == 401 and reply.headers["www-authenticate"] == 'Bearer realm="edi-ivig"'
    assert reply.json()["error"] == "unauthorized" and TOKEN not in reply.text


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer", f"Basic {TOKEN}", TOKEN])
def test_a_wrong_token_is_401_invalid_token(server, header):
    for call in (lambda: httpx.post(server.url + "/v1/fix", content=DEMO, headers={"Authorization": header}),
                 lambda: httpx.get(server.url + "/v1/rules", headers={"Authorization": header})):
        reply = call()
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == 'Bearer realm="edi-ivig", error="invalid_token"'


def test_the_token_from_the_file_opens_every_endpoint(client):
    assert client.post("/v1/fix", content=DEMO).status_code == 200
    assert client.post("/v1/check", content=DEMO).status_code == 200
    assert client.get("/v1/rules").status_code == 200
    assert client.get("/v1/rules", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200  # scheme: any case


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a certificate with")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


def test_the_token_from_the_environment_and_tls(tmp_path, tls_files):
    cert, key = tls_files
    args = ("--workers", "1", "--ssl-certfile", str(cert), "--ssl-keyfile", str(key))
    trusted = ssl.create_default_context(cafile=str(cert))
    with running(tmp_path, *args, env={"EDI_IVIG_TOKEN": ENV_TOKEN}, scheme="https", verify=trusted) as server:
        with httpx.Client(base_url=server.url, verify=trusted) as https:
            reply = https.post("/v1/fix", content=DEMO, headers={"Authorization": f"Bearer {ENV_TOKEN}"})
            assert reply.status_code == 200 and decoded(reply)["output"] == edi_ivig.process(DEMO, mode="fix").output
            assert https.post("/v1/fix", content=DEMO, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 401
            assert https.get("/v1/rules").status_code == 401
        with pytest.raises(httpx.TransportError):  # TLS only: plain HTTP is not answered
            httpx.get(f"http://127.0.0.1:{server.port}/healthz")
    assert ENV_TOKEN not in server.log_path.read_text()


# -- start-up errors: exit 2 with one line, before listening ----------------------------------------


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "EDI_IVIG_TOKEN"} | (env or {})
    return subprocess.run([sys.executable, "-m", "edi_ivig", "serve", "--port", "0", *args],
                          capture_output=True, text=True, env=environ, timeout=60)


def test_a_bad_config_is_exit_2_at_start_with_the_clis_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[rules.IG01]\nenable = false\n")
    done = _serve("--config", str(bad))
    assert done.returncode == 2
    check = CliRunner().invoke(main, ["check", "--config", str(bad), str(FIXTURES / "demo" / "claims.x12")])
    assert check.exit_code == 2
    message = f"Error: config: {bad}: unknown key 'rules.IG01.enable'"
    assert message in done.stderr and message in check.stderr


@pytest.mark.parametrize("trouble", ["empty token file", "both", "port in use", "one TLS file"])
def test_a_bad_start_is_exit_2_naming_what(tmp_path, trouble):
    token = tmp_path / "token"
    token.write_text("\n" if trouble == "empty token file" else "t0k3n")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        args = {
            "empty token file": ("--token-file", str(token)),
            "both": ("--token-file", str(token)),
            "port in use": ("--port", str(taken.getsockname()[1])),
            "one TLS file": ("--ssl-certfile", str(token)),
        }[trouble]
        done = _serve(*args, env={"EDI_IVIG_TOKEN": "t0k3n"} if trouble == "both" else None)
    assert done.returncode == 2, done.stderr
    expected = {
        "empty token file": "the token must be one word",
        "both": "--token-file and EDI_IVIG_TOKEN both give a token",
        "port in use": "cannot listen on 127.0.0.1:",
        "one TLS file": "--ssl-certfile and --ssl-keyfile go together",
    }[trouble]
    assert expected in done.stderr and "t0k3n" not in done.stderr


def test_the_listening_socket_says_tcp_so_asyncio_sets_nodelay_on_each_connection():
    """asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP (socket.create_server's
    is 0): without it each keep-alive answer waited for a delayed ACK (the bench's /healthz)."""
    from edi_ivig.service.command import _listen

    with _listen("127.0.0.1", 0) as listener:
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP


def test_serve_help_teaches_with_examples():
    text = CliRunner().invoke(main, ["serve", "--help"]).stdout
    for words in ("Examples:", "curl --data-binary @claims.837", "base64 -d", "Accept: application/edi-x12",
                  "--token-file", "EDI_IVIG_TOKEN", "--ssl-certfile", "--workers", "--max-body", "SIGTERM"):
        assert words in text, words


# -- the same bytes as process() and `edi-ivig fix`, for every rule fixture --------------------------


def _config_lines(folder: Path, case_config: dict) -> list[str] | None:
    """The case's [config] as a --config file, its relative paths made absolute (as
    Config.load(overrides, base=case folder) reads them), in dotted keys."""
    if not case_config:
        return None
    lines = []

    def put(prefix: list[str], value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                put([*prefix, key], inner)
            return
        if prefix[-1] == "coverage_list" and value.endswith(".csv"):
            value = str(folder / value)
        lines.append(".".join(json.dumps(key) for key in prefix) + " = " + json.dumps(value))

    put([], case_config)
    return lines


GROUPS: dict[str, list] = {}
for _case in CASES:
    _key = json.dumps(_config_lines(_case.folder, _case.config))
    GROUPS.setdefault(_key, []).append(_case)


def _cli(case, config: Path | None, out: Path) -> tuple[bytes, bytes, dict]:
    args = [case.mode, str(case.input), "--277", str(out / "ack"), "--json", str(out / "report.json")]
    if case.mode == "fix":
        args += ["-o", str(out / "output")] + (["--unsafe-fixes"] if case.unsafe_fixes else [])
    if config:
        args += ["--config", str(config)]
    done = CliRunner().invoke(main, args)
    assert done.exit_code in (0, 1), done.output
    output = (out / "output").read_bytes() if case.mode == "fix" else case.input.read_bytes()
    return output, (out / "ack").read_bytes(), json.loads((out / "report.json").read_text(encoding="utf-8"))


def _compare(client: httpx.Client, cases: list, config: Path | None, tmp_path: Path) -> None:
    loaded = Config.load(config)
    for n, case in enumerate(cases):
        data = case.input.read_bytes()
        reply = client.post(f"/v1/{case.mode}", params={"unsafe_fixes": str(case.unsafe_fixes).lower()}, content=data)
        assert reply.status_code == 200, case.folder
        served = decoded(reply)
        hook = edi_ivig.process(data, mode=case.mode, unsafe_fixes=case.unsafe_fixes, config=loaded)
        assert (served["output"], served["ack_277ca"], served["report"], served["held"]) == (
            hook.output, hook.ack_277ca, hook.report, b""), case.folder
        if case.mode == "check" and case.unsafe_fixes:
            continue  # `edi-ivig check` has no --unsafe-fixes
        (tmp_path / str(n)).mkdir()
        output, ack, report = _cli(case, config, tmp_path / str(n))
        assert report["input"] == str(case.input) and served["report"]["input"] == "-"
        assert (served["output"], served["ack_277ca"], {**served["report"], "input": report["input"]}) == (
            output, ack, report), case.folder


def test_every_rule_fixture_gives_the_bytes_of_process_and_the_cli(client, tmp_path):
    _compare(client, GROUPS["null"], None, tmp_path)


def test_every_rule_fixture_with_a_config_of_its_own_gives_the_same_bytes(tmp_path):
    """A server for each case config (--config), all started at once: most of a start is waiting."""
    groups = [(n, json.loads(key), cases) for n, (key, cases) in enumerate(GROUPS.items()) if key != "null"]
    servers = []
    try:
        for n, lines, _ in groups:
            (tmp_path / str(n)).mkdir()
            config = tmp_path / str(n) / "config.toml"
            config.write_text("\n".join(lines) + "\n", encoding="utf-8")
            servers.append(Server(tmp_path / str(n) / "server", "--workers", "1", "--config", str(config)))
        for server, (n, _, cases) in zip(servers, groups, strict=True):
            with httpx.Client(base_url=server.wait_ready().url, timeout=60) as open_client:
                _compare(open_client, cases, tmp_path / str(n) / "config.toml", tmp_path / str(n))
    finally:
        for server in servers:
            server.stop()


def test_the_fixtures_cover_every_case_and_config():
    assert sum(len(cases) for cases in GROUPS.values()) == len(CASES) > 100
    assert len(GROUPS) > 5 and "null" in GROUPS


def _workers_of(pid: int) -> list[int]:
    """The worker processes of a server: spawned children of any of its threads."""
    children = [c for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    return sorted(int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes())


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the worker processes in /proc")
def test_a_worker_that_dies_is_503_and_the_workers_are_replaced(tmp_path):
    with running(tmp_path, "--workers", "1") as server:
        [worker] = _workers_of(server.process.pid)
        os.kill(worker, signal.SIGKILL)
        lost = httpx.post(server.url + "/v1/fix", content=DEMO, timeout=60)
        assert lost.status_code == 503 and lost.headers["retry-after"] == "1"
        assert lost.json()["error"] == "workers_lost"
        server.wait_ready()
        again = httpx.post(server.url + "/v1/fix", content=DEMO, timeout=60)
        assert again.status_code == 200 and decoded(again)["output"] == edi_ivig.process(DEMO, mode="fix").output
        replaced = _workers_of(server.process.pid)
        assert replaced not in ([], [worker])
        server.process.kill()  # gone without stopping its workers: they must not wait for ever
        server.process.wait()
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in replaced):
            assert time.monotonic() < deadline, "the workers outlived their server"
            time.sleep(0.1)


# -- logs, CPU work off the event loop, and a graceful stop ------------------------------------------


def test_the_access_log_names_requests_and_never_their_content(server, client):
    client.post("/v1/fix?unsafe_fixes=true", content=DEMO)
    client.get("/v1/fix/ZZPATIENTNAME")
    events = [e for e in server.events() if e["event"] == "request"]
    fixed = [e for e in events if e["path"] == "/v1/fix" and e["status"] == 200]
    assert fixed and set(fixed[-1]) >= {"method", "path", "status", "received", "sent", "ms"}
    assert fixed[-1]["method"] == "POST" and fixed[-1]["received"] == len(DEMO) and fixed[-1]["sent"] > len(DEMO)
    assert any(e["path"] == "(other)" and e["status"] == 404 for e in events)
    text = server.log_path.read_text(encoding="utf-8")
    for secret in ("ZZPATIENTNAME", "unsafe_fixes", TOKEN, "DEMO-1", "NM1*"):
        assert secret not in text, secret


@functools.cache
def _big() -> tuple[bytes, bytes]:
    """300 all-IVIG claims (about half a second of work) and what fix makes of them."""
    from edi_ivig.bench import write_file

    with tempfile.TemporaryDirectory() as folder:
        write_file(Path(folder) / "big.x12", "P", 300, 1.0)
        data = (Path(folder) / "big.x12").read_bytes()
    return data, edi_ivig.process(data, mode="fix").output


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_request_in_flight_finishes_after_a_stop_signal_and_health_answers_meanwhile(tmp_path, stop):
    data, expected = _big()
    server = Server(tmp_path / "server", "--workers", "1")
    try:
        server.wait_ready()
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as connection:
            connection.sendall(f"POST /v1/fix HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n"
                               "Expect: 100-continue\r\n\r\n".encode())
            assert connection.recv(1024).startswith(b"HTTP/1.1 100 ")  # the service is reading this request
            connection.sendall(data)
            assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200
            connection.setblocking(False)
            with pytest.raises(BlockingIOError):  # the fix was still running when health answered
                connection.recv(1)
            connection.setblocking(True)
            server.process.send_signal(stop)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")  # and the connection closed: the loop above ended
        assert base64.b64decode(json.loads(body)["output"]) == expected
        assert server.process.wait(timeout=60) == 128 + (signal.SIGINT if stop == signal.SIGINT else signal.SIGTERM)
    finally:
        server.stop()
    assert server.events()[-1]["event"] == "stopped"
