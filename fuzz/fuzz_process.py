"""Coverage-guided fuzzing of the hook and its reports with atheris (libFuzzer), run by hand.

    python -m venv .fuzz && .fuzz/bin/pip install atheris -e .
    .fuzz/bin/python fuzz/fuzz_process.py -atheris_runs=1000000          # or -max_total_time=3600

It seeds libFuzzer with the project's fixtures (and the shared corpus when it is
beside the repository), then mutates them, guided by coverage, and feeds each
input to `edi_ivig.process` in one of its modes (check; fix; fix with unsafe
fixes; each with and without holding errors), or to the pipeline with every
report (277CA, JSON, HTML, text); the input's checksum picks which. A failure is:

- any exception but `edi_ivig.UnreadableInput`;
- a claim lost or added: the claims of `output` and `held` are not those read;
- `check` returning other bytes than it was given, or `fix` changing an input
  whose report says nothing changed;
- the conservation check firing (IG99): one of the product's own fixes would
  have changed what a claim bills;
- an input that takes over 10 s or 512 MB.

libFuzzer then stops and writes the input to crash-<hash> (or timeout-/oom-<hash>);
when you fix it, copy it to fixtures/fuzz/<what-it-is>.x12, where tests/test_fuzz.py
and tests/test_conservation.py replay it and the fuzzers use it as a seed. The count
of inputs run is in libFuzzer's last line ("Done N runs").
"""

from __future__ import annotations

import io
import logging
import shutil
import sys
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import atheris
import structlog

with atheris.instrument_imports():
    import edi_ivig
    from edi_ivig.pipeline import NOT_CONSERVED, Pipeline
    from edi_ivig.reader import RawClaim, Reader
    from edi_ivig.reports.ack277 import Ack277
    from edi_ivig.reports.html_report import HtmlReport
    from edi_ivig.reports.json_report import JsonReport
    from edi_ivig.reports.text import TextReport

ROOT = Path(__file__).resolve().parent.parent
CONFIG = edi_ivig.load_config()
PIPELINE = Pipeline(CONFIG, fix=True, unsafe_fixes=True)
MODES = (
    {"mode": "check"},
    {"mode": "check", "hold_errors": True},
    {"mode": "fix"},
    {"mode": "fix", "hold_errors": True},
    {"mode": "fix", "unsafe_fixes": True},
    {"mode": "fix", "unsafe_fixes": True, "hold_errors": True},
    None,  # the pipeline with every report
)
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))  # read warnings are expected here


def claims(data: bytes) -> Counter[str]:
    return Counter(p.claim_id for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim)) if data else Counter()


def test_one_input(data: bytes) -> None:
    options = MODES[zlib.crc32(data) % len(MODES)]
    try:
        if options is None:
            _every_report(data)
            return
        result = edi_ivig.process(data, config=CONFIG, **options)
    except edi_ivig.UnreadableInput:
        return
    refused = [f for f in result.findings if f.rule == NOT_CONSERVED]
    if refused:
        raise AssertionError(f"the conservation check refused a fix of the product's: {refused[0].message}")
    if options["mode"] == "check":
        if result.output != data:
            raise AssertionError("check returned other bytes than it was given")
        return
    read, sent, held = claims(data), claims(result.output), claims(result.held)
    if sent + held != read:
        raise AssertionError(f"claims lost or added: {sum(read.values())} read, {sum(sent.values())} sent, {sum(held.values())} held")
    if not options.get("hold_errors") and result.report["summary"]["changed"] == 0 and result.output != data:
        raise AssertionError("nothing was changed, yet the output is not the input")


def _every_report(data: bytes) -> None:
    out, held, ack, text = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.StringIO()
    reports = [Ack277(ack, CONFIG), JsonReport(io.StringIO()), HtmlReport(io.StringIO()), TextReport(text.write)]
    PIPELINE.run(io.BytesIO(data), out, held=held, reports=reports)


def seeds(folder: Path) -> None:
    sources = list((ROOT / "fixtures").rglob("*.x12"))
    shared = ROOT.parent / "shared" / "corpus"
    if shared.is_dir():
        sources += [p for p in shared.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    for n, path in enumerate(sorted(sources)):
        shutil.copy(path, folder / f"seed-{n:04d}")


def main() -> None:
    corpus = Path(tempfile.mkdtemp(prefix="edi-ivig-fuzz-"))
    seeds(corpus)
    argv = [sys.argv[0], *[a for a in sys.argv[1:]], str(corpus)]
    # inputs up to 64 KiB; one that takes over 10 s or 512 MB is a failure too (libFuzzer's own limits are 20 min and 2 GB)
    for default in ("-max_len=65536", "-timeout=10", "-rss_limit_mb=512"):
        if not any(a.startswith(default.split("=")[0] + "=") for a in argv):
            argv.insert(1, default)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
