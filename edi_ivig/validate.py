"""Implementation-guide validation with pyx12, errors grouped by claim.

pyx12 is the validator of record (X222A1, X223A2 and the 277CA's X214 maps).
It reads a copy of the input normalized by our tokenizer, one segment per line
with the same delimiters and segment numbers, so that it also reads what its
own reader cannot: a banner before the ISA, indented or newline-terminated
segments, non-ASCII bytes. The non-HIPAA 837 versions (005010X222A2,
005010X223A3) have no pyx12 map; they are validated against the HIPAA map of
their kind, which then reports GS08/ST03 as invalid codes.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import pyx12.errh_json
import pyx12.error_visitor
import pyx12.errors
import pyx12.params
import pyx12.x12file
import pyx12.x12n_document

from edi_ivig.errors import UnreadableInput
from edi_ivig.reader import CONTENT_KINDS, kind_of_version, require_full_gs
from edi_ivig.x12.delimiters import WHITESPACE
from edi_ivig.x12.tokenizer import tokenize

MAP_FOR_KIND = {"837P": "837.5010.X222.A1.xml", "837I": "837Q3.I.5010.X223.A1.xml"}
_LOOP_ENDS = frozenset({"HL", "CLM", "SE", "GE", "IEA", "ISA", "GS", "ST"})


@attrs.frozen
class ValidationError:
    segment: int | None  # segment number in the file (ISA = 1)
    segment_id: str | None
    position: int | None  # position in its transaction (ST = 1), as a 999 reports it
    element: str | None  # e.g. SV101-2
    code: str
    message: str
    claim_id: str | None = None


@attrs.frozen
class Validation:
    valid: bool
    errors: tuple[ValidationError, ...]
    ack_999: str
    notes: tuple[str, ...]  # what the reader of the result must know (substituted maps)

    def by_claim(self) -> dict[str | None, list[ValidationError]]:
        grouped: dict[str | None, list[ValidationError]] = {}
        for error in self.errors:
            grouped.setdefault(error.claim_id, []).append(error)
        return grouped


def validate(source: BinaryIO) -> Validation:
    """Validate X12 (an 837, or the 277CA and 999 edi-ivig writes) with pyx12.

    Raises UnreadableInput when the input cannot be tokenized, has a GS without
    its eight elements, or names a guide pyx12 has no map for.
    """
    with tempfile.TemporaryDirectory(prefix="edi-ivig-validate-") as work:
        normalized = Path(work, "input.x12")
        kinds = _normalize(source, normalized)
        notes, map_path = _map_path(kinds, Path(work, "maps"))
        claims: list[tuple[int, str]] = []  # (segment number of CLM, CLM01)
        ends: list[int] = []

        def record(seg: Any, src: Any, node: Any, valid: bool) -> None:
            seg_id = seg.get_seg_id()
            if seg_id == "CLM":
                claims.append((src.get_cur_line(), seg.get_value("CLM01") or ""))
            elif seg_id in _LOOP_ENDS:
                ends.append(src.get_cur_line())

        ack = io.StringIO()
        collector = _Collector()
        with _PYX12_LOCK, _quiet_pyx12(), _visitor(collector), open(normalized, encoding="latin-1", newline="") as fd:
            _require_known_envelope(fd)
            try:
                valid = pyx12.x12n_document.x12n_document(
                    pyx12.params.ParamsBase(), fd, ack, None, fd_json=io.StringIO(),
                    map_path=map_path, callback=record,
                )
            except pyx12.errors.EngineError as error:  # e.g. ISA12 or GS01 naming no guide pyx12 has
                raise UnreadableInput(f"pyx12 cannot validate it: {' '.join(str(error).split())}") from None
    spans = _claim_spans(claims, ends)
    errors = tuple(
        attrs.evolve(error, claim_id=_claim_at(spans, error.segment)) for error in sorted(collector.errors, key=_order)
    )
    return Validation(bool(valid) and not errors, errors, ack.getvalue(), tuple(notes))


def _require_known_envelope(fd: Any) -> None:
    """x12n_document answers "not valid" with no error when its reader refuses the ISA (an
    ISA12 it does not know): ask the reader first, for the reason."""
    try:
        pyx12.x12file.X12Reader(fd)
    except pyx12.errors.X12Error as error:
        reason = str(error).split(" for ISA", 1)[0]
        raise UnreadableInput(f"pyx12 cannot validate it: {reason}", segment=1) from None
    finally:
        fd.seek(0)


def _order(error: ValidationError) -> int:
    return error.segment if error.segment is not None else 0


def _normalize(source: BinaryIO, target: Path) -> dict[str, str]:
    """Write the input one segment per line; return each 837's GS08 with the kind edi-ivig reads it as."""
    kinds: dict[str, str] = {}
    number = 0  # segment number, ISA = 1
    with open(target, "w", encoding="latin-1", newline="") as out:
        for interchange in tokenize(source):
            d = interchange.delimiters
            # pyx12 cannot split on a bare line break: use a terminator the data does not hold.
            term = d.segment if d.segment not in "\r\n" else "~"
            out.write(interchange.isa + term + "\n")
            number += 1
            gs08 = ""
            shown: set[str] | None = None  # what the claims show, in a transaction whose envelope names no guide
            for piece in interchange.pieces:
                text = piece.lstrip(WHITESPACE).rstrip("\r\n")
                number += 1
                if not text:
                    continue
                out.write(text + term + "\n")
                sid = text.split(d.element, 1)[0]
                if sid == "GS":
                    elements = text.split(d.element)
                    require_full_gs(elements, number)
                    gs08 = elements[8]
                elif sid == "ST" and text.startswith("ST" + d.element + "837"):
                    elements = text.split(d.element)
                    try:
                        kind = kind_of_version(elements[3] if len(elements) > 3 and elements[3] else gs08, number)[0]
                    except UnreadableInput:
                        continue  # not an 837 edi-ivig reads (4010, dental): pyx12's own maps decide
                    if kind:
                        kinds[gs08] = kind
                    else:  # as the reader does: the claims decide
                        shown = set()
                elif shown is not None and sid in ("SV1", "SV2"):
                    shown.add("837P" if sid == "SV1" else "837I")
                elif shown is not None and sid == "CLM":
                    qualifier = (text.split(d.element)[5:6] or [""])[0].split(d.component)[1:2]
                    shown.update(CONTENT_KINDS[q] for q in qualifier if q in CONTENT_KINDS)
                elif shown is not None and sid == "SE":
                    kinds.setdefault(gs08, "837I" if shown == {"837I"} else "837P")
                    shown = None
    return kinds


