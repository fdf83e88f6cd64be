"""MariaDB data at rest: the key file, the encrypted tablespaces, and a marker row that cannot be
found in any file under the data directory, with a control that shows the same probe finds it
in an unencrypted scratch instance (so the probe can fail). Key rotation: a new key id in the
secrets backend, one converge, and every tablespace but the system one is on it.

Run by `make test-infra` after the converge (inventories/local).
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import test_mariadb as mdb
import yaml
from conftest import INVENTORY, REPO, VAULT_PASS
from test_mariadb import address, client_pki, connect, env_secrets, mdb_vars, scalar, sql  # noqa: F401
from test_mariadb_converge import changed_count, mariadb_playbook, run_mariadb_playbook

pytestmark = pytest.mark.infra
testinfra_hosts = [f"ansible://mariadb?ansible_inventory={INVENTORY}"]

DATADIR = mdb.ROLE_DEFAULTS["mariadb_hardening_datadir"]
KEY_DIR = mdb.ROLE_DEFAULTS["mariadb_hardening_encryption_dir"]
SCRATCH = "/var/tmp/hardgate-plain-control"
TABLESPACES = "information_schema.INNODB_TABLESPACES_ENCRYPTION"


def files_containing(host: Any, folder: str, needle: str) -> list[str]:
    """The probe: every regular file under `folder` whose bytes contain `needle`."""
    found = host.run("grep -r -a -l -F -D skip -e %s %s", needle, folder)
    assert found.rc in (0, 1), found.stderr  # 2 = grep could not read something: the probe is blind
    return [line for line in found.stdout.splitlines() if line]


def flush_table(host: Any, table: str, socket: str = "/run/mysqld/mysqld.sock") -> None:
    """Write the table's pages to its .ibd now (FLUSH ... FOR EXPORT), not at InnoDB's leisure."""
    host.check_output(
        "mariadb --protocol=socket -S %s -e %s", socket, f"FLUSH TABLES {table} FOR EXPORT; UNLOCK TABLES"
    )


def key_hexes(keys: str) -> list[str]:
    return re.findall(r"^\s*\d+;([0-9a-fA-F]+)\s*$", keys, re.M)


@pytest.fixture(scope="module")
def marker(host: Any, connect: Any) -> Iterator[tuple[str, str]]:  # noqa: F811
    """orders.<table> created by the migrator, one row with a random marker written by the app
    account (the application role), flushed to disk."""
    table, value = mdb.write_marker_row(connect, "hardgate_at_rest_", "HGMARKER")
    flush_table(host, f"orders.{table}")
    yield table, value
    sql(host, f"DROP TABLE IF EXISTS orders.{table}")


@pytest.fixture(scope="module")
def plain_instance(host: Any) -> Iterator[str]:
    """A scratch MariaDB without encryption (--no-defaults: no plugin, no key file) on its own
    datadir and socket, no TCP; torn down after the module."""
    host.run("sh -c %s", f"rm -rf {SCRATCH}; mkdir -p {SCRATCH} && chown mysql:mysql {SCRATCH} && chmod 0700 {SCRATCH}")
    host.check_output(
        "mariadb-install-db --no-defaults --user=mysql --datadir=%s --auth-root-authentication-method=socket",
        f"{SCRATCH}/data",
    )
    socket = f"{SCRATCH}/mysqld.sock"
    host.run(
        "sh -c %s",
        f"setsid runuser -u mysql -- /usr/sbin/mariadbd --no-defaults --datadir={SCRATCH}/data --socket={socket} "
        f"--pid-file={SCRATCH}/mysqld.pid --skip-networking --log-error={SCRATCH}/error.log "
        "</dev/null >/dev/null 2>&1 &",
    )
    ping = "for i in $(seq 60); do mariadb-admin -S $0 ping >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1"
    assert host.run("sh -c %s %s", ping, socket).rc == 0, host.run("tail -n 5 %s/error.log", SCRATCH).stdout
    try:
        yield socket
    finally:
        host.run("mariadb-admin -S %s shutdown", socket)
        host.run("sh -c %s", f"for i in $(seq 60); do [ -e {SCRATCH}/mysqld.pid ] || break; sleep 1; done")
        host.run("rm -rf %s", SCRATCH)


# --- the key file ----------------------------------------------------------------------------


def test_key_directory_is_root_mysql_and_closed_to_others(host: Any) -> None:
    folder = host.file(KEY_DIR)
    assert (folder.is_directory, folder.user, folder.group, folder.mode) == (True, "root", "mysql", 0o750)


@pytest.mark.parametrize("name", ["keyfile.enc", "keyfile.key"])
def test_key_files_are_mysql_owned_0400(host: Any, name: str) -> None:
    key = host.file(f"{KEY_DIR}/{name}")
    assert (key.is_file, key.user, key.group, key.mode) == (True, "mysql", "mysql", 0o400)


def test_key_file_on_the_host_is_encrypted_with_the_filekey(host: Any, env_secrets: dict[str, str]) -> None:  # noqa: F811
    """The key file is openssl enc output (Salted__ header), not one key readable in it; decrypted
    with the filekey it is exactly the secret from the backend."""
    raw = host.file(f"{KEY_DIR}/keyfile.enc").content
    assert raw.startswith(b"Salted__")
    hexes = key_hexes(env_secrets[mdb.KEYS_SECRET])
    assert hexes and not [h for h in hexes if h.encode() in raw]
    plain = host.run(
        "openssl enc -d -aes-256-cbc -md sha1 -pass file:%s -in %s", f"{KEY_DIR}/keyfile.key", f"{KEY_DIR}/keyfile.enc"
    )
    assert plain.rc == 0
    assert plain.stdout.strip() == env_secrets[mdb.KEYS_SECRET].strip()


# --- the server ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("innodb_encrypt_tables", "FORCE"),
        ("innodb_encrypt_log", "1"),
        ("innodb_encrypt_temporary_tables", "1"),
        ("encrypt_tmp_files", "1"),
        ("encrypt_tmp_disk_tables", "1"),
        ("encrypt_binlog", "1"),
        ("aria_encrypt_tables", "1"),
    ],
)
def test_encryption_variable_is_in_effect(host: Any, variable: str, expected: str) -> None:
    assert scalar(host, f"SELECT @@GLOBAL.{variable}") == expected


def test_file_key_management_plugin_is_active(host: Any) -> None:
    status = scalar(
        host, "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME='FILE_KEY_MANAGEMENT'"
    )
    assert status == "ACTIVE"
    assert int(scalar(host, "SELECT @@GLOBAL.innodb_encryption_threads")) > 0


def test_every_innodb_tablespace_reports_encryption(host: Any, marker: tuple[str, str]) -> None:
    """Every tablespace InnoDB knows (the dictionary, not only those the encryption view has
    opened) is encrypted, the marker's included; the temporary one is covered by its variable."""
    rows = sql(
        host,
        "SELECT s.NAME, COALESCE(e.ENCRYPTION_SCHEME, -1) FROM information_schema.INNODB_SYS_TABLESPACES s "
        "LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e ON e.SPACE = s.SPACE "
        "WHERE s.NAME <> 'innodb_temporary'",
    )
    names = {name for name, _ in rows}
    assert "innodb_system" in names and f"orders/{marker[0]}" in names
    assert [name for name, scheme in rows if scheme != "1"] == []


