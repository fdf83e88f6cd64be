"""roles/secrets backends behind one interface: pass (throwaway GNUPGHOME + password store), AWS
Secrets Manager (moto server on 127.0.0.1, dummy credentials) and HashiCorp Vault (no server here:
argument validation and a connection-refused failure). Every test runs the real role with
ansible-playbook; a missing or empty secret fails the play naming it, never showing a value."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:  # the fixtures' types; conftest is never imported by name at run time
    from tests.conftest import PassStore

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NAMES = ["orders_app", "orders_migrator"]


def play(tmp_path: Path, backend: str, names: list[str], extra: dict[str, object] | None = None,
         env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the secrets role on localhost; return the run and what it resolved (read from a 0600 file)."""
    out = tmp_path / "resolved.json"
    out.unlink(missing_ok=True)
    playbook = tmp_path / "resolve.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Resolve secrets through the secrets role",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "Resolve", "ansible.builtin.include_role": {"name": "secrets"},
             "vars": {"secrets_names": names}},
            {"name": "Hand the values to the test (throwaway values, 0600)", "no_log": True,
             "ansible.builtin.copy": {"content": "{{ hardgate_secrets | to_json }}", "dest": str(out), "mode": "0600"}},
        ],
    }]), encoding="utf-8")
    variables = {"hardgate_environment": "local", "secrets_backend": backend,
                 "ansible_python_interpreter": sys.executable, **(extra or {})}
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook), "-e", json.dumps(variables)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
             "ANSIBLE_CONFIG": str(REPO / "playbooks/ansible.cfg"), "ANSIBLE_NOCOLOR": "1", **(env or {})},
    )
    resolved = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return done, resolved


def values(count: int = 2) -> dict[str, str]:
    return {name: "v-" + secrets.token_urlsafe(18) for name in NAMES[:count]}


def assert_fails_naming(done: subprocess.CompletedProcess[str], name: str, hidden: list[str]) -> None:
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert name in output
    for value in hidden:
        assert value not in output


# --- pass ---


# `pass_store` (tests/conftest.py): an empty PassStore in tmp_path; insert(path, value), env.


def test_pass_backend_resolves_every_named_secret(tmp_path: Path, pass_store: PassStore) -> None:
    expected = values()
    for name, value in expected.items():
        pass_store.insert(f"hardgate/local/{name}", value)
    done, resolved = play(tmp_path, "pass", NAMES, env=pass_store.env)
    assert done.returncode == 0, done.stdout[-3000:]
    assert resolved == expected
    assert not any(value in done.stdout + done.stderr for value in expected.values())


def test_pass_backend_fails_naming_a_missing_secret(tmp_path: Path, pass_store: PassStore) -> None:
    present = values(1)
    pass_store.insert("hardgate/local/orders_app", present["orders_app"])
    done, _ = play(tmp_path, "pass", NAMES, env=pass_store.env)
    assert_fails_naming(done, "missing or empty: orders_migrator", list(present.values()))


def test_pass_backend_reads_only_its_environment_prefix(tmp_path: Path, pass_store: PassStore) -> None:
    other = values(1)
    pass_store.insert("hardgate/prod/orders_app", other["orders_app"])  # prod's, not local's
    done, _ = play(tmp_path, "pass", ["orders_app"], env=pass_store.env)
    assert_fails_naming(done, "missing or empty: orders_app", list(other.values()))


def test_pass_backend_fails_naming_an_empty_secret(tmp_path: Path, pass_store: PassStore) -> None:
    pass_store.insert("hardgate/local/orders_app", "")
    done, _ = play(tmp_path, "pass", ["orders_app"], env=pass_store.env)
    assert_fails_naming(done, "missing or empty: orders_app", [])


# --- AWS Secrets Manager on a loopback moto server ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# `moto` (tests/conftest.py): a moto_server on loopback, its URL; `aws_secret(name, value)` stores a secret there.
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def test_aws_backend_resolves_every_named_secret(
    tmp_path: Path, moto: str, aws_secret: Callable[[str, str], None]
) -> None:
    expected = values()
    prefix = f"hardgate/t{secrets.token_hex(4)}"
    for name, value in expected.items():
        aws_secret(f"{prefix}/{name}", value)
    done, resolved = play(tmp_path, "aws_secretsmanager", NAMES,
                          {"secrets_aws_endpoint_url": moto, "secrets_path_prefix": prefix}, env=AWS_ENV)
    assert done.returncode == 0, done.stdout[-3000:]
    assert resolved == expected
    assert not any(value in done.stdout + done.stderr for value in expected.values())


def test_aws_backend_fails_naming_a_missing_secret(
    tmp_path: Path, moto: str, aws_secret: Callable[[str, str], None]
) -> None:
    present = values(1)
    prefix = f"hardgate/t{secrets.token_hex(4)}"
    aws_secret(f"{prefix}/orders_app", present["orders_app"])
    done, _ = play(tmp_path, "aws_secretsmanager", NAMES,
                   {"secrets_aws_endpoint_url": moto, "secrets_path_prefix": prefix}, env=AWS_ENV)
    assert_fails_naming(done, "missing or empty: orders_migrator", list(present.values()))


