# Two commands: `make run` serves the platform on the embedded default; `make test` passes the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run migrate seed serve test test-fast lint format worker clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

# HTTP and WebSocket on one port, served by daphne through llmgateway.asgi:application.
serve: install
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/daphne -b $(HOST) -p $(PORT) llmgateway.asgi:application

run: seed serve

worker: install
	$(BIN)/celery -A llmgateway worker --beat -l info

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite. With DATABASE_URL=postgres://… and REDIS_URL=redis://… set it also runs the
# concurrency and live-process tests (real threads, daphne and a Celery worker process).
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest $(PYTEST_ARGS)

# The fast subset (no live processes, no PostgreSQL-only concurrency tests).
test-fast: install
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test_db_*.sqlite3

# Gateway overhead vs LiteLLM and the bare upstream (docs/performance.md); needs PostgreSQL and
# Redis on loopback, and LiteLLM in its own venv (LITELLM_BIN, default /tmp/litellm-venv).
bench: install
	$(BIN)/python bench/overhead.py $(BENCH_ARGS)
