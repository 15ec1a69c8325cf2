# Two commands do all the set-up on a fresh machine (Python 3.11+ and make):
#   make demo   run edi-ivig on a bundled sample and show what it did
#   make test   run the test suite (what CI runs)
# Each creates the virtual environment .venv on first use.

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := fixtures/demo/claims.x12
OUT    := demo-out

.PHONY: demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p $(OUT)
	@echo "== edi-ivig rules"
	@$(BIN)/edi-ivig rules
	@echo; echo "== edi-ivig check $(SAMPLE)      (report only)"
	@$(BIN)/edi-ivig check $(SAMPLE) || true
	@echo; echo "== edi-ivig fix $(SAMPLE) -o $(OUT)/claims.fixed.x12      (safe fixes)"
	@$(BIN)/edi-ivig fix $(SAMPLE) -o $(OUT)/claims.fixed.x12 || true
	@echo; echo "== what changed (diff of the two files, one segment per line)"
	@diff -u $(SAMPLE) $(OUT)/claims.fixed.x12 || true
	@echo; echo "== edi-ivig validate $(OUT)/claims.fixed.x12      (pyx12, implementation guide 005010X222A1)"
	@$(BIN)/edi-ivig validate $(OUT)/claims.fixed.x12 --999 $(OUT)/claims.fixed.999

test: $(STAMP)
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
