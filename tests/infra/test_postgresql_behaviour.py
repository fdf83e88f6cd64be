"""PostgreSQL controls proven by behaviour: real clients connect over loopback and the server
must refuse, allow or log exactly what the hardening promises (CIS PostgreSQL 15 + dev-sec)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from conftest import PG_LOG_DIR, PKI, PORT, TCP_HOST
from psycopg import errors

pytestmark = pytest.mark.infra

SQL = Callable[..., str]
Connect = Callable[..., psycopg.Connection[Any]]


# --- transport: TLS only, TLS 1.3 only, verified certificate ---------------------------------

def test_plaintext_tcp_connection_is_refused(connect: Connect) -> None:
    """CIS 6.x / postgres-15: sslmode=disable over TCP finds no pg_hba entry."""
    with pytest.raises(psycopg.OperationalError, match=r"no pg_hba.conf entry.*no encryption"):
        connect("orders_app", sslmode="disable")


def test_tls12_only_client_is_refused_while_minimum_is_tls13(connect: Connect, sql: SQL) -> None:
    """CIS 6.x: ssl_min_protocol_version=TLSv1.3 - a client capped at TLS 1.2 cannot connect."""
    assert sql("SHOW ssl_min_protocol_version") == "TLSv1.3"
    with pytest.raises(psycopg.OperationalError):
        connect("orders_app", ssl_max_protocol_version="TLSv1.2")


def test_openssl_handshake_fails_on_tls12_and_succeeds_on_tls13(host: Any) -> None:
    """CIS 6.x: the server's TLS endpoint itself speaks TLS 1.3 and refuses TLS 1.2."""
    base = f"openssl s_client -starttls postgres -connect {TCP_HOST}:{PORT} -CAfile {PKI}/ca.crt -verify_return_error"
    tls12 = host.run(f"{base} -tls1_2 </dev/null")
    assert tls12.rc != 0
    tls13 = host.run(f"{base} -tls1_3 </dev/null")
    assert tls13.rc == 0, tls13.stderr
    assert "Protocol  : TLSv1.3" in tls13.stdout or "TLSv1.3" in tls13.stdout
    assert "Verify return code: 0 (ok)" in tls13.stdout


def test_weak_tls12_ciphers_are_not_negotiable(host: Any) -> None:
    """postgres-12 / CIS 6.x: no ADH, LOW, EXP, MD5 or non-AEAD cipher is accepted."""
    weak = "ADH:LOW:EXP:MD5:aNULL:eNULL:RC4:3DES:AES128-SHA:AES256-SHA"
    probe = host.run(
        f"openssl s_client -starttls postgres -connect {TCP_HOST}:{PORT} -tls1_2 -cipher '{weak}' </dev/null"
    )
    assert probe.rc != 0


def test_connection_is_encrypted_with_tls13_and_verified_server_name(connect: Connect) -> None:
    """CIS 6.x: verify-full against the environment CA succeeds; the session reports TLS 1.3."""
    with connect("orders_app") as conn:
        row = conn.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row == (True, "TLSv1.3")


# --- authentication: SCRAM only, no md5, wrong passwords logged, mutual TLS -------------------

def test_md5_only_client_is_refused(connect: Connect) -> None:
    """CIS 4.x: the server never offers md5; a client that insists on md5 gets SCRAM and aborts."""
    with pytest.raises(psycopg.OperationalError, match=r"(?i)scram|authentication method|require_auth"):
        connect("orders_app", require_auth="md5")


def test_role_with_md5_hash_cannot_log_in(connect: Connect, sql: SQL) -> None:
    """CIS 4.x: an md5-hashed password cannot authenticate through the scram-sha-256 hba lines
    (the migrator's verifier is swapped for an md5 hash of a probe password, then restored)."""
    quiet = "SET pgaudit.log = 'none'; SET log_statement = 'none'; "
    verifier = sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'orders_migrator'")
    assert verifier.startswith("SCRAM-SHA-256$")
    sql(quiet + "SET password_encryption = 'md5'; ALTER ROLE orders_migrator PASSWORD 'Md5probe-2024x'")
    try:
        assert sql("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'orders_migrator'") == "md5"
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            connect("orders_migrator", password="Md5probe-2024x")
    finally:
        sql(quiet + f"ALTER ROLE orders_migrator PASSWORD '{verifier}'")
    assert sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'orders_migrator'") == verifier


def test_wrong_password_is_logged_as_authentication_failure(connect: Connect, server_log: Callable[[], str]) -> None:
    """CIS 3.1.x / postgres-16: a failed login is refused and logged with the user name."""
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect("orders_app", password="Wrong-password-123")
    assert 'password authentication failed for user "orders_app"' in server_log()


