"""MariaDB hardening, checked on the converged host like an auditor would.

Each test names the control it proves: dev-sec mysql-baseline (mysql-conf-*, mysql-db-*) or
Hardgate's own (TLS only, strict SQL, least privilege, audit, no secret in logs). Behaviour
is proven by really connecting: PyMySQL from this process to the server's TCP address (the
account passwords stay in memory, never on a command line), `mariadb` as root over the unix
socket for catalogue queries, and `openssl s_client -starttls mysql` for protocol probes.

Run by `make test-infra` after the converge; HARDGATE_INVENTORY picks another inventory.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest
import yaml

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = Path(os.environ.get("HARDGATE_INVENTORY", ROOT / "inventories" / "local"))
testinfra_hosts = [f"ansible://mariadb?ansible_inventory={INVENTORY}"]

PKI = "/etc/hardgate/pki/mariadb"
SOCKET = "/run/mysqld/mysqld.sock"
APP_ACCOUNTS = ("orders_app", "orders_migrator", "orders_readonly")

# MariaDB error codes the tests expect (https://mariadb.com/kb/en/mariadb-error-codes/).
ER_ACCESS_DENIED = 1045
ER_ACCESS_DENIED_NO_PASSWORD = 1698  # root@localhost is unix_socket-only; from another address it says so
ER_DBACCESS_DENIED = 1044
ER_TABLEACCESS_DENIED = 1142
ER_OPTION_PREVENTS_STATEMENT = 1290
ER_WARN_DATA_OUT_OF_RANGE = 1264
ER_TRUNCATED_WRONG_VALUE = 1292
ER_DIVISION_BY_ZERO = 1365
ER_NOT_ALLOWED_COMMAND = 1148
ER_LOAD_INFILE_CAPABILITY_DISABLED = 4166
ER_SPECIFIC_ACCESS_DENIED = 1227

Processes = Callable[..., list[tuple[int, str]]]  # the own_processes fixture (conftest.py)

ROLE_DEFAULTS: dict[str, Any] = yaml.safe_load(
    (ROOT / "roles/mariadb_hardening/defaults/main.yml").read_text(encoding="utf-8")
)
# The secrets the role resolves, under the names its defaults give them.
KEYS_SECRET = ROLE_DEFAULTS["mariadb_hardening_encryption_keys_secret"]
FILEKEY_SECRET = ROLE_DEFAULTS["mariadb_hardening_encryption_filekey_secret"]
IDENTITY_SECRET = ROLE_DEFAULTS["mariadb_hardening_backup_identity_secret"]


# --- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mdb_vars(host: Any) -> dict[str, Any]:
    """The inventory's variables for this host (group_vars included)."""
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def address(host: Any, mdb_vars: dict[str, Any]) -> str:
    """Where clients reach the server (the inventory's bind address, templates rendered by Ansible)."""
    raw = str(mdb_vars.get("mariadb_hardening_bind_address", "127.0.0.1"))
    if "{{" not in raw:
        return raw
    return str(
        host.ansible("debug", "var=mariadb_hardening_bind_address", check=False)["mariadb_hardening_bind_address"]
    )


@pytest.fixture(scope="module")
def env_secrets(mdb_vars: dict[str, Any], read_vault: Callable[[Path, str, Path], dict[str, str]]) -> dict[str, str]:
    """The environment's secrets, decrypted in memory from its vault file (never printed)."""
    env = mdb_vars["hardgate_environment"]
    default_pass = Path.home() / ".config" / "hardgate" / "vault" / f"{env}.pass"
    pass_file = Path(os.environ.get("HARDGATE_VAULT_PASSWORD_FILE", str(default_pass)))
    return read_vault(INVENTORY / "secrets.vault.yml", env, pass_file)


def sql(host: Any, query: str) -> list[list[str]]:
    """Run a query as root over the unix socket; rows of tab-separated columns."""
    out = host.check_output("mariadb --protocol=socket -S %s -N -B -e %s", SOCKET, query)
    return [line.split("\t") for line in out.splitlines() if line]


def scalar(host: Any, query: str) -> str:
    rows = sql(host, query)
    assert len(rows) == 1 and len(rows[0]) == 1, f"expected one value from {query!r}, got {rows!r}"
    return rows[0][0]


