# Hardgate: every set-up step lives here, so a fresh Debian 12 machine needs only `make demo` / `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
## The venv's interpreter: the newest CPython >= 3.12 here (bandit parses the target with it), else python3.
PYTHON ?= $(shell pipeline/find-python)
VENV ?= .venv
BIN := $(VENV)/bin
HARDGATE := $(BIN)/hardgate
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test test-gate test-infra test-pipeline lint venv system-deps harden-local local-secrets self-gate

## venv: the project's virtualenv with the gate, the scanners and the test tools.
venv: $(STAMP)
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## system-deps: Debian packages the tests need (git for diff-aware scans, openssl for TLS probes, pass+gnupg for the pass backend).
system-deps:
	@command -v git >/dev/null && command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq git openssl; }
	@command -v pass >/dev/null && command -v gpg >/dev/null || { apt-get update -qq && apt-get install -y -qq pass gnupg; }
	@# chromium: the HTML report is rendered in a real headless browser (tests/test_reporters_html.py).
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y chromium; }

## demo: the gate on the bundled vulnerable app, prod verdict first, then what dev would have done.
## Offline: pip-audit queries the small advisory set in examples/advisories, served on loopback.
DEMO_STORE := out/demo/advisories.db
demo: venv
	@mkdir -p $(dir $(DEMO_STORE))
	@$(HARDGATE) advisories import examples/advisories --store $(DEMO_STORE)
	@echo "== hardgate scan examples/vulnerable-app --env prod"
	@rc=0; $(HARDGATE) scan examples/vulnerable-app --env prod --advisories $(DEMO_STORE) --no-cache || rc=$$?; \
		echo "exit code in prod: $$rc (0 pass, 1 blocked by policy, 2 usage error, 3 scanner failed)"
	@echo
	@echo "== what dev would have done: hardgate scan examples/vulnerable-app --env dev"
	@rc=0; $(HARDGATE) scan examples/vulnerable-app --env dev --advisories $(DEMO_STORE) --no-cache 2>/dev/null \
		| tail -n 1 || rc=$$?; echo "exit code in dev: $$rc"

## The three-host lab (docs/lab.md) lives in tests/lab/lab.mk; it sets LAB_TESTS when it is part of make test.
LAB_TESTS :=
-include tests/lab/lab.mk

## test: every test: the gate, the hardening of this machine, both restore drills, the local pipeline end to
## end, the self-gate, and the lab.
test: test-gate test-infra restore-drill-postgresql restore-drill-mariadb test-pipeline self-gate $(LAB_TESTS)

test-gate: venv system-deps
	$(BIN)/pytest tests --ignore=tests/infra --ignore=tests/lab -q

## Hardening: Ansible reads playbooks/ansible.cfg; local secrets live outside the repo.
export ANSIBLE_CONFIG := $(abspath playbooks/ansible.cfg)
HARDGATE_VAULT_DIR ?= $(HOME)/.config/hardgate/vault
LOCAL_VAULT_PASS := $(HARDGATE_VAULT_DIR)/local.pass
LOCAL_VAULT_FILE := inventories/local/secrets.vault.yml
# The machine's copy: its databases outlive a checkout, so a new clone reuses the secrets they were
# made with (a pgBackRest repository or MariaDB tablespaces cannot be read with new ones).
LOCAL_VAULT_MACHINE_COPY := $(HARDGATE_VAULT_DIR)/local.secrets.vault.yml
SAVE_LOCAL_SECRETS := install -m 0600 $(LOCAL_VAULT_FILE) $(LOCAL_VAULT_MACHINE_COPY)
INFRA_LOGS := tests/infra/logs
CONVERGE_LOCAL := $(BIN)/ansible-playbook -i inventories/local playbooks/site.yml -e env=local \
	--vault-id local@$(LOCAL_VAULT_PASS)

