# Two commands: `make run` serves the platform on the embedded default; `make test` passes the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run migrate seed serve test test-fast lint format worker clean bench bench-load bench-ledger example example-next

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` needs only the platform's own dependencies; the test and lint tools (playwright,
# schemathesis, mypy, …) come with `install-dev`, which every test, lint and bench target uses.
$(VENV)/.installed: pyproject.toml sdk/python/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	$(BIN)/pip install --quiet -e sdk/python
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)

# HTTP and WebSocket on one port, served by daphne through llmgateway.asgi:application.
serve: install
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/daphne -b $(HOST) -p $(PORT) llmgateway.asgi:application

run: seed serve

worker: install
	$(BIN)/celery -A llmgateway worker --beat -l info

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite. With DATABASE_URL=postgres://… and REDIS_URL=redis://… set it also runs the
# concurrency and live-process tests (real threads, daphne and a Celery worker process).
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest $(PYTEST_ARGS)

# The fast subset (no live processes, no PostgreSQL-only concurrency tests).
test-fast: install-dev
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test_db_*.sqlite3

# Gateway overhead vs LiteLLM and the bare upstream (docs/performance.md); needs PostgreSQL and
# Redis on loopback, and LiteLLM in its own venv (LITELLM_BIN, default /tmp/litellm-venv).
bench: install-dev
	$(BIN)/python bench/overhead.py $(BENCH_ARGS)

# Mixed load on the production stack (uvicorn, PostgreSQL, Redis, a Celery worker) and the books
# check; and the ledger's settled/s vs pgbench (docs/performance.md "Load", "Ledger throughput").
bench-load: install-dev
	$(BIN)/python bench/load.py $(BENCH_ARGS)

bench-ledger: install-dev
	$(BIN)/python bench/ledger.py $(BENCH_ARGS)

# The embeddable-credits example (examples/embeddable_credits, docs/quickstart.md): a developer's
# backend on :8001 against `make run` on :8000. The key is LLMGATEWAY_SECRET_KEY if set, else a
# fresh test key of the demo project (the one `make run` seeds, which allows this origin).
EXAMPLE_PORT ?= 8001
example: install
	@key="$${LLMGATEWAY_SECRET_KEY:-$$($(BIN)/python manage.py bootstrap_project --org "Demo Org" \
		--project "Demo App" --origin http://127.0.0.1:$(EXAMPLE_PORT) \
		--origin http://localhost:$(EXAMPLE_PORT) --json \
		| $(BIN)/python -c 'import json, sys; print(json.load(sys.stdin)["secretKey"])')}"; \
	LLMGATEWAY_SECRET_KEY="$$key" LLMGATEWAY_URL=http://$(HOST):$(PORT) PORT=$(EXAMPLE_PORT) \
		$(BIN)/python examples/embeddable_credits/server.py

# The same example on Next.js and the npm packages (examples/nextjs-embeddable-credits), on the
# same port and key as `make example`; needs Node.js 20.9+ and npm.
NEXT_EXAMPLE := examples/nextjs-embeddable-credits
example-next: install
	cd $(NEXT_EXAMPLE) && npm ci --no-audit --no-fund && NEXT_TELEMETRY_DISABLED=1 npm run build
	@key="$${LLMGATEWAY_SECRET_KEY:-$$($(BIN)/python manage.py bootstrap_project --org "Demo Org" \
		--project "Demo App" --origin http://127.0.0.1:$(EXAMPLE_PORT) \
		--origin http://localhost:$(EXAMPLE_PORT) --json \
		| $(BIN)/python -c 'import json, sys; print(json.load(sys.stdin)["secretKey"])')}"; \
	cd $(NEXT_EXAMPLE) && LLMGATEWAY_SECRET_KEY="$$key" LLMGATEWAY_URL=http://$(HOST):$(PORT) \
		NEXT_TELEMETRY_DISABLED=1 npx next start -H $(HOST) -p $(EXAMPLE_PORT)
