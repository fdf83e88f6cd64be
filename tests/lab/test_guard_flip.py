"""Each separation test fails when the guard it relies on is removed.

A copy of the lab's inventories is altered in prod only, in three ways, one per guard:
- pg_hba and the MariaDB account hosts also admit dev's client network;
- prod's vault holds dev's orders_app passwords (PostgreSQL and MariaDB);
- prod's PKI is dev's (pki_environment: dev), so prod trusts what dev's CA signed.
prod-db is converged from that copy and tests/lab/test_separation.py runs against it: each
guarded test must fail, with the failure its own assertion names, and the unaltered pairs must
still pass. prod-db is then converged back from the real inventory and the suite passes again.
Runs after test_separation.py (file order) and leaves prod-db as it found it.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lab
import pytest
import yaml

pytestmark = [pytest.mark.lab, pytest.mark.slow]

SEPARATION = Path(__file__).resolve().parent / "test_separation.py"
CLAIM_NETWORK = "test_another_environments_network_is_refused_even_with_valid_credentials"
CLAIM_CREDENTIALS = "test_credentials_of_one_environment_do_not_log_in_on_another"
CLAIM_CA = "test_prod_rejects_a_client_certificate_issued_by_dev_ca"
# test id -> the assertion message that proves it failed because of the removed guard
MUST_FAIL = {
    f"{CLAIM_NETWORK}[dev-prod-postgresql]": "dev's network logged in to prod postgresql",
    f"{CLAIM_NETWORK}[dev-prod-mariadb]": "dev's network logged in to prod mariadb",
    f"{CLAIM_CREDENTIALS}[dev-prod-postgresql]": "dev's orders_app password logged in on prod postgresql",
    f"{CLAIM_CREDENTIALS}[dev-prod-mariadb]": "dev's orders_app password logged in on prod mariadb",
    CLAIM_CA: "prod accepted a client certificate issued by dev's CA",
}
# pairs that do not involve prod's guards stay green: the flip is surgical
MUST_PASS = [f"{CLAIM_NETWORK}[dev-staging-postgresql]", f"{CLAIM_CREDENTIALS}[staging-dev-mariadb]"]


def converge_prod(inventories: Path) -> None:
    done = subprocess.run(
        [shutil.which("ansible-playbook") or "ansible-playbook", "-i", str(inventories / "prod"),
         "playbooks/site.yml", "-e", "env=prod", "--vault-id", f"prod@{lab.VAULT_DIR / 'prod.pass'}"],
        cwd=lab.REPO, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "HARDGATE_PKI_DIR": str(lab.PKI_DIR)},
    )  # fmt: skip
    recap = [line for line in done.stdout.splitlines() if "prod-db" in line and "ok=" in line]
    assert done.returncode == 0, f"converge of prod from {inventories} failed: {recap or done.stdout[-500:]}"


def separation_results(inventories: Path, junit: Path) -> dict[str, str]:
    """Run the separation suite against the lab as `inventories` describes it: test id -> failure
    message ('' when it passed)."""
    subprocess.run(
        [sys.executable, "-m", "pytest", str(SEPARATION), "-q", "-p", "no:cacheprovider", f"--junitxml={junit}",
         "-k", "not pipeline"],
        cwd=lab.REPO, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "HARDGATE_LAB_INVENTORIES": str(inventories)},
    )  # fmt: skip
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        failure = case.find("failure")
        results[case.get("name", "")] = "" if failure is None else (failure.get("message") or "failed")
    return results


def remove_guards(copy: Path, env_secrets: Callable[[str], dict[str, str]]) -> None:
    def load(path: Path) -> dict[str, Any]:
        document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return document

    dev_networks = load(copy / "dev/group_vars/all.yml")["hardgate_app_networks"]
    prod_vars = copy / "prod/group_vars"
    prod_all = load(prod_vars / "all.yml")
    prod_all["hardgate_app_networks"] += dev_networks  # pg_hba admits dev's clients
    prod_all["pki_environment"] = "dev"  # prod's certificates come from, and trust, dev's CA
    (prod_vars / "all.yml").write_text(yaml.safe_dump(prod_all), encoding="utf-8")
    mariadb = load(prod_vars / "mariadb.yml")
    mariadb["mariadb_hardening_client_hosts"] += [  # MariaDB account hosts take ip/netmask
        f"{network.network_address}/{network.netmask}" for network in map(ipaddress.ip_network, dev_networks)
    ]
    (prod_vars / "mariadb.yml").write_text(yaml.safe_dump(mariadb), encoding="utf-8")
    secrets = dict(env_secrets("prod"))
    for name in ("orders_app", "mysql_orders_app"):
        secrets[name] = env_secrets("dev")[name]
    vault_file = copy / "prod/secrets.vault.yml"
    vault_file.unlink()
    subprocess.run(  # plaintext only on stdin, never on disk
        [shutil.which("ansible-vault") or "ansible-vault", "encrypt", "--vault-id",
         f"prod@{lab.VAULT_DIR / 'prod.pass'}", "--encrypt-vault-id", "prod", "--output", str(vault_file), "-"],
        input=yaml.safe_dump({"hardgate_vault_secrets": secrets}), capture_output=True, text=True, check=True,
    )  # fmt: skip


def test_each_separation_test_fails_when_its_guard_is_removed(
    hosts: dict[str, lab.LabHost], env_secrets: Callable[[str], dict[str, str]], tmp_path: Path
) -> None:
    copy = tmp_path / "inventories-lab"
    shutil.copytree(lab.INVENTORIES, copy)
    remove_guards(copy, env_secrets)
    try:
        converge_prod(copy)
        flipped = separation_results(copy, tmp_path / "flipped.xml")
    finally:
        converge_prod(lab.INVENTORIES)
    for test_id, why in MUST_FAIL.items():
        assert test_id in flipped, f"{test_id} did not run"
        assert why in flipped[test_id], f"{test_id} with its guard removed: {flipped[test_id] or 'passed'}"
    for test_id in MUST_PASS:
        assert flipped.get(test_id) == "", (
            f"{test_id} failed although its guards were untouched: {flipped.get(test_id)}"
        )
    restored = separation_results(lab.INVENTORIES, tmp_path / "restored.xml")
    assert restored and not [t for t, message in restored.items() if message], f"after restoring prod: {restored}"
