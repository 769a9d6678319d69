# One-command set-up: each target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-core
TSTAMP := $(VENV)/.installed-test
BSTAMP := $(VENV)/.installed-bench
RSTAMP := $(VENV)/.installed-recipes

.PHONY: demo test test-postgres test-detoxify lint bench models clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

# postgres: the label store tests run on PostgreSQL too (a temporary server, where its binaries exist).
$(TSTAMP): $(STAMP) Makefile
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $@

$(BSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	touch $@

$(RSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[recipes]'
	touch $@

## demo: the main job on the seed pages with the embedded defaults:
##   parse (reply trees + summary), score (most flagged replies), report (ranked index)
demo: $(STAMP)
	$(BIN)/modkit parse seeds/
	$(BIN)/modkit score seeds/ -o out/scores.parquet
	$(BIN)/modkit report out/scores.parquet -o out/reports

## test: unit, seed, property and doc tests, then lint
test: $(TSTAMP)
	$(BIN)/python -m pytest -q tests modkit
	$(BIN)/ruff check modkit tests benchmarks

## test-postgres: only the label store's tests, on SQLite and on a temporary PostgreSQL server
##   (needs Debian's postgresql package: initdb and pg_ctl; .ci/run installs it)
test-postgres: $(TSTAMP)
	$(BIN)/python -m pytest -q tests/test_store.py modkit/review/store.py modkit/review/pgstore.py \
		modkit/review/migrate.py

## test-detoxify: the optional Detoxify backend's and the MiniLM encoder cascade's tests, in their own venv
##   (torch 2.13 CPU build)
test-detoxify:
	$(PYTHON) -m venv .venv-detoxify
	.venv-detoxify/bin/python -m pip install -q -e '.[detoxify,encoder,test]'
	.venv-detoxify/bin/python -m pytest -q tests/test_detoxify.py tests/test_encoder_cascade.py tests/test_cascade.py \
		modkit/score

lint: $(TSTAMP)
	$(BIN)/ruff check modkit tests benchmarks

## bench: performance benchmarks (ratios against references measured in the same run)
bench: $(BSTAMP)
	$(BIN)/python benchmarks/run.py

## models: rebuild every model file (needs ../shared/datasets; about 1.5 hours on 2 cores): tox-block's port
##   (converted and checked against TensorFlow in its own venv), modkit.train's recipes, then the MiniLM
##   encoder of the cascade (fine-tuned into the user cache, its card into modkit/score/models/minilm.md)
models: $(RSTAMP)
	$(PYTHON) -m venv .venv-toxblock
	.venv-toxblock/bin/python -m pip install -q -e '.[toxblock]'
	.venv-toxblock/bin/python -m pip install -q --no-deps tox-block==0.1.2
	.venv-toxblock/bin/python -m modkit.train.recipes.toxblock_port
	$(BIN)/python -m modkit.train.recipes.conspiracy
	$(BIN)/python -m modkit.train.recipes.lite_toxicity
	$(BIN)/python -m modkit.train.recipes.attack_cues
	$(BIN)/python -m modkit.train.recipes.training_hashes
	$(PYTHON) -m venv .venv-detoxify
	.venv-detoxify/bin/python -m pip install -q -e '.[minilm,recipes]'
	.venv-detoxify/bin/python -m modkit.train.recipes.minilm

clean:
	rm -rf $(VENV) .venv-detoxify .venv-toxblock .pytest_cache .ruff_cache .hypothesis
