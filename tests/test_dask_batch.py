"""batch on Dask gives the local batch's bytes: on a folder, on S3 (moto on loopback), cut into
chunks, and with a worker killed mid-file. One two-worker LocalCluster and one S3 server serve the module."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import cloudpickle
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, READABLE
from edi_ivig import bench, chunks
from edi_ivig.cli import main
from edi_ivig.places import PlaceError
from edi_ivig.reader import Reader
from edi_ivig.regress import find_cases

pytest.importorskip("distributed")
from edi_ivig import dask_batch  # noqa: E402

DEMO = FIXTURES / "demo" / "claims.x12"
SAMPLES = [DEMO, *READABLE, *(c.input for c in find_cases(FIXTURES / "rules"))]
BUCKET = "claims"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import tests/


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 on 127.0.0.1, with fake credentials in the environment the workers inherit."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": f"http://{host}:{port}"}.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def client(s3_endpoint):
    with dask_batch.connect(local_workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def s3(s3_endpoint):
    import s3fs

    fs = s3fs.S3FileSystem(anon=False)
    fs.mkdir(BUCKET)
    return fs


def _inbox(folder: Path, sources=SAMPLES) -> Path:
    folder.mkdir()
    for index, source in enumerate(sources):
        (folder / f"{index:02d}-{source.parent.name}.x12").write_bytes(source.read_bytes())
    (folder / "broken.x12").write_bytes((FIXTURES / "unreadable" / "cut-short.x12").read_bytes())
    (folder / ".in-transfer.x12").write_bytes(b"half a file")
    (folder / "subfolder").mkdir()
    return folder


def _local_batch(inbox: Path, out: Path, *flags: str) -> None:
    result = CliRunner().invoke(main, ["batch", str(inbox), str(out), "--workers", "1", *flags])
    assert result.exit_code == 1, result.output  # the broken file, and samples that keep errors


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("flags", [(), ("--hold-errors",)])
def test_a_folder_on_dask_gives_the_local_batchs_bytes(tmp_path, client, flags):
    inbox = _inbox(tmp_path / "in")
    _local_batch(inbox, tmp_path / "local", *flags)
    summary = dask_batch.run_dask_batch(str(inbox), str(tmp_path / "dask"), client, hold_errors=bool(flags))
    assert summary.totals()["files"] == len(SAMPLES) + 1 and len(summary.failed) == 1
    local, dask = _contents(tmp_path / "local"), _contents(tmp_path / "dask")
    assert local.keys() == dask.keys()
    assert ("broken.x12" in local, "broken.x12.json" in local) == (False, False)
    for name in local:  # batch-summary.json has no timing field: it too is compared whole
        assert dask[name] == local[name], name
    skipped = json.loads(local["batch-summary.json"])["skipped_files"]
    assert [s["file"] for s in skipped] == [".in-transfer.x12", "subfolder"]


def test_a_bucket_on_dask_gives_the_local_batchs_bytes_and_leaves_no_temporary(tmp_path, client, s3):
    inbox = _inbox(tmp_path / "in", SAMPLES[:6])
    _local_batch(inbox, tmp_path / "local", "--hold-errors")
    for path in inbox.iterdir():
        if path.is_file():
            s3.pipe_file(f"{BUCKET}/in/{path.name}", path.read_bytes())
    s3.pipe_file(f"{BUCKET}/in/subfolder/inside.x12", DEMO.read_bytes())  # a "folder" is a prefix on S3
    s3.pipe_file(f"{BUCKET}/out/broken.x12.json", b"left by an earlier run")
    s3.pipe_file(f"{BUCKET}/out/00-demo.x12.held", b"left by an earlier run")
    dask_batch.run_dask_batch(f"s3://{BUCKET}/in", f"s3://{BUCKET}/out/", client, hold_errors=True)
    s3.invalidate_cache()
    written = {key.rsplit("/", 1)[-1]: s3.cat_file(key) for key in s3.ls(f"{BUCKET}/out")}
    assert written == _contents(tmp_path / "local")  # no temporary key, no earlier run's leftovers


def test_cli_on_a_local_cluster_prints_the_dashboard_and_the_summary(tmp_path):
    inbox = _inbox(tmp_path / "in", [DEMO])
    done = subprocess.run(
        [sys.executable, "-m", "edi_ivig", "batch", str(inbox), str(tmp_path / "out"), "--dask-local", "1"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Dask dashboard: http://127.0.0.1:" in done.stderr
    assert "2 file(s), 1 failed, 2 skipped;" in done.stdout and "a local Dask cluster of 1 worker(s)" in done.stdout
    assert (tmp_path / "out" / "00-demo.x12.277").exists()


@pytest.mark.parametrize(
    "args, says",
    [
        (["s3://claims/in", "OUT"], "needs --dask-local N or --scheduler ADDRESS"),
        (["IN", "OUT", "--scheduler", "tcp://127.0.0.1:9", "--dask-local", "1"], "use one of"),
        (["IN", "OUT", "--dask-local", "1", "--workers", "2"], "use one of"),
        (["IN", "IN", "--dask-local", "1"], "OUT_DIR is IN_DIR"),
        (["IN", "OUT", "--scheduler", "tcp://127.0.0.1:9"], "no Dask scheduler reached at tcp://127.0.0.1:9"),
    ],
)
def test_what_cannot_be_reached_is_one_line_and_exit_2(tmp_path, args, says):
    (tmp_path / "IN").mkdir()
    args = [str(tmp_path / a) if a in ("IN", "OUT") else a for a in args]
    result = CliRunner().invoke(main, ["batch", *args])
    assert result.exit_code == 2, result.output
    assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "OUT").exists()


def test_fix_and_the_local_batch_never_import_dask(tmp_path):
    inbox = _inbox(tmp_path / "in", [DEMO])
    script = (
        "import sys; from click.testing import CliRunner; from edi_ivig.cli import main; "
        f"CliRunner().invoke(main, ['fix', {str(DEMO)!r}, '-o', {str(tmp_path / 'out.x12')!r}]); "
        f"CliRunner().invoke(main, ['batch', {str(inbox)!r}, {str(tmp_path / 'out')!r}, '--workers', '1']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed', 'fsspec', 's3fs'}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "out.x12").exists() and (tmp_path / "out" / "00-demo.x12").exists()


def test_a_place_that_cannot_be_reached_is_a_place_error(tmp_path, client, s3):
    s3.pipe_file(f"{BUCKET}/here/a.x12", DEMO.read_bytes())
    cases = [
        ("nosuch://bucket/in", str(tmp_path / "out"), r"^nosuch://bucket/in: .*nosuch"),
        (str(tmp_path / "missing"), str(tmp_path / "out"), r"missing: no such folder"),
        (f"s3://{BUCKET}/here", "s3://no-such-bucket/out", r"^s3://no-such-bucket/out: no such bucket$"),
        (f"s3://{BUCKET}/here", f"s3://{BUCKET}/here/", r"OUT_DIR is IN_DIR"),
    ]
    for source, target, says in cases:
        with pytest.raises(PlaceError, match=says):
            dask_batch.run_dask_batch(source, target, client)
    assert not (tmp_path / "out").exists() and s3.ls(f"{BUCKET}/here") == [f"{BUCKET}/here/a.x12"]


# -- a large file cut into chunks -------------------------------------------------------------


def _many_interchanges(path: Path) -> Path:
    """Every sample that starts at its ISA, one after another: an 837 of many interchanges."""
    parts = [p.read_bytes() for p in SAMPLES if p.read_bytes().startswith(b"ISA")]
    path.write_bytes(b"\n".join(part.rstrip(b"\r\n") for part in parts) + b"\n")
    return path


def _local_batch_ok(inbox: Path, out: Path, *flags: str) -> None:
    result = CliRunner().invoke(main, ["batch", str(inbox), str(out), "--workers", "1", *flags])
    assert result.exit_code in (0, 1) and "0 failed" in result.stdout, result.output


def _two_transactions() -> bytes:
    """One interchange of two transactions: the first of 837-two-interchanges.x12."""
    data = (FIXTURES / "read" / "837-two-interchanges.x12").read_bytes()
    first = data[: data.index(b"IEA*")]
    assert first.count(b"ST*837*") == 2
    return data[: data.index(b"~", len(first)) + 1] + b"\n"


def _many_transactions(path: Path) -> Path:
    """One interchange, two groups, six transactions of the bench's IVIG and office claims."""
    bench.write_file(path, "P", 40, 0.5)
    text = path.read_text(encoding="latin-1")
    head, rest = text.split("ST*837*0001", 1)
    body, tail = ("ST*837*0001" + rest).split("GE*", 1)
    copies = [body.replace("*0001", f"*{n:04d}") for n in range(1, 7)]
    gs = head[head.index("GS*"):]
    group = "GE*3*901~\n" + gs
    path.write_text(head + "".join(copies[:3]) + group + "".join(copies[3:]) + "GE*3" + tail[1:],
                    encoding="latin-1")
    return path


