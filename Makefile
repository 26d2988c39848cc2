PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help setup test e2e lint eval bench ci clean

help: ## List the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

setup: $(BIN)/python ## Install scaffold with its dev tools into .venv
	$(BIN)/pip install -e ".[dev]"

test: ## Fast tier: scaffold's own tests
	$(BIN)/pytest -q -m "not e2e"

e2e: ## End-to-end tier: render every template, run its make setup/test/eval/bench
	$(BIN)/pytest -q -m e2e -x

lint: ## ruff and mypy on scaffold
	$(BIN)/ruff check src tests benchmarks hatch_build.py
	$(BIN)/mypy

bench: ## Record scaffold's speed targets in benchmarks/results/
	$(BIN)/python benchmarks/scaffold_speed.py new

ci: setup lint ## What .ci/run runs: install, lint, every test tier
	$(BIN)/pytest -q

clean: ## Remove caches and build output
	rm -rf .pytest_cache .mypy_cache .ruff_cache build dist
