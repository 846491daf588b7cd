# make run   the whole product on this machine (http://127.0.0.1:8000)
# make test  every test suite, including the system tests against the real local stack
# Both work from a clean clone: they create .venv and fetch DynamoDB Local (+ Java) when missing.

PYTHON_BOOT := $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-stamp
DYNAMODB_LOCAL_DIR ?= .cache/dynamodb-local
DYNAMODB_JAR := $(DYNAMODB_LOCAL_DIR)/DynamoDBLocal.jar
PYTEST_WORKERS ?= 2

export ENORI_DYNAMODB_LOCAL_DIR := $(abspath $(DYNAMODB_LOCAL_DIR))

.PHONY: run test bench deps clean java

run: deps
	$(PY) -m local

test: deps
	$(PY) -m ruff check .
	$(PY) -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider -q

bench: deps
	@set -e; found=0; for script in bench/*.py; do \
	  [ -e "$$script" ] || continue; found=1; echo "== $$script"; $(PY) "$$script"; \
	done; [ $$found = 1 ] || echo "no benchmarks in bench/ yet"

deps: $(STAMP) $(DYNAMODB_JAR) java

# Reinstall only when a requirements file is newer than the last install.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(DYNAMODB_JAR):
	scripts/fetch-dynamodb-local.sh $(DYNAMODB_LOCAL_DIR)

# Java can disappear without the jar doing so; checking costs nothing.
java:
	@command -v java >/dev/null 2>&1 || scripts/fetch-dynamodb-local.sh $(DYNAMODB_LOCAL_DIR)

clean:
	rm -rf $(VENV) .cache .pytest_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
