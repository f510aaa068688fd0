# Developer commands. From a fresh clone, with Python 3.11+, Node.js/npm and git installed:
#
#   make run     the service on http://127.0.0.1:$(PORT) with synthetic demo data
#   make test    the whole test suite (PYTEST_WORKERS=2 to run it on two processes)
#   make test-e2e  the browser journeys (tests/e2e/) in Debian's Chromium against the real server
#   make test-api  schemathesis against the API's OpenAPI schema on the real server
#   make load      locust against the service under gunicorn over 20,000 seeded children
#
# Both use an embedded PostgreSQL kept in .run/postgres unless DATABASE_URL is set
# (see virtualschool/devdb.py). `make test` uses the Redis at REDIS_URL (default
# redis://127.0.0.1:6379/0), or starts an embedded Valkey kept in .run/redis when nothing
# answers there (see virtualschool/devredis.py). Python packages are installed into .venv from
# constraints.txt, and again only when pyproject.toml or constraints.txt change; `npm ci` runs
# again only when package-lock.json changes, and `npm run build` when the lock file or frontend/
# change.

SHELL := /bin/sh
.DEFAULT_GOAL := help

PORT ?= 8000
PYTEST_ARGS ?=
# pytest-xdist processes for `make test`. 0, one process, is the default: on this project's
# two-core machine, shared with other work, two workers took longer (README.md, "Run it").
PYTEST_WORKERS ?= 0

VENV := .venv
PY := $(VENV)/bin/python
DEVDB := $(PY) -m virtualschool.devdb --
DEVREDIS := $(PY) -m virtualschool.devredis --
# python3.11 if it is installed, else python3 (checked to be 3.11 or newer before use).
BASE_PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
FRONTEND_SOURCES := $(shell find frontend -type f 2>/dev/null)

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Without DEMO_PASSWORD in the environment, `make run` makes a random one on first use and keeps
# it in .run/demo-password.
ifeq ($(DEMO_PASSWORD),)
DEMO_PASSWORD_FILE := .run/demo-password
endif
# Likewise the demo users' shared two-factor secret: DEMO_TOTP_SECRET (base32), or one made on
# first use and kept in .run/demo-totp-secret.
ifeq ($(DEMO_TOTP_SECRET),)
DEMO_TOTP_SECRET_FILE := .run/demo-totp-secret
endif
# Likewise the secret of the demo's API token (the DfE's agreement): DEMO_API_TOKEN, or one
# made on first use and kept in .run/demo-api-token.
ifeq ($(DEMO_API_TOKEN),)
DEMO_API_TOKEN_FILE := .run/demo-api-token
endif

# The project's own code, for bandit (tests/ is left out: see [tool.bandit] in pyproject.toml).
AUDIT_CODE := $(wildcard virtualschool records sharing retention staff)

.PHONY: help run test test-e2e test-api load lint audit format clean constraints bench bench-import bench-dashboard bench-returns bench-sharing bench-retention

help:
	@echo "make run          run the service with demo data on http://127.0.0.1:$(PORT)"
	@echo "make test         run the test suite (PYTEST_ARGS='-x -k name' to pass pytest options,"
	@echo "                  PYTEST_WORKERS=2 to run it on two processes)"
	@echo "make test-e2e     the browser journeys in /usr/bin/chromium (CHROMIUM= for another)"
	@echo "                  against the real server on a fresh demo database; screenshots"
	@echo "                  in .run/e2e-artefacts/ (E2E_ARGS='-k sharing' to pass pytest options)"
	@echo "make test-api     schemathesis against the OpenAPI schema on the real server (fresh demo"
	@echo "                  database) as caseworker, manager, admin, a recipient and an API token:"
	@echo "                  no 5xx, every response as the schema says; FUZZ_MAX_SECONDS (60) per"
	@echo "                  caller after a few minutes' set-up (FUZZ_ARGS for schemathesis run)"
	@echo "make load         locust, headless, against gunicorn over 20,000 seeded children, 50 users"
	@echo "                  for 2 minutes after the seeding (half an hour on a busy two-core"
	@echo "                  machine): prints requests_per_s, p95_ms, errors (LOAD_ARGS="
	@echo "                  '--children 2000 --users 10 --run-time 30s' for a small run)"
	@echo "make bench        both benchmarks below (IMPORT_BENCH_ARGS, DASHBOARD_BENCH_ARGS for each)"
	@echo "make bench-import     the attendance import (BENCH_ARGS='--children 20000': the 10x file)"
	@echo "make bench-dashboard  the attendance dashboard (BENCH_ARGS='--children 20000 --years 3')"
	@echo "make bench-returns    the SSDA903 and CIN census imports (RETURNS_BENCH_ARGS='--children 20000')"
	@echo "make bench-sharing    an agreement's dataset against COPY (SHARING_BENCH_ARGS='--children 20000')"
	@echo "make bench-retention  retention's evaluation and destruction (RETENTION_BENCH_ARGS='--children 100000 --destroy 1000')"
	@echo "make lint         ruff check, ruff format --check and the import contracts (lint-imports)"
	@echo "make audit        bandit (fails on a high-severity finding) and pip-audit on constraints.txt"
	@echo "                  (fails on a known vulnerability; says so if it could not check)"
	@echo "make format       sort imports and format with ruff"
	@echo "make clean        stop the embedded database and Valkey, remove .run/ and built static files"
	@echo "make constraints  rewrite constraints.txt from what is installed in .venv"

