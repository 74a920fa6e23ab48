# The two everyday commands: `make run` serves the bot, `make test` runs the suite.
# Both create the virtual environment in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench demo install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

# The same checks as CI, in this order: lint and formatting, types, then the suite.
test: lint $(STAMP)
	$(BIN)/python -m pytest

# ruff (lint, import order, formatting check) and mypy; configured in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Rewrite imports and formatting in place (then `make lint` shows what is left).
format: $(STAMP)
	$(BIN)/ruff check --fix --select I,F401 .
	$(BIN)/ruff format .

# The real bot against a local Telegram stand-in, chatting in this terminal (no token).
demo: $(STAMP)
	$(BIN)/python -m bot --sandbox $(ARGS)

# Benchmarks (docs/BENCHMARKS.md): figures and ratios against baselines of the same run.
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
