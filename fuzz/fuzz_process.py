"""Coverage-guided fuzzing of edi_ivig.process with atheris (libFuzzer), run by hand.

    python -m venv .fuzz && .fuzz/bin/pip install atheris -e .
    .fuzz/bin/python fuzz/fuzz_process.py -atheris_runs=1000000          # or -max_total_time=3600

It seeds libFuzzer with the project's fixtures (and the shared corpus when it is
beside the repository), then mutates them, guided by coverage, and feeds each
input to `process` in fix mode with every option on. Any exception but
`edi_ivig.UnreadableInput` is a crash: libFuzzer stops and writes the input to
crash-<hash>; add it to tests/test_fuzz.py's seeds when you fix it. The count of
inputs run is in libFuzzer's last line ("Done N runs").
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import edi_ivig

ROOT = Path(__file__).resolve().parent.parent
CONFIG = edi_ivig.load_config()


def test_one_input(data: bytes) -> None:
    try:
        edi_ivig.process(data, mode="fix", unsafe_fixes=True, hold_errors=True, config=CONFIG)
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
    if not any(a.startswith("-max_len") for a in argv):
        argv.insert(1, "-max_len=65536")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
