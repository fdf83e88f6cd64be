# Hardgate: every set-up step lives here, so a fresh Debian 12 machine needs only `make demo` / `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HARDGATE := $(BIN)/hardgate
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test test-gate test-infra lint venv system-deps harden-local

## venv: the project's virtualenv with the gate, the scanners and the test tools.
venv: $(STAMP)
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## system-deps: Debian packages the tests need (git for diff-aware scans, openssl for TLS probes).
system-deps:
	@command -v git >/dev/null && command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq git openssl; }

## demo: the gate on the bundled vulnerable app, prod verdict first, then what dev would have done.
demo: venv
	@echo "== hardgate scan examples/vulnerable-app --env prod"
	@$(HARDGATE) scan examples/vulnerable-app --env prod; echo "exit code: $$? (1 = blocked by policy)"
	@echo
	@echo "== the same scan with --env dev"
	@$(HARDGATE) scan examples/vulnerable-app --env dev --format text >/dev/null; echo "exit code in dev: $$?"

## test: every test, gate and hardening.
test: test-gate test-infra

test-gate: venv system-deps
	$(BIN)/pytest tests --ignore=tests/infra -q

## test-infra: converge this machine with the real roles, verify with testinfra, prove idempotence.
test-infra: venv system-deps
	@echo "test-infra: no hardening roles yet"

lint: venv
	$(BIN)/ruff check gate tests bench
	$(BIN)/mypy
