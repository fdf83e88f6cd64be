"""The MariaDB part of a -vvv converge leaks nothing: neither an account password nor its
mysql_native_password hash (which is enough to log in with a modified client).

Reads the -vvv output `make test-infra` keeps (tests/infra/logs/converge-vvv.log, written by
test_converge.py, which runs first); when run alone, converges playbooks/mariadb.yml -vvv itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import pymysql
import pytest
from conftest import INVENTORY, LOGS, REPO, VAULT_PASS

pytestmark = pytest.mark.infra

SITE_LOG = LOGS / "converge-vvv.log"


def native_hash(password: str) -> str:
    return "*" + hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


@pytest.fixture(scope="module")
def mysql_secrets(local_secrets: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in local_secrets.items() if name.startswith("mysql_")}


def mariadb_playbook(*extra: str) -> subprocess.CompletedProcess[str]:
    """playbooks/mariadb.yml on inventories/local with the local vault id, whatever its outcome."""
    env = os.environ | {"ANSIBLE_CONFIG": str(REPO / "playbooks" / "ansible.cfg")}
    playbook = str(REPO / "playbooks" / "mariadb.yml")
    vault_id = f"local@{VAULT_PASS}"
    return subprocess.run(
        ["ansible-playbook", "-i", str(INVENTORY), playbook, "-e", "env=local", "--vault-id", vault_id, *extra],
        capture_output=True, text=True, env=env, cwd=REPO, check=False,
    )  # fmt: skip


def run_mariadb_playbook(*extra: str) -> str:
    """A converge that must succeed; stdout and stderr."""
    done = mariadb_playbook(*extra)
    assert done.returncode == 0, "the MariaDB converge failed"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def verbose_output() -> str:
    if SITE_LOG.exists() and "PLAY [Harden MariaDB]" in SITE_LOG.read_text():
        return SITE_LOG.read_text()
    return run_mariadb_playbook("-vvv")


def test_verbose_converge_covered_mariadb_and_changed_nothing(verbose_output: str) -> None:
    assert "PLAY [Harden MariaDB]" in verbose_output
    assert "Create least-privilege accounts" in verbose_output
    recaps = re.findall(r"^\S+\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", verbose_output, re.M)
    assert recaps and all(r == ("0", "0", "0") for r in recaps), recaps


def test_verbose_converge_shows_no_mariadb_password_or_hash(verbose_output: str, mysql_secrets: dict[str, str]) -> None:
    assert sorted(mysql_secrets) == ["mysql_orders_app", "mysql_orders_migrator", "mysql_orders_readonly"]
    leaked = sorted(name for name, value in mysql_secrets.items() if value in verbose_output)
    hashed = sorted(name for name, value in mysql_secrets.items() if native_hash(value) in verbose_output)
    assert (leaked, hashed) == ([], [])


def converge_mariadb(tmp_path: Path, secrets_override: dict[str, str] | None = None) -> str:
    """playbooks/mariadb.yml on inventories/local; an override replaces hardgate_secrets (extra var)."""
    if secrets_override is None:
        return run_mariadb_playbook()
    varfile = tmp_path / "secrets.json"
    varfile.touch(mode=0o600)
    varfile.write_text(json.dumps({"hardgate_secrets": secrets_override}))
    return run_mariadb_playbook("-e", f"@{varfile}")


def changed_count(output: str) -> int:
    return sum(int(n) for n in re.findall(r"^\S+\s+: ok=\d+\s+changed=(\d+)", output, re.M))


def can_log_in(account: str, password: str) -> bool:
    pki = "/etc/hardgate/pki/mariadb"
    try:
        pymysql.connect(
            host="127.0.0.1",
            user=account,
            password=password,
            ssl_ca=f"{pki}/ca.crt",
            ssl_cert=f"{pki}/clients/{account}.crt",
            ssl_key=f"{pki}/clients/{account}.key",
            connect_timeout=10,
        ).close()
    except pymysql.err.OperationalError:
        return False
    return True


def test_changed_secret_rotates_the_account_password(
    tmp_path: Path,
    mysql_secrets: dict[str, str],
    local_secrets: dict[str, str],
    hide_secrets: Callable[[Iterable[str]], None],
) -> None:
    """update_password=always on a precomputed hash: a new secret value is applied on the next
    run (and the old one stops working); converging with the vault's value restores it."""
    old = mysql_secrets["mysql_orders_readonly"]
    new = "Rotated" + secrets.token_urlsafe(18)
    hide_secrets([new])
    try:
        # The override replaces hardgate_secrets whole: every secret the play needs (encryption keys,
        # backup identity) goes in, only the one password changes.
        rotated = converge_mariadb(tmp_path, local_secrets | {"mysql_orders_readonly": new})
        # The recap counts tasks: only the accounts task changes (its orders_readonly items).
        assert changed_count(rotated) == 1
        assert can_log_in("orders_readonly", new)
        assert not can_log_in("orders_readonly", old)
    finally:
        restored = converge_mariadb(tmp_path)
    assert changed_count(restored) == 1
    assert can_log_in("orders_readonly", old)
    assert not can_log_in("orders_readonly", new)
