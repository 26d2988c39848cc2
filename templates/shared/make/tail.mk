setup-traces: $(PY) ## Also install the local trace viewer (Arize Phoenix) that make traces starts
	$(BIN)/pip install -e ".[traces]"

traces: ## Local trace viewer on 127.0.0.1:6006 (data in .data/phoenix); export the OTLP endpoint it prints
	$(PY) -m $(PKG).traces $(ARGS)

gate: ## Compare the existing results with evals/baseline.json; fail on a regression
	$(PY) -m $(PKG) gate

baseline: ## Accept the current results (a full run, not a LIMIT subset) as evals/baseline.json
	$(PY) -m $(PKG) baseline $(if $(TOLERANCE),--tolerance $(TOLERANCE))

report: ## Re-render the README's result blocks from results/*.json
	$(PY) -m $(PKG) report

lint: ## ruff, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
