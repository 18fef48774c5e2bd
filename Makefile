# gkwork — make targets. `make` alone lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP_FLAGS ?= -q --disable-pip-version-check
JOBS ?= 2

#################################################################################
# Environment                                                                   #
#################################################################################

$(VENV)/.installed: pyproject.toml scripts/bootstrap_venv.sh
	@bash scripts/bootstrap_venv.sh $(VENV)
	@$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	@$(PY) -m pip install $(PIP_FLAGS) -e '.[dev]'
	@touch $@

## Create .venv (if missing) and install gkwork with its dependencies
install: $(VENV)/.installed

#################################################################################
# Main entry points                                                             #
#################################################################################

## Build the bundled corpus, execute the four notebooks into build/, say where the results are
demo: install
	@$(PY) -m gkwork.demo

## Run every test: unit, property, golden, integration, doctests and the notebooks (nbval)
test: install
	@$(PY) -m pytest -n $(JOBS) --dist loadfile -p no:cacheprovider --doctest-modules gkwork tests
	@$(PY) -m pytest -p no:cacheprovider --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg

## Unit, property, golden and integration tests only (no notebooks)
test-unit: install
	@$(PY) -m pytest -n $(JOBS) --dist loadfile --doctest-modules gkwork tests

## Check the notebooks with nbval against their stored outputs
test-notebooks: install
	@$(PY) -m pytest -p no:cacheprovider --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg

#################################################################################
# Data                                                                          #
#################################################################################

## Build the bundled corpus (seeds + synthetic sample) into data/processed (Parquet dataset + checks)
corpus: install
	@$(PY) -m gkwork.demo --skip-notebooks

## Re-execute the committed notebooks in place (their outputs are nbval's expected results)
notebooks: install
	@$(PY) -m gkwork.demo --refresh-notebooks

## Write docs/reference.md (every key, rule, flag, reason code and variable) from the declarations
docs: install
	@$(PY) -m gkwork.reference

## Run the benchmarks (prints one summary line each; see benchmarks/RESULTS.md)
bench: install
	@$(PY) benchmarks/run_all.py

#################################################################################
# Code quality                                                                  #
#################################################################################

## Lint with ruff
lint: install
	@$(PY) -m ruff check gkwork tests benchmarks
	@$(PY) -m ruff format --check gkwork tests benchmarks

## Format with ruff
format: install
	@$(PY) -m ruff format gkwork tests benchmarks
	@$(PY) -m ruff check --fix gkwork tests benchmarks

#################################################################################
# Cleaning — WARNING: deletes outputs (data/processed, build, synthetic corpus)  #
#################################################################################

## Delete generated outputs (data/processed, build/, data/raw/synthetic); keeps .venv
clean:
	rm -rf data/processed build data/raw/synthetic .pytest_cache .hypothesis

## Also delete the virtual environment
distclean: clean
	rm -rf $(VENV)

## Show this help
help:
	@awk '/^## /{sub(/^## /,"");d=$$0;next} /^[a-zA-Z_-]+:/{if(d){split($$1,t,":");printf "  \033[36m%-16s\033[0m %s\n",t[1],d};d=""}' $(MAKEFILE_LIST)

.PHONY: install demo test test-unit test-notebooks corpus notebooks docs bench lint format clean distclean help