run: $(VENV)/.installed static_build/.built $(DEMO_PASSWORD_FILE) $(DEMO_TOTP_SECRET_FILE) \
		$(DEMO_API_TOKEN_FILE)
	@DJANGO_SETTINGS_MODULE=virtualschool.settings.local; export DJANGO_SETTINGS_MODULE; \
	DEMO_PASSWORD="$${DEMO_PASSWORD:-$$(cat .run/demo-password)}"; export DEMO_PASSWORD; \
	DEMO_TOTP_SECRET="$${DEMO_TOTP_SECRET:-$$(cat .run/demo-totp-secret)}"; export DEMO_TOTP_SECRET; \
	DEMO_API_TOKEN="$${DEMO_API_TOKEN:-$$(cat .run/demo-api-token)}"; export DEMO_API_TOKEN; \
	$(DEVDB) $(PY) manage.py migrate --noinput && \
	$(DEVDB) $(PY) manage.py seed_demo --if-empty && \
	echo && \
	echo "Sign in at http://127.0.0.1:$(PORT) as caseworker, caseworker2, manager, admin or admin2" \
		"(staff), or youth, school, dfe, nhs or otherla (recipients)" \
		"with password $$DEMO_PASSWORD" && \
	echo "then enter the code from an authenticator app set up with the key $$DEMO_TOTP_SECRET" && \
	echo "(every demo user has it), or the code printed by:  $(PY) -m virtualschool.totp" && \
	echo "The DfE's machine client: Authorization: Bearer $$DEMO_API_TOKEN" \
		"(on /api/sharing/agreements/); youth has an extract file ready at /sharing/extracts/" && \
	echo && \
	exec $(DEVDB) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev static_build/.built
	DJANGO_SETTINGS_MODULE=virtualschool.settings.test $(DEVDB) $(DEVREDIS) \
		$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The browser journeys: tests/e2e/conftest.py makes a fresh database beside DATABASE_URL's (or
# the embedded one's), seeds the demo, starts runserver on a free port of 127.0.0.1 and stops
# it again. The normal suite does not collect tests/e2e/ (norecursedirs in pyproject.toml).
E2E_ARGS ?=

test-e2e: $(VENV)/.installed-e2e static_build/.built
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || \
		{ echo "No Chromium at $${CHROMIUM:-/usr/bin/chromium}: apt-get install chromium" >&2; exit 1; }
	DJANGO_SETTINGS_MODULE=virtualschool.settings.test $(DEVDB) \
		$(VENV)/bin/pytest -p no:cacheprovider tests/e2e $(E2E_ARGS)

# API fuzzing (tests/api_fuzz/, not collected by `make test`) and the load run (loadtest/): each
# makes a fresh database beside DATABASE_URL's (or the embedded one's) with tests/liveserver.py,
# as the browser journeys do, and drops it at the end. Neither is in `make test` or .ci/run.
FUZZ_MAX_SECONDS ?= 60
FUZZ_ARGS ?=
LOAD_ARGS ?= --children 20000 --users 50 --run-time 2m

test-api: $(VENV)/.installed-api-test static_build/.built
	FUZZ_MAX_SECONDS=$(FUZZ_MAX_SECONDS) $(DEVDB) $(PY) -m tests.api_fuzz $(FUZZ_ARGS)

load: $(VENV)/.installed-api-test static_build/.built
	$(DEVDB) $(PY) -m loadtest $(LOAD_ARGS)

# Benchmarks (bench/, dev-only: not installed, not in the image) print `name: value` lines;
# docs/performance.md records what they measured.
BENCH_ARGS ?=
IMPORT_BENCH_ARGS ?= $(BENCH_ARGS)
DASHBOARD_BENCH_ARGS ?= $(BENCH_ARGS)
RETURNS_BENCH_ARGS ?= $(BENCH_ARGS)
SHARING_BENCH_ARGS ?= $(BENCH_ARGS)
RETENTION_BENCH_ARGS ?= $(BENCH_ARGS)

