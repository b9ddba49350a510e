# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The test suite runs on PostgreSQL; `make test DATABASE_URL=sqlite:///var/test.sqlite3` on SQLite.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/okomo

.PHONY: run test install services lint format messages bench bench-scale clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv -v0

run: install messages
	scripts/run.sh

services:
	scripts/services.sh

test: install services messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL="$(or $(DATABASE_URL),$(TEST_DATABASE_URL))" $(BIN)/pytest $(PYTEST_ARGS)

# Prints the figures and writes bench/RESULTS.md (several minutes; PostgreSQL and Redis).
bench: install services messages
	$(BIN)/python -m bench

# 10,000 connected calendars, one sync cycle through real Celery workers; prints the figures
# and writes its section of bench/RESULTS.md. SCALE_ARGS="--calendars 2000" for another size.
bench-scale: install services messages
	$(BIN)/python -m bench.scale $(SCALE_ARGS)

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