def global_var(host: Any, name: str) -> str:
    return scalar(host, f"SELECT @@GLOBAL.{name}")


@pytest.fixture(scope="module")
def client_pki(host: Any, mdb_vars: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The host's CA certificate (and client certificates under mutual TLS), copied to a private
    folder here: the clients run on this machine, the files live on the host (local or over SSH)."""
    folder = tmp_path_factory.mktemp("mariadb-pki")
    folder.chmod(0o700)
    (folder / "ca.crt").write_bytes(host.file(f"{PKI}/ca.crt").content)
    if mdb_vars.get("mariadb_hardening_mutual_tls", False):
        (folder / "clients").mkdir(mode=0o700)
        for account in APP_ACCOUNTS:
            for suffix in ("crt", "key"):
                target = folder / "clients" / f"{account}.{suffix}"
                target.touch(mode=0o600)
                target.write_bytes(host.file(f"{PKI}/clients/{account}.{suffix}").content)
    return folder


@pytest.fixture(scope="module")
def connect(mdb_vars: dict[str, Any], address: str, env_secrets: dict[str, str], client_pki: Path) -> Any:
    """connect(account, **pymysql_kwargs): a TLS connection as an application account, with
    its client certificate when mutual TLS is on. Passwords come from the vault, in memory."""
    users = {u["name"]: u for u in mdb_vars.get("mariadb_hardening_users", [])}
    mutual = bool(mdb_vars.get("mariadb_hardening_mutual_tls", False))

    def _connect(account: str, *, tls: bool = True, client_cert: bool = True, **kwargs: Any) -> pymysql.Connection:
        # PyMySQL negotiates TLS on its own when the server offers it: plaintext must be explicit.
        tls_kwargs: dict[str, Any] = {"ssl_disabled": True}
        if tls:
            tls_kwargs = {"ssl_ca": str(client_pki / "ca.crt"), "ssl_verify_cert": True, "ssl_verify_identity": True}
            if mutual and client_cert:
                clients = client_pki / "clients"
                tls_kwargs |= {"ssl_cert": str(clients / f"{account}.crt"), "ssl_key": str(clients / f"{account}.key")}
        password = kwargs.pop("password", None)
        if password is None:
            password = env_secrets[users[account]["password_secret"]]
        return pymysql.connect(
            host=address,
            port=int(mdb_vars.get("mariadb_hardening_port", 3306)),
            user=account,
            password=password,
            connect_timeout=10,
            **tls_kwargs,
            **kwargs,
        )

    return _connect


def error_code(excinfo: pytest.ExceptionInfo[pymysql.err.MySQLError]) -> int:
    return int(excinfo.value.args[0])


def write_marker_row(connect: Any, table_prefix: str, marker_prefix: str) -> tuple[str, str]:
    """(table, marker): orders.<table_prefix><random> created by the migrator, one row with a random
    marker written by the app account (the application role). The caller drops the table."""
    table = f"{table_prefix}{secrets.token_hex(4)}"
    value = f"{marker_prefix}{secrets.token_hex(16)}"
    with connect("orders_migrator", database="orders") as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, card_number VARCHAR(64)) ENGINE=InnoDB")
    with connect("orders_app", database="orders") as conn, conn.cursor() as cur:
        cur.execute(f"INSERT INTO {table} VALUES (1, %s)", (value,))
        conn.commit()
    return table, value


@pytest.fixture
def probe_table(host: Any) -> Iterator[str]:
    """orders.hardgate_probe_<random>, created by root for one test, then dropped."""
    name = f"orders.hardgate_probe_{secrets.token_hex(4)}"
    sql(host, f"CREATE TABLE {name} (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB")
    yield name
    sql(host, f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def other_app_db(host: Any) -> Iterator[str]:
    """A second application's database (billing-like) with one row, for isolation tests."""
    name = f"hardgate_other_{secrets.token_hex(4)}"
    sql(host, f"CREATE DATABASE {name}")
    sql(host, f"CREATE TABLE {name}.invoices (id INT PRIMARY KEY) ENGINE=InnoDB")
    sql(host, f"INSERT INTO {name}.invoices VALUES (1)")
    yield name
    sql(host, f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def temp_account(host: Any, address: str) -> Iterator[tuple[str, str]]:
    """An account with no TLS requirement of its own (REQUIRE NONE), to isolate the server-wide
    require_secure_transport control from the per-account REQUIRE clauses."""
    name = f"probe_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    sql(host, f"CREATE USER '{name}'@'{address}' IDENTIFIED BY '{password}' REQUIRE NONE")
    yield name, password
    sql(host, f"DROP USER IF EXISTS '{name}'@'{address}'")


def tls_probe(host: Any, address: str, port: int, *args: str) -> Any:
    """openssl s_client through MySQL's STARTTLS; SECLEVEL=0 so the client itself offers old protocols."""
    return host.run(
        "echo | timeout 20 openssl s_client -connect %s:%s -starttls mysql -CAfile %s " + " ".join(["%s"] * len(args)),
        address,
        str(port),
        f"{PKI}/ca.crt",
        *args,
    )


# --- dev-sec mysql-baseline: configuration -------------------------------------------------


def test_mysql_conf_01_mariadb_is_running_and_enabled(host: Any, own_processes: Processes) -> None:
    assert own_processes("mariadbd"), "mariadbd is not running"
    if host.ansible("setup", "filter=ansible_service_mgr")["ansible_facts"]["ansible_service_mgr"] == "systemd":
        assert host.service("mariadb").is_enabled


def test_mysql_conf_02_only_one_mariadbd_instance_runs(own_processes: Processes) -> None:
    assert len(own_processes("mariadbd")) == 1


def test_mysql_conf_03_mariadbd_runs_as_mysql_not_root(own_processes: Processes) -> None:
    assert {user for _, user in own_processes("mariadbd")} == {"mysql"}


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("local_infile", "0"),
        ("have_symlink", "DISABLED"),
        ("skip_show_database", "1"),
        ("allow_suspicious_udfs", "0"),
        ("old_passwords", "0"),
        ("secure_auth", "1"),
        ("skip_name_resolve", "1"),
        ("general_log", "0"),
    ],
)
def test_mysql_conf_03_secure_option_is_in_effect(host: Any, variable: str, expected: str) -> None:
    assert global_var(host, variable) == expected


