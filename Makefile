# `make run` sets everything up on a fresh machine and serves the demo at http://127.0.0.1:8000.
# `make test` runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: $(wildcard package.json package-lock.json)
	if [ -f package.json ]; then npm ci --ignore-scripts --no-audit --no-fund; fi
	mkdir -p node_modules && touch $@

setup: $(VENV)/.installed node_modules/.installed
	DJANGO_SETTINGS_MODULE=lms.settings.dev $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=lms.settings.dev $(PY) manage.py seed_demo

run: setup
	DJANGO_SETTINGS_MODULE=lms.settings.dev $(VENV)/bin/daphne -b $(HOST) -p $(PORT) lms.asgi:application

test: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