def _map_path(kinds: dict[str, str], folder: Path) -> tuple[list[str], str | None]:
    """A map folder registering the non-HIPAA 837 versions seen, or None when none are."""
    registered = resources.files("pyx12").joinpath("map", "maps.xml").read_text(encoding="utf-8")
    extra, notes = [], []
    for version, kind in sorted(kinds.items()):
        if f'vriic="{version}" fic="HC"' in registered:
            continue
        guide = MAP_FOR_KIND[kind]
        extra.append(f'    <map vriic="{version}" fic="HC" abbr="837">{guide}</map>\n')
        notes.append(
            f"pyx12 has no map for GS08 {version!r}; it was validated as an {kind} against {guide},"
            " which reports GS08/ST03 as invalid codes"
        )
    if not extra:
        return notes, None
    folder.mkdir()
    with resources.as_file(resources.files("pyx12").joinpath("map")) as maps:
        for entry in Path(maps).iterdir():
            if entry.name != "maps.xml":
                os.symlink(entry, folder / entry.name)
    marker = '<version icvn="00501">'
    (folder / "maps.xml").write_text(registered.replace(marker, marker + "\n" + "".join(extra), 1), encoding="utf-8")
    return notes, str(folder)


def _claim_spans(claims: list[tuple[int, str]], ends: list[int]) -> list[tuple[int, int, str]]:
    """(first, last, CLM01) segment numbers of each claim: CLM up to the next HL, CLM or envelope."""
    boundaries = sorted(set(ends) | {number for number, _ in claims})
    spans = []
    for start, claim_id in claims:
        after = next((b for b in boundaries if b > start), None)
        spans.append((start, (after - 1) if after else 10**12, claim_id))
    return spans