def test_readonly_role_requires_a_client_certificate(connect: Connect, readonly_cert: dict[str, str]) -> None:
    """Mutual TLS (clientcert=verify-full): without a certificate readonly is refused, with it admitted."""
    with pytest.raises(psycopg.OperationalError):
        connect("orders_readonly")
    with connect("orders_readonly", **readonly_cert) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("orders_readonly",)


def test_passwordcheck_rejects_weak_passwords(sql: SQL) -> None:
    """CIS 4.x (contrib passwordcheck): a short/letters-only password is rejected by the server."""
    out = sql("SET pgaudit.log = 'none'; CREATE ROLE hg_weak_probe LOGIN PASSWORD 'abc'", check=False)
    assert sql("SELECT count(*) FROM pg_roles WHERE rolname = 'hg_weak_probe'") == "0", out


# --- least privilege for the orders application ------------------------------------------------

def test_app_role_can_select_insert_update_delete(connect: Connect, orders_table: str) -> None:
    """Least privilege: orders_app has DML on tables the owner creates (default privileges)."""
    with connect("orders_app") as conn:
        conn.execute(f"INSERT INTO {orders_table} (note) VALUES (%s)", ["a"])
        conn.execute(f"UPDATE {orders_table} SET note = %s", ["b"])
        assert conn.execute(f"SELECT note FROM {orders_table}").fetchall() == [("b",)]
        conn.execute(f"DELETE FROM {orders_table}")
        assert conn.execute(f"SELECT count(*) FROM {orders_table}").fetchone() == (0,)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE orders.hg_evil (id int)",
        "CREATE TABLE public.hg_evil (id int)",
        "DROP TABLE {table}",
        "TRUNCATE {table}",
        "ALTER TABLE {table} ADD COLUMN evil int",
        "SET ROLE orders_owner",
        "CREATE SCHEMA hg_evil",
    ],
)
def test_app_role_cannot_run_ddl(connect: Connect, orders_table: str, statement: str) -> None:
    """Least privilege / CIS 4.x: orders_app may not create, drop, truncate, alter or become the owner."""
    with connect("orders_app") as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement.format(table=orders_table))


def test_app_role_has_connection_limit_and_statement_timeout(connect: Connect, sql: SQL) -> None:
    """Least privilege: the app role is capped in connections and statement time."""
    assert sql("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'orders_app'") == "20"
    with connect("orders_app") as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)


@pytest.mark.parametrize("statement", ["INSERT INTO {table} (note) VALUES ('x')", "DELETE FROM {table}",
                                       "UPDATE {table} SET note = 'x'", "CREATE TABLE orders.hg_ro (id int)"])
def test_readonly_role_cannot_write(connect: Connect, readonly_cert: dict[str, str], orders_table: str,
                                    statement: str) -> None:
    """Least privilege: orders_readonly may SELECT new tables but write nothing."""
    with connect("orders_readonly", **readonly_cert) as conn:
        assert conn.execute(f"SELECT count(*) FROM {orders_table}").fetchone() == (0,)
        with pytest.raises((errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction)):
            conn.execute(statement.format(table=orders_table))


def test_migrator_can_only_do_ddl_after_set_role_owner(connect: Connect, marker: str) -> None:
    """Least privilege: orders_migrator (NOINHERIT) has no rights of its own, but may SET ROLE orders_owner."""
    with connect("orders_migrator") as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(f"CREATE TABLE orders.{marker} (id int)")
        conn.execute("SET ROLE orders_owner")
        conn.execute(f"CREATE TABLE orders.{marker} (id int)")
        conn.execute(f"DROP TABLE orders.{marker}")


def test_public_has_no_privilege_on_any_database(sql: SQL) -> None:
    """CIS 4.x: REVOKE ALL ON DATABASE ... FROM PUBLIC on postgres, template1 and orders."""
    q = ("SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a "
         "WHERE a.grantee = 0 AND d.datname IN ('postgres', 'template1', 'orders')")
    assert sql(q) == "0"
    no_acl = "SELECT count(*) FROM pg_database WHERE datname IN ('postgres','template1','orders') AND datacl IS NULL"
    assert sql(no_acl) == "0"


@pytest.mark.parametrize("db", ["postgres", "orders"])
def test_public_cannot_create_in_schema_public(sql: SQL, db: str) -> None:
    """CIS 4.x: REVOKE CREATE ON SCHEMA public FROM PUBLIC."""
    q = ("SELECT count(*) FROM pg_namespace n, aclexplode(n.nspacl) a "
         "WHERE n.nspname = 'public' AND a.grantee = 0 AND a.privilege_type = 'CREATE'")
    assert sql(q, db) == "0"


