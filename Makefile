# Golden path platform. `make help` lists the targets; `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PHASE       := scripts/phase.sh
CASES       ?= $(wildcard template/testdata/cases/*.yaml)
DEMO_VALUES ?= template/testdata/cases/example.yaml
DEMO_OUT    ?= .demo/flight-events
export GOFLAGS ?= -buildvcs=false

.PHONY: help
help: ## List the targets with what they do.
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z0-9_-]+:.*## /{printf "  \033[36m%-22s\033[0m %s\n",$$1,$$2}' $(MAKEFILE_LIST)

.PHONY: demo
demo: ## Main job: render the example service into $(DEMO_OUT) and run it locally on 127.0.0.1:8080.
	@$(PHASE) render go run ./tools/scaffold --values $(DEMO_VALUES) --out $(DEMO_OUT) --force
	cd $(DEMO_OUT) && go run ./cmd/flight-events local

.PHONY: test
test: deps test-tools test-rendered ## All tests (CI runs exactly this through .ci/run).

.PHONY: deps
deps: ## Install what the tests need (pinned npm packages, Debian packages), once.
	@$(PHASE) deps scripts/install-deps.sh

.PHONY: test-tools
test-tools: ## Vet and test the platform's Go tools (root module; skips skeleton/).
	@$(PHASE) tools-vet go vet ./...
	@$(PHASE) tools-test go test -count=1 ./...

.PHONY: test-rendered
test-rendered: ## Render every template case and gofmt/vet/build/test the rendered service.
	@$(PHASE) rendered-cases scripts/test-rendered.sh $(CASES)

.PHONY: bench
bench: ## Run the benchmarks whose figures the README quotes.
	@$(PHASE) bench scripts/bench.sh

.PHONY: fmt
fmt: ## gofmt both modules.
	gofmt -w tools skeleton
