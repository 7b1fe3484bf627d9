# Every target sets itself up: a fresh clone needs only Python 3.10+, pip and (for the
# Redis and browser tests) Debian's apt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install scan test eval bench services clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

scan: $(STAMP)
	$(BIN)/dedupe scan fixtures/seeds/

# System services some tests start on loopback (Redis for the shared index, Chromium for
# the HTML report); installed from Debian's packages only when missing.
services:
	@bash scripts/install_services.sh

test: $(STAMP) services
	$(BIN)/python -m pytest

eval: $(STAMP)
	$(BIN)/python scripts/evaluate.py

bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py --full --repeat 3
	$(BIN)/python scripts/bench_index.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
