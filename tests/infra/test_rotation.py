"""Password rotation on the converged local PostgreSQL (default vault backend): the vault file is
re-encrypted with only the rotated value changed, the new password logs in over verified TLS, the
old one is refused, and neither value appears in the play's output."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import psycopg
import pytest
import yaml
from conftest import INVENTORY, LOGS, PKI, PORT, REPO, TCP_HOST, VAULT_PASS

pytestmark = pytest.mark.infra

VAULT_FILE = INVENTORY / "secrets.vault.yml"
ROTATED = "orders_app"


def vault_values() -> dict[str, str]:
    """The local vault file, decrypted now (not the session-cached fixture: rotation changes it)."""
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-vault"), "view", "--vault-id", f"local@{VAULT_PASS}", str(VAULT_FILE)],
        capture_output=True, text=True, check=True,
    )
    values: dict[str, str] = yaml.safe_load(done.stdout)["hardgate_vault_secrets"]
    return values


def login(password: str) -> psycopg.Connection[Any]:
    return psycopg.connect(host=TCP_HOST, port=PORT, dbname="orders", user=ROTATED, password=password,
                           sslmode="verify-full", sslrootcert=f"{PKI}/ca.crt", connect_timeout=10, autocommit=True)


@pytest.fixture(scope="module")
def rotation() -> tuple[dict[str, str], subprocess.CompletedProcess[str], dict[str, str]]:
    before = vault_values()
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", str(INVENTORY),
         str(REPO / "playbooks" / "rotate-db-passwords.yml"), "-e", "env=local", "--vault-id", f"local@{VAULT_PASS}",
         "-e", json.dumps({"rotate_secrets": [ROTATED]}), "-v"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "rotate.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, "rotation failed; see tests/infra/logs/rotate.log"
    return before, done, vault_values()


def test_rotation_changes_only_the_rotated_secret_in_the_vault_file(
    rotation: tuple[dict[str, str], subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    before, _, after = rotation
    assert after[ROTATED] != before[ROTATED]
    assert {k: v for k, v in after.items() if k != ROTATED} == {k: v for k, v in before.items() if k != ROTATED}


def test_vault_file_is_reencrypted_with_the_local_vault_id_and_stays_private(
    rotation: tuple[dict[str, str], subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    assert VAULT_FILE.read_text(encoding="utf-8").splitlines()[0] == "$ANSIBLE_VAULT;1.2;AES256;local"
    assert VAULT_FILE.stat().st_mode & 0o077 == 0


def test_new_password_logs_in_over_tls(
    rotation: tuple[dict[str, str], subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    _, _, after = rotation
    with login(after[ROTATED]) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (ROTATED,)


def test_old_password_is_refused(
    rotation: tuple[dict[str, str], subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    before, _, _ = rotation
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        login(before[ROTATED])


def test_rotation_output_shows_neither_old_nor_new_value(
    rotation: tuple[dict[str, str], subprocess.CompletedProcess[str], dict[str, str]],
) -> None:
    before, done, after = rotation
    output = done.stdout + done.stderr
    assert before[ROTATED] not in output
    assert after[ROTATED] not in output
    assert f"rotated on local-db: {ROTATED}" in output


def test_rotation_refuses_a_name_that_is_not_a_postgresql_login_secret() -> None:
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", str(INVENTORY),
         str(REPO / "playbooks" / "rotate-db-passwords.yml"), "-e", "env=local", "--vault-id", f"local@{VAULT_PASS}",
         "-e", json.dumps({"rotate_secrets": ["mysql_orders_app"]})],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    assert done.returncode != 0
    assert "rotate_secrets must name password secrets" in done.stdout

