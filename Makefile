# make run   the whole product on this machine (http://127.0.0.1:8000)
# make test  every test suite, including the system tests against the real local stack
# Both work from a clean clone: they create .venv and fetch DynamoDB Local (+ Java) when missing.
# make run installs only what running needs (requirements-local.txt: the runtime and the local
# stack); make test adds the test tools (requirements-dev.txt) and Chromium.

PYTHON_BOOT := $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
LOCAL_STAMP := $(VENV)/.requirements-local-stamp
STAMP := $(VENV)/.requirements-stamp
# Errors only: a machine's own pip config can add a warning per package (an index that is absent).
PIP_INSTALL := $(PY) -m pip install --quiet --quiet --disable-pip-version-check
DYNAMODB_LOCAL_DIR ?= .cache/dynamodb-local
DYNAMODB_JAR := $(DYNAMODB_LOCAL_DIR)/DynamoDBLocal.jar
PYTEST_WORKERS ?= 2
SYSTEM_WORKERS ?= 5

export ENORI_DYNAMODB_LOCAL_DIR := $(abspath $(DYNAMODB_LOCAL_DIR))

.PHONY: run test bench deps run-deps clean java

run: run-deps
	$(PY) -m local

# A new API key for the local stack's account, printed once: full access (*) unless
# SCOPES="monitors:read monitors:write"; it replaces .enori/bootstrap-key if that one is missing
# or revoked. Works with or without `make run` running.
.PHONY: key login
key: run-deps
	$(PY) -m local key create $(if $(SCOPES),--scopes $(SCOPES))

# A new one-time link that signs in to the dashboard as the local account's owner (make run
# prints one at start). Works with or without `make run` running.
login: run-deps
	$(PY) -m local login

# ruff, then the in-process suites on both cores, then the system suites, which mostly wait on
# real time (schedules, retries, browsers), on more workers, each with its own local stack; the
# schema fuzzer runs beside them all from the start (scripts/run-tests.sh says why).
test: deps
	PY=$(PY) PYTEST_WORKERS=$(PYTEST_WORKERS) SYSTEM_WORKERS=$(SYSTEM_WORKERS) scripts/run-tests.sh

bench: deps
	$(PY) bench/run_all.py

run-deps: $(LOCAL_STAMP) $(DYNAMODB_JAR) java
deps: run-deps $(STAMP)

# Reinstall only when a requirements file is newer than the last install.
$(LOCAL_STAMP): requirements.txt requirements-local.txt
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements-local.txt
	touch $(LOCAL_STAMP)

$(STAMP): requirements-dev.txt $(LOCAL_STAMP)
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $(STAMP)

$(DYNAMODB_JAR):
	scripts/fetch-dynamodb-local.sh $(DYNAMODB_LOCAL_DIR)

# Java can disappear without the jar doing so; checking costs nothing.
java:
	@command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 || \
	  scripts/fetch-dynamodb-local.sh $(DYNAMODB_LOCAL_DIR)

clean:
	rm -rf $(VENV) .cache .pytest_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The browser tests (tests/system/test_*_browser.py) drive Debian's Chromium through Playwright;
# Playwright's own browser download is never used. A test dependency only: make run never needs it.
.PHONY: chromium axe
deps: chromium axe
# axe-core (pinned, checksummed, from npm), which the dashboard's browser tests inject into pages.
axe:
	scripts/fetch-axe.sh .cache/axe-core

chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The API explorer at /docs serves Scalar's standalone bundle from the app itself (offline, no CDN).
# 4.3 MB, so it is fetched (pinned, checksummed) rather than kept in git; package after `make deps`.
SCALAR_BUNDLE := chalicelib/static/scalar/standalone.js
.PHONY: scalar
run-deps: scalar
scalar:
	@scripts/fetch-scalar.sh $(dir $(SCALAR_BUNDLE))