def test_schema_is_owned_by_a_nologin_role(sql: SQL) -> None:
    """Least privilege: the orders schema belongs to orders_owner, which cannot log in."""
    q = (
        "SELECT r.rolname, r.rolcanlogin FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner "
        "WHERE n.nspname = 'orders'"
    )
    assert sql(q, "orders") == "orders_owner|f"


# --- audit: pgaudit logs DDL and writes, never parameters -----------------------------------

def test_ddl_and_write_appear_as_audit_lines(connect: Connect, server_log: Callable[[], str], marker: str) -> None:
    """CIS 3.2 (pgaudit ddl, write): a CREATE TABLE and an INSERT are logged as AUDIT lines."""
    with connect("orders_migrator") as conn:
        conn.execute("SET ROLE orders_owner")
        conn.execute(f"CREATE TABLE orders.{marker} (id int, note text)")
    try:
        with connect("orders_app") as conn:
            conn.execute(f"INSERT INTO orders.{marker} VALUES (1, 'x')")
        log = server_log()
        assert re.search(rf"AUDIT: SESSION,\d+,\d+,DDL,CREATE TABLE,TABLE,orders\.{marker}", log)
        assert re.search(rf"AUDIT: SESSION,\d+,\d+,WRITE,INSERT,TABLE,orders\.{marker}", log)
    finally:
        with connect("orders_migrator") as conn:
            conn.execute("SET ROLE orders_owner")
            conn.execute(f"DROP TABLE orders.{marker}")


def test_secret_bound_as_parameter_never_reaches_the_log(connect: Connect, orders_table: str, marker: str,
                                                         server_log: Callable[[], str]) -> None:
    """pgaudit.log_parameter=off, log_parameter_max_length=0: a secret bound server-side as a parameter
    is absent from the log, even though the statement is audited and slow enough to be logged."""
    secret = f"{marker}-card-4111111111111111"
    with connect("orders_app") as conn:
        conn.execute(f"INSERT INTO {orders_table} (note) SELECT %s FROM pg_sleep(0.6)", [secret])
    log = server_log()
    assert re.search(rf"AUDIT: SESSION,\d+,\d+,WRITE,INSERT,TABLE,{re.escape(orders_table)}", log)
    assert "duration:" in log
    hits = log.count(secret)
    assert hits == 0


# --- configuration that has no better behavioural probe -------------------------------------

def test_pgaudit_and_contrib_modules_are_preloaded(sql: SQL) -> None:
    """CIS 3.2 / 4.x: pgaudit, passwordcheck and auth_delay are loaded at start."""
    libs = {x.strip() for x in sql("SHOW shared_preload_libraries").split(",")}
    assert {"pgaudit", "passwordcheck", "auth_delay"} <= libs
    assert sql("SHOW pgaudit.log") == "ddl, write, role"
    assert sql("SHOW pgaudit.log_parameter") == "off"
    assert sql("SHOW pgaudit.log_catalog") == "off"


def test_pgaudit_extension_is_only_in_application_databases(sql: SQL) -> None:
    """DESIGN.md: CREATE EXTENSION pgaudit in orders, not in postgres."""
    assert sql("SELECT count(*) FROM pg_extension WHERE extname = 'pgaudit'", "orders") == "1"
    assert sql("SELECT count(*) FROM pg_extension WHERE extname = 'pgaudit'", "postgres") == "0"


def test_log_files_are_0600_postgres(host: Any, sql: SQL) -> None:
    """CIS 3.1.x: log_file_mode=0600; every log file is postgres-only."""
    assert sql("SHOW log_file_mode") == "0600"
    files = host.check_output(f"find {PG_LOG_DIR} -type f -name 'postgresql-15-main-*.log'").splitlines()
    assert files
    for path in files:
        f = host.file(path)
        assert (f.user, f.mode) == ("postgres", 0o600), path


def test_listen_addresses_come_from_the_inventory_not_wildcard(sql: SQL) -> None:
    """CIS 3.x: listen only on the inventory's addresses (loopback here), never '*'."""
    assert sql("SHOW listen_addresses") == "127.0.0.1,::1"


def test_tls_key_is_passphrase_protected_and_postgres_only(host: Any, sql: SQL) -> None:
    """CIS 6.x: server.key 0600 postgres, encrypted; the passphrase file is 0400 postgres."""
    key = host.file(f"{PKI}/server.key")
    assert (key.user, key.mode) == ("postgres", 0o600)
    assert "ENCRYPTED" in key.content_string
    pw = host.file(f"{PKI}/passphrase")
    assert (pw.user, pw.mode) == ("postgres", 0o400)
    assert sql("SHOW ssl_ca_file") == f"{PKI}/ca.crt"


def test_auth_delay_slows_failed_logins_setting(sql: SQL) -> None:
    """CIS 4.x (contrib auth_delay): failed authentications are delayed."""
    assert sql("SHOW auth_delay.milliseconds") == "200ms"
