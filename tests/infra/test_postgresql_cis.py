"""CIS PostgreSQL 15 benchmark controls that the dev-sec baseline does not cover (issue 19), proven
on the converged host: each by its setting and, where a client can show it, by behaviour.

The CIS id of each control is in the test name; docs/controls.md maps them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from conftest import PG_CONF_DIR, PG_DATA_DIR

pytestmark = pytest.mark.infra

SQL = Callable[..., str]
Connect = Callable[..., psycopg.Connection[Any]]
ALL_DBS = ["postgres", "template1", "orders"]


@pytest.fixture
def scratch_role(sql: SQL) -> Iterator[str]:
    """A NOLOGIN role with no grant at all: it holds exactly what PUBLIC holds."""
    name = f"hg_probe_{uuid.uuid4().hex[:8]}"
    sql(f"CREATE ROLE {name} NOLOGIN CONNECTION LIMIT 0")
    yield name
    sql(f"DROP ROLE IF EXISTS {name}")


def test_cis_1_4_3_data_checksums_are_on(host: Any, sql: SQL) -> None:
    """CIS 1.4.3: the cluster verifies page checksums (enabled by pg_checksums on an adopted cluster)."""
    assert sql("SHOW data_checksums") == "on"
    control = host.check_output(f"LC_ALL=C /usr/lib/postgresql/15/bin/pg_controldata {PG_DATA_DIR}")
    assert re.search(r"^Data page checksum version:\s+1$", control, re.M)


def test_cis_2_1_postgres_login_shell_has_umask_077(host: Any) -> None:
    """CIS 2.1: a login shell of the postgres account runs with umask 0077, and a file it creates is 0600."""
    assert host.check_output("runuser -l postgres -c umask") == "0077"
    probe = f"/tmp/hg-umask-{uuid.uuid4().hex[:8]}"
    try:
        host.check_output(f"runuser -l postgres -c 'touch {probe}'")
        assert host.file(probe).mode == 0o600
    finally:
        host.run(f"rm -f {probe}")


def test_cis_2_6_unix_socket_is_0770_and_refuses_other_users(host: Any, sql: SQL) -> None:
    """CIS 2.6: unix_socket_permissions 0770; an OS user outside the postgres group cannot even open it."""
    assert sql("SHOW unix_socket_permissions") == "0770"
    assert host.file("/var/run/postgresql/.s.PGSQL.5432").mode == 0o770
    denied = host.run(
        "runuser -u nobody -- psql -X -h /var/run/postgresql -p 5432 -U postgres -d postgres -c 'SELECT 1'"
    )
    assert denied.rc != 0
    assert "Permission denied" in denied.stderr


def test_cis_3_1_7_log_truncate_on_rotation_is_on(sql: SQL) -> None:
    """CIS 3.1.7: a time-rotated log file of the same name is truncated, not appended to."""
    assert sql("SHOW log_truncate_on_rotation") == "on"


def test_cis_3_1_22_errors_are_logged_verbosely(sql: SQL, server_log: Callable[[], str], marker: str) -> None:
    """CIS 3.1.22: log_error_verbosity verbose - an error's log entry carries its SQLSTATE and source location."""
    assert sql("SHOW log_error_verbosity") == "verbose"
    sql(f"SELECT * FROM {marker}", check=False)
    log = server_log()
    at = log.rfind(f'relation "{marker}" does not exist')
    assert at >= 0
    assert re.search(r"ERROR:\s+42P01:", log[log.rfind("\n", 0, at) : at + 200])
    assert "LOCATION:" in log[at : at + 400]


def test_cis_3_1_25_ddl_statements_are_logged(
    connect: Connect, sql: SQL, server_log: Callable[[], str], marker: str
) -> None:
    """CIS 3.1.25: log_statement ddl - a CREATE TABLE is logged as a statement; a SELECT is not."""
    assert sql("SHOW log_statement") == "ddl"
    with connect("orders_migrator") as conn:
        conn.execute("SET ROLE orders_owner")
        conn.execute(f"CREATE TABLE orders.{marker} (id int)")
        conn.execute(f"SELECT count(*) FROM orders.{marker} /* select_{marker} */")
        conn.execute(f"DROP TABLE orders.{marker}")
    log = server_log()
    assert re.search(rf"LOG:\s+(00000: )?statement: CREATE TABLE orders\.{marker}", log)
    assert f"select_{marker}" not in log