def test_mysql_conf_03_secure_options_are_in_the_configuration(host: Any) -> None:
    options = host.check_output("my_print_defaults mysqld").splitlines()
    assert "--user=mysql" in options
    assert "--safe_user_create=1" in options
    assert "--skip_symbolic_links" in options
    assert "--local_infile=0" in options
    assert not [o for o in options if o.replace("_", "-").startswith("--skip-grant-tables")]


def test_mysql_conf_03_secure_file_priv_is_a_mysql_only_directory(host: Any, mdb_vars: dict[str, Any]) -> None:
    configured = mdb_vars.get("mariadb_hardening_secure_file_priv", "/var/lib/mysql-files")
    assert global_var(host, "secure_file_priv").rstrip("/") == configured.rstrip("/")
    directory = host.file(configured)
    assert directory.is_directory
    assert (directory.user, directory.group, directory.mode) == ("mysql", "mysql", 0o750)


def test_mysql_conf_04_datadir_is_owned_by_mysql_and_closed_to_others(host: Any) -> None:
    datadir = host.file(global_var(host, "datadir"))
    assert datadir.is_directory
    assert (datadir.user, datadir.group) == ("mysql", "mysql")
    assert datadir.mode & 0o007 == 0


def test_mysql_conf_05_ibdata1_is_owned_by_mysql_and_closed_to_others(host: Any) -> None:
    ibdata = host.file(global_var(host, "datadir").rstrip("/") + "/ibdata1")
    assert (ibdata.user, ibdata.group) == ("mysql", "mysql")
    assert ibdata.mode & 0o007 == 0


def test_mysql_conf_06_error_log_is_mysql_adm_and_closed_to_others(host: Any) -> None:
    path = global_var(host, "log_error")
    assert path.startswith("/"), f"log_error is not a file: {path!r}"
    log = host.file(path)
    assert (log.user, log.group) == ("mysql", "adm")
    assert log.mode & 0o007 == 0
    assert "ready for connections" in log.content_string


def test_mysql_conf_07_main_config_is_root_mysql_and_not_world_readable(host: Any) -> None:
    config = host.file(host.check_output("readlink -f /etc/mysql/my.cnf"))
    assert config.is_file
    assert (config.user, config.group) == ("root", "mysql")
    assert config.mode & 0o007 == 0


