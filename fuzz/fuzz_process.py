"""Coverage-guided fuzzing of the pipeline and its reports with atheris (libFuzzer), run by hand.

    python -m venv .fuzz && .fuzz/bin/pip install atheris -e .
    .fuzz/bin/python fuzz/fuzz_process.py -atheris_runs=1000000          # or -max_total_time=3600

It seeds libFuzzer with the project's fixtures (and the shared corpus when it is
beside the repository), then mutates them, guided by coverage, and feeds each
input to the pipeline in fix mode with every option on and every report. Any
exception but `edi_ivig.UnreadableInput` is a crash, and so is an input that
takes over 10 s or 512 MB: libFuzzer stops and writes the input to crash-<hash>
(or timeout-/oom-<hash>); when you fix it, copy it to fixtures/fuzz/<what-it-is>.x12,
where tests/test_fuzz.py replays it and the fuzzers use it as a seed. The count of
inputs run is in libFuzzer's last line ("Done N runs").
"""

from __future__ import annotations

import io
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import atheris
import structlog

with atheris.instrument_imports():
    import edi_ivig
    from edi_ivig.pipeline import Pipeline
    from edi_ivig.reports.ack277 import Ack277
    from edi_ivig.reports.html_report import HtmlReport
    from edi_ivig.reports.json_report import JsonReport
    from edi_ivig.reports.text import TextReport

ROOT = Path(__file__).resolve().parent.parent
CONFIG = edi_ivig.load_config()
PIPELINE = Pipeline(CONFIG, fix=True, unsafe_fixes=True)
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))  # read warnings are expected here


def test_one_input(data: bytes) -> None:
    out, held, ack, text = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.StringIO()
    reports = [Ack277(ack, CONFIG), JsonReport(io.StringIO()), HtmlReport(io.StringIO()), TextReport(text.write)]
    try:
        PIPELINE.run(io.BytesIO(data), out, held=held, reports=reports)
    except edi_ivig.UnreadableInput:
        pass


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
