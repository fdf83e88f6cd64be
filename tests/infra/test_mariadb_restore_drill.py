"""The MariaDB restore drill (`make restore-drill-mariadb`): a marker row written by the app
account, an encrypted backup taken by the script the role installs, restored into a scratch
instance on another port with the identity from the secrets backend, the marker read back, the
scratch instance torn down; a wrong identity fails with one clear line and leaves nothing.

The identity is given on stdin (never a file on the host, never the command line). Runs on the
converged local host (inventories/local).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import test_mariadb as mdb
from conftest import INVENTORY
from test_mariadb import address, client_pki, connect, env_secrets, mdb_vars, sql  # noqa: F401

pytestmark = pytest.mark.infra
testinfra_hosts = [f"ansible://mariadb?ansible_inventory={INVENTORY}"]

BACKUP = "/usr/local/sbin/hardgate-mariadb-backup"
RESTORE = "/usr/local/sbin/hardgate-mariadb-restore"
BACKUP_DIR = mdb.ROLE_DEFAULTS["mariadb_hardening_backup_dir"]
SCRATCH = "/var/tmp/hardgate-restore-drill"
PORT = "3317"


def restore(identity: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RESTORE, *args], input=identity, capture_output=True, text=True, check=False)


def scratch_processes(host: Any, datadir: str) -> str:
    """pids of mariadbd processes started on the scratch configuration ('' when none)."""
    found = host.run("pgrep -f -- %s", f"[-]-defaults-file={datadir}.cnf")  # [-]: never matches the shell
    assert found.rc in (0, 1), found.stderr
    return str(found.stdout).strip()


@pytest.fixture(scope="module")
def backed_up_marker(host: Any, connect: Any) -> Iterator[tuple[str, str, str]]:  # noqa: F811
    """(table, marker, backup path): the app account writes a marker row, then a backup is taken."""
    table, value = mdb.write_marker_row(connect, "hardgate_drill_", "HGDRILL")
    path = host.check_output(BACKUP).strip().splitlines()[-1]
    yield table, value, path
    sql(host, f"DROP TABLE IF EXISTS orders.{table}")


@pytest.fixture
def scratch() -> Iterator[str]:
    """The scratch datadir; whatever a test leaves there is stopped and removed."""
    subprocess.run([RESTORE, "--stop", "--datadir", SCRATCH], capture_output=True, check=False)
    yield SCRATCH
    subprocess.run([RESTORE, "--stop", "--datadir", SCRATCH], capture_output=True, check=False)


def test_backup_is_age_encrypted_and_holds_no_plaintext_marker(
    host: Any, backed_up_marker: tuple[str, str, str]
) -> None:
    _, value, path = backed_up_marker
    assert path.startswith(f"{BACKUP_DIR}/mariadb-") and path.endswith(".mbstream.age")
    backup = host.file(path)
    assert (backup.user, backup.mode) == ("root", 0o600)
    assert backup.content.startswith(b"age-encryption.org/v1\n")
    assert value.encode() not in backup.content


def test_backup_directory_is_root_only(host: Any) -> None:
    folder = host.file(BACKUP_DIR)
    assert (folder.user, folder.group, folder.mode) == ("root", "root", 0o700)


def test_the_host_holds_no_backup_identity(host: Any, env_secrets: dict[str, str]) -> None:  # noqa: F811
    """Only the recipient (public key) reaches the host: no age secret key in its configuration,
    scripts, backups or data."""
    assert "AGE-SECRET-KEY-" in env_secrets[mdb.IDENTITY_SECRET]
    found = host.run("grep -r -l -a -F -D skip AGE-SECRET-KEY- /etc /usr/local/sbin %s /var/lib/mysql", BACKUP_DIR)
    assert found.rc == 1, found.stdout


def test_restore_drill_brings_the_marker_back_then_tears_down(
    host: Any,
    backed_up_marker: tuple[str, str, str],
    env_secrets: dict[str, str],  # noqa: F811
    scratch: str,
) -> None:
    table, value, path = backed_up_marker
    done = restore(env_secrets[mdb.IDENTITY_SECRET], "--datadir", scratch, "--port", PORT, "--backup", path)
    assert done.returncode == 0, done.stderr
    socket = done.stdout.strip()
    assert socket == f"{scratch}/mysqld.sock"
    # The scratch server is a separate process on its own port, data still encrypted at rest.
    assert host.socket(f"tcp://127.0.0.1:{PORT}").is_listening
    assert scratch_processes(host, scratch) != ""
    query = f"SELECT card_number FROM orders.{table} WHERE id = 1"
    assert host.check_output("mariadb -S %s -N -B -e %s", socket, query) == value
    enc = "SELECT COUNT(*) FROM information_schema.INNODB_TABLESPACES_ENCRYPTION WHERE ENCRYPTION_SCHEME = 0"
    assert host.check_output("mariadb -S %s -N -B -e %s", socket, enc) == "0"

    stopped = subprocess.run([RESTORE, "--stop", "--datadir", scratch], capture_output=True, text=True, check=False)
    assert stopped.returncode == 0, stopped.stderr
    assert not host.file(scratch).exists
    assert not host.socket(f"tcp://127.0.0.1:{PORT}").is_listening
    assert scratch_processes(host, scratch) == ""
    assert not host.file(f"{scratch}.cnf").exists


def test_restore_with_a_wrong_identity_fails_clearly_and_leaves_nothing(
    host: Any, backed_up_marker: tuple[str, str, str], scratch: str
) -> None:
    wrong = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True).stdout
    done = restore(wrong, "--datadir", scratch, "--port", PORT, "--backup", backed_up_marker[2])
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot decrypt" in lines[0] and "wrong key?" in lines[0], done.stderr
    assert "Traceback" not in done.stderr and "AGE-SECRET-KEY-" not in done.stderr + done.stdout
    assert not host.file(scratch).exists


def test_restore_refuses_the_live_datadir(env_secrets: dict[str, str]) -> None:  # noqa: F811
    done = restore(env_secrets[mdb.IDENTITY_SECRET], "--datadir", "/var/lib/mysql", "--port", PORT)
    assert done.returncode == 1 and "refusing to touch the live datadir" in done.stderr


def test_restore_without_a_datadir_is_a_usage_error() -> None:
    done = restore("", "--port", PORT)
    assert (done.returncode, done.stderr.strip()) == (2, "hardgate-mariadb-restore: --datadir is required")
