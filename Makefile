# Golden path platform. `make help` lists the targets; `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PHASE       := scripts/phase.sh
CASES       ?= $(wildcard template/testdata/cases/*.yaml)
DEMO_VALUES ?= template/testdata/cases/example.yaml
DEMO_OUT    ?= .demo/flight-events
export GOFLAGS ?= -buildvcs=false
# Tools installed by `make deps` (scripts/install-deps.sh), found by the tests through these variables.
export OPA_BIN := $(CURDIR)/.bin/opa
export TFLINT_BIN := $(CURDIR)/.bin/tflint
export STATICCHECK_BIN := $(CURDIR)/.bin/staticcheck
export TERRAFORM_BIN := $(CURDIR)/.bin/terraform

.PHONY: help
help: ## List the targets with what they do.
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z0-9_-]+:.*## /{printf "  \033[36m%-22s\033[0m %s\n",$$1,$$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: ## Main job: render the example service into $(DEMO_OUT) and run it locally on 127.0.0.1:8080.
	@$(PHASE) render go run ./tools/scaffold --values $(DEMO_VALUES) --out $(DEMO_OUT) --force
	scripts/kit-workspace.sh $(DEMO_OUT)
	cd $(DEMO_OUT) && go run ./cmd/flight-events local

.PHONY: test
test: deps test-tools test-kit test-rendered test-pipelines ## All tests (CI runs exactly this through .ci/run).

.PHONY: deps
deps: ## Install what the tests need (pinned npm packages, Debian packages), once.
	@$(PHASE) deps scripts/install-deps.sh

.PHONY: test-tools
test-tools: ## Vet, lint and test the platform's Go tools (root module; skips skeleton/).
	@$(PHASE) tools-vet go vet ./...
	@$(PHASE) tools-staticcheck $(STATICCHECK_BIN) ./...
	@$(PHASE) tools-test go test -count=1 -timeout 30m ./...

.PHONY: test-kit
test-kit: ## gofmt, vet, lint and test the platform kit (kit/, its own module, imported by every service).
	@$(PHASE) kit-gofmt bash -c 'out=$$(gofmt -l kit); [ -z "$$out" ] || { echo "gofmt -l: $$out" >&2; exit 1; }'
	@cd kit && $(CURDIR)/$(PHASE) kit-vet go vet ./...
	@cd kit && $(CURDIR)/$(PHASE) kit-staticcheck $(STATICCHECK_BIN) ./...
	@cd kit && $(CURDIR)/$(PHASE) kit-test go test -count=1 -timeout 10m ./...

.PHONY: test-rendered
test-rendered: ## Render every template case and gofmt/vet/staticcheck/build/test the rendered service.
	@$(PHASE) rendered-cases scripts/test-rendered.sh $(CASES)

.PHONY: test-pipelines
test-pipelines: deps ## The generated service's ci.yml run end to end by act on the host (tools/pipeline-e2e, docs/pipelines-act.md).
	@cd tools/pipeline-e2e && $(CURDIR)/$(PHASE) pipelines-vet go vet ./...
	@cd tools/pipeline-e2e && $(CURDIR)/$(PHASE) pipelines-staticcheck $(STATICCHECK_BIN) ./...
	@cd tools/pipeline-e2e && ACT_BIN=$(CURDIR)/.bin/act PIPELINE_E2E_LOGS=$(CURDIR)/.artifacts/pipeline-e2e \
	  $(CURDIR)/$(PHASE) pipelines-test go test -count=1 -timeout 40m -v ./...

.PHONY: test-stress
test-stress: deps ## Flake hunt: tools' and rendered tests -count=5 (+ -race where there is concurrency) under stress-ng on every core.
	@$(PHASE) stress scripts/test-stress.sh

.PHONY: pipeline-rehearsal
pipeline-rehearsal: deps ## Scenario 3 under act: a policy violation pushed to main, each job's result and the Jira ticket.
	@scripts/pipeline-rehearsal.sh

.PHONY: bench
bench: deps ## Run the benchmarks whose figures the README quotes.
	@$(PHASE) bench scripts/bench.sh

EMULATOR_OUT ?= .demo/bigquery-emulator
KIT_MODULE   := github.com/acme-platform/golden-path/kit

# go get resolves the module graph in module mode, where the kit's release tag must be fetchable: the scratch
# render gets a replace to this checkout for the duration of go get only; the test then builds through go.work.
.PHONY: test-bigquery-emulator
test-bigquery-emulator: ## Opt-in: store contract suite on goccy/bigquery-emulator v0.6.6 (installs clang; cold cgo build ~40 min).
	command -v clang++ >/dev/null || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends clang; }
	@$(PHASE) emulator-render go run ./tools/scaffold --values $(DEMO_VALUES) --out $(EMULATOR_OUT) --force
	cd $(EMULATOR_OUT) && rm -f go.work go.work.sum && go mod edit -replace=$(KIT_MODULE)=$(CURDIR)/kit \
	  && go get github.com/goccy/bigquery-emulator/server@v0.6.6 github.com/goccy/bigquery-emulator/types@v0.6.6 \
	  && go mod edit -dropreplace=$(KIT_MODULE)
	scripts/kit-workspace.sh $(EMULATOR_OUT)
	cd $(EMULATOR_OUT) && CGO_ENABLED=1 CC=clang CXX=clang++ $(CURDIR)/$(PHASE) emulator-test go test -tags emulator -count=1 -timeout 60m -run '^TestEmulator' ./bigquery/

.PHONY: fmt
fmt: ## gofmt the three modules (tools, kit, skeleton).
	gofmt -w tools kit skeleton
