"""Start-up: a command imports only what it needs (the bench measures the time; this holds the list)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "rich", "lxml", "pyx12", "simple_icd_10_cm", "openpyxl", "starlette", "uvicorn", "dask", "distributed", "fsspec",
    "edi_ivig.reports.html_report", "edi_ivig.reports.ack277",
    "structlog", "asyncio",  # structlog (which imports asyncio) only once a run logs something
    "edi_ivig.service.command", "edi_ivig.refdata.command", "ssl",  # the commands in their own packages, when named
)


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_importing_the_package_and_the_command_line_loads_no_heavy_module():
    assert _imported_after("import edi_ivig, edi_ivig.cli") == []


def _fix_code(tmp_path, *options: str) -> str:
    """Python that runs `edi-ivig [options] fix` on a fixture, as the command line does."""
    from conftest import FIXTURES

    source = FIXTURES / "rules" / "IG05" / "837p-jz-missing-safe" / "input.x12"
    argv = ["edi-ivig", *options, "fix", str(source), "-o", str(tmp_path / "out.x12")]
    return f"import sys\nfrom edi_ivig.cli import main\nsys.argv = {argv!r}\ntry:\n    main()\nexcept SystemExit:\n    pass"


def test_a_fix_without_reports_loads_no_report_it_was_not_asked_for(tmp_path):
    assert _imported_after(_fix_code(tmp_path)) == []


def test_a_run_that_logs_imports_structlog_and_says_it(tmp_path):
    done = subprocess.run([sys.executable, "-c", _fix_code(tmp_path, "-v")], capture_output=True, text=True, check=True)
    assert "file_done" in done.stderr


def test_a_logged_exception_shows_no_local_variables(capsys):
    from edi_ivig import log

    log.configure(0)
    member_name = "TESTPATIENT ALEX"  # noqa: F841 - a local an exception formatter with locals would print
    try:
        raise ValueError("boom")
    except ValueError:
        log.get_logger().error("failed", exc_info=True)
    err = capsys.readouterr().err
    assert "ValueError: boom" in err and "TESTPATIENT" not in err