# ---- Deploy to AWS (issue E10; README "Deploy to AWS") -----------------------------------------
# make synth                          every stack of a stage into cdk.out/ (offline: no AWS call)
# make deploy STAGE=prod REGIONS=UsEast,EuWest MAIL_FROM=alerts@example.com
# make bootstrap-account STAGE=prod   the first account and its full-access key (once)
# The CDK app and its tests need aws-cdk-lib + cfn-lint (infra/requirements.txt), installed into
# the same .venv; the Lambda package carries requirements.txt only. Chalice packages the runtime
# dependencies from a local wheelhouse, so synth needs no network once the wheelhouse exists.
STAGE ?= dev
REGIONS ?= UsEast
CDK_CLI_VERSION := 2.1148.1
CDK := .cache/cdk-cli/node_modules/.bin/cdk
INFRA_STAMP := $(VENV)/.infra-requirements-stamp
WHEELHOUSE := .cache/wheelhouse
WHEELHOUSE_STAMP := $(WHEELHOUSE)/.stamp
SYNTH_ENV := PIP_NO_INDEX=1 PIP_FIND_LINKS=$(abspath $(WHEELHOUSE)) \
	JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1 STAGE=$(STAGE) REGIONS=$(REGIONS)

.PHONY: infra-deps synth deploy bootstrap-account test-infra

infra-deps: $(STAMP) $(INFRA_STAMP) $(WHEELHOUSE_STAMP)

$(INFRA_STAMP): infra/requirements.txt $(STAMP)
	$(PIP_INSTALL) -r infra/requirements.txt
	touch $(INFRA_STAMP)

# Lambda runs Linux x86_64, CPython 3.11: the wheels Chalice puts in the deployment package.
$(WHEELHOUSE_STAMP): requirements.txt
	mkdir -p $(WHEELHOUSE)
	$(PY) -m pip download --quiet -r requirements.txt -d $(WHEELHOUSE)
	$(PY) -m pip download --quiet -r requirements.txt -d $(WHEELHOUSE) --only-binary=:all: \
	  --platform manylinux2014_x86_64 --implementation cp --python-version 3.11
	touch $(WHEELHOUSE_STAMP)

synth: infra-deps
	$(SYNTH_ENV) CDK_OUTDIR=$(abspath cdk.out) $(PY) infra/app.py
	@ls cdk.out/*.template.json

test-infra: infra-deps
	$(SYNTH_ENV) $(PY) -m pytest -p no:cacheprovider -q tests/infra

$(CDK):
	mkdir -p .cache/cdk-cli
	npm install --silent --no-audit --no-fund --prefix .cache/cdk-cli aws-cdk@$(CDK_CLI_VERSION)

# Needs AWS credentials (see README). The first deploy to an account/region also needs
# `$(CDK) bootstrap aws://ACCOUNT/REGION` for the home region and every check region.
deploy: infra-deps $(CDK)
	cd infra && $(SYNTH_ENV) ../$(CDK) deploy --all --require-approval broadening

bootstrap-account: $(STAMP)
	$(PY) -m infra.bootstrap --stage $(STAGE)

# The infra tests (tests/infra) need the CDK libraries and the wheelhouse too.
test: infra-deps

# ---- Fuzzing (issue E12) ------------------------------------------------------------------------
# make fuzz   the property tests with many more examples (HYPOTHESIS_PROFILE=nightly, registered in
#             tests/properties/test_properties.py), then the schema fuzzer with more examples and its
#             coverage phase (boundary values, undeclared methods), which make test leaves out.
FUZZ_SCHEMATHESIS_EXAMPLES ?= 500
.PHONY: fuzz
fuzz: deps
	HYPOTHESIS_PROFILE=nightly $(PY) -m pytest -p no:cacheprovider -q tests/properties/test_properties.py
	@if [ -f tests/system/test_schemathesis.py ]; then \
	  ENORI_SCHEMATHESIS_EXAMPLES=$(FUZZ_SCHEMATHESIS_EXAMPLES) \
	  ENORI_SCHEMATHESIS_PHASES=examples,coverage,fuzzing $(PY) -m pytest -p no:cacheprovider -q \
	    tests/system/test_schemathesis.py; \
	fi