@pytest.mark.parametrize("name", ["90-hardgate.cnf", "91-hardgate-audit.cnf"])
def test_mysql_conf_08_hardening_config_is_root_mysql_and_not_world_readable(host: Any, name: str) -> None:
    config = host.file(f"/etc/mysql/mariadb.conf.d/{name}")
    assert config.is_file
    assert (config.user, config.group, config.mode) == ("root", "mysql", 0o640)


def test_mysql_conf_09_no_mysql_pwd_in_the_environment(host: Any, own_processes: Processes) -> None:
    assert not re.search(r"^MYSQL_PWD=", host.check_output("env"), re.M)
    for pid, _ in own_processes("mariadbd"):
        environ = host.file(f"/proc/{pid}/environ").content.split(b"\0")
        assert not [e for e in environ if e.startswith(b"MYSQL_PWD=")]


# --- dev-sec mysql-baseline: database ------------------------------------------------------


def test_mysql_db_01_runs_a_maintained_mariadb_release(host: Any) -> None:
    version = scalar(host, "SELECT VERSION()")
    assert "MariaDB" in version
    major, minor = (int(x) for x in version.split(".")[:2])
    # 10.11 is a long-term release maintained until 2028; older series are out of support.
    assert (major, minor) >= (10, 11), version


def test_mysql_db_02_major_version_is_5_or_higher(host: Any) -> None:
    assert int(scalar(host, "SELECT SUBSTRING_INDEX(VERSION(), '.', 1)")) >= 5


def test_mysql_db_03_test_database_and_its_open_grants_are_gone(host: Any) -> None:
    assert sql(host, "SHOW DATABASES LIKE 'test'") == []
    assert scalar(host, r"SELECT COUNT(*) FROM mysql.db WHERE Db = 'test' OR Db LIKE 'test\\_%'") == "0"


def test_mysql_db_04_no_anonymous_accounts(host: Any) -> None:
    assert scalar(host, "SELECT COUNT(*) FROM mysql.user WHERE User = ''") == "0"


def test_mysql_db_05_no_account_has_an_empty_password(host: Any) -> None:
    empty = sql(
        host,
        "SELECT User, Host FROM mysql.user WHERE is_role = 'N' "
        "AND (authentication_string = '' OR authentication_string IS NULL)",
    )
    assert empty == []


def test_mysql_db_06_only_root_holds_grant_option(host: Any) -> None:
    assert sql(host, "SELECT User, Host FROM mysql.user WHERE Grant_priv = 'Y' AND User <> 'root'") == []
    assert sql(host, "SELECT User, Host, Db FROM mysql.db WHERE Grant_priv = 'Y'") == []
    assert sql(host, "SELECT User, Host FROM mysql.tables_priv WHERE FIND_IN_SET('Grant', Table_priv)") == []


def test_mysql_db_07_no_wildcard_host_in_any_account(host: Any) -> None:
    assert sql(host, "SELECT User, Host FROM mysql.user WHERE Host LIKE '%\\%%' OR Host LIKE '%\\_%'") == []


def test_mysql_db_08_root_exists_for_localhost_only(host: Any) -> None:
    assert sql(host, "SELECT Host FROM mysql.user WHERE User = 'root'") == [["localhost"]]


def test_mysql_db_08_root_authenticates_by_unix_socket_only(host: Any) -> None:
    priv = json.loads(scalar(host, "SELECT Priv FROM mysql.global_priv WHERE User = 'root' AND Host = 'localhost'"))
    methods = [priv, *priv.get("auth_or", [])[1:]]
    assert {m.get("plugin") for m in methods} == {"mysql_native_password", "unix_socket"}
    assert priv["authentication_string"] == "invalid"  # not a hash: no password can ever match


@pytest.mark.parametrize("password", ["", "root", "password"])
def test_mysql_db_08_root_cannot_log_in_over_tcp(connect: Any, password: str) -> None:
    with pytest.raises(pymysql.err.OperationalError) as excinfo:
        connect("root", client_cert=False, password=password)
    assert error_code(excinfo) in {ER_ACCESS_DENIED, ER_ACCESS_DENIED_NO_PASSWORD}


