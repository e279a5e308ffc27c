# Two commands on a fresh machine:  make run  (serve the demo alliance)  and  make test  (all tests, both databases)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run code test test-sqlite test-postgres lint install postgres system-deps clean

# `make run` installs what the product needs to run; `make test` adds the test and lint tools (the `dev` extra)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

# `make run` is development on this machine (LIANMENG_ENV=development), but never on the public development
# secret for a new database: a random one is made once into var/secret_key (mode 600) before the demo is first
# loaded (the demo's phones are encrypted with keys derived from it). A var/lianmeng.db loaded before that file
# existed was encrypted with the development secret: it keeps that secret, and `make run` says so.
SECRET_FILE := var/secret_key
DEV_ENV = export LIANMENG_ENV=development; \
	if [ -z "$$LIANMENG_SECRET_KEY" ] && [ -f $(SECRET_FILE) ]; then export LIANMENG_SECRET_KEY="$$(cat $(SECRET_FILE))"; \
	elif [ -z "$$LIANMENG_SECRET_KEY" ] && ! grep -qs '^LIANMENG_SECRET_KEY=' .env; then \
	echo "note: no $(SECRET_FILE): this database was made with the public development secret and keeps it" \
	"(development only). For a random secret, start afresh: rm -rf var && make run"; fi;

$(SECRET_FILE):
	@mkdir -p var
	@if [ -z "$$LIANMENG_SECRET_KEY" ] && [ -z "$$LIANMENG_DATABASE_URL" ] && [ ! -f var/lianmeng.db ] \
	  && ! grep -qs '^LIANMENG_SECRET_KEY=' .env; then \
	  (umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@) \
	  && echo "✓ a random secret for this machine's demo in $@ (keep it: the demo's phones are encrypted with it)"; fi

run: $(STAMP) $(SECRET_FILE)
	@$(DEV_ENV) $(BIN)/lianmeng db upgrade && $(BIN)/lianmeng demo --if-empty \
	  && exec $(BIN)/lianmeng serve --host $(HOST) --port $(PORT)

# the one-time code waiting for a demo member (development only): make code PHONE=139...
code: $(STAMP)
	@$(DEV_ENV) $(BIN)/lianmeng otp peek $(PHONE)

# Debian packages the tests drive: LibreOffice (opens our XLSX exports headless) and chromium (Playwright's
# browser; never a downloaded one). Installed only when missing.
system-deps:
	@command -v soffice >/dev/null && command -v chromium >/dev/null && command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui chromium wrk)

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

test-sqlite: $(DEV_STAMP) system-deps
	$(BIN)/pytest

# Some tests run once, in the SQLite pass, to keep the two passes (run side by side) within CI's time: the browser
# tests (the pages' database behaviour is covered on both databases by tests/integration: the same services, the
# same queries), the unit and architecture tests (no database at all), and the API fuzz (the contract: schemas and
# status codes; what the database does under each operation is the integration tests' job, on both databases), and
# the demo's statistical shape (decay and history: the same generator whatever the database), and the tests that
# make their own SQLite file whatever the test database is (serve, the CLI, log privacy: the same run twice otherwise),
# and the two that touch no database at all (the dedup bench's generated records, LibreOffice reading our XLSX),
# and the day whose statements are checked for the alliance (its fingerprints are the same on both databases but
# one dialect entry; run it on PostgreSQL by hand: docs/scale.md).
test-postgres: $(DEV_STAMP) system-deps postgres
	LIANMENG_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest --ignore=tests/browser --ignore=tests/unit \
	  --ignore=tests/architecture --ignore=tests/integration/web/test_fuzz.py \
	  --ignore=tests/integration/demo/test_demo_distance.py --ignore=tests/integration/demo/test_demo_history.py \
	  --ignore=tests/integration/cli/test_serve.py --ignore=tests/integration/cli/test_cli.py \
	  --ignore=tests/integration/web/test_log_privacy.py --ignore=tests/integration/bench/test_bench_dedup.py \
	  --ignore=tests/integration/kit/test_exports_libreoffice.py \
	  --ignore=tests/scenarios/test_a_day_routes_by_alliance.py

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

# the two passes run side by side (each prints its output when it ends); lint, the system packages and PostgreSQL
# are ready before either starts
test: lint system-deps postgres
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
