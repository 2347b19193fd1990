# Two commands on a fresh machine:  `make run`  and  `make test`.
# Both create the virtual environment and install the pinned stack first (idempotent).

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup browser axe postgres run test lint index bench evals clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres]' --config-settings editable_mode=compat
	@touch $(STAMP)

run: setup
	$(PY) app.py

# Headless Chromium for the browser tests, from Debian's packages (never a browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium from Debian for the browser tests..."; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is not installed: the browser test will be skipped (apt-get install chromium)."; fi; }

# axe-core for the browser tests' accessibility checks, fetched once from the npm registry
# (skipped quietly without npm; the checks are then skipped too).
AXE := .cache/axe-core/axe.min.js
axe: $(AXE)

$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p .cache/axe-core && cd .cache/axe-core && \
	  npm pack --silent axe-core@4.10 >/dev/null 2>&1 && \
	  tar -xzf axe-core-4.10.*.tgz package/axe.min.js && mv package/axe.min.js . && \
	  rm -rf package axe-core-4.10.*.tgz || echo "Could not fetch axe-core: the accessibility checks will be skipped."; \
	else echo "npm is not installed: the accessibility checks will be skipped."; fi

# PostgreSQL for the opt-in store tests (COACH_TEST_POSTGRES=1), from Debian's packages.
postgres:
	@if [ "$${COACH_TEST_POSTGRES:-0}" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing PostgreSQL from Debian for the store tests..."; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi

test: setup browser axe postgres
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

index: setup
	$(VENV)/bin/coach index

bench: setup
	$(PY) -m evals.bench retrieval
	$(PY) -m evals.bench coder
	$(PY) -m evals.bench app

evals: setup
	$(PY) -m evals coder --annomi ../shared/eval/annomi-full-dev.csv
	$(PY) -m evals persona

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
