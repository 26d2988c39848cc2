# Every task of the project; `make help` lists them. Targets common to every project kind
# (setup, test, lint, format, gate, baseline, report, clean) mean the same thing in each.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PKG := {{ package_name }}
# Allowed drop below evals/baseline.json before `make gate` fails; empty keeps the kind's default.
TOLERANCE ?=
# Extra arguments for the command a target runs, e.g. make traces ARGS="--port 6007"
ARGS ?=
# `make demo` also drives the project's page in a headless Chromium where one is installed
# (CHROMIUM=path, or on PATH); the browser extra (Playwright) is installed on first use.
DEMO_BROWSER = if [ -n "$$CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
	|| command -v google-chrome >/dev/null; then $(PY) -c "import playwright" 2>/dev/null || $(BIN)/pip install -q -e '.[browser]'; fi
