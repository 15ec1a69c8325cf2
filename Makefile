# Two commands do all the set-up on a fresh machine (Python 3.11+ and make):
#   make demo   run edi-ivig on a bundled sample and show what it did
#   make test   run the test suite (what CI runs)
# Each creates the virtual environment .venv on first use. `make docs` builds the
# documentation site into site/ (open site/index.html).

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := fixtures/demo/claims.x12
DEMO_CONFIG := fixtures/demo/payers.toml
OUT    := demo-out

.PHONY: demo test docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p $(OUT)
	@echo "== edi-ivig rules"
	@$(BIN)/edi-ivig rules
	@echo; echo "== edi-ivig check $(SAMPLE) --config $(DEMO_CONFIG)      (report only)"
	@$(BIN)/edi-ivig check $(SAMPLE) --config $(DEMO_CONFIG) || true
	@echo; echo "== edi-ivig fix $(SAMPLE) -o $(OUT)/claims.fixed.x12 --config $(DEMO_CONFIG) --277 ... --json ... --html ..."
	@echo "   (safe fixes, and the per-day split the payer's section in $(DEMO_CONFIG) applies)"
	@$(BIN)/edi-ivig fix $(SAMPLE) -o $(OUT)/claims.fixed.x12 --config $(DEMO_CONFIG) \
		--277 $(OUT)/claims.277 --json $(OUT)/claims.json --html $(OUT)/claims.html || true
	@echo; echo "== what changed (diff of the two files, one segment per line)"
	@diff -u $(SAMPLE) $(OUT)/claims.fixed.x12 || true
	@echo; echo "== edi-ivig summary $(OUT)/claims.277      (the 277CA the submitter gets: what happened to each claim)"
	@$(BIN)/edi-ivig summary $(OUT)/claims.277
	@echo; echo "== the JSON report's summary, $(OUT)/claims.json (for machines)"
	@$(BIN)/python -c "import json; print(json.dumps(json.load(open('$(OUT)/claims.json'))['summary']))"
	@echo; echo "== the HTML report for a billing person: open $(abspath $(OUT))/claims.html"
	@echo; echo "== edi-ivig validate $(OUT)/claims.fixed.x12      (pyx12, implementation guide 005010X222A1)"
	@$(BIN)/edi-ivig validate $(OUT)/claims.fixed.x12 --999 $(OUT)/claims.fixed.999

test: $(STAMP)
	$(BIN)/python -m pytest -n auto

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	@echo "open $(abspath site)/index.html"

clean:
	rm -rf $(VENV) $(OUT) site .pytest_cache .hypothesis
