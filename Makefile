# The two everyday commands: `make run` serves the bot, `make test` runs the suite.
# Both create the virtual environment in .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-pg lint format bench demo install chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

# The same checks as CI, in this order: lint and formatting, types, then the suite.
# The browser tests of the join page need Debian's chromium at /usr/bin/chromium
# (`sudo apt-get install chromium`, or `make chromium`); without it they are skipped,
# with that reason, and the rest runs.
# Tests run in PYTEST_WORKERS processes (pytest-xdist): most of them wait on loopback I/O,
# so two processes nearly halve the time on CI's 2 cores. `make test PYTEST_WORKERS=0`
# runs them in this process (easier to debug).
PYTEST_WORKERS ?= 2

test: lint $(STAMP)
	@test -x /usr/bin/chromium || echo "note: /usr/bin/chromium is missing, so the browser tests are skipped (make chromium)"
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)
	@$(MAKE) --no-print-directory test-pg

# The same storage tests and a subset of the end-to-end tests again on PostgreSQL
# (tests/postgres.py): TEST_DATABASE_URL's server, or a throwaway one started from Debian's
# binaries; skipped with a note when there is neither. The subset was chosen by
# measuring (README, "Test"): each test costs a database and a bot start on the server.
PG_TESTS := tests/storage tests/bot/test_mail_outbox.py tests/bot/test_update_ledger.py \
	tests/handlers/test_schedule.py tests/handlers/test_conference_log.py \
	tests/handlers/test_admin.py tests/handlers/test_sharing.py \
	tests/handlers/test_invitations.py tests/handlers/test_mail_delivery.py \
	tests/handlers/test_email_verification.py tests/handlers/test_participants.py \
	tests/faults/test_shutdown_during_reminders.py tests/handlers/test_series_changes.py \
	tests/handlers/test_series_joining.py tests/handlers/test_series_schedule.py \
	tests/handlers/test_joining.py tests/handlers/test_participations.py \
	tests/handlers/test_notify.py tests/handlers/test_edit_and_repeat.py \
	tests/handlers/test_end_now.py tests/web/test_join_page.py tests/web/test_links_to_the_page.py \
	tests/faults/test_webhook_failover.py
test-pg: $(STAMP)
	@if [ -n "$$TEST_DATABASE_URL" ] || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		echo "PostgreSQL pass: $(PG_TESTS)"; \
		TEST_BACKEND=postgresql $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PG_TESTS); \
	else \
		echo "note: no PostgreSQL (set TEST_DATABASE_URL or apt-get install postgresql), so the PostgreSQL pass is skipped"; \
	fi

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@test -x /usr/bin/chromium || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

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
