# Everything a user or CI runs goes through here. `make help` lists the targets.
STACK ?= local
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
# A local file backend under the project unless you already use another one.
PULUMI_BACKEND_URL ?= file://$(CURDIR)/.pulumi-state
export PULUMI_BACKEND_URL

.PHONY: help venv app-venv crd-validate test lint fmt plan bench up destroy pulumi-cli

help:
	@echo "make up STACK=local|aks|eks     deploy a stack with the Pulumi CLI"
	@echo "make destroy STACK=...          remove everything the stack created"
	@echo "make plan STACK=...             offline: render and validate what up would create"
	@echo "make test                       run the test suite"
	@echo "make lint / make fmt            ruff check + format check / apply formatting"
	@echo "make bench                      time an offline evaluation of each stack"

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# The sample app's own venv, from its hash-locked requirements (what its pods install).
sample-app/.venv/.installed: sample-app/requirements.txt sample-app/setup-venv.sh
	PYTHON=$(PYTHON) sample-app/setup-venv.sh
	touch $@

app-venv: sample-app/.venv/.installed

# Node packages that validate the prometheus-operator custom resources (kit/crd_schemas.py).
kit/crd-validate/node_modules/.package-lock.json: kit/crd-validate/package-lock.json
	npm ci --prefix kit/crd-validate --no-audit --no-fund

crd-validate: kit/crd-validate/node_modules/.package-lock.json

test: venv app-venv crd-validate
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

plan: venv crd-validate
	$(PY) -m kit plan --stack $(STACK)

bench: venv
	$(PY) -m kit.bench

# Checked before the venv is built, so a missing CLI is said at once.
pulumi-cli:
	@command -v pulumi >/dev/null || { \
	  echo "The Pulumi CLI is not installed. Install it with:"; \
	  echo "  curl -fsSL https://get.pulumi.com | sh"; \
	  echo "Without it, 'make plan STACK=$(STACK)' shows offline what would be created."; \
	  exit 1; }

up destroy: pulumi-cli venv
	@mkdir -p .pulumi-state
	pulumi stack select $(STACK) --create
	pulumi $@ --stack $(STACK)