def _claim_at(spans: list[tuple[int, int, str]], segment: int | None) -> str | None:
    if segment is None:
        return None
    return next((claim_id for start, end, claim_id in spans if start <= segment <= end), None)


class _Collector(pyx12.error_visitor.error_visitor):
    """Every error pyx12 found, envelope element errors included.

    pyx12's own visitors skip the element errors of ISA, GS and ST (a GS08 that
    names no known guide, say); this one walks them too.
    """

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def __call__(self, fd: Any) -> _Collector:  # stands in for the visitor class pyx12 instantiates
        return self

    def visit_root_pre(self, errh: Any) -> None: ...

    def visit_root_post(self, errh: Any) -> None: ...

    def visit_isa_pre(self, node: Any) -> None:
        self._envelope(node, ("ISA", "IEA"), node.cur_line_isa)

    def visit_gs_pre(self, node: Any) -> None:
        self._envelope(node, ("GS", "GE"), node.cur_line_gs)

    def visit_st_pre(self, node: Any) -> None:
        self._envelope(node, ("ST", "SE"), node.cur_line_st)

    def visit_isa_post(self, node: Any) -> None: ...

    def visit_gs_post(self, node: Any) -> None: ...

    def visit_st_post(self, node: Any) -> None: ...

    def visit_seg(self, node: Any) -> None:
        seg_id = _segment_id(node.seg_id)
        for code, message, value in node.errors:
            self.errors.append(ValidationError(node.cur_line, seg_id, node.seg_count, None, code, _placed(message, value, node.seg_id)))
        for element in node.elements:
            self._element(element, node.seg_id, node.cur_line, node.seg_count)

    def visit_ele(self, node: Any) -> None: ...  # reached through visit_seg

    def _envelope(self, node: Any, ids: tuple[str, str], line: int) -> None:
        # Loop-level errors (counts, control numbers) are reported at the trailer once read.
        at = node.get_cur_line()
        for code, message in node.errors:
            self.errors.append(ValidationError(at, ids[at != line], None, None, code, _placed(message, None, None)))
        for element in node.elements:
            self._element(element, ids[0], line, None)

    def _element(self, element: Any, seg_id: str, line: int, position: int | None) -> None:
        name = f"{seg_id}{element.ele_pos:02d}" + (f"-{element.subele_pos}" if element.subele_pos else "")
        for code, message, value in element.errors:
            self.errors.append(ValidationError(line, _segment_id(seg_id), position, name, code, _placed(message, value, seg_id)))


_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")


def _segment_id(seg_id: str | None) -> str | None:
    """A segment id as X12 has them (2-3 letters or digits); what a stray terminator made one of
    (a patient's name) is not said."""
    return seg_id if seg_id and _SEGMENT_ID.fullmatch(seg_id) else None


def _placed(message: str, value: object, seg_id: str | None) -> str:
    """pyx12's message without the content it quotes (an element's value, a name read as a
    segment id): messages name places, never what the claim says."""
    if isinstance(value, str) and value.strip():
        message = message.replace(value, "...")
    if seg_id and _segment_id(seg_id) is None:
        message = message.replace(seg_id, "...")
    # what pyx12 read as a segment id, quoted when it reports a neighbour segment
    message = re.sub(r'Segment identifier "[^"]*"', 'Segment identifier "..."', message)
    return re.sub(r"Segment \S+\* not found", "Segment ...* not found", message)


# x12n_document builds its error visitor itself, from pyx12.errh_json: swap ours in
# for the call. The lock keeps concurrent validations from seeing each other's.
_PYX12_LOCK = threading.Lock()


@contextmanager
def _visitor(collector: _Collector) -> Iterator[None]:
    original = pyx12.errh_json.errh_json_visitor
    pyx12.errh_json.errh_json_visitor = collector  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        pyx12.errh_json.errh_json_visitor = original


@contextmanager
def _quiet_pyx12() -> Iterator[None]:
    """pyx12 logs what it finds; the result carries it, so keep its logger quiet."""
    logger = logging.getLogger("pyx12")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate
