# caseflow: `make run` starts the product, `make test` runs the suite. Both work on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin

# A *working* Python 3.13 or 3.12: each candidate is run, not just found (pyenv shims exist but can fail).
PYTHON ?= $(shell for c in python3.13 python3.12; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then command -v $$c; exit; fi; \
	done; \
	root=$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv); \
	for c in $$(ls -d $$root/versions/3.13* $$root/versions/3.12* 2>/dev/null | sort -rV); do \
	  for exe in $$c/bin/python3.13 $$c/bin/python3.12; do \
	    if [ -x $$exe ] && $$exe -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then echo $$exe; exit; fi; \
	  done; \
	done)

.PHONY: help run test lint check messages bench clean

help:
	@echo "make run    start caseflow (web on http://127.0.0.1:8000 + Celery worker with beat + replies by SMTP on 2525)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff, mypy, the import contracts and bandit"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "caseflow needs Python 3.12 or newer (3.13 preferred) and none works here."; \
	  echo "Install python3.13 (e.g. 'pyenv install 3.13' or your system's package), or run: make PYTHON=/path/to/python3.13 …"; \
	  exit 1; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(VENV)/.installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --database keystore --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py encrypt_with_case_keys
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo "caseflow: http://127.0.0.1:8000/  (Ctrl-C stops the web server, the worker, beat and the inbound SMTP server)"
	@trap 'kill 0' INT TERM EXIT; \
	DJANGO_DEBUG=1 $(BIN)/celery -A caseflow worker --beat --loglevel INFO --concurrency 2 & \
	DJANGO_DEBUG=1 $(BIN)/python manage.py run_inbound_smtp --host 127.0.0.1 --port 2525 & \
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000; \
	wait

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	DJANGO_DEBUG=1 CASEFLOW_VAR_DIR=var/lint $(BIN)/mypy .
	$(BIN)/bandit -q -r . -ll -ii -x './tests,./.venv,./var,./bench'

check: lint test

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l ko -l en --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf var/broker var/celerybeat-schedule* .pytest_cache .mypy_cache
