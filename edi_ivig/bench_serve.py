"""The bench's load run of `edi-ivig serve`: many requests over loopback, some at once.

It starts the real service (a subprocess, a free port), sends the same few synthetic 837s over
and over from `concurrency` keep-alive connections, and says requests/s, p50/p99 latency, errors
(must be 0), whether every answer is what serial `process()` gives, and how long /healthz took
meanwhile (the CPU work is in worker processes, so it should stay short). Not a test: speed lives
here, the behaviour in tests/test_serve.py.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import edi_ivig


def _bodies(workdir: Path) -> list[bytes]:
    """Eight small files, as a clearinghouse hook gets them: 837P and 837I, 10-40 claims, a fifth IVIG."""
    from edi_ivig.bench import write_file

    bodies = []
    for n in range(8):
        path = workdir / f"serve-{n}.x12"
        write_file(path, "PI"[n % 2], 10 + 10 * (n % 4), 0.2)
        bodies.append(path.read_bytes())
    return bodies


class _Service:
    """`edi-ivig serve --port 0` in a subprocess, its log in a file."""

    def __init__(self, workdir: Path, workers: int):
        self.log = workdir / f"serve-{workers}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "edi_ivig", "--log-format", "json", "serve", "--port", "0", "--workers", str(workers)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            )
        self.port = self._wait()

    def _wait(self) -> int:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"edi-ivig serve stopped: {self.log.read_text()}")
            for line in self.log.read_text().splitlines():
                event = json.loads(line) if line.startswith("{") else {}
                if event.get("event") == "listening" and self._ready(event["port"]):
                    return event["port"]
            time.sleep(0.05)
        raise RuntimeError("edi-ivig serve did not get ready")

    @staticmethod
    def _ready(port: int) -> bool:
        try:
            return _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/readyz")[0] == 200
        except OSError:
            return False

    def stop(self) -> int:
        self.process.terminate()
        return self.process.wait(timeout=60)


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def load_run(workdir: Path, requests: int, concurrency: int, workers: int) -> bool:
    """One load run; True when every request succeeded with the bytes of serial process()."""
    bodies = _bodies(workdir)
    expected = [edi_ivig.process(body, mode="fix") for body in bodies]  # also loads what a worker loads at start
    started = time.perf_counter()
    for _ in range(5):
        for body in bodies:
            edi_ivig.process(body, mode="fix")
    serial = 5 * len(bodies) / (time.perf_counter() - started)
    service = _Service(workdir, workers)
    latencies: list[float] = []
    answers: list[tuple[int, int, bytes]] = []  # (body index, status, reply)
    errors: list[str] = []
    health: list[float] = []
    done = threading.Event()

    def client(share: range) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=120)
        for i in share:
            k = i % len(bodies)
            begun = time.perf_counter()
            try:
                connection.request("POST", "/v1/fix", body=bodies[k], headers={"Content-Type": "application/edi-x12"})
                response = connection.getresponse()
                reply = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors.append(type(error).__name__)
                connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=120)
                continue
            latencies.append(time.perf_counter() - begun)
            answers.append((k, response.status, reply))

    def probe() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=120)
        while not done.wait(0.02):
            begun = time.perf_counter()
            if _get(connection, "/healthz")[0] == 200:
                health.append(time.perf_counter() - begun)

    try:
        prober = threading.Thread(target=probe)
        prober.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(client, [range(c, requests, concurrency) for c in range(concurrency)]))
        seconds = time.perf_counter() - started
        done.set()
        prober.join()
    finally:
        done.set()
        service.stop()
    failed = len(errors) + sum(1 for _, status, _ in answers if status != 200)
    different = 0
    for k, status, reply in answers:
        if status == 200:
            body, result = json.loads(reply), expected[k]
            same = (base64.b64decode(body["output"]) == result.output
                    and base64.b64decode(body["ack_277ca"]) == result.ack_277ca and body["report"] == result.report)
            different += not same
    equal = different == 0 and len(answers) == requests
    print(f"  {workers} worker(s): {requests} requests, {concurrency} at once, {seconds:.1f} s:"
          f" {requests / seconds:,.0f} requests/s; latency p50 {_percentile(latencies, 0.5) * 1000:.0f} ms,"
          f" p99 {_percentile(latencies, 0.99) * 1000:.0f} ms; errors {failed}; {different} answer(s) unlike serial"
          f" process(); /healthz meanwhile p50 {_percentile(health, 0.5) * 1000:.1f} ms,"
          f" p99 {_percentile(health, 0.99) * 1000:.1f} ms ({len(health)} probes)")
    print(f"    (serial process() of the same files in this process: {serial:,.0f} files/s;"
          f" {statistics.mean(len(b) for b in bodies) / 1000:.1f} kB a file)")
    return failed == 0 and equal


def serve_section(workdir: Path, quick: bool) -> bool:
    """The bench's section: the load run with one worker and with two."""
    requests = 300 if quick else 2_000
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"edi-ivig serve over loopback (POST /v1/fix, JSON answers), {requests} requests, 16 at once"
          f" (load average before: {load}; the client runs on the same cores):")
    met = [load_run(workdir, requests, 16, workers) for workers in (1, 2)]
    print(f"  {'no errors, every answer equal to serial process()' if all(met) else 'ERRORS or answers unlike process()'}")
    return all(met)
