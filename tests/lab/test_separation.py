"""Separation between dev, staging and prod, proven by connecting across the lab's hosts.

One test per claim of docs/lab.md. Every refusal is paired with a control that succeeds (the same
login from the right place, or with the right credentials), so a test cannot pass because a
server is simply down. tests/lab/test_guard_flip.py shows each of these tests failing when the
guard it relies on is removed from a copy of prod's inventory.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lab
import pytest
from conftest import MARIADB_PKI, PG_PKI, Probe, mariadb_settings, on_host, pg_settings

from gate.decision import write_keypair

pytestmark = pytest.mark.lab

ER_HOST_NOT_PRIVILEGED = 1130  # no account exists for the client's address
ER_ACCESS_DENIED = 1045
HostFile = Callable[[lab.LabHost, str], str]
Secrets = Callable[[str], dict[str, str]]

# (kind, secret name of orders_app in the vault, how the server names the refusal)
DATABASES = {
    "postgresql": ("orders_app", f"{PG_PKI}/ca.crt"),
    "mariadb": ("mysql_orders_app", f"{MARIADB_PKI}/ca.crt"),
}


@pytest.fixture(autouse=True)
def no_bans(hosts: dict[str, lab.LabHost]) -> None:
    """These tests refuse logins across environments on purpose, and the attack suite guesses
    passwords: by now a target's fail2ban may rightly ban a source (prod: 5 failures in 10 min),
    which would hide what pg_hba and the account hosts say. Lift every ban first."""
    for host in hosts.values():
        done = on_host(host, "fail2ban-client", "unban", "--all")
        assert done.returncode == 0, f"{host.name}: fail2ban-client unban --all: {done.stderr.strip()}"


def login(probe: Probe, kind: str, source: lab.LabHost, target: lab.LabHost, password: str, ca: str) -> dict[str, Any]:
    settings = (pg_settings if kind == "postgresql" else mariadb_settings)(target, "orders_app", password, ca)
    return probe(source.namespace, kind, **settings)


@pytest.mark.parametrize("kind", DATABASES)
@pytest.mark.parametrize(("source", "target"), [("dev", "prod"), ("dev", "staging"), ("staging", "prod")])
def test_another_environments_network_is_refused_even_with_valid_credentials(
    hosts: dict[str, lab.LabHost], env_secrets: Secrets, probe: Probe, host_file: HostFile,
    kind: str, source: str, target: str,
) -> None:  # fmt: skip
    """From source's namespace, target's own valid credentials are refused by pg_hba / account hosts."""
    secret, ca_path = DATABASES[kind]
    password = env_secrets(target)[secret]
    ca = host_file(hosts[target], ca_path)
    control = login(probe, kind, hosts[target], hosts[target], password, ca)
    assert control["ok"], f"control: {target}'s own network cannot log in: {control['error']}"
    refused = login(probe, kind, hosts[source], hosts[target], password, ca)
    assert not refused["ok"], f"{source}'s network logged in to {target} {kind}"
    if kind == "postgresql":
        # the role ends pg_hba with an explicit reject line; without it the server says "no pg_hba.conf entry"
        assert re.search(rf'(pg_hba.conf rejects connection|no pg_hba.conf entry) for host "{hosts[source].address}"',
                         refused["error"]), refused["error"]  # fmt: skip
    else:
        assert refused["code"] in {ER_HOST_NOT_PRIVILEGED, ER_ACCESS_DENIED}, refused["error"]
        assert hosts[source].address in refused["error"]


@pytest.mark.parametrize("kind", DATABASES)
@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(["dev", "staging", "prod"], 2)))
def test_credentials_of_one_environment_do_not_log_in_on_another(
    hosts: dict[str, lab.LabHost], env_secrets: Secrets, probe: Probe, host_file: HostFile,
    kind: str, source: str, target: str,
) -> None:  # fmt: skip
    """From target's own network (allowed by pg_hba), source's password for the same account fails."""
    secret, ca_path = DATABASES[kind]
    ca = host_file(hosts[target], ca_path)
    control = login(probe, kind, hosts[target], hosts[target], env_secrets(target)[secret], ca)
    assert control["ok"], f"control: {target}'s own password does not log in: {control['error']}"
    foreign = login(probe, kind, hosts[target], hosts[target], env_secrets(source)[secret], ca)
    assert not foreign["ok"], f"{source}'s orders_app password logged in on {target} {kind}"
    if kind == "postgresql":
        assert 'password authentication failed for user "orders_app"' in foreign["error"]
    else:
        assert foreign["code"] == ER_ACCESS_DENIED, foreign["error"]


def test_prod_rejects_a_client_certificate_issued_by_dev_ca(
    hosts: dict[str, lab.LabHost], env_secrets: Secrets, probe: Probe, host_file: HostFile
) -> None:
    """prod requires a client certificate for orders_readonly; dev's CA-issued one is rejected."""
    prod, dev = hosts["prod"], hosts["dev"]
    password = env_secrets("prod")["orders_readonly"]
    ca = host_file(prod, f"{PG_PKI}/ca.crt")  # the CA prod-db trusts and serves
    own = {"sslcert": host_file(prod, f"{PG_PKI}/clients/orders_readonly.crt"),
           "sslkey": host_file(prod, f"{PG_PKI}/clients/orders_readonly.key")}  # fmt: skip
    foreign = {"sslcert": host_file(dev, f"{PG_PKI}/clients/orders_readonly.crt"),
               "sslkey": host_file(dev, f"{PG_PKI}/clients/orders_readonly.key")}  # fmt: skip
    without = probe(prod.namespace, "postgresql", **pg_settings(prod, "orders_readonly", password, ca))
    assert not without["ok"], "prod let orders_readonly in without a client certificate"
    control = probe(prod.namespace, "postgresql", **pg_settings(prod, "orders_readonly", password, ca, **own))
    assert control["ok"], f"control: prod's own client certificate is refused: {control['error']}"
    rejected = probe(prod.namespace, "postgresql", **pg_settings(prod, "orders_readonly", password, ca, **foreign))
    assert not rejected["ok"], "prod accepted a client certificate issued by dev's CA"
    assert "certificate" in rejected["error"].lower() or "unknown ca" in rejected["error"].lower()