## local-secrets: random vault password (outside the repo, 0600) + vault-encrypted local secrets, if missing;
## the newer of the checkout's file and the machine's copy wins (another checkout may have rotated a key),
## and the result goes back to the machine's copy.
local-secrets: venv
	@command -v age-keygen >/dev/null || { apt-get update -qq && apt-get install -y -qq age; }  # age-identity secrets
	@if [ -f $(LOCAL_VAULT_MACHINE_COPY) ] && [ $(LOCAL_VAULT_MACHINE_COPY) -nt $(LOCAL_VAULT_FILE) ]; then \
		install -m 0600 $(LOCAL_VAULT_MACHINE_COPY) $(LOCAL_VAULT_FILE) && echo "local secrets: this machine's ($(LOCAL_VAULT_MACHINE_COPY))"; fi
	@# The names (and key kinds) come from the engine profiles: hardgate secrets names (docs/secrets.md).
	names="$$($(HARDGATE) secrets names --env local)" && \
		$(BIN)/python roles/secrets/scripts/init_env_secrets.py --env local --vault-file $(LOCAL_VAULT_FILE) \
		--password-file $(LOCAL_VAULT_PASS) $$names
	@$(SAVE_LOCAL_SECRETS)

## harden-local: converge this machine with playbooks/site.yml and inventories/local.
harden-local: venv local-secrets
	@mkdir -p $(INFRA_LOGS)
	$(CONVERGE_LOCAL) | tee $(INFRA_LOGS)/converge.log

## test-infra: converge this machine, verify with testinfra, then converge again (-vvv):
## changed=0 and no secret value anywhere in the output (tests/infra/test_converge.py).
## The rotation tests rewrite the local vault: the machine's copy follows, pass or fail.
test-infra: venv system-deps harden-local
	$(BIN)/pytest tests/infra -q -p no:cacheprovider --ignore=tests/infra/test_mariadb_restore_drill.py --hosts=ansible://all \
		--ansible-inventory=inventories/local/hosts.yml --junitxml=$(INFRA_LOGS)/junit.xml; \
		rc=$$?; $(SAVE_LOCAL_SECRETS); exit $$rc

## restore-drill: both engines' restore drills (docs/backups.md), on this machine converged first.
## make test runs the two drills right after test-infra, which has converged already.
.PHONY: restore-drill
restore-drill: harden-local
	$(MAKE) --no-print-directory restore-drill-postgresql restore-drill-mariadb

## restore-drill-postgresql: back up the converged primary (encrypted pgBackRest repository), commit a marker,
## restore to a point in time just after it into a scratch cluster on port 5499, prove the marker is back, tear
## it down, and prove a wrong passphrase fails (docs/backups.md). Needs a converged host (harden-local).
.PHONY: restore-drill-postgresql
restore-drill-postgresql:
	bash tests/infra/restore_drill_postgresql.sh

## restore-drill-mariadb: write a marker row as the app account, take an encrypted backup (mariadb-backup | age),
## restore it with the environment's identity into a scratch mariadbd on port 3317, prove the marker is back,
## tear it down, and prove a wrong identity fails in one line (docs/backups.md). Needs a converged host.
.PHONY: restore-drill-mariadb
restore-drill-mariadb: venv
	$(BIN)/pytest tests/infra/test_mariadb_restore_drill.py -q -p no:cacheprovider

## test-pipeline: `pipeline/run dev` end to end on this machine (scan, sign, verify, converge, testinfra, record).
test-pipeline: venv system-deps local-secrets
	HARDGATE_PIPELINE_E2E=1 $(BIN)/pytest tests/test_pipeline_run.py -m infra -q -p no:cacheprovider

lint: venv
	$(BIN)/ruff check gate tests bench
	$(BIN)/mypy

## self-gate: Hardgate gates itself (docs/pipeline.md): the prod policy over what ships, with its own
## waivers; ruff and mypy (gate + pipeline runner); ansible-lint's production profile, offline.
self-gate: venv
	$(HARDGATE) scan . --env prod --policy pipeline/self-policy.yml --waivers pipeline/self-waivers.yml
	$(BIN)/ruff check gate tests bench pipeline
	$(BIN)/mypy
	$(BIN)/mypy pipeline/hardgate_pipeline
	ANSIBLE_LINT_SKIP_SCHEMA_UPDATE=1 $(BIN)/ansible-lint --offline --nocolor -q -c pipeline/ansible-lint.yml \
		-i pipeline/ansible-lint-ignore.txt --project-dir . roles/ playbooks/
