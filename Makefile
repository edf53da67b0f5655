# Garçon infrastructure: the commands developers and CI run. `make help` lists them.
#
# Every target uses the Node.js and CDK CLI pinned in package-lock.json (node_modules/.bin
# comes first on PATH), never the machine's own Node.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/.tools/bin:$(PATH)
# The CDK CLI must never phone home: CI and developers synthesize offline.
export CDK_DISABLE_CLI_TELEMETRY := true

GOLANGCI_LINT_VERSION := v2.15.0
GO_MODULES := . app

.PHONY: help deps services synth test lint fmt-check vet bench ls clean environments

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

deps: node_modules/.package-lock.json ## Install the pinned Node.js and CDK CLI (npm ci)

synth: deps ## Synthesize every environment offline into cdk.out (validation and cdk-nag findings fail it)
	node --version
	cdk synth '**' --strict --quiet

environments: ## Print the environments as JSON (what the CI workflows build their jobs from; BRANCH=<b> to filter)
	@go run ./tools/environments $(if $(BRANCH),-branch "$(BRANCH)")

ls: deps ## List the stacks of every environment
	cdk ls

# app/ integration tests run once per mode: plain, then TLS (TLS-only PostgreSQL
# with verify-full, Redis TLS + AUTH: the production connection path).
APP_TEST_MODES ?= plain tls
# Written by .ci/services.sh (URLs, ports, CA path, test-server passwords), read by app/ tests.
SERVICES_ENV ?= $(CURDIR)/.tools/services.env

services: ## Start PostgreSQL and Redis (plain and TLS) on loopback for app/ tests; as root, installs them first
ifeq ($(SERVICES),none)
	@echo "SERVICES=none: not starting PostgreSQL/Redis; app/ integration tests use GARCON_TEST_* or skip if unreachable"
else
	GARCON_SERVICES_ENV="$(SERVICES_ENV)" bash .ci/services.sh
endif

# Tests over the synthesized assembly (tools, access matrix, app/ contract test) read it here.
export GARCON_CDK_OUT := $(CURDIR)/cdk.out

test: deps synth services ## Synthesize, then run every test of both Go modules, app/ in plain and TLS mode (SERVICES=none to use services you run yourself)
	go test ./...
	cd app && for mode in $(APP_TEST_MODES); do \
	  echo "== app/ tests, $$mode mode"; \
	  GARCON_SERVICES_ENV="$(SERVICES_ENV)" GARCON_TEST_MODE=$$mode go test ./... || exit 1; \
	done

fmt-check: ## Fail if gofmt would change a file
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet: ## go vet both modules
	go vet ./...
	cd app && go vet ./...

.tools/bin/golangci-lint-$(GOLANGCI_LINT_VERSION):
	GOBIN=$(CURDIR)/.tools/bin go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	touch $@

lint: fmt-check vet .tools/bin/golangci-lint-$(GOLANGCI_LINT_VERSION) ## gofmt, go vet and golangci-lint on both modules
	golangci-lint run ./...
	cd app && golangci-lint run --config ../.golangci.yml ./...

bench: deps ## Median wall time and peak memory of a full offline synth (5 runs)
	go run ./tools/synthbench -runs 5 -- cdk synth '**' --strict --quiet

clean: ## Remove synthesized output
	rm -rf cdk.out

# --- CI/CD tooling (docs/ci-cd.md) ---------------------------------------------------

ACTIONLINT_VERSION := v1.7.12
GOVULNCHECK_VERSION := v1.9.0

.PHONY: guard controls access synth-base actionlint vulncheck

guard: ## Fail if HEAD (default cdk.out) would delete or replace a stateful resource of BASE: make guard BASE=<dir>
	@if [ -z "$(BASE)" ]; then echo "usage: make guard BASE=<base cloud assembly> [HEAD=cdk.out]   (make synth-base makes one)"; exit 2; fi
	go run ./tools/stateguard -base "$(BASE)" -head "$(or $(HEAD),cdk.out)"