def test_creating_an_unencrypted_table_is_refused(host: Any) -> None:
    """innodb_encrypt_tables=FORCE: ENCRYPTED=NO is an error, not a quiet plaintext table."""
    table = f"orders.hardgate_plain_{secrets.token_hex(4)}"
    done = host.run("mariadb -S /run/mysqld/mysqld.sock -e %s", f"CREATE TABLE {table} (id INT) ENCRYPTED=NO")
    host.run("mariadb -S /run/mysqld/mysqld.sock -e %s", f"DROP TABLE IF EXISTS {table}")
    assert done.rc != 0 and "ENCRYPTED" in done.stderr


def test_marker_row_is_readable_by_the_app(connect: Any, marker: tuple[str, str]) -> None:  # noqa: F811
    table, value = marker
    with connect("orders_app", database="orders") as conn, conn.cursor() as cur:
        cur.execute(f"SELECT card_number FROM {table} WHERE id = 1")
        assert cur.fetchone() == (value,)


def test_marker_row_is_in_no_file_under_the_datadir(host: Any, marker: tuple[str, str]) -> None:
    assert files_containing(host, DATADIR, marker[1]) == []


def test_control_the_probe_finds_the_marker_in_an_unencrypted_instance(host: Any, plain_instance: str) -> None:
    """The same probe on a scratch server without encryption finds a marker in the table's .ibd."""
    value = f"HGMARKER{secrets.token_hex(16)}"
    query = (
        "CREATE DATABASE probe; CREATE TABLE probe.t (id INT PRIMARY KEY, card_number VARCHAR(64)) ENGINE=InnoDB; "
        f"INSERT INTO probe.t VALUES (1, '{value}')"
    )
    host.check_output("mariadb -S %s -e %s", plain_instance, query)
    flush_table(host, "probe.t", plain_instance)
    found = files_containing(host, f"{SCRATCH}/data", value)
    assert f"{SCRATCH}/data/probe/t.ibd" in found