def test_aws_backend_unreachable_endpoint_fails_naming_the_secrets(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    done, _ = play(tmp_path, "aws_secretsmanager", ["orders_app"], {"secrets_aws_endpoint_url": url}, env=AWS_ENV)
    assert_fails_naming(done, "could not read orders_app", [])


# --- HashiCorp Vault: no server can run here ---


def test_hashi_vault_backend_without_url_fails_argument_validation(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VAULT_ADDR"}
    done, _ = play(tmp_path, "hashi_vault", ["orders_app"], env=env)
    assert done.returncode != 0
    assert "secrets_hashi_vault_url" in done.stdout + done.stderr


def test_hashi_vault_backend_connection_refused_fails_naming_the_secrets(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done, _ = play(tmp_path, "hashi_vault", NAMES, {"secrets_hashi_vault_url": url},
                   env={"VAULT_TOKEN": "hvs.throwaway-" + secrets.token_hex(8)})
    assert_fails_naming(done, "could not read orders_app, orders_migrator", [])
    assert url in done.stdout


def test_unknown_backend_is_refused_by_the_argument_spec(tmp_path: Path) -> None:
    done, _ = play(tmp_path, "keepass", ["orders_app"])
    assert done.returncode != 0
    assert "secrets_backend" in done.stdout + done.stderr


# --- `hardgate secrets check`: the same backends, from the gate, names only ---

# What the engine profiles name for inventories/local (hardgate secrets names --env local).
LOCAL_NEEDS = sorted(["postgres_superuser", "postgresql_tls_key_passphrase", "orders_app", "orders_migrator",
                      "orders_readonly", "mysql_orders_app", "mysql_orders_migrator", "mysql_orders_readonly",
                      "pgbackrest_repo_passphrase", "postgres_replication", "mariadb_encryption_keys",
                      "mariadb_encryption_filekey", "mariadb_backup_age_identity"])


# `repo` (tests/conftest.py): a copy of the inventories and role defaults; the local inventory gets
# extra variables per test.


def use_backend(repo: Path, variables: dict[str, str]) -> None:
    path = repo / "inventories" / "local" / "group_vars" / "all.yml"
    path.write_text(path.read_text(encoding="utf-8") + yaml.safe_dump(variables), encoding="utf-8")


def secrets_check(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "hardgate"), "secrets", "check", "--env", "local", "--inventories", str(repo / "inventories"),
         *args],
        capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **(env or {})},
    )


def reported(done: subprocess.CompletedProcess[str], state: str) -> list[str]:
    return sorted(line.split()[1] for line in done.stdout.splitlines() if line.strip().startswith(state + " "))


def test_secrets_check_vault_reports_missing_and_empty_by_name(repo: Path, tmp_path: Path) -> None:
    password = tmp_path / "local.pass"
    password.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    stored = {name: "v-" + secrets.token_urlsafe(12) for name in LOCAL_NEEDS[:-2]}
    stored[LOCAL_NEEDS[-2]] = ""
    plain = yaml.safe_dump({"hardgate_vault_secrets": stored})
    subprocess.run([str(BIN / "ansible-vault"), "encrypt", "--vault-id", f"local@{password}", "--encrypt-vault-id",
                    "local", "--output", str(repo / "inventories/local/secrets.vault.yml")],
                   input=plain, text=True, check=True, capture_output=True)
    done = secrets_check(repo, f"--vault-password-file=local={password}")
    assert done.returncode == 1, done.stderr
    assert reported(done, "empty") == [LOCAL_NEEDS[-2]]
    assert reported(done, "missing") == [LOCAL_NEEDS[-1]]
    assert not any(value and value in done.stdout for value in stored.values())


def test_secrets_check_pass_reports_missing_by_name(repo: Path, pass_store: PassStore) -> None:
    use_backend(repo, {"secrets_backend": "pass"})
    present = {name: "v-" + secrets.token_urlsafe(12) for name in LOCAL_NEEDS[:5]}
    for name, value in present.items():
        pass_store.insert(f"hardgate/local/{name}", value)
    done = secrets_check(repo, env=pass_store.env)
    assert done.returncode == 1, done.stderr
    assert reported(done, "ok") == sorted(present)
    assert reported(done, "missing") == LOCAL_NEEDS[5:]
    assert not any(value in done.stdout for value in present.values())


def test_secrets_check_aws_passes_when_every_secret_exists(
    repo: Path, moto: str, aws_secret: Callable[[str, str], None]
) -> None:
    prefix = f"hardgate/t{secrets.token_hex(4)}"
    use_backend(repo, {"secrets_backend": "aws_secretsmanager", "secrets_aws_endpoint_url": moto,
                       "secrets_aws_region": "us-east-1", "secrets_path_prefix": prefix})
    for name in LOCAL_NEEDS:
        aws_secret(f"{prefix}/{name}", "v-" + secrets.token_urlsafe(12))
    done = secrets_check(repo, env=AWS_ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert reported(done, "ok") == LOCAL_NEEDS


def test_secrets_check_hashi_vault_unreachable_reports_names_unreadable(repo: Path) -> None:
    use_backend(repo, {"secrets_backend": "hashi_vault", "secrets_hashi_vault_url": f"http://127.0.0.1:{free_port()}"})
    done = secrets_check(repo, env={"VAULT_TOKEN": "hvs.throwaway"})
    assert done.returncode == 1
    assert reported(done, "unreadable") == LOCAL_NEEDS
    assert "Connection refused" in done.stdout