@pytest.mark.parametrize("flags", [("--unsafe-fixes",), ("--hold-errors",)])
def test_a_file_cut_into_chunks_gives_the_outputs_of_one_task(tmp_path, client, flags):
    """Cut between interchanges (--hold-errors: only there) and between transactions."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "two.x12").write_bytes(_two_transactions())
    _many_transactions(inbox / "six.x12")
    _many_interchanges(inbox / "many.x12")
    (inbox / "both.x12").write_bytes((inbox / "many.x12").read_bytes() + (inbox / "six.x12").read_bytes())
    cut_inside = "--hold-errors" not in flags
    for name, cuts in {"two.x12": 2, "six.x12": 6}.items():
        with open(inbox / name, "rb") as stream:
            assert len(chunks.plan(stream, 1, transactions=cut_inside)) == (cuts if cut_inside else 1), name
    with open(inbox / "both.x12", "rb") as stream:
        at_interchanges = chunks.plan(stream, 1, transactions=False)
        stream.seek(0)
        inside = chunks.plan(stream, 1)
    assert len(at_interchanges) > 100 and not any(c.prefix or c.suffix for c in at_interchanges)
    assert len(inside) == len(at_interchanges) + 1 + 5  # the two-transaction sample, and six.x12
    _local_batch_ok(inbox, tmp_path / "local", *flags)
    dask_batch.run_dask_batch(str(inbox), str(tmp_path / "dask"), client, split_bytes=1,
                              unsafe_fixes="--unsafe-fixes" in flags, hold_errors="--hold-errors" in flags)
    local, dask = _contents(tmp_path / "local"), _contents(tmp_path / "dask")
    assert local.keys() == dask.keys() and {"six.x12", "six.x12.277", "six.x12.json"} <= set(local)
    for name in local:
        assert dask[name] == local[name], name
    assert sum(json.loads(local["six.x12.json"])["summary"]["findings"].values()) > 0  # the chunks had work


def test_a_file_that_cannot_be_cut_cleanly_is_one_task_and_the_same_bytes(tmp_path, client):
    inbox = tmp_path / "in"
    inbox.mkdir()
    broken = _many_interchanges(tmp_path / "whole.x12").read_bytes()
    (inbox / "broken-late.x12").write_bytes(broken + (FIXTURES / "unreadable" / "cut-short.x12").read_bytes())
    (inbox / "banner-between.x12").write_bytes(DEMO.read_bytes() + b"NOT X12\n" + DEMO.read_bytes())
    result = CliRunner().invoke(main, ["batch", str(inbox), str(tmp_path / "local"), "--workers", "1"])
    assert "cannot read: segment" in result.stderr
    summary = dask_batch.run_dask_batch(str(inbox), str(tmp_path / "dask"), client, split_bytes=1)
    local, dask = _contents(tmp_path / "local"), _contents(tmp_path / "dask")
    assert "broken-late.x12" not in dask and local.keys() == dask.keys()
    for name in local:
        assert dask[name] == local[name], name
    assert [f.name for f in summary.failed] == ["banner-between.x12", "broken-late.x12"]


def test_segment_and_byte_numbers_of_a_chunk_are_the_files(tmp_path):
    big = _many_interchanges(tmp_path / "big.x12")
    with open(big, "rb") as stream:
        plan = chunks.plan(stream, 1, transactions=False)
    data = big.read_bytes()
    assert len(plan) > 3
    for chunk in plan[1:]:
        assert data[chunk.start:chunk.start + 3] == b"ISA"
        reader = Reader(io.BytesIO(data[:chunk.start]))
        for _ in reader:
            pass
        assert reader.segment_number == chunk.segments_before
    six = _many_transactions(tmp_path / "six.x12")
    with open(six, "rb") as stream:
        plan = chunks.plan(stream, 1)
    data = six.read_bytes()
    for chunk in plan[1:]:
        assert data[chunk.start:chunk.start + 5] == b"~\nST*" and chunk.prefix.startswith(b"ISA*")
        assert data[: chunk.start + 1].count(b"~") == chunk.segments_before  # the bench's file: a ~ ends each segment


# -- a worker killed mid-file -----------------------------------------------------------------


def _die_once_while_writing(marker: str, name: str) -> None:
    """In a worker: the first time an output of `name` is about to be renamed into place, the process dies."""
    from edi_ivig import files

    finish = files._finish

    def dying(output, fd, temporary, target):
        if Path(output).name == name and not os.path.exists(marker):
            Path(marker).write_text(str(os.getpid()))
            os._exit(9)
        finish(output, fd, temporary, target)

    dying.original = finish
    files._finish = dying


def _restore() -> None:
    from edi_ivig import files

    files._finish = getattr(files._finish, "original", files._finish)


def test_a_worker_killed_mid_file_has_it_retried_and_leaves_nothing_half_written(tmp_path, client):
    inbox = _inbox(tmp_path / "in", SAMPLES[:4])
    _local_batch(inbox, tmp_path / "local")
    marker = tmp_path / "killed"
    client.run(_die_once_while_writing, str(marker), "00-demo.x12")
    try:
        summary = dask_batch.run_dask_batch(str(inbox), str(tmp_path / "dask"), client)
    finally:
        client.run(_restore)
    assert marker.exists()  # a worker did die writing it
    assert summary.failed and [f.name for f in summary.failed] == ["broken.x12"]
    assert _contents(tmp_path / "dask") == _contents(tmp_path / "local")  # and no temporary left