# --- TLS only ------------------------------------------------------------------------------


def test_tcp_connection_without_tls_is_refused(connect: Any, temp_account: tuple[str, str]) -> None:
    name, password = temp_account
    with pytest.raises(pymysql.err.OperationalError) as excinfo:
        connect(name, tls=False, password=password)
    # MariaDB answers "access denied" to a plaintext login under require_secure_transport,
    # not revealing why; the right password over TLS below shows the transport is the cause.
    assert error_code(excinfo) == ER_ACCESS_DENIED
    # The same account over TLS gets in: the refusal above is the transport, nothing else.
    with connect(name, client_cert=False, password=password) as conn, conn.cursor() as cur:
        cur.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
        assert cur.fetchone()[1] in {"TLSv1.2", "TLSv1.3"}


@pytest.mark.parametrize("account", APP_ACCOUNTS)
def test_application_account_requires_tls(host: Any, mdb_vars: dict[str, Any], account: str) -> None:
    expected = "X509" if mdb_vars.get("mariadb_hardening_mutual_tls") else "ANY"
    types = {row[0] for row in sql(host, f"SELECT ssl_type FROM mysql.user WHERE User = '{account}'")}
    assert types == {expected}


def test_mutual_tls_refuses_an_application_login_without_client_certificate(
    mdb_vars: dict[str, Any], connect: Any
) -> None:
    if not mdb_vars.get("mariadb_hardening_mutual_tls"):
        pytest.skip("mutual TLS is off in this inventory")
    with pytest.raises(pymysql.err.OperationalError) as excinfo:
        connect("orders_app", client_cert=False)
    assert error_code(excinfo) == ER_ACCESS_DENIED
    with connect("orders_app") as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


@pytest.mark.parametrize(
    ("flag", "accepted"), [("-tls1_1", False), ("-tls1", False), ("-tls1_2", True), ("-tls1_3", True)]
)
def test_only_tls_1_2_and_1_3_are_accepted(host: Any, address: str, flag: str, accepted: bool) -> None:
    probe = tls_probe(host, address, 3306, flag, "-cipher", "DEFAULT:@SECLEVEL=0")
    negotiated = re.search(r"^New, (TLSv[\d.]+), Cipher is (\S+)", probe.stdout, re.M)
    if accepted:
        assert negotiated, probe.stdout + probe.stderr
        assert "Verify return code: 0 (ok)" in probe.stdout
    else:
        assert negotiated is None
        assert "alert protocol version" in probe.stderr, probe.stderr


@pytest.mark.parametrize("cipher", ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA", "DHE-RSA-AES128-SHA"])
def test_tls_1_2_refuses_ciphers_without_forward_secrecy_or_aead(host: Any, address: str, cipher: str) -> None:
    probe = tls_probe(host, address, 3306, "-tls1_2", "-cipher", f"{cipher}:@SECLEVEL=0")
    assert not re.search(r"^New, TLSv", probe.stdout, re.M), probe.stdout
    assert "handshake failure" in probe.stderr, probe.stderr


# --- strict SQL ----------------------------------------------------------------------------


def test_sql_mode_is_the_decided_strict_set(host: Any) -> None:
    modes = set(global_var(host, "sql_mode").split(","))
    assert {
        "STRICT_ALL_TABLES",
        "NO_ZERO_DATE",
        "NO_ZERO_IN_DATE",
        "ERROR_FOR_DIVISION_BY_ZERO",
        "NO_ENGINE_SUBSTITUTION",
    } <= modes


@pytest.mark.parametrize("engine", ["Aria", "MyISAM"])
@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("TINYINT", "300", ER_WARN_DATA_OUT_OF_RANGE),
        ("DATE", "'0000-00-00'", ER_TRUNCATED_WRONG_VALUE),
        ("DATE", "'2024-00-10'", ER_TRUNCATED_WRONG_VALUE),
        ("INT", "1/0", ER_DIVISION_BY_ZERO),
    ],
)
def test_strict_mode_rejects_bad_values_in_non_transactional_tables(
    connect: Any, host: Any, engine: str, column: str, value: str, code: int
) -> None:
    table = f"orders.strict_probe_{secrets.token_hex(4)}"
    sql(host, f"CREATE TABLE {table} (v {column}) ENGINE={engine}")
    try:
        schema, name = table.split(".")
        query = (
            f"SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{schema}' AND TABLE_NAME = '{name}'"
        )
        assert scalar(host, query) == engine
        with connect("orders_app") as conn, conn.cursor() as cur:
            with pytest.raises(pymysql.err.MySQLError) as excinfo:
                cur.execute(f"INSERT INTO {table} VALUES ({value})")
            assert error_code(excinfo) == code
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            assert cur.fetchone() == (0,)
    finally:
        sql(host, f"DROP TABLE IF EXISTS {table}")


