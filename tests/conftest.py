"""Shared paths and helpers for the test suite."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"

READABLE = sorted((FIXTURES / "read").glob("*.x12"))
UNREADABLE = sorted((FIXTURES / "unreadable").glob("*.x12"))


def fix_bytes(data: bytes) -> bytes:
    """Run the fix pipeline on bytes and return the output bytes."""
    from edi_ivig.pipeline import run

    sink = io.BytesIO()
    run(io.BytesIO(data), sink)
    return sink.getvalue()


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repository")
