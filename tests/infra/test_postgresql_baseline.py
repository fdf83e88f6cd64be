"""dev-sec postgres-baseline controls postgres-02 ... postgres-20, proven on the converged host.

Deviations decided in DESIGN.md (CIS wins) are named in each docstring and in docs/controls.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from conftest import PG_CONF_DIR, PG_DATA_DIR, PG_LOG_DIR

pytestmark = pytest.mark.infra

SQL = Callable[..., str]
ALL_DBS = ["postgres", "template1", "orders"]


def test_postgres_02_runs_a_stable_supported_release(host: Any) -> None:
    """postgres-02: a community release, no RC/DEVEL/BETA (we pin 15; dev-sec's regex predates 15)."""
    version = host.check_output("psql -V")
    assert re.match(r"^psql \(PostgreSQL\) 15\.\d+", version)
    assert not re.search(r"RC|DEVEL|BETA", version)


def test_postgres_03_runs_exactly_one_postmaster(
    host: Any, own_processes: Callable[..., list[tuple[int, str]]]
) -> None:
    """postgres-03: one PostgreSQL instance per operating system (deviation: plus the same-host streaming
    replica where the inventory turns it on - inventories/local proves the replication controls with it)."""
    replica = bool(host.ansible.get_variables().get("postgresql_hardening_replica", False))
    assert len(own_processes("^/usr/lib/postgresql/[0-9]+/bin/postgres", full=True)) == 1 + replica


@pytest.mark.parametrize("db", ALL_DBS)
def test_postgres_04_no_untrusted_language_besides_c_and_internal(sql: SQL, db: str) -> None:
    """postgres-04: only c and internal may be untrusted procedural languages."""
    assert sql("SELECT count(*) FROM pg_language WHERE NOT lanpltrusted AND lanname NOT IN ('internal','c')", db) == "0"


@pytest.mark.parametrize("db", ALL_DBS)
def test_postgres_05_only_default_languages_installed(sql: SQL, db: str) -> None:
    """postgres-05: internal, c, sql and plpgsql only."""
    assert sql("SELECT count(*) FROM pg_language WHERE lanname NOT IN ('internal','c','sql','plpgsql')", db) == "0"


def test_postgres_06_every_login_role_has_a_password(sql: SQL) -> None:
    """postgres-06: no login role (postgres included) without a password."""
    assert sql("SELECT count(*) FROM pg_shadow WHERE passwd IS NULL") == "0"
    assert sql("SELECT count(*) FROM pg_shadow WHERE usename = 'postgres'") == "1"


def test_postgres_07_passwords_are_salted_scram_hashes(sql: SQL) -> None:
    """postgres-07: every stored password is a SCRAM-SHA-256 verifier; new ones too."""
    assert sql("SHOW password_encryption") == "scram-sha-256"
    hashes = sql("SELECT passwd FROM pg_shadow").splitlines()
    assert hashes
    assert all(h.startswith("SCRAM-SHA-256$4096:") for h in hashes)


def test_postgres_08_only_postgres_has_superuser_createdb_createrole(sql: SQL) -> None:
    """postgres-08: exactly one role (postgres) with SUPERUSER, CREATEDB or CREATEROLE."""
    holders = sql("SELECT rolname FROM pg_roles WHERE rolsuper OR rolcreaterole OR rolcreatedb")
    assert holders == "postgres"


def test_postgres_09_only_the_dba_can_read_pg_authid(sql: SQL) -> None:
    """postgres-09: no grant on pg_catalog.pg_authid to anyone but postgres."""
    grantees = sql("SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_name = 'pg_authid'")
    assert grantees == "postgres"


def test_postgres_09_data_directory_files_belong_to_postgres_only(host: Any) -> None:
    """postgres-09: nothing in the data directory is accessible to group or others."""
    leaks = host.check_output(f"find {PG_DATA_DIR} -perm /go=rwx -printf '%p\\n'")
    assert leaks == ""
    assert host.check_output(f"find {PG_DATA_DIR} ! -user postgres -printf '%p\\n'") == ""


def test_postgres_10_config_dir_is_0700_postgres(host: Any) -> None:
    """postgres-10: configuration directory exclusive to postgres."""
    d = host.file(PG_CONF_DIR)
    assert d.is_directory and d.user == "postgres" and d.group == "postgres" and d.mode == 0o700


def test_postgres_10_postgresql_conf_is_0640_and_pg_hba_0600(host: Any) -> None:
    """postgres-10 / CIS: postgresql.conf 0640, pg_hba.conf 0600 (stricter than dev-sec's 0640)."""
    conf, hba = host.file(f"{PG_CONF_DIR}/postgresql.conf"), host.file(f"{PG_CONF_DIR}/pg_hba.conf")
    assert (conf.user, conf.mode) == ("postgres", 0o640)
    assert (hba.user, hba.mode) == ("postgres", 0o600)


def test_postgres_11_ssl_is_on(sql: SQL) -> None:
    """postgres-11: SSL activated (with our own CA, not the snakeoil certificate)."""
    assert sql("SHOW ssl") == "on"
    assert sql("SHOW ssl_cert_file") == "/etc/hardgate/pki/postgresql/server.crt"


def test_postgres_12_ciphers_exclude_adh_low_exp_md5(host: Any, sql: SQL) -> None:
    """postgres-12 (deviation: explicit ECDHE+AEAD list instead of 'ALL:!ADH:!LOW:!EXP:!MD5'):
    no anonymous, low, export, MD5 or non-forward-secret cipher is in the effective list."""
    ciphers = sql("SHOW ssl_ciphers")
    expanded = host.check_output("openssl ciphers -v %s", ciphers).splitlines()
    assert expanded
    for line in expanded:
        name, proto, kx, au, enc, mac = line.split()[:6]
        if proto == "TLSv1.3":  # TLS 1.3 suites: always (EC)DHE, always AEAD
            assert (kx, au) == ("Kx=any", "Au=any"), name
        else:
            assert kx == "Kx=ECDH", name
            assert au in ("Au=ECDSA", "Au=RSA"), name
        assert "GCM" in enc or "CHACHA20" in enc, name
        assert mac == "Mac=AEAD", name
        assert not re.search(r"ADH|LOW|EXP|MD5|RC4|DES|NULL", name), name


def hba_lines(host: Any) -> list[list[str]]:
    content = host.file(f"{PG_CONF_DIR}/pg_hba.conf").content_string
    return [line.split() for line in content.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_postgres_13_local_connections_use_peer(host: Any) -> None:
    """postgres-13: every local (Unix socket) line uses peer."""
    local = [f for f in hba_lines(host) if f[0] == "local"]
    assert local and all(f[3] == "peer" for f in local)


def test_postgres_14_hostssl_lines_use_scram(host: Any) -> None:
    """postgres-14: every hostssl line authenticates with scram-sha-256, except the final explicit
    reject (deviation: dev-sec has no reject line; CIS wants everything else refused)."""
    lines = [f for f in hba_lines(host) if f[0] == "hostssl"]
    assert lines[-1] == ["hostssl", "all", "all", "all", "reject"]
    assert lines[:-1] and all(f[4] == "scram-sha-256" for f in lines[:-1])


def test_postgres_15_no_host_or_hostnossl_lines(host: Any) -> None:
    """postgres-15: TCP only over SSL; no host/hostnossl line, and no trust/password/md5/ident anywhere."""
    types = {f[0] for f in hba_lines(host)}
    assert types <= {"local", "hostssl"}
    methods = {w for f in hba_lines(host) for w in f}
    assert not methods & {"trust", "password", "md5", "ident", "crypt"}


def test_postgres_16_logging_is_on(sql: SQL) -> None:
    """postgres-16 (deviations: log_hostname off per CIS; log_line_prefix is a superset of
    '%t %u %d %h'; log_duration off, slow statements via log_min_duration_statement)."""
    assert sql("SHOW logging_collector") == "on"
    assert sql("SHOW log_connections") == "on"
    assert sql("SHOW log_disconnections") == "on"
    assert sql("SHOW log_hostname") == "off"
    assert sql("SHOW log_directory") == PG_LOG_DIR
    prefix = sql("SHOW log_line_prefix")
    assert all(esc in prefix for esc in ("%m", "%p", "%d", "%u", "%a", "%h"))
    assert sql("SHOW log_min_duration_statement") == "500ms"


@pytest.mark.parametrize("db", ALL_DBS)
def test_postgres_17_no_table_grants_to_public(sql: SQL, db: str) -> None:
    """postgres-17: nothing outside the catalogs is granted to PUBLIC."""
    q = (
        "SELECT count(*) FROM information_schema.table_privileges WHERE grantee = 'PUBLIC' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    assert sql(q, db) == "0"


@pytest.mark.parametrize("db", ALL_DBS)
def test_postgres_18_no_grant_option_to_non_owners(sql: SQL, db: str, orders_table: str) -> None:
    """postgres-18: no privilege WITH GRANT OPTION except the implicit one of an object's owner
    (deviation: owners always hold it; we check grants to anyone else, with a real table present)."""
    q = (
        "SELECT count(*) FROM information_schema.table_privileges WHERE grantee <> 'postgres' "
        "AND is_grantable = 'YES' AND grantee <> grantor"
    )
    assert sql(q, db) == "0"


def test_postgres_19_no_security_definer_functions_in_admin_database(sql: SQL) -> None:
    """postgres-19: no SECURITY DEFINER function in postgres (pgaudit, whose event-trigger functions
    are SECURITY DEFINER, is installed only in application databases - DESIGN.md)."""
    assert sql("SELECT count(*) FROM pg_proc WHERE prosecdef") == "0"


def test_postgres_19_only_pgaudit_functions_are_security_definer_in_app_database(sql: SQL) -> None:
    """postgres-19 (deviation): in orders, the only SECURITY DEFINER functions are pgaudit's own."""
    q = (
        "SELECT count(*) FROM pg_proc p WHERE p.prosecdef AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "JOIN pg_extension e ON e.oid = d.refobjid WHERE d.objid = p.oid AND e.extname = 'pgaudit')"
    )
    assert sql(q, "orders") == "0"


@pytest.mark.parametrize("path", [PG_DATA_DIR, PG_LOG_DIR])
def test_postgres_20_data_and_log_directories_are_0700_postgres(host: Any, path: str) -> None:
    """postgres-20: data and log directory exclusive to postgres."""
    d = host.file(path)
    assert d.is_directory and d.user == "postgres" and d.group == "postgres" and d.mode == 0o700
