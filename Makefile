PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help setup browser test e2e lint eval bench bench-check docs catalog ci tiers clean
# The agent's end-to-end module runs beside the other tests: its local model server runs on all
# cores but one, which leaves a core free. Its output is printed when it ends.
AGENT_E2E := tests/e2e/test_agent_project.py
PYTEST_ARGS ?=

help: ## List the tasks
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

setup: $(BIN)/python ## Install scaffold with its dev tools into .venv
	$(BIN)/pip install -e ".[dev]"

browser: ## A headless Chromium for the rag-qa page screenshot in the end-to-end tier (Debian, as root; skipped otherwise)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; } \
	  || echo "No Chromium here: the end-to-end tier skips the page screenshot."

test: ## Fast tier: scaffold's own tests
	$(BIN)/pytest -q -m "not e2e"

e2e: ## End-to-end tier: render every template, run its make setup/test/eval/bench (~1 h on 2 cores)
	$(MAKE) --no-print-directory tiers PYTEST_ARGS="-m e2e"

lint: ## ruff and mypy on scaffold
	$(BIN)/ruff check src tests benchmarks hatch_build.py
	$(BIN)/mypy

eval: ## Calibration of `scaffold check`: score evals/check/fixtures, report agreement with their bands
	$(BIN)/python evals/check/run.py

bench: ## Record `scaffold new` against a bare `copier copy` in benchmarks/results/
	$(BIN)/python benchmarks/scaffold_speed.py new

bench-check: ## `scaffold check` on a 10,000-file tree against repo-review (installs the bench extra)
	$(BIN)/pip install -e ".[bench]"
	$(BIN)/python benchmarks/check_speed.py

docs: ## Regenerate the check list in README.md from the checks
	$(BIN)/python -m scaffold.check.docs README.md

catalog: ## Regenerate the kind questions in templates/copier.yml from templates/kinds.yml
	$(BIN)/python -m scaffold.catalog templates/copier.yml

ci: setup browser lint ## What .ci/run runs: install, lint, calibration eval, every test tier
	$(BIN)/python evals/check/run.py
	$(MAKE) --no-print-directory tiers

tiers: # pytest $(PYTEST_ARGS): the agent's end-to-end module in the background, everything else in front
	@mkdir -p build
	$(BIN)/pytest -q --durations=10 $(PYTEST_ARGS) $(AGENT_E2E) > build/agent-e2e.log 2>&1 & agent=$$!; \
	$(BIN)/pytest -q --durations=25 $(PYTEST_ARGS) --ignore=$(AGENT_E2E); rest=$$?; \
	wait $$agent; agent_status=$$?; \
	echo "--- $(AGENT_E2E), run alongside:"; cat build/agent-e2e.log; \
	test $$rest -eq 0 && test $$agent_status -eq 0

clean: ## Remove caches and build output
	rm -rf .pytest_cache .mypy_cache .ruff_cache build dist
