"""Shared paths and helpers for the test suite."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from edi_ivig import log

log.configure(0)  # warnings and errors only, as the command line does by default

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"

READABLE = sorted((FIXTURES / "read").glob("*.x12"))
UNREADABLE = sorted((FIXTURES / "unreadable").glob("*.x12"))


def roundtrip(data: bytes) -> bytes:
    """Read and write with no rule: what the lossless invariant is about."""
    from edi_ivig.pipeline import Pipeline

    sink = io.BytesIO()
    Pipeline(fix=True, rules=()).run(io.BytesIO(data), sink)
    return sink.getvalue()


def fix_bytes(data: bytes, *, unsafe: bool = False) -> bytes:
    """Run `fix` with the default rules and config."""
    from edi_ivig.pipeline import Pipeline

    sink = io.BytesIO()
    Pipeline(fix=True, unsafe_fixes=unsafe).run(io.BytesIO(data), sink)
    return sink.getvalue()


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
