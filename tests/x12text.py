"""Test helpers: re-render an interchange with other delimiters and line breaks."""

from __future__ import annotations

import io

from edi_ivig.x12.tokenizer import tokenize


def rerender(data: bytes, element: str, component: str, repetition: str, terminator: str, line_break: str) -> bytes:
    out = []
    for interchange in tokenize(io.BytesIO(data)):
        d = interchange.delimiters
        isa = interchange.isa.split(d.element)
        isa[11], isa[16] = repetition, component
        out.append(element.join(isa) + terminator + line_break)
        for piece in interchange.pieces:
            text = piece.strip(" \t\r\n")
            if not text:
                continue
            elements = [component.join(e.split(d.component)) for e in text.split(d.element)]
            out.append(element.join(elements) + terminator + line_break)
    return "".join(out).encode("latin-1")


def segments_of(data: bytes) -> list[str]:
    """The segment texts of a file, without leads or terminators."""
    texts = []
    for interchange in tokenize(io.BytesIO(data)):
        texts.append(interchange.isa)
        texts.extend(p.strip(" \t\r\n") for p in interchange.pieces if p.strip(" \t\r\n"))
    return texts


def elements_of(data: bytes) -> list[list[str]]:
    """Every segment of a file as its list of elements, whatever each interchange's delimiters."""
    out = []
    for interchange in tokenize(io.BytesIO(data)):
        sep = interchange.delimiters.element
        out.append(interchange.isa.split(sep))
        out.extend(p.strip(" \t\r\n").split(sep) for p in interchange.pieces if p.strip(" \t\r\n"))
    return out
