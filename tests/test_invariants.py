"""SPEC section 3 invariants, checked over every rule fixture (and the corpus where noted).

1 lossless (with the rules on: claims no fix changes stay byte for byte), 2 minimal edits
(LX 1..n, SE01 true, GE/IEA unchanged, CLM02 balances when it did), 3 valid (pyx12),
4 idempotent, 5 nothing lost (claims in = claims out). Invariant 6 (no PHI in logs) is in
test_logs.py.
"""

from __future__ import annotations

import io

import pytest

from conftest import CORPUS, FIXTURES, READABLE, needs_corpus
from edi_ivig.mapping import build_claim
from edi_ivig.pipeline import Pipeline
from edi_ivig.reader import RawClaim, Reader, TransactionEnd
from edi_ivig.reference import default_reference
from edi_ivig.regress import find_cases
from edi_ivig.settings import Config
from edi_ivig.validate import validate

CASES = [case for case in find_cases(FIXTURES / "rules") if case.mode == "fix"]
ids = [f"{c.folder.parent.name}/{c.folder.name}" for c in CASES]


def _pipeline(case, *, fix=True):
    return Pipeline(Config.load(overrides=case.config, base=case.folder), fix=fix, unsafe_fixes=case.unsafe_fixes)


def _fix(case, data: bytes) -> bytes:
    sink = io.BytesIO()
    _pipeline(case).run(io.BytesIO(data), sink)
    return sink.getvalue()


def _parts(data: bytes):
    return list(Reader(io.BytesIO(data)))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_fix_is_idempotent(case):
    once = _fix(case, case.input.read_bytes())
    assert _fix(case, once) == once
    left = _pipeline(case, fix=False).run(io.BytesIO(once))
    assert [f for f in left.findings if f.fixable] == [], "check(fix(x)) finds something fix would still change"


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_edits_are_minimal_and_counts_hold(case):
    before, after = _parts(case.input.read_bytes()), _parts(_fix(case, case.input.read_bytes()))
    claims_before = [build_claim(p) for p in before if isinstance(p, RawClaim)]
    claims_after = [build_claim(p) for p in after if isinstance(p, RawClaim)]
    assert claims_before, "the case has no claim to compare"
    assert [c.id for c in claims_before] == [c.id for c in claims_after]  # nothing lost, nothing added
    for old, new in zip(claims_before, claims_after, strict=True):
        assert [line.number for line in new.lines] == list(range(1, len(new.lines) + 1))
        assert new.charge == old.charge
        if old.charge == sum(line.charge for line in old.lines):
            assert new.charge == sum(line.charge for line in new.lines)
    for end in (p for p in after if isinstance(p, TransactionEnd)):
        assert end.piece.strip().split("*")[1] == str(end.segments_read)
    # GE and IEA count groups and transactions, which no edit adds
    assert [p.text for p in before if not isinstance(p, (RawClaim, TransactionEnd))][-1] == [
        p.text for p in after if not isinstance(p, (RawClaim, TransactionEnd))
    ][-1]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_output_validates_when_input_does(case):
    data = case.input.read_bytes()
    if not validate(io.BytesIO(data)).valid:
        pytest.skip("input is not valid to begin with")
    result = validate(io.BytesIO(_fix(case, data)))
    assert result.valid, result.errors


def _untouched_claims_are_identical(data: bytes) -> None:
    """Each claim comes out as read unless a fix changed it, and then it differs (no claim is
    left unjudged: a claim without immune globulin codes must be among the untouched)."""
    sink = io.BytesIO()
    result = Pipeline(fix=True, unsafe_fixes=True).run(io.BytesIO(data), sink)
    watched = default_reference().watched_codes
    changed = {claim.number for claim in result.claims if claim.changed}
    before = [p for p in _parts(data) if isinstance(p, RawClaim)]
    after = [p for p in _parts(sink.getvalue()) if isinstance(p, RawClaim)]
    assert before, "no claim to compare"
    assert [c.claim_id for c in before] == [c.claim_id for c in after]
    for old, new in zip(before, after, strict=True):
        if old.number in changed:
            assert not old.procedure_codes.isdisjoint(watched), "a claim no rule looks at was changed"
            assert new.text != old.text
        else:
            assert new.text == old.text


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_claims_without_immune_globulin_are_untouched_in_rule_fixtures(case):
    _untouched_claims_are_identical(case.input.read_bytes())


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_claims_without_immune_globulin_are_untouched(path):
    _untouched_claims_are_identical(path.read_bytes())


@needs_corpus
def test_corpus_files_are_byte_identical_with_all_fixes_on():
    from test_corpus import READABLE_837

    for path in READABLE_837:
        data = path.read_bytes()
        sink = io.BytesIO()
        result = Pipeline(fix=True, unsafe_fixes=True).run(io.BytesIO(data), sink)
        assert sink.getvalue() == data, path.name
        assert result.findings == (), path.name


def test_corpus_location_is_the_shared_folder():
    assert CORPUS.name == "corpus"