def test_cis_4_8_set_user_is_preloaded_created_and_configured(sql: SQL) -> None:
    """CIS 4.8: set_user preloaded and created in postgres, its blocks on, EXECUTE held by nobody."""
    assert "set_user" in sql("SHOW shared_preload_libraries").split(",")
    assert sql("SELECT count(*) FROM pg_extension WHERE extname = 'set_user'") == "1"
    for guc in ("block_alter_system", "block_copy_program", "block_log_statement", "exit_on_error"):
        assert sql(f"SHOW set_user.{guc}") == "on", guc
    for role in ("orders_app", "orders_migrator", "orders_readonly"):
        for fn in ("set_user(text)", "set_user_u(text)"):
            assert sql(f"SELECT has_function_privilege('{role}', '{fn}', 'EXECUTE')") == "f", (role, fn)


def test_cis_4_8_set_user_refuses_escalation_to_superuser(host: Any) -> None:
    """CIS 4.8: with an empty superuser_allowlist, set_user_u() refuses to switch to a superuser."""
    done = host.run("psql -X -At -U postgres -d postgres -c \"SELECT set_user_u('postgres')\"")
    assert done.rc != 0
    assert "switching to superuser not allowed" in done.stderr


@pytest.mark.parametrize("db", ALL_DBS)
def test_cis_4_10_public_has_neither_create_nor_usage_on_schema_public(sql: SQL, db: str, scratch_role: str) -> None:
    """CIS 4.10: in every database, postgres and template1 included, PUBLIC lost CREATE and USAGE on public:
    a role with no grant of its own can neither use nor create in it."""
    q = "SELECT count(*) FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public' AND a.grantee = 0"
    assert sql(q, db) == "0"
    for privilege in ("USAGE", "CREATE"):
        assert sql(f"SELECT has_schema_privilege('{scratch_role}', 'public', '{privilege}')", db) == "f"


def test_cis_4_10_app_roles_keep_usage_and_call_pgcrypto(connect: Connect, sql: SQL) -> None:
    """CIS 4.10 without breaking the application: the app role's explicit USAGE on public lets it call
    pgcrypto (installed in the application database for column-level encryption); no CREATE."""
    assert sql("SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'", "orders") == "1"
    assert sql("SELECT has_schema_privilege('orders_app', 'public', 'CREATE')", "orders") == "f"
    with connect("orders_app") as conn:
        row = conn.execute(
            "SELECT pgp_sym_decrypt(pgp_sym_encrypt('4111111111111111', 'k'), 'k'), "
            "pgp_sym_encrypt('4111111111111111', 'k')::text LIKE '%4111%'"
        ).fetchone()
    assert row == ("4111111111111111", False)


def test_cis_5_5_every_role_has_a_connection_limit(sql: SQL) -> None:
    """CIS 5.5: no role (postgres and NOLOGIN group roles included) is left at -1 (unlimited)."""
    assert sql(r"SELECT rolname FROM pg_roles WHERE rolconnlimit < 0 AND rolname NOT LIKE 'pg\_%'") == ""
    assert int(sql("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'postgres'")) > 0
    assert sql("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'orders_owner'") == "0"


def test_cis_5_5_connection_limit_is_enforced(connect: Connect, sql: SQL) -> None:
    """CIS 5.5: orders_migrator (limit 2) cannot open a third session."""
    assert sql("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'orders_migrator'") == "2"
    with (
        connect("orders_migrator"),
        connect("orders_migrator"),
        pytest.raises(psycopg.OperationalError, match="too many connections for role"),
    ):
        connect("orders_migrator")


def hba_lines(host: Any) -> list[list[str]]:
    content = host.file(f"{PG_CONF_DIR}/pg_hba.conf").content_string
    return [line.split() for line in content.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_cis_5_x_every_hba_line_names_databases_and_users(host: Any) -> None:
    """CIS 5.x: no pg_hba line says all (or sameuser/samerole) for databases or users, except the final reject."""
    lines = hba_lines(host)
    assert lines[-1][-1] == "reject"
    for fields in lines[:-1]:
        databases, users = fields[1].split(","), fields[2].split(",")
        assert not {"all", "sameuser", "samerole"} & set(databases + users), fields


def test_cis_5_x_superuser_over_tcp_reaches_only_the_named_database(connect: Connect) -> None:
    """CIS 5.x: postgres may log in over TLS to postgres only; orders is not named for it, so it is refused."""
    with connect("postgres", db="postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match=r"pg_hba.conf rejects connection|no pg_hba.conf entry"):
        connect("postgres", db="orders")


def test_cis_7_2_replication_commands_are_logged(sql: SQL) -> None:
    """CIS 7.2: log_replication_commands on (the replica suite shows a logged command)."""
    assert sql("SHOW log_replication_commands") == "on"


def test_cis_7_5_streaming_replication_parameters(sql: SQL) -> None:
    """CIS 7.5: wal_level replica, WAL senders and slots available, WAL kept for a lagging standby."""
    assert sql("SHOW wal_level") == "replica"
    assert int(sql("SHOW max_wal_senders")) > 0
    assert int(sql("SHOW max_replication_slots")) > 0
    assert sql("SHOW wal_keep_size") != "0"