bench: bench-import bench-dashboard

bench-import: $(VENV)/.installed
	@DJANGO_SETTINGS_MODULE=virtualschool.settings.local; export DJANGO_SETTINGS_MODULE; \
	$(DEVDB) $(PY) manage.py migrate --noinput >/dev/null && \
	$(DEVDB) $(PY) -m bench import $(IMPORT_BENCH_ARGS)

bench-dashboard: $(VENV)/.installed
	@DJANGO_SETTINGS_MODULE=virtualschool.settings.local; export DJANGO_SETTINGS_MODULE; \
	$(DEVDB) $(PY) manage.py migrate --noinput >/dev/null && \
	$(DEVDB) $(PY) -m bench dashboard $(DASHBOARD_BENCH_ARGS)

bench-returns: $(VENV)/.installed
	@DJANGO_SETTINGS_MODULE=virtualschool.settings.local; export DJANGO_SETTINGS_MODULE; \
	$(DEVDB) $(PY) manage.py migrate --noinput >/dev/null && \
	$(DEVDB) $(PY) -m bench returns $(RETURNS_BENCH_ARGS)

bench-sharing: $(VENV)/.installed
	@DJANGO_SETTINGS_MODULE=virtualschool.settings.local; export DJANGO_SETTINGS_MODULE; \
	$(DEVDB) $(PY) manage.py migrate --noinput >/dev/null && \
	$(DEVDB) $(PY) -m bench sharing $(SHARING_BENCH_ARGS)

bench-retention: $(VENV)/.installed
	@DJANGO_SETTINGS_MODULE=virtualschool.settings.local; export DJANGO_SETTINGS_MODULE; \
	$(DEVDB) $(PY) manage.py migrate --noinput >/dev/null && \
	$(DEVDB) $(PY) -m bench retention $(RETENTION_BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Both checks run even when the first fails; the status is the first failure's. Where no
# vulnerability database answers, pip-audit's part says "dependencies NOT checked" and does not
# fail (virtualschool/devaudit.py).
audit: $(VENV)/.installed-dev
	@status=0; \
	$(VENV)/bin/bandit -c pyproject.toml -r $(AUDIT_CODE) --severity-level high --quiet \
		&& echo "bandit: no high-severity findings in $(AUDIT_CODE)" || status=$$?; \
	$(PY) -m virtualschool.devaudit --requirement constraints.txt || \
		{ s=$$?; [ $$status -ne 0 ] || status=$$s; }; \
	exit $$status

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --select I --fix .
	$(VENV)/bin/ruff format .

clean:
	@if [ -x $(PY) ]; then \
		status=0; \
		$(PY) -m virtualschool.devdb --stop || status=$$?; \
		$(PY) -m virtualschool.devredis --stop || status=$$?; \
		exit $$status; \
	fi
	rm -rf static_build staticfiles .run

# After upgrading packages in .venv (e.g. `.venv/bin/pip install -U -e '.[dev,local]'`).
constraints: | $(PY)
	@{ echo "# Exact versions for pip install -c constraints.txt; regenerate with make constraints."; \
	   $(PY) -m pip freeze --exclude-editable | LC_ALL=C sort -f -t= -k1,1; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	@echo "constraints.txt rewritten from $(VENV)"

$(PY):
	@test -n "$(BASE_PYTHON)" || \
		{ echo "Python 3.11 or newer is needed: install python3.11 (or a python3 >= 3.11)." >&2; exit 1; }
	@$(BASE_PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "$(BASE_PYTHON) is older than Python 3.11: install python3.11." >&2; exit 1; }
	$(BASE_PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[local]'
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,local]'
	@touch $@ $(VENV)/.installed

$(VENV)/.installed-e2e: pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,local,e2e]'
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed

$(VENV)/.installed-api-test: pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,local,api-test]'
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

static_build/.built: node_modules/.installed $(FRONTEND_SOURCES)
	npm run build
	@touch $@

.run/demo-password: | $(PY)
	@mkdir -p .run
	@umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(12))' > $@.new && mv $@.new $@

.run/demo-totp-secret: | $(VENV)/.installed
	@mkdir -p .run
	@umask 077 && $(PY) -m virtualschool.totp --new > $@.new && mv $@.new $@

.run/demo-api-token: | $(PY)
	@mkdir -p .run
	@umask 077 && $(PY) -c 'import secrets; print("vs_" + secrets.token_urlsafe(32))' > $@.new && mv $@.new $@