# --- least privilege -----------------------------------------------------------------------


def test_app_account_reads_and_writes_its_own_database(connect: Any, probe_table: str) -> None:
    with connect("orders_app", autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f"INSERT INTO {probe_table} VALUES (1, 'new')")
        cur.execute(f"UPDATE {probe_table} SET note = 'paid' WHERE id = 1")
        cur.execute(f"SELECT note FROM {probe_table}")
        assert cur.fetchall() == (("paid",),)
        cur.execute(f"DELETE FROM {probe_table}")
        assert cur.rowcount == 1


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE {table}",
        "ALTER TABLE {table} ADD COLUMN extra INT",
        "CREATE TABLE orders.intruder (id INT)",
        "CREATE INDEX ix_note ON {table} (note)",
        "TRUNCATE TABLE {table}",
        "GRANT SELECT ON {table} TO orders_readonly@'127.0.0.1'",
    ],
)
def test_app_account_cannot_change_the_schema_or_grant(connect: Any, probe_table: str, statement: str) -> None:
    with connect("orders_app") as conn, conn.cursor() as cur:
        with pytest.raises(pymysql.err.MySQLError) as excinfo:
            cur.execute(statement.format(table=probe_table))
        assert error_code(excinfo) in {ER_TABLEACCESS_DENIED, ER_DBACCESS_DENIED}


def test_app_account_cannot_drop_its_database(connect: Any) -> None:
    with connect("orders_app") as conn, conn.cursor() as cur:
        with pytest.raises(pymysql.err.MySQLError) as excinfo:
            cur.execute("DROP DATABASE orders")
        assert error_code(excinfo) == ER_DBACCESS_DENIED


@pytest.mark.parametrize("account", APP_ACCOUNTS)
def test_account_cannot_read_another_applications_database(connect: Any, other_app_db: str, account: str) -> None:
    with connect(account) as conn, conn.cursor() as cur:
        with pytest.raises(pymysql.err.MySQLError) as excinfo:
            cur.execute(f"SELECT * FROM {other_app_db}.invoices")
        assert error_code(excinfo) in {ER_TABLEACCESS_DENIED, ER_DBACCESS_DENIED}
        # skip_show_database: no listing of other applications' databases either.
        with pytest.raises(pymysql.err.MySQLError) as excinfo:
            cur.execute("SHOW DATABASES")
        assert error_code(excinfo) == ER_SPECIFIC_ACCESS_DENIED


def test_readonly_account_reads_but_cannot_write(connect: Any, host: Any, probe_table: str) -> None:
    sql(host, f"INSERT INTO {probe_table} VALUES (7, 'seen')")
    with connect("orders_readonly") as conn, conn.cursor() as cur:
        cur.execute(f"SELECT note FROM {probe_table}")
        assert cur.fetchall() == (("seen",),)
        for statement in (f"INSERT INTO {probe_table} VALUES (8, 'x')", f"DELETE FROM {probe_table}"):
            with pytest.raises(pymysql.err.MySQLError) as excinfo:
                cur.execute(statement)
            assert error_code(excinfo) == ER_TABLEACCESS_DENIED


def test_migrator_changes_the_schema_but_not_the_data(connect: Any, host: Any, probe_table: str) -> None:
    with connect("orders_migrator") as conn, conn.cursor() as cur:
        cur.execute(f"ALTER TABLE {probe_table} ADD COLUMN migrated INT")
        with pytest.raises(pymysql.err.MySQLError) as excinfo:
            cur.execute(f"INSERT INTO {probe_table} (id) VALUES (9)")
        assert error_code(excinfo) == ER_TABLEACCESS_DENIED
        with pytest.raises(pymysql.err.MySQLError) as excinfo:
            cur.execute("CREATE DATABASE migrator_sprawl")
        assert error_code(excinfo) == ER_DBACCESS_DENIED
    columns = {row[0] for row in sql(host, f"SHOW COLUMNS FROM {probe_table}")}
    assert "migrated" in columns


