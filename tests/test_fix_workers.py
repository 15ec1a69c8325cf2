"""fix --workers: a large file converted in chunks by several processes writes the bytes one
process writes, every output (tests make any file "large" by lowering the threshold)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, READABLE
from edi_ivig import chunked
from edi_ivig.bench import write_file
from edi_ivig.cli import main


@pytest.fixture
def small_is_large(monkeypatch):
    monkeypatch.setattr(chunked, "LARGE_FILE", 0)
    monkeypatch.setattr(chunked, "CHUNK", 1)
    monkeypatch.setattr(chunked, "MAX_CHUNK", 1)


def _inputs(folder):
    """Files of several interchanges and of several transactions, 837P and 837I, IVIG and not."""
    several = folder / "three-interchanges.x12"
    several.write_bytes(b"".join(p.read_bytes() for p in (FIXTURES / "demo" / "claims.x12", *READABLE[:2])))
    transactions = folder / "transactions.x12"
    write_file(transactions, "P", 60, 0.2, per_transaction=7)
    facility = folder / "facility.x12"
    write_file(facility, "I", 40, 0.25, per_transaction=9)
    return [several, transactions, facility]


def _fix(source, out, *options):
    out.mkdir()
    args = ["fix", str(source), "-o", str(out / "837"), "--277", str(out / "277"), "--json", str(out / "json"), *options]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, {p.name: p.read_bytes() for p in out.iterdir()}


@pytest.mark.parametrize("hold", [False, True], ids=["", "hold-errors"])
def test_two_workers_write_what_one_writes(tmp_path, small_is_large, hold):
    for source in _inputs(tmp_path):
        extra = lambda out: ["--hold-errors", str(out / "held")] if hold else []  # noqa: E731
        one = _fix(source, tmp_path / f"{source.stem}-1", *extra(tmp_path / f"{source.stem}-1"), "--unsafe-fixes")
        two = _fix(source, tmp_path / f"{source.stem}-2", *extra(tmp_path / f"{source.stem}-2"), "--unsafe-fixes", "--workers", "2")
        assert one[0] == two[0] and one[1] == two[1], source.name
        assert one[2] == two[2], source.name  # every output, byte for byte
        assert b"CLM*" in one[2]["837"] and one[2]["277"]


def test_the_chunks_are_really_converted_apart(tmp_path, small_is_large, monkeypatch):
    """The test above would pass if --workers never cut: here the pool must have run the chunks."""
    ran = []
    real = chunked.convert_file

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        ran.append(result.counts.claims)
        return result

    monkeypatch.setattr(chunked, "convert_file", spy)
    source = _inputs(tmp_path)[1]
    code, _, outputs = _fix(source, tmp_path / "out", "--workers", "2")
    assert ran == [60] and code in (0, 1) and outputs["837"]


def test_an_unreadable_file_says_what_one_worker_says_and_leaves_nothing(tmp_path, small_is_large):
    source = _inputs(tmp_path)[1]
    data = source.read_bytes()
    broken = tmp_path / "broken.x12"
    broken.write_bytes(data.replace(b"SV1*HC:96365", b"SV1*HC:96365~QQQ*1", 1))
    results = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        out.mkdir()
        done = CliRunner().invoke(main, ["fix", str(broken), "-o", str(out / "837"), "--workers", workers])
        results.append((done.exit_code, done.stderr))
        assert list(out.iterdir()) == []
    assert results[0] == results[1] and results[0][0] == 3 and "segment" in results[0][1]


def test_workers_and_html_are_refused_before_any_work(tmp_path):
    done = CliRunner().invoke(
        main, ["fix", str(READABLE[0]), "-o", str(tmp_path / "out"), "--html", str(tmp_path / "h"), "--workers", "2"]
    )
    assert done.exit_code == 2 and "--html" in done.stderr and not (tmp_path / "out").exists()
