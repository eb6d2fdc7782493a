# skillpass — every target installs what it needs (uv from PyPI if missing, Python deps,
# Kafka jars, FerretDB build), so a fresh clone needs nothing but `make dev` / `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
# libs/native is Rust (built by maturin when uv installs it): rustup's cargo, where rustup puts it.
export PATH := $(HOME)/.cargo/bin:$(PATH)
NATIVE := --manifest-path libs/native/Cargo.toml
# uv is installed from PyPI into the user site when missing; `python -m uv` then always works.
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen
INFRA := deploy/local/infra
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: k8s-check help bootstrap browser dev up down test test-faults test-unit lint fmt typecheck infra-up infra-down infra-status proto proto-check bench

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

bootstrap: ## install uv (if missing) and the locked Python environment
	@command -v cargo >/dev/null 2>&1 || { echo "skillpass needs a Rust toolchain (cargo >= 1.70, https://rustup.rs) to build libs/native" >&2; exit 1; }
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -c 'import uv' 2>/dev/null || $(PYTHON) -m pip install --quiet --user uv
	@$(UV) sync --frozen --all-packages --python 3.11 --quiet

# The wallet's share page is checked in a real headless Chromium (Debian's package). Installed when
# missing and the machine allows it (root + apt); otherwise that one test says why it skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing chromium for the share-page test (apt-get, once)"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends chromium fonts-dejavu-core >/dev/null) || \
	      echo "could not install chromium: the share-page browser test will be skipped"; \
	    else echo "no chromium and no root apt-get: the share-page browser test will be skipped"; fi; }

dev: bootstrap ## run the whole platform in one process (embedded mode, in-memory adapters)
	@$(RUN) skillpass dev --host $(HOST) --port $(PORT)

up: bootstrap infra-up ## the real stack: every service role + the gateway as local processes on Kafka + FerretDB
	@eval "$$($(INFRA) env)" && $(RUN) skillpass stack up

down: ## stop the processes `make up` started (their data stays in Kafka and FerretDB)
	@$(RUN) skillpass stack down

test: bootstrap browser lint typecheck infra-up ## lint, typecheck, every test ring (real Kafka + MongoDB-wire server), then the fault suite
	@cargo test --quiet --release $(NATIVE)
	@$(RUN) pytest
	@$(RUN) pytest -m faults

test-faults: bootstrap infra-up ## only the fault injection suite: private Kafka/FerretDB servers, service processes (~10 min)
	@$(RUN) pytest -m faults

test-unit: bootstrap ## the tests that need no servers
	@$(RUN) pytest -m "not kafka and not mongo"

lint: bootstrap ## ruff (lint + format check), import-linter, generated code freshness, rustfmt + clippy — never edits
	@$(RUN) ruff check .
	@$(RUN) ruff format --check .
	@cargo fmt --check $(NATIVE)
	@cargo clippy --quiet --release --all-targets $(NATIVE) -- -D warnings
	@$(RUN) lint-imports
	@if [ -f proto/generate.py ]; then $(RUN) python proto/generate.py --check; fi

fmt: bootstrap ## format and autofix
	@cargo fmt $(NATIVE)
	@$(RUN) ruff format .
	@$(RUN) ruff check --fix .

typecheck: bootstrap ## mypy --strict over every source and test tree
	@$(RUN) mypy libs services gateway tests bench

infra-up: ## provision (cached) and start Kafka + FerretDB on 127.0.0.1
	@$(INFRA) up

infra-down: ## stop the servers infra-up started
	@$(INFRA) down

infra-status: ## show the local servers
	@$(INFRA) status

k8s-check: bootstrap ## render every kustomize overlay and validate it offline (also part of make test)
	@$(RUN) pytest tests/k8s

proto: bootstrap ## regenerate Python code from proto/
	@$(RUN) python proto/generate.py

bench: bootstrap ## run the benchmarks; JSON results go to bench/results/
	@$(RUN) python bench/run.py
