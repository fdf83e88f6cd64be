"""Attack signals on the converged host (roles/db_monitoring, docs/monitoring.md).

Proves from outside, with real clients: failed logins are logged with user and address but never
the attempted password; fail2ban's jails are live and ban a guessing source on the database port
only; every ban and every burst of errors from the application role becomes an alert event; the
alert command posts to an Alertmanager-compatible receiver. The guessing client is 127.0.0.2 (the
loopback range), since 127.0.0.1 is on the local inventory's never-ban list.
"""

from __future__ import annotations

import http.server
import json
import socket
import struct
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import polling  # tests/polling.py
import psycopg
import pymysql
import pytest
from conftest import PG_LOG_DIR, PORT, TCP_HOST

ATTACKER = "127.0.0.2"
MARIADB_PORT = 3306
ALERTS = Path("/var/log/hardgate/alerts.jsonl")
ALERT_COMMAND = "/usr/local/sbin/hardgate-db-alert"
MARIADB_AUDIT = Path("/var/log/mysql/audit/server_audit.log")
JAILS = ("hardgate-postgresql-auth", "hardgate-postgresql-errors", "hardgate-mariadb-auth")
LOCAL_MAXRETRY = 10  # roles/db_monitoring defaults: local's threshold


def fail2ban(*args: str) -> str:
    return subprocess.run(["fail2ban-client", *args], capture_output=True, text=True, check=True).stdout


def wait_for(predicate: Callable[[], bool], what: str) -> None:
    """fail2ban polls its logs once a second; allow it a bounded while (not a timing assertion)."""
    polling.wait_for(predicate, what, 30)


