"""Fuzzing in the suite: mangled inputs end in a result or UnreadableInput, nothing else.

Mutations of the fixtures (and of the corpus when it is beside the repository):
truncation, byte flips, delimiter swaps, duplicated and deleted segments, huge
elements, non-ASCII and NUL bytes. Each example must finish quickly (a
deadline), raise nothing but the documented exception, and, through the command
line, leave no output file when it fails. The coverage-guided harness for long
runs is fuzz/fuzz_process.py.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edi_ivig
from conftest import CORPUS, FIXTURES

SEEDS = sorted((FIXTURES / "rules").rglob("input.x12"))[::4] + sorted((FIXTURES / "read").glob("*.x12"))
SEEDS += [FIXTURES / "demo" / "claims.x12"]
CRASHES = sorted((FIXTURES / "fuzz").glob("*.x12"))  # inputs that once crashed or stalled fuzz/fuzz_process.py
SEEDS += CRASHES
if CORPUS.is_dir():
    SEEDS += sorted((CORPUS / "ext").glob("stupidedi__*"))[:6] + sorted((CORPUS / "lfh").glob("*.837"))[:4]
SEED_BYTES = [p.read_bytes() for p in SEEDS]


@st.composite
def mangled(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEED_BYTES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["truncate", "flip", "swap", "duplicate", "delete", "huge", "non_ascii", "nul", "insert"]))
        if not data:
            break
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif kind == "swap":  # a delimiter for another one, everywhere
            old, new = draw(st.sampled_from([(b"*", b"|"), (b"~", b"*"), (b":", b"*"), (b"~", b"\n"), (b"*", b"~")]))
            data = bytearray(bytes(data).replace(old, new))
        elif kind in ("duplicate", "delete"):
            start = data.rfind(b"~", 0, at) + 1
            end = data.find(b"~", at)
            end = len(data) if end < 0 else end + 1
            segment = bytes(data[start:end])
            data[start:end] = segment * 2 if kind == "duplicate" else b""
        elif kind == "huge":
            data[at:at] = b"X" * draw(st.sampled_from([1000, 100_000, 1_000_000]))
        elif kind == "non_ascii":
            data[at:at] = draw(st.sampled_from(["É".encode(), "日本".encode(), b"\xff\xfe", b"\x80"]))
        elif kind == "nul":
            data[at:at] = b"\x00" * draw(st.integers(min_value=1, max_value=3))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
    return bytes(data)


@settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "1000")), deadline=5000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=mangled(), mode=st.sampled_from(["check", "fix"]), unsafe=st.booleans(), hold=st.booleans())
def test_any_mangled_input_gives_a_result_or_the_documented_error(data, mode, unsafe, hold):
    try:
        result = edi_ivig.process(data, mode=mode, unsafe_fixes=unsafe, hold_errors=hold)
    except edi_ivig.UnreadableInput as error:
        assert str(error)  # says something
        return
    assert isinstance(result.output, bytes) and isinstance(result.report, dict)
    if mode == "check":
        assert result.output == data


@settings(max_examples=100, deadline=10000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(data=mangled())
def test_the_command_line_leaves_no_partial_output(tmp_path_factory, data):
    from click.testing import CliRunner

    from edi_ivig.cli import main

    folder = tmp_path_factory.mktemp("fuzz")
    source = folder / "in.x12"
    source.write_bytes(data)
    outputs = [folder / "out.x12", folder / "held.x12", folder / "r.json", folder / "r.277", folder / "r.html"]
    result = CliRunner().invoke(main, [
        "fix", str(source), "-o", str(outputs[0]), "--hold-errors", str(outputs[1]),
        "--json", str(outputs[2]), "--277", str(outputs[3]), "--html", str(outputs[4]),
    ])
    assert result.exit_code in (0, 1, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 3:
        assert sorted(p.name for p in folder.iterdir()) == ["in.x12"]
    else:
        assert all(p.exists() for p in outputs)


@pytest.mark.parametrize("path", CRASHES, ids=lambda p: p.stem)
def test_inputs_that_once_crashed_or_stalled_the_fuzzer_now_end_in_a_result_or_the_documented_error(path):
    started = time.perf_counter()
    try:
        edi_ivig.process(path.read_bytes(), mode="fix", unsafe_fixes=True, hold_errors=True)
    except edi_ivig.UnreadableInput as error:
        assert "segment" in str(error)
    assert time.perf_counter() - started < 5  # a stall took 20 s and 750 MB on an 806-byte input


def test_seeds_are_many_and_readable():
    assert len(SEEDS) >= 10
    for data in SEED_BYTES[:5]:
        edi_ivig.process(data)
