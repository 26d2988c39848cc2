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
