"""Properties over delimiters and line breaks: reading and writing do not depend on them."""

from __future__ import annotations

import io

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, roundtrip
from edi_ivig.mapping import build_claim
from edi_ivig.reader import RawClaim, Reader, TransactionEnd
from edi_ivig.rendering import line_segments
from edi_ivig.writer import Writer
from x12text import rerender, segments_of

SOURCES = [FIXTURES / "read" / "837p-ivig-clinic.x12", FIXTURES / "read" / "837i-ivig-outpatient.x12"]
# Characters X12 allows as delimiters that the fixtures' data never contains.
SPECIALS = list("*:^~|>!`{}\\#@$%&\x1c\x1d\x1e\x1f")


@st.composite
def styles(draw):
    element, component, repetition = draw(st.lists(st.sampled_from(SPECIALS), min_size=3, max_size=3, unique=True))
    terminator = draw(st.sampled_from([c for c in SPECIALS + ["\n"] if c not in (element, component, repetition)]))
    line_break = "" if terminator == "\n" else draw(st.sampled_from(["", "\n", "\r\n", "\r"]))
    return element, component, repetition, terminator, line_break


def summary(data: bytes):
    """What a rule would see of each claim, whatever the delimiters."""
    return [
        (c.id, c.charge, c.kind, [(ln.procedure, ln.units, ln.charge, ln.date, ln.drug, ln.control_number) for ln in c.lines])
        for c in (build_claim(p) for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim))
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES), style=styles())
def test_any_legal_delimiters_round_trip_byte_identical(source, style):
    original = source.read_bytes()
    data = rerender(original, *style)
    assert roundtrip(data) == data
    assert summary(data) == summary(original)


def _split_first_line(data: bytes) -> bytes:
    """Edit: split the first line of the first claim in two halves, as a rule would."""
    sink = io.BytesIO()
    writer = Writer(sink)
    edited_one = False
    for part in Reader(io.BytesIO(data)):
        if isinstance(part, RawClaim) and not edited_one:
            claim = build_claim(part)
            first = claim.lines[0]
            halves = [first.edit(units=first.units / 2, charge=first.charge / 2) for _ in range(2)]
            writer.write(part, attrs.evolve(claim, lines=(*halves, *claim.lines[1:])))
            edited_one = True
        else:
            writer.write(part)
    writer.close()
    return sink.getvalue()


@settings(max_examples=40, deadline=None)
@given(source=st.sampled_from(SOURCES), style=styles())
def test_an_edited_claim_is_rebuilt_in_the_source_style(source, style):
    data = rerender(source.read_bytes(), *style)
    edited = _split_first_line(data)
    terminator, line_break = style[3], style[4]
    # every segment still ends with the source's terminator and line break
    assert edited.count((terminator + line_break).encode("latin-1")) == data.count((terminator + line_break).encode("latin-1")) + len(
        line_segments(build_claim(next(p for p in Reader(io.BytesIO(data)) if isinstance(p, RawClaim))).lines[0])
    )
    # the edit is read back: LX renumbered 1..n, SE01 the true count, the rest unchanged
    parts = list(Reader(io.BytesIO(edited)))
    first = build_claim(next(p for p in parts if isinstance(p, RawClaim)))
    assert [line.number for line in first.lines] == list(range(1, len(first.lines) + 1))
    for end in (p for p in parts if isinstance(p, TransactionEnd)):
        se01 = end.piece.strip().split(style[0])[1]
        assert int(se01) == end.segments_read
    original_segments, edited_segments = segments_of(data), segments_of(edited)
    assert original_segments[-2:] == edited_segments[-2:]  # GE01 and IEA01 count groups and transactions