@pytest.mark.parametrize("account", APP_ACCOUNTS)
def test_application_accounts_hold_privileges_on_their_database_only(host: Any, account: str) -> None:
    global_privs = sql(
        host,
        f"SELECT COUNT(*) FROM mysql.user WHERE User = '{account}' AND 'Y' IN "
        "(Select_priv, Insert_priv, Update_priv, Delete_priv, Create_priv, Drop_priv, Alter_priv, "
        "File_priv, Super_priv, Process_priv, Create_user_priv, Reload_priv, Shutdown_priv)",
    )
    assert global_privs == [["0"]]
    assert {row[0] for row in sql(host, f"SELECT Db FROM mysql.db WHERE User = '{account}'")} == {"orders"}


# --- files the server may touch ------------------------------------------------------------


def test_load_data_local_infile_is_refused(connect: Any, probe_table: str) -> None:
    with connect("orders_app", local_infile=True) as conn, conn.cursor() as cur:
        with pytest.raises(pymysql.err.MySQLError) as excinfo:
            cur.execute(f"LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE {probe_table}")
        assert error_code(excinfo) in {ER_NOT_ALLOWED_COMMAND, ER_LOAD_INFILE_CAPABILITY_DISABLED}


def test_server_side_file_reads_are_confined_to_secure_file_priv(host: Any, probe_table: str) -> None:
    result = host.run(
        "mariadb --protocol=socket -S %s -N -B -e %s",
        SOCKET,
        f"LOAD DATA INFILE '/etc/passwd' INTO TABLE {probe_table}",
    )
    assert result.rc != 0
    assert f"ERROR {ER_OPTION_PREVENTS_STATEMENT}" in result.stderr
    assert scalar(host, "SELECT LOAD_FILE('/etc/passwd') IS NULL") == "1"


# --- audit trail ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def audit_path(host: Any) -> str:
    return global_var(host, "server_audit_file_path")


def audit_text(host: Any, audit_path: str) -> str:
    return host.file(audit_path).content.decode("utf-8", "replace")


def audit_lines(host: Any, audit_path: str, marker: str, expect: str) -> list[str]:
    """Audit lines containing marker, re-read until one contains expect (or 10 s pass): the
    server writes a connection's events when its thread finishes, after the client saw the reply."""
    lines: list[str] = []
    for _ in range(20):
        lines = [line for line in audit_text(host, audit_path).splitlines() if marker in line]
        if any(expect in line for line in lines):
            break
        time.sleep(0.5)
    return lines


def test_audit_plugin_is_loaded_force_plus_permanent(host: Any) -> None:
    rows = sql(
        host, "SELECT PLUGIN_STATUS, LOAD_OPTION FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'"
    )
    assert rows == [["ACTIVE", "FORCE_PLUS_PERMANENT"]]
    assert global_var(host, "server_audit_logging") == "1"
    events = set(global_var(host, "server_audit_events").split(","))
    assert {"CONNECT", "QUERY_DDL", "QUERY_DCL"} <= events


def test_audit_plugin_cannot_be_uninstalled(host: Any) -> None:
    result = host.run("mariadb --protocol=socket -S %s -e %s", SOCKET, "UNINSTALL SONAME 'server_audit'")
    assert result.rc != 0
    still_loaded = "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'"
    assert scalar(host, still_loaded) == "ACTIVE"


def test_dml_auditing_follows_the_inventory(host: Any, mdb_vars: dict[str, Any]) -> None:
    events = set(global_var(host, "server_audit_events").split(","))
    assert ("QUERY_DML" in events) == bool(mdb_vars.get("mariadb_hardening_audit_log_dml", False))


def test_ddl_statement_is_written_to_the_audit_log(connect: Any, host: Any, audit_path: str) -> None:
    table = f"orders.audit_probe_{secrets.token_hex(4)}"
    with connect("orders_migrator") as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (id INT)")
        cur.execute(f"DROP TABLE {table}")
    lines = audit_lines(host, audit_path, table, "DROP TABLE")
    assert any(",orders_migrator," in line and "CREATE TABLE" in line for line in lines), lines
    assert any("DROP TABLE" in line for line in lines), lines


