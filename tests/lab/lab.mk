## The three-host lab (docs/lab.md): dev-db, staging-db and prod-db as debootstrap root filesystems
## in their own network namespaces, reached over SSH. Included by the Makefile; run as root.
LAB := $(BIN)/python tests/lab/lab.py
LAB_STATE := /var/lib/hardgate-lab
LAB_ENVS := dev staging prod
LAB_LOGS := tests/lab/logs
# The lab's CAs live with the lab, apart from any CA of the same environment names on this machine.
LAB_ANSIBLE := HARDGATE_PKI_DIR=$(LAB_STATE)/pki $(BIN)/ansible-playbook playbooks/site.yml

.PHONY: lab-up lab-down lab-status lab-converge lab-test lab-ci

## lab-up: build (or reuse) the cached root filesystem, start the three hosts, wait for SSH.
lab-up: venv
	$(LAB) up

## lab-down: stop every lab process; remove namespaces, links, root filesystems and lab secrets.
lab-down: venv
	$(LAB) down

lab-status: venv
	$(LAB) status

## lab-converge: playbooks/site.yml on each host over SSH, one environment per run (its own -e env and
## vault id), the three in parallel; each log under tests/lab/logs.
lab-converge: venv
	@mkdir -p $(LAB_LOGS)
	@pids=""; for env in $(LAB_ENVS); do \
		$(LAB_ANSIBLE) -i inventories/lab/$$env -e env=$$env --vault-id $$env@$(LAB_STATE)/vault/$$env.pass \
			> $(LAB_LOGS)/converge-$$env.log 2>&1 & pids="$$pids $$!"; \
	done; rc=0; for pid in $$pids; do wait $$pid || rc=1; done; \
	for env in $(LAB_ENVS); do grep -A3 '^PLAY RECAP' $(LAB_LOGS)/converge-$$env.log | grep -v '^PLAY RECAP' | grep . \
		|| tail -n 20 $(LAB_LOGS)/converge-$$env.log; done; exit $$rc

## lab-test: converge, then per host the PostgreSQL baseline (over SSH) and the MariaDB suite (from the
## host's own network namespace, as a client of that environment), then the cross-host separation
## suite and the guard flip (tests/lab).
lab-test: lab-converge
	@for env in $(LAB_ENVS); do \
		echo "== testinfra on $$env-db"; \
		$(BIN)/pytest tests/infra/test_postgresql_baseline.py -q -p no:cacheprovider --hosts=ansible://all \
			--ansible-inventory=inventories/lab/$$env/hosts.yml --junitxml=$(LAB_LOGS)/junit-postgresql-$$env.xml || exit 1; \
		ip netns exec hglab-$$env env HARDGATE_INVENTORY=inventories/lab/$$env \
			HARDGATE_VAULT_PASSWORD_FILE=$(LAB_STATE)/vault/$$env.pass \
			$(BIN)/pytest tests/infra/test_mariadb.py -q -p no:cacheprovider \
			--junitxml=$(LAB_LOGS)/junit-mariadb-$$env.xml || exit 1; \
	done
	$(BIN)/pytest tests/lab -q -p no:cacheprovider --junitxml=$(LAB_LOGS)/junit-lab.xml

## lab-ci: what make test runs: a fresh lab, every lab test, and lab-down whatever happened.
lab-ci: venv
	-$(LAB) down
	rc=0; $(MAKE) --no-print-directory lab-up && $(MAKE) --no-print-directory lab-test || rc=$$?; \
		$(LAB) down; exit $$rc

LAB_TESTS := lab-ci
