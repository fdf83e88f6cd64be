"""The attack suite (docs/monitoring.md): staging's host attacks prod-db, and prod notices.

Each test attacks from inside staging's network namespace, as a compromised neighbour would, and
reads what prod-db recorded from prod-db's own root filesystem. Bans are short in the lab
(inventories/lab/*/group_vars/all.yml), so a test also sees a ban lifted. Every test leaves prod-db
with no ban, so the separation suite that runs after it meets the servers' own refusals.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lab
import polling  # tests/polling.py
import pytest
import yaml
from conftest import MARIADB_PKI, PG_PKI, Probe, mariadb_settings, on_host, pg_settings

pytestmark = pytest.mark.lab

HostFile = Callable[[lab.LabHost, str], str]
Secrets = Callable[[str], dict[str, str]]
ALERTS = "var/log/hardgate/alerts.jsonl"
JAILS = {"postgresql": "hardgate-postgresql-auth", "mariadb": "hardgate-mariadb-auth"}
PORTS = {"postgresql": 5432, "mariadb": 3306}
SECRET = {"postgresql": "orders_app", "mariadb": "mysql_orders_app"}
CA = {"postgresql": f"{PG_PKI}/ca.crt", "mariadb": f"{MARIADB_PKI}/ca.crt"}
GUESSES = 10


def banned(host: lab.LabHost, jail: str) -> str:
    return on_host(host, "fail2ban-client", "get", jail, "banip").stdout


def alerts(host: lab.LabHost) -> list[dict[str, Any]]:
    path = host.root / ALERTS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def reaches(namespace: str, address: str, port: int) -> bool:
    """Whether a TCP connection from the namespace to address:port is accepted."""
    code = (
        "import socket,sys\n"
        "s=socket.socket(); s.settimeout(3)\n"
        f"sys.exit(0 if s.connect_ex(({address!r}, {port})) == 0 else 1)\n"
    )
    done = subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-c", code], check=False, timeout=30)
    return done.returncode == 0


def wait_for(predicate: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """fail2ban polls once a second and bans expire on its own clock: a bounded wait, not a timing test."""
    polling.wait_for(predicate, what, seconds, poll=1)


@pytest.fixture
def prod_and_staging(hosts: dict[str, lab.LabHost]) -> Iterator[tuple[lab.LabHost, lab.LabHost]]:
    prod, staging = hosts["prod"], hosts["staging"]
    yield prod, staging
    for jail in JAILS.values():
        on_host(prod, "fail2ban-client", "set", jail, "unbanip", "--report-absent", staging.address)


@pytest.fixture
def inside_prod_network(hosts: dict[str, lab.LabHost]) -> Iterator[str]:
    """Give staging's host a second address inside prod's client network, used for prod-db only:
    a client that prod's pg_hba and account hosts accept, so a valid login can be tried."""
    prod, staging = hosts["prod"], hosts["staging"]
    inventory = yaml.safe_load((lab.INVENTORIES / "prod" / "group_vars" / "all.yml").read_text(encoding="utf-8"))
    network = ipaddress.ip_network(inventory["hardgate_app_networks"][0])
    address = str(list(network.hosts())[-1])
    inside = ["ip", "netns", "exec", staging.namespace, "ip"]
    subprocess.run([*inside, "addr", "add", f"{address}/24", "dev", "eth0"], check=True)
    subprocess.run([*inside, "route", "add", f"{prod.address}/32", "dev", "eth0", "src", address], check=True)
    yield address
    subprocess.run([*inside, "route", "del", f"{prod.address}/32"], check=False)
    subprocess.run([*inside, "addr", "del", f"{address}/24", "dev", "eth0"], check=False)
    for jail in JAILS.values():
        on_host(prod, "fail2ban-client", "set", jail, "unbanip", "--report-absent", address)


@pytest.mark.parametrize("kind", list(JAILS))
def test_guessing_from_staging_is_banned_on_prod_and_alerted(
    kind: str, probe: Probe, host_file: HostFile, prod_and_staging: tuple[lab.LabHost, lab.LabHost]
) -> None:
    """Ten wrong passwords from staging's address: prod-db bans it on that engine's port only,
    SSH still answers, and the alert event names the address, the user and the engine."""
    prod, staging = prod_and_staging
    ca = host_file(prod, CA[kind])
    before = len(alerts(prod))
    attempted = f"hgguess_{uuid.uuid4().hex}"
    settings = (pg_settings if kind == "postgresql" else mariadb_settings)(prod, "orders_app", attempted, ca)
    for _ in range(GUESSES):
        if not reaches(staging.namespace, prod.address, PORTS[kind]):
            break
        assert not probe(staging.namespace, kind, **settings)["ok"]
    wait_for(lambda: staging.address in banned(prod, JAILS[kind]), f"{staging.address} banned on prod-db {kind}")
    print(f"prod-db banned {staging.address} ({kind})")
    assert not reaches(staging.namespace, prod.address, PORTS[kind]), "the banned address still reaches the port"
    assert reaches(staging.namespace, prod.address, 22), "the ban must cover the database port only"
    wait_for(lambda: len(alerts(prod)) > before, "an alert event on prod-db")
    event = next(e for e in alerts(prod)[before:] if e["engine"] == kind)
    assert event["source_address"] == staging.address and event["environment"] == "prod"
    # MariaDB refuses a host with no account (1130) before it reads the user name, so its event
    # carries none; PostgreSQL logs the user it was asked for. The borrowed-address test below sees
    # the user on both engines.
    assert event["rule"] == "brute-force" and event["user"] == ("orders_app" if kind == "postgresql" else "")
    # The attempted password is nowhere on prod-db's logs or alerts.
    for folder in ("var/log/postgresql", "var/log/mysql", "var/log/hardgate"):
        for path in (prod.root / folder).rglob("*"):
            if path.is_file():
                assert attempted not in path.read_text(encoding="utf-8", errors="replace"), path