def test_failed_login_is_written_to_the_audit_log(connect: Any, host: Any, audit_path: str) -> None:
    intruder = f"intruder_{secrets.token_hex(4)}"
    with pytest.raises(pymysql.err.OperationalError) as excinfo:
        connect(intruder, client_cert=False, password="guess")
    code = error_code(excinfo)  # 1698 when the server first tried a unix_socket-only account (seen on prod-db)
    assert code in {ER_ACCESS_DENIED, ER_ACCESS_DENIED_NO_PASSWORD}
    lines = audit_lines(host, audit_path, f",{intruder},", "FAILED_CONNECT")
    assert any(f",FAILED_CONNECT,,,{code}" in line for line in lines), lines


def test_audit_log_is_0640_and_rotates_into_0640_files(host: Any, audit_path: str) -> None:
    sql(host, "SET GLOBAL server_audit_file_rotate_now = ON")
    sql(host, "SELECT 1")  # something to write into the fresh file
    # The plugin pads the rotated file's number to the digits of the rotation count (30 kept: `.01`).
    width = len(global_var(host, "server_audit_file_rotations"))
    for path in (audit_path, f"{audit_path}.{1:0{width}d}"):
        log = host.file(path)
        assert log.exists, path
        assert (log.user, log.mode) == ("mysql", 0o640), path
    assert int(global_var(host, "server_audit_file_rotate_size")) > 0


def test_audit_retention_is_this_environments(host: Any, mdb_vars: dict[str, Any]) -> None:
    """Rotated audit files kept: the inventory's value, else the role's entry for this environment."""
    env = mdb_vars["hardgate_environment"]
    by_env = (
        mdb_vars.get("mariadb_hardening_audit_file_rotations_by_environment")
        or ROLE_DEFAULTS["mariadb_hardening_audit_file_rotations_by_environment"]
    )
    expected = mdb_vars.get("mariadb_hardening_audit_file_rotations", by_env[env])
    assert int(global_var(host, "server_audit_file_rotations")) == int(expected)


# --- no secret in any log ------------------------------------------------------------------


def log_files(host: Any) -> list[str]:
    """Every log the server writes: audit (and rotations), error, general, slow, in the log
    directory and the data directory."""
    datadir = global_var(host, "datadir").rstrip("/")
    logdir = host.file(global_var(host, "log_error")).path.rsplit("/", 1)[0]
    out = host.check_output(
        "find %s %s -maxdepth 2 -type f \\( -name '*.log' -o -name '*.log.*' -o -name '*.err' \\) -size -200M",
        logdir,
        datadir,
    )
    return out.splitlines()


def test_password_in_a_statement_is_not_written_to_any_log_in_clear(host: Any, audit_path: str) -> None:
    canary = f"Canary{secrets.token_hex(8)}"
    user = f"canary_{secrets.token_hex(4)}"
    sql(
        host,
        f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{canary}1'; "
        f"ALTER USER '{user}'@'127.0.0.1' IDENTIFIED BY '{canary}2'; "
        f"SET PASSWORD FOR '{user}'@'127.0.0.1' = PASSWORD('{canary}3'); "
        f"GRANT SELECT ON orders.* TO '{user}'@'127.0.0.1' IDENTIFIED BY '{canary}4'; "
        f"DROP USER '{user}'@'127.0.0.1'",
    )
    files = log_files(host)
    assert audit_path in files
    leaked = [path for path in files if canary.encode() in host.file(path).content]
    assert leaked == []
    # The statements were audited, with the password masked.
    lines = audit_lines(host, audit_path, user, "CREATE USER")
    assert any("CREATE USER" in line and "IDENTIFIED BY *****" in line for line in lines), lines


def test_converge_never_sent_an_account_password_to_the_server(
    host: Any, mdb_vars: dict[str, Any], env_secrets: dict[str, str]
) -> None:
    names = [u["password_secret"] for u in mdb_vars.get("mariadb_hardening_users", [])]
    assert names
    values = [env_secrets[name].encode() for name in names]
    leaked = [path for path in log_files(host) if any(v in host.file(path).content for v in values)]
    assert leaked == []
