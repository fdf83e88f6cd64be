"""The MariaDB part of a -vvv converge leaks nothing: neither an account password nor its
mysql_native_password hash (which is enough to log in with a modified client).

Reads the -vvv output `make test-infra` keeps (tests/infra/logs/converge-vvv.log, written by
test_converge.py, which runs first); when run alone, converges playbooks/mariadb.yml -vvv itself.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.infra

REPO = Path(__file__).resolve().parents[2]
INVENTORY = REPO / "inventories" / "local"
SITE_LOG = REPO / "tests" / "infra" / "logs" / "converge-vvv.log"
VAULT_PASS = (
    Path(os.environ.get("HARDGATE_VAULT_DIR", str(Path.home() / ".config" / "hardgate" / "vault"))) / "local.pass"
)


def native_hash(password: str) -> str:
    return "*" + hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


@pytest.fixture(scope="module")
def mysql_secrets() -> dict[str, str]:
    done = subprocess.run(
        ["ansible-vault", "view", "--vault-id", f"local@{VAULT_PASS}", str(INVENTORY / "secrets.vault.yml")],
        capture_output=True,
        text=True,
        check=True,
    )
    values = yaml.safe_load(done.stdout)["hardgate_vault_secrets"]
    return {k: str(v) for k, v in values.items() if k.startswith("mysql_")}


@pytest.fixture(scope="module")
def verbose_output() -> str:
    if SITE_LOG.exists() and "PLAY [Harden MariaDB]" in SITE_LOG.read_text():
        return SITE_LOG.read_text()
    env = os.environ | {"ANSIBLE_CONFIG": str(REPO / "playbooks" / "ansible.cfg")}
    done = subprocess.run(
        [
            "ansible-playbook",
            "-vvv",
            "-i",
            str(INVENTORY),
            str(REPO / "playbooks" / "mariadb.yml"),
            "-e",
            "env=local",
            "--vault-id",
            f"local@{VAULT_PASS}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, "the MariaDB converge failed"
    return done.stdout + done.stderr


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
