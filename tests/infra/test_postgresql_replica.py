"""The streaming replica (issue 19; CIS 7.1, 7.2, 7.5): a second cluster on this host follows the
primary over TLS 1.3 as the replication-only role; nothing else may replicate.

Runs where the inventory turns the replica on (inventories/local); skipped elsewhere.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from conftest import PG_LOG_DIR, PKI, PORT, TCP_HOST

pytestmark = pytest.mark.infra

SQL = Callable[..., str]
Connect = Callable[..., psycopg.Connection[Any]]
REPLICA_PORT = 5433
REPLICATOR = "replicator"


@pytest.fixture(scope="module")
def replica_settings(host: Any) -> dict[str, Any]:
    """The inventory's replica settings; the module is skipped when the replica is off."""
    variables = host.ansible.get_variables()
    if not variables.get("postgresql_hardening_replica", False):
        pytest.skip("this inventory runs no replica (postgresql_hardening_replica is off)")
    return variables


@pytest.fixture
def replica_sql(host: Any, replica_settings: dict[str, Any]) -> SQL:
    """psql as postgres over the replica's Unix socket."""

    def run(query: str, db: str = "orders", check: bool = True) -> Any:
        cmd = host.run("psql -X -v ON_ERROR_STOP=1 -At -U postgres -p %s -d %s -c %s", str(REPLICA_PORT), db, query)
        if check:
            assert cmd.rc == 0, cmd.stderr
            return str(cmd.stdout).strip()
        return cmd

    return run


def replication_connect(
    local_secrets: dict[str, str], user: str, password_secret: str, **extra: Any
) -> psycopg.Connection[Any]:
    """A physical replication connection (replication=true) to the primary over TCP."""
    params: dict[str, Any] = {
        "host": TCP_HOST,
        "port": PORT,
        "user": user,
        "password": local_secrets[password_secret],
        "replication": "true",
        "sslmode": "verify-full",
        "sslrootcert": f"{PKI}/ca.crt",
        "connect_timeout": 10,
        "application_name": "hardgate-replica-test",
    }
    params.update(extra)
    return psycopg.connect(**params, autocommit=True)


def test_replica_is_in_recovery_and_streams_over_tls13(sql: SQL, replica_sql: SQL) -> None:
    """CIS 7.5: the replica is a hot standby streaming from the primary through its slot, over TLS 1.3,
    as the replication-only role."""
    assert replica_sql("SELECT pg_is_in_recovery()", "postgres") == "t"
    row = sql(
        "SELECT r.usename, r.state, s.ssl, s.version FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) "
        "WHERE r.application_name = 'replica'"
    )
    assert row == f"{REPLICATOR}|streaming|t|TLSv1.3"
    assert sql("SELECT active FROM pg_replication_slots WHERE slot_name = 'replica_1'") == "t"


def test_row_written_on_primary_appears_on_replica(sql: SQL, replica_sql: SQL, orders_table: str) -> None:
    """A row committed on the primary is readable on the replica."""
    marker = uuid.uuid4().hex
    sql(f"INSERT INTO {orders_table} VALUES (1, '{marker}')", db="orders")
    seen = ""
    for _ in range(60):  # replay is asynchronous: wait for it (a bound, not a timing assertion)
        result = replica_sql(f"SELECT note FROM {orders_table} WHERE id = 1", check=False)
        seen = str(result.stdout).strip() if result.rc == 0 else ""
        if seen:
            break
        time.sleep(0.5)
    assert seen == marker


def test_replica_refuses_writes(replica_sql: SQL) -> None:
    """A standby is read-only: an INSERT fails with the read-only transaction error."""
    done = replica_sql("CREATE TABLE orders.never_created (id int)", check=False)
    assert done.rc != 0
    assert "cannot execute CREATE TABLE in a read-only transaction" in done.stderr


def test_replication_role_is_replication_only(sql: SQL) -> None:
    """CIS 7.1: the replication role can log in and replicate, nothing else; it is the only non-superuser
    role with REPLICATION."""
    row = sql(
        "SELECT rolcanlogin, rolreplication, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolconnlimit > 0 "
        f"FROM pg_roles WHERE rolname = '{REPLICATOR}'"
    )
    assert row == "t|t|f|f|f|f|t"
    others = sql(r"SELECT rolname FROM pg_roles WHERE rolreplication AND NOT rolsuper AND rolname NOT LIKE 'pg\_%'")
    assert others == REPLICATOR


def test_replication_role_replicates_over_tls_and_the_command_is_logged(
    local_secrets: dict[str, str], server_log: Callable[[], str]
) -> None:
    """Control for the refusals below, and CIS 7.2: the replication role opens a TLS replication
    connection, runs IDENTIFY_SYSTEM, and the command is in the server log."""
    with replication_connect(local_secrets, REPLICATOR, "postgres_replication") as conn:
        system = conn.execute("IDENTIFY_SYSTEM").fetchone()
        assert system is not None and system[0]
        assert conn.pgconn.ssl_in_use
    assert "received replication command: IDENTIFY_SYSTEM" in server_log()


def test_non_replication_role_cannot_start_replication(local_secrets: dict[str, str]) -> None:
    """Only the replication role may replicate: orders_app with its valid password is refused."""
    with pytest.raises(psycopg.OperationalError, match=r"replication connection|must be superuser or replication"):
        replication_connect(local_secrets, "orders_app", "orders_app")


def test_plaintext_replication_connection_is_refused(local_secrets: dict[str, str]) -> None:
    """The hostssl replication line admits TLS only: the replication role without TLS is refused."""
    with pytest.raises(
        psycopg.OperationalError, match=r"no pg_hba.conf entry for replication connection.*no encryption"
    ):
        replication_connect(local_secrets, REPLICATOR, "postgres_replication", sslmode="disable")


def test_replication_password_lives_only_in_a_postgres_only_passfile(host: Any, local_secrets: dict[str, str]) -> None:
    """The walreceiver's password is read from a 0600 postgres file, never from a configuration file."""
    passfile = host.file("/var/lib/postgresql/.pgpass-replication")
    assert (passfile.user, passfile.mode) == ("postgres", 0o600)
    secret = local_secrets["postgres_replication"]
    for conf in ("/etc/postgresql/15/replica/postgresql.conf", "/var/lib/postgresql/15/replica/postgresql.auto.conf"):
        assert secret not in host.file(conf).content_string
    assert secret not in host.check_output(f"cat {PG_LOG_DIR}/postgresql-15-replica-*.log")