def test_pipeline_refuses_to_deploy_to_lab_prod_without_a_signed_passing_decision(
    hosts: dict[str, lab.LabHost], tmp_path: Path
) -> None:
    """pipeline/run prod against inventories/lab/prod stops before converging: no record, then a
    record signed for another commit. prod-db's configuration is untouched."""
    config = hosts["prod"].root / "etc/postgresql/15/main/postgresql.conf"
    before = config.stat().st_mtime_ns
    pub = tmp_path / "gate.pub"
    write_keypair(tmp_path / "gate.key", pub)
    other_commit = tmp_path / "other-commit.json"
    other_commit.write_text(json.dumps({"schema": "hardgate-decision/1", "verdict": "pass",
                                        "environment": "prod", "git": {"commit": "0" * 40}}))  # fmt: skip
    for decision, reason in ((tmp_path / "missing.json", "decision record file not found"), (other_commit, "")):
        done = subprocess.run(
            [str(lab.REPO / "pipeline/run"), "prod", "--inventory", str(lab.INVENTORIES / "prod"),
             "--vault-password-file", str(lab.VAULT_DIR / "prod.pass"), "--decision", str(decision),
             "--pubkey", str(pub), "--out", str(tmp_path / decision.stem)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("pipeline: refusing to deploy to prod: no signed passing decision for commit ")
        assert reason in line
        summary = json.loads((tmp_path / decision.stem / "summary.json").read_text(encoding="utf-8"))
        stages = {stage["name"]: stage["status"] for stage in summary["stages"]}
        assert stages["verify"] == "failed" and stages["converge"] == "skipped"
    assert config.stat().st_mtime_ns == before, "prod-db's postgresql.conf changed: something converged"
