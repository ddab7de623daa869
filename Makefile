# `make run` sets everything up on a fresh machine and serves the demo at http://127.0.0.1:8000.
# `make test` runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format messages

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

# Daphne, one background worker and the scheduler of periodic jobs (Procfile.dev), together.
run: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DJANGO_SETTINGS_MODULE=lms.settings.dev \
		HOCTIEP_HOST=$(HOST) HOCTIEP_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

test: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Refresh the Vietnamese catalogue from the code (needs gettext), then translate the new
# entries in locale/vi/LC_MESSAGES/django.po and run `make messages` again to compile them.
# Demo data, tests, benchmarks and the pure-Python H5P validator (Vietnamese literals) are not
# user interface strings.
MESSAGES_IGNORE := .venv node_modules tests bench locale_vendor demo courses/h5p/validator.py \
	courses/h5p/contents.py
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l vi $(addprefix -i ,$(MESSAGES_IGNORE))
	$(PY) manage.py compilemessages -l vi -i .venv -i node_modules