controls: synth ## cfn-guard with the AWS Control Tower rules over every template; fails on findings policy/control-tower-exceptions.txt does not accept
	go run ./tools/guard cdk.out

access: deps ## Print the access matrix of cdk.out (run make synth first), decided by an IAM policy evaluator; fails on an unmet row (COMPARE=<base cdk.out>: changed flows only, FORMAT=json)
	go run ./tools/access -format "$(or $(FORMAT),text)" $(if $(COMPARE),-compare "$(COMPARE)") cdk.out

synth-base: deps ## Synthesize git REF (default origin/main) into DIR (default .tools/cdk.base.out) for make guard
	bash scripts/synth-ref.sh "$(or $(REF),origin/main)" "$(or $(DIR),.tools/cdk.base.out)"

.tools/bin/actionlint-$(ACTIONLINT_VERSION):
	GOBIN=$(CURDIR)/.tools/bin go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	touch $@

actionlint: .tools/bin/actionlint-$(ACTIONLINT_VERSION) ## Lint the workflows (actionlint; shellcheck on run: blocks and scripts/)
	actionlint
	@if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh; \
	else echo "shellcheck is not installed: run: blocks and scripts/ were not checked (apt-get install shellcheck)"; fi

# The E2E suite (app/e2e) against the binary started on loopback with the services of
# E2E_MODE (tls: the production connection path; CI's containers: plain).
E2E_MODE ?= tls

.PHONY: e2e-local e2e check-github

e2e-local: services ## Run the black-box E2E suite against garcon serve started on loopback (E2E_MODE=tls|plain)
	cd app && GARCON_SERVICES_ENV="$(SERVICES_ENV)" GARCON_TEST_MODE=$(E2E_MODE) go run ./e2e/local

e2e: ## Run the E2E suite against a deployed environment: make e2e URL=https://staging-api.garcon.app RESTAURANT=<id> [STATIC=https://static...]
	@if [ -z "$(URL)" ] || [ -z "$(RESTAURANT)" ]; then echo "usage: make e2e URL=<api url> RESTAURANT=<restaurant id with a menu> [STATIC=<static url>]"; exit 2; fi
	GARCON_E2E_RESTAURANT_ID="$(RESTAURANT)" bash scripts/e2e.sh "$(URL)" "$(STATIC)"

check-github: ## Verify with gh api the GitHub settings the pipeline needs (environments, reviewers, branch rules, variables, OIDC subject)
	go run ./tools/checkgithub $(if $(REPO),-repo "$(REPO)")

vulncheck: ## govulncheck both modules (needs network access to vuln.go.dev)
	go run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...
	cd app && go run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...

# --- Cost estimate and architecture diagram (tools/costestimate, tools/diagram) -----------

.PHONY: cost diagram diagram-check

cost: synth ## Monthly cost estimate of each environment (COMPARE=<base cdk.out> prints the delta, FORMAT=markdown)
	go run ./tools/costestimate --format "$(or $(FORMAT),text)" $(if $(COMPARE),--compare "$(COMPARE)") cdk.out

diagram: synth ## Regenerate docs/architecture.dot and .svg from a fresh synth (needs Graphviz: apt-get install graphviz)
	go run ./tools/diagram -dot docs/architecture.dot -svg docs/architecture.svg cdk.out

diagram-check: ## Fail if docs/architecture.dot is not what the current cdk.out gives (run make synth first)
	go run ./tools/diagram -check -dot docs/architecture.dot cdk.out

# --- Generated documentation ----------------------------------------------------------

.PHONY: docs

docs: synth ## Regenerate README's configuration and cost tables and docs/architecture.{dot,svg} from config and cdk.out
	go run ./tools/configdoc -w
	go run ./tools/costestimate --readme README.md cdk.out
	go run ./tools/diagram -dot docs/architecture.dot -svg docs/architecture.svg cdk.out