@pytest.mark.parametrize("kind", list(JAILS))
def test_valid_login_is_refused_during_the_ban_and_accepted_after(
    kind: str,
    probe: Probe,
    host_file: HostFile,
    env_secrets: Secrets,
    hosts: dict[str, lab.LabHost],
    inside_prod_network: str,
) -> None:
    prod, staging = hosts["prod"], hosts["staging"]
    ca = host_file(prod, CA[kind])
    make = pg_settings if kind == "postgresql" else mariadb_settings
    valid = make(prod, "orders_app", env_secrets("prod")[SECRET[kind]], ca)
    assert probe(staging.namespace, kind, **valid)["ok"], "control: the borrowed prod address cannot log in"
    wrong = make(prod, "orders_app", "not-the-password", ca)
    for _ in range(GUESSES):
        if not reaches(staging.namespace, prod.address, PORTS[kind]):
            break
        assert not probe(staging.namespace, kind, **wrong)["ok"]
    wait_for(lambda: inside_prod_network in banned(prod, JAILS[kind]), f"{inside_prod_network} banned")
    print(f"prod-db banned {inside_prod_network} ({kind})")
    wait_for(lambda: any(e["source_address"] == inside_prod_network and e["engine"] == kind
                         for e in alerts(prod)), "an alert event for the borrowed address")  # fmt: skip
    event = [e for e in alerts(prod) if e["source_address"] == inside_prod_network and e["engine"] == kind][-1]
    assert event["user"] == "orders_app" and event["rule"] == "brute-force"
    assert not probe(staging.namespace, kind, **valid)["ok"], "a valid login got through during the ban"
    wait_for(lambda: inside_prod_network not in banned(prod, JAILS[kind]), "the short lab ban to expire", 90)
    assert probe(staging.namespace, kind, **valid)["ok"], "a valid login is still refused after the ban"


def test_burst_of_syntax_errors_from_the_app_role_raises_an_alert(
    probe: Probe, host_file: HostFile, env_secrets: Secrets, hosts: dict[str, lab.LabHost]
) -> None:
    """SQL-injection probing as prod's own application would send it: alerted, never banned."""
    prod = hosts["prod"]
    on_host(prod, "fail2ban-client", "set", "hardgate-postgresql-errors", "unbanip", "--report-absent", prod.address)
    before = len(alerts(prod))
    ca = host_file(prod, CA["postgresql"])
    statements = [f"SELECT * FROM orders.orders WHERE id = '{n}' OR '1'='1''" for n in range(12)]
    settings = pg_settings(prod, "orders_app", env_secrets("prod")["orders_app"], ca, statements=statements)
    result = probe(prod.namespace, "postgresql", **settings)
    assert result["ok"] and result["errors"] == len(statements)
    wait_for(lambda: any(e["rule"] == "error-burst" for e in alerts(prod)[before:]), "an error-burst alert")
    event = next(e for e in alerts(prod)[before:] if e["rule"] == "error-burst")
    assert event["user"] == "orders_app" and event["engine"] == "postgresql" and event["environment"] == "prod"
    assert probe(
        prod.namespace, "postgresql", **pg_settings(prod, "orders_app", env_secrets("prod")["orders_app"], ca)
    )["ok"], "the application itself was blocked"


def test_readonly_read_of_a_sensitive_table_leaves_an_object_audit_line(
    probe: Probe, host_file: HostFile, env_secrets: Secrets, hosts: dict[str, lab.LabHost]
) -> None:
    """prod lists orders.customers as sensitive: once it exists and the monitoring play has run,
    a read by orders_readonly (client certificate + password) is in prod-db's log as AUDIT: OBJECT."""
    prod = hosts["prod"]
    created = on_host(prod, "psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "orders", "-c",
                      "SET ROLE orders_owner; CREATE TABLE IF NOT EXISTS orders.customers (id serial PRIMARY KEY, "
                      "name text)")  # fmt: skip
    assert created.returncode == 0, created.stderr
    converge = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(lab.INVENTORIES / "prod"),
         str(lab.REPO / "playbooks" / "monitoring.yml"), "-e", "env=prod"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert converge.returncode == 0, converge.stdout[-2000:]
    ca = host_file(prod, CA["postgresql"])
    cert = {"sslcert": host_file(prod, f"{PG_PKI}/clients/orders_readonly.crt"),
            "sslkey": host_file(prod, f"{PG_PKI}/clients/orders_readonly.key")}  # fmt: skip
    settings = pg_settings(prod, "orders_readonly", env_secrets("prod")["orders_readonly"], ca, **cert,
                           statements=["SELECT count(*) FROM orders.customers"])  # fmt: skip
    assert probe(prod.namespace, "postgresql", **settings) == {"ok": True, "errors": 0}

    def audited() -> bool:
        logs = (prod.root / "var/log/postgresql").glob("postgresql-15-main*.log")
        return any(
            "user=orders_readonly" in line and ",READ,SELECT,TABLE,orders.customers," in line
            for path in logs
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        )

    wait_for(audited, "an AUDIT: OBJECT line for the read", 20)