def alerts() -> list[dict[str, Any]]:
    if not ALERTS.exists():
        return []
    return [json.loads(line) for line in ALERTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def tcp_open(source: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.bind((source, 0))
        probe.settimeout(3)
        try:
            probe.connect((TCP_HOST, port))
        except OSError:
            return False
        return True


def pg_plaintext_attempt(source: str) -> bytes:
    """A StartupMessage from `source` without TLS: pg_hba refuses it, a real authentication failure."""
    with socket.socket() as client:
        client.bind((source, 0))
        client.settimeout(5)
        client.connect((TCP_HOST, PORT))
        params = b"user\x00orders_app\x00database\x00orders\x00\x00"
        client.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        return client.recv(4096)


@pytest.fixture
def unban() -> Iterator[None]:
    yield
    subprocess.run(["fail2ban-client", "unban", ATTACKER], capture_output=True, check=False)


def test_fail2ban_jails_are_live_on_the_database_logs() -> None:
    """Each Hardgate jail runs and reads the log its engine writes."""
    status = fail2ban("status")
    for jail in JAILS:
        assert jail in status
    assert PG_LOG_DIR in fail2ban("status", "hardgate-postgresql-auth")
    assert str(MARIADB_AUDIT) in fail2ban("status", "hardgate-mariadb-auth")


def test_failed_postgresql_login_is_logged_with_user_and_address_not_password(
    connect: Callable[..., psycopg.Connection[Any]], server_log: Callable[[], str]
) -> None:
    attempted = f"hgpw_{uuid.uuid4().hex}"
    with pytest.raises(psycopg.OperationalError):
        connect("orders_app", password=attempted)
    log = server_log()
    assert f"client={TCP_HOST} db=orders,user=orders_app" in log
    assert 'password authentication failed for user "orders_app"' in log
    for text in (
        log,
        Path("/var/log/fail2ban.log").read_text(encoding="utf-8"),
        ALERTS.read_text(encoding="utf-8") if ALERTS.exists() else "",
    ):
        assert attempted not in text


def test_failed_mariadb_login_is_logged_with_user_and_address_not_password() -> None:
    attempted = f"hgpw_{uuid.uuid4().hex}"
    with pytest.raises(pymysql.err.OperationalError):
        pymysql.connect(
            host=TCP_HOST,
            port=MARIADB_PORT,
            user="orders_app",
            password=attempted,
            ssl={"ca": "/etc/hardgate/pki/mariadb/ca.crt"},
            connect_timeout=5,
        )
    audit = MARIADB_AUDIT.read_text(encoding="utf-8", errors="replace")
    failed = [line for line in audit.splitlines() if ",FAILED_CONNECT," in line and f",{TCP_HOST}," in line]
    assert any(",orders_app," in line for line in failed)
    for path in (MARIADB_AUDIT, Path("/var/log/mysql/error.log")):
        assert attempted not in path.read_text(encoding="utf-8", errors="replace")


def test_postgresql_guessing_source_is_banned_on_its_port_only(unban: None) -> None:
    """Ten refused attempts from one address: banned from 5432, still reaching 3306; others unaffected."""
    before = len(alerts())
    for _ in range(LOCAL_MAXRETRY + 1):
        if not tcp_open(ATTACKER, PORT):
            break
        assert b"no pg_hba.conf entry" in pg_plaintext_attempt(ATTACKER)
    wait_for(lambda: ATTACKER in fail2ban("status", "hardgate-postgresql-auth"), "127.0.0.2 banned by the jail")
    assert not tcp_open(ATTACKER, PORT), "a banned source still reaches PostgreSQL"
    assert tcp_open(ATTACKER, MARIADB_PORT), "the PostgreSQL ban must not block other ports"
    assert tcp_open(TCP_HOST, PORT), "a ban must not block other sources"
    wait_for(lambda: len(alerts()) > before, "an alert event for the ban")
    event = alerts()[-1]
    assert (event["rule"], event["engine"], event["source_address"]) == ("brute-force", "postgresql", ATTACKER)
    assert event["user"] == "orders_app" and event["environment"] == "local" and event["count"] >= LOCAL_MAXRETRY


def test_mariadb_guessing_source_is_banned_on_its_port_only(unban: None) -> None:
    before = len(alerts())
    for _ in range(LOCAL_MAXRETRY + 1):
        if not tcp_open(ATTACKER, MARIADB_PORT):
            break
        with pytest.raises(pymysql.err.OperationalError):
            pymysql.connect(
                host=TCP_HOST,
                port=MARIADB_PORT,
                user="orders_app",
                password="wrong",
                bind_address=ATTACKER,
                connect_timeout=5,
            )
    wait_for(lambda: ATTACKER in fail2ban("status", "hardgate-mariadb-auth"), "127.0.0.2 banned by the jail")
    assert not tcp_open(ATTACKER, MARIADB_PORT)
    assert tcp_open(ATTACKER, PORT)
    assert tcp_open(TCP_HOST, MARIADB_PORT)
    wait_for(lambda: len(alerts()) > before, "an alert event for the ban")
    event = alerts()[-1]
    assert (event["rule"], event["engine"], event["source_address"]) == ("brute-force", "mariadb", ATTACKER)


def test_burst_of_syntax_errors_from_the_app_role_raises_an_alert(
    connect: Callable[..., psycopg.Connection[Any]],
) -> None:
    """What SQL-injection probing looks like: the app role sends broken SQL, again and again."""
    # Earlier suites' own permission errors may have opened a burst window already: start afresh.
    subprocess.run(
        ["fail2ban-client", "set", "hardgate-postgresql-errors", "unbanip", "--report-absent", TCP_HOST],
        capture_output=True,
        check=False,
    )
    before = len(alerts())
    with connect("orders_app") as conn:
        for attempt in range(12):
            with pytest.raises(psycopg.errors.SyntaxError):
                conn.execute(f"SELECT * FROM orders.orders WHERE id = '{attempt}''")
    wait_for(lambda: any(e["rule"] == "error-burst" for e in alerts()[before:]), "an error-burst alert")
    event = next(e for e in alerts()[before:] if e["rule"] == "error-burst")
    assert event["user"] == "orders_app" and event["engine"] == "postgresql"
    # Alert only: the application's own address keeps its access.
    assert tcp_open(TCP_HOST, PORT)


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_alert_command_posts_to_an_alertmanager_receiver_and_sanitises_fields(tmp_path: Path) -> None:
    """The command fail2ban runs, pointed at a receiver on loopback; hostile fields are neutralised."""
    server = http.server.HTTPServer((TCP_HOST, 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    alert_file = tmp_path / "alerts.jsonl"
    config = tmp_path / "alerting.json"
    config.write_text(
        json.dumps(
            {
                "environment": "local",
                "host": "local-db",
                "alert_file": str(alert_file),
                "alertmanager_url": f"http://{TCP_HOST}:{server.server_port}",
                "timeout": 5,
            }
        ),
        encoding="utf-8",
    )
    try:
        subprocess.run(
            [
                ALERT_COMMAND,
                "--rule=brute-force",
                "--engine=mariadb",
                "--address=198.18.0.7",
                '--user=eve"\n{"forged": true}',
                "--count=10",
            ],
            env={"HARDGATE_ALERT_CONFIG": str(config), "PATH": "/usr/bin:/bin"},
            check=True,
        )
    finally:
        server.shutdown()
    lines = alert_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["source_address"] == "198.18.0.7" and event["user"] == "eve{forged:true}"
    assert set(event) == {"time", "host", "environment", "engine", "rule", "source_address", "user", "count"}
    path, alerts_posted = _Receiver.received[-1]
    assert path == "/api/v2/alerts"
    assert alerts_posted[0]["labels"]["source_address"] == "198.18.0.7"
    assert alerts_posted[0]["labels"]["engine"] == "mariadb"


def test_alert_and_log_files_are_not_world_readable() -> None:
    """Logs carry addresses and user names: 0640 at most, never world-readable."""
    paths = [ALERTS, MARIADB_AUDIT, *Path(PG_LOG_DIR).glob("postgresql-15-main-*")]
    for path in paths:
        if path.exists():
            assert path.stat().st_mode & 0o007 == 0, f"{path} is world-accessible"
    assert ALERTS.stat().st_mode & 0o777 == 0o640


@pytest.fixture(scope="module")
def customers_audited(sql_module: Callable[..., str]) -> str:
    """orders.customers, the local inventory's sensitive table, created by the owner role if missing,
    then audited by a converge of playbooks/monitoring.yml (grants are made for existing tables)."""
    sql_module(
        "SET ROLE orders_owner; CREATE TABLE IF NOT EXISTS orders.customers (id serial PRIMARY KEY, name text)",
        db="orders",
    )
    repo = Path(__file__).resolve().parents[2]
    converge = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            "inventories/local",
            "playbooks/monitoring.yml",
            "-e",
            "env=local",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert converge.returncode == 0, converge.stdout[-2000:]
    return "orders.customers"


@pytest.fixture(scope="module")
def sql_module() -> Callable[..., str]:
    def run(query: str, db: str = "postgres") -> str:
        done = subprocess.run(
            ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-U", "postgres", "-d", db, "-c", query],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    return run


@pytest.fixture
def read_as_readonly(
    connect: Callable[..., psycopg.Connection[Any]], readonly_cert: dict[str, str]
) -> Callable[..., None]:
    """read_as_readonly(query, params): one statement as orders_readonly (its client certificate)."""

    def run(query: str, params: tuple[Any, ...] | None = None) -> None:
        with connect("orders_readonly", **readonly_cert) as conn:
            conn.execute(query, params)

    return run


def test_reading_a_sensitive_table_leaves_an_object_audit_line_without_values(
    customers_audited: str,
    read_as_readonly: Callable[..., None],
    connect: Callable[..., psycopg.Connection[Any]],
    server_log: Callable[[], str],
) -> None:
    """The readonly role reads, the app role updates: each leaves AUDIT: OBJECT naming role (in the
    prefix), table and statement class; the bound value never appears."""
    secret_value = f"hgval_{uuid.uuid4().hex}"
    read_as_readonly(f"SELECT id FROM {customers_audited} WHERE name = %s", (secret_value,))
    with connect("orders_app") as conn:
        conn.execute(f"UPDATE {customers_audited} SET name = name WHERE name = %s", (secret_value,))
    log = server_log().splitlines()
    reads = [line for line in log if "user=orders_readonly" in line and "AUDIT: OBJECT" in line]
    writes = [line for line in log if "user=orders_app" in line and "AUDIT: OBJECT" in line]
    assert any(f",READ,SELECT,TABLE,{customers_audited}," in line for line in reads), reads[-3:]
    assert any(f",WRITE,UPDATE,TABLE,{customers_audited}," in line for line in writes), writes[-3:]
    assert secret_value not in "\n".join(log)


def test_a_table_not_listed_as_sensitive_leaves_no_object_audit_line(
    orders_table: str, read_as_readonly: Callable[..., None], server_log: Callable[[], str]
) -> None:
    """The control: object auditing is per table, not every read of the database."""
    read_as_readonly(f"SELECT count(*) FROM {orders_table}")
    assert not [line for line in server_log().splitlines() if "AUDIT: OBJECT" in line and orders_table in line]
