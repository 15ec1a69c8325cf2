# Two commands do all the set-up on a fresh machine (Python 3.11+ and make):
#   make demo   run edi-ivig on a bundled sample and show what it did
#   make test   run the test suite (what CI runs)
# Each creates the virtual environment .venv on first use.

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := fixtures/read/837p-ivig-clinic.x12
OUT    := demo-out

.PHONY: demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p $(OUT)
	@echo "== edi-ivig check $(SAMPLE)"
	@$(BIN)/edi-ivig check $(SAMPLE)
	@echo "== edi-ivig fix $(SAMPLE) -o $(OUT)/fixed.x12"
	@$(BIN)/edi-ivig fix $(SAMPLE) -o $(OUT)/fixed.x12
	@echo "== edi-ivig validate $(OUT)/fixed.x12   (pyx12, implementation guide 005010X222A1)"
	@$(BIN)/edi-ivig validate $(OUT)/fixed.x12 --999 $(OUT)/fixed.999
	@cmp -s $(SAMPLE) $(OUT)/fixed.x12 && echo "== no rule changed anything: $(OUT)/fixed.x12 is byte-identical to the input" || diff <(tr '~' '\n' < $(SAMPLE)) <(tr '~' '\n' < $(OUT)/fixed.x12) || true

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