# --- key rotation ----------------------------------------------------------------------------


def read_local_secrets() -> dict[str, str]:
    done = subprocess.run(
        ["ansible-vault", "view", "--vault-id", f"local@{VAULT_PASS}", str(INVENTORY / "secrets.vault.yml")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {str(k): str(v) for k, v in yaml.safe_load(done.stdout)["hardgate_vault_secrets"].items()}


def secret_fragments(values: dict[str, str]) -> list[str]:
    """What must never be printed: each key, the filekey, the age identity's secret line."""
    identity = re.findall(r"AGE-SECRET-KEY-[0-9A-Z]+", values[mdb.IDENTITY_SECRET])
    return [*key_hexes(values[mdb.KEYS_SECRET]), values[mdb.FILEKEY_SECRET], *identity]


@pytest.mark.slow
def test_key_rotation_moves_every_tablespace_to_the_new_key(
    host: Any,
    marker: tuple[str, str],
    connect: Any,  # noqa: F811
    hide_secrets: Callable[[Any], None],
) -> None:
    """A new key id in the backend (init_env_secrets.py --rotate), one converge: every tablespace
    but the system one (key 1 by design) is on the new key, the data still reads, the marker is
    still in no file, a second converge changes nothing, and no key appears in either output."""
    if INVENTORY.name != "local":
        pytest.skip("rotation writes the local vault")
    subprocess.run(
        [sys.executable, str(REPO / "roles/secrets/scripts/init_env_secrets.py"), "--env", "local",
         "--vault-file", str(INVENTORY / "secrets.vault.yml"), "--password-file", str(VAULT_PASS),
         "--rotate", mdb.KEYS_SECRET],
        check=True, capture_output=True,
    )  # fmt: skip
    values = read_local_secrets()
    hide_secrets(values.values())
    newest = max(int(i) for i in re.findall(r"^(\d+);", values[mdb.KEYS_SECRET], re.M))
    assert newest >= 2

    rotated = run_mariadb_playbook("-vvv")
    again = run_mariadb_playbook()

    rows = sql(
        host, "SELECT NAME, CURRENT_KEY_ID FROM information_schema.INNODB_TABLESPACES_ENCRYPTION WHERE SPACE <> 0"
    )
    assert f"orders/{marker[0]}" in {name for name, _ in rows}
    assert [name for name, key in rows if int(key) != newest] == []
    assert scalar(host, "SELECT @@GLOBAL.innodb_default_encryption_key_id") == str(newest)
    with connect("orders_app", database="orders") as conn, conn.cursor() as cur:
        cur.execute(f"SELECT card_number FROM {marker[0]} WHERE id = 1")
        assert cur.fetchone() == (marker[1],)
    flush_table(host, f"orders.{marker[0]}")
    assert files_containing(host, DATADIR, marker[1]) == []
    assert changed_count(again) == 0
    leaked = [f for f in secret_fragments(values) if f in rotated or f in again]
    assert leaked == []


def keys_in_use(host: Any) -> set[int]:
    rows = sql(host, "SELECT DISTINCT CURRENT_KEY_ID FROM information_schema.INNODB_TABLESPACES_ENCRYPTION")
    return {int(row[0]) for row in rows}


def converge_with_secrets(tmp_path: Path, values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """playbooks/mariadb.yml with these secrets in place of the backend's (a 0600 vars file, never printed)."""
    varfile = tmp_path / "secrets.json"
    varfile.touch(mode=0o600)
    varfile.write_text(json.dumps({"hardgate_secrets": values}))
    return mariadb_playbook("-e", f"@{varfile}")


def test_a_key_still_in_use_cannot_be_removed(host: Any, tmp_path: Path, marker: tuple[str, str]) -> None:
    """Converging with a key file that lacks a key the tablespaces use fails before any write,
    naming no key; the server keeps running on the old file."""
    values = read_local_secrets()
    in_use = keys_in_use(host)
    keys = values[mdb.KEYS_SECRET].strip().splitlines()
    if in_use <= {1}:
        pytest.skip("no rotated key in use yet (the rotation test above puts one in use)")
    kept = [line for line in keys if int(line.split(";")[0]) == 1]  # the newest key dropped
    before = host.file(f"{KEY_DIR}/keyfile.enc").content
    done = converge_with_secrets(tmp_path, values | {mdb.KEYS_SECRET: "\n".join(kept) + "\n"})
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert "lacks key ids the server still uses" in out or "Refuse to remove a key" in out
    assert [f for f in secret_fragments(values) if f in out] == []
    assert host.file(f"{KEY_DIR}/keyfile.enc").content == before
    assert scalar(host, f"SELECT COUNT(*) FROM orders.{marker[0]}") == "1"


def test_a_key_in_use_cannot_take_a_new_value(host: Any, tmp_path: Path, marker: tuple[str, str]) -> None:
    """The same key ids with new values (another checkout's secrets, a regenerated secret): the
    converge stops before writing the filekey or the key file, names the ids and no key, and the
    server keeps reading its data."""
    values = read_local_secrets()
    in_use = keys_in_use(host)
    renewed = [
        f"{key_id};{secrets.token_hex(32)}" if int(key_id) in in_use else f"{key_id};{hexkey}"
        for key_id, hexkey in (line.split(";") for line in values[mdb.KEYS_SECRET].strip().splitlines())
    ]
    files_before = {name: host.file(f"{KEY_DIR}/{name}").content for name in ("keyfile.enc", "keyfile.key")}
    done = converge_with_secrets(
        tmp_path, values | {mdb.KEYS_SECRET: "\n".join(renewed) + "\n", mdb.FILEKEY_SECRET: secrets.token_urlsafe(32)}
    )
    out = " ".join((done.stdout + done.stderr).split())
    assert done.returncode != 0
    assert f"would change key ids the server still uses ({', '.join(map(str, sorted(in_use)))})" in out
    assert [f for f in secret_fragments(values) + renewed if f.split(";")[-1] in out] == []
    assert {name: host.file(f"{KEY_DIR}/{name}").content for name in files_before} == files_before
    assert scalar(host, f"SELECT COUNT(*) FROM orders.{marker[0]}") == "1"
