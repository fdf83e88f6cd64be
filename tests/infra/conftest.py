"""Fixtures for the infra tests: the converged hosts (testinfra's ansible backend on the same
inventory), SQL as the postgres superuser over the Unix socket, TLS/SCRAM clients over TCP,
and the local secrets (decrypted in memory, never printed) for the no-leak checks."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[2]
INVENTORY = REPO / "inventories" / "local"
LOGS = REPO / "tests" / "infra" / "logs"
VAULT_PASS = (
    Path(os.environ.get("HARDGATE_VAULT_DIR", str(Path.home() / ".config" / "hardgate" / "vault"))) / "local.pass"
)
PKI = "/etc/hardgate/pki/postgresql"
PG_LOG_DIR = "/var/log/postgresql"
PG_CONF_DIR = "/etc/postgresql/15/main"
PG_DATA_DIR = "/var/lib/postgresql/15/main"
TCP_HOST = "127.0.0.1"  # inventories/local listens on loopback only
PORT = 5432
os.environ.setdefault("ANSIBLE_CONFIG", str(REPO / "playbooks" / "ansible.cfg"))


def run_role_tasks(
    workdir: Path, role: str, tasks_from: str, *extra: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """One task file of a role on the local host (e.g. its assertions with another environment's
    settings), through a throwaway playbook in `workdir`: the real role, without a whole converge."""
    playbook = workdir / f"{role}-{Path(tasks_from).stem}.yml"
    play: dict[str, Any] = {
        "hosts": "local-db",
        "become": True,
        "gather_facts": False,
        "tasks": [{"ansible.builtin.include_role": {"name": role, "tasks_from": tasks_from}}],
    }
    if environment:
        play["environment"] = environment
    playbook.write_text(json.dumps([play]), encoding="utf-8")  # JSON is YAML
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", str(INVENTORY), str(playbook), "-e", "env=local",
         "--vault-id", f"local@{VAULT_PASS}", *extra],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip


def run_on_localhost(
    workdir: Path, role: str, task_files: Sequence[str | None], extra_vars: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    """Task files of a role (None: the whole role, its argument spec first) on localhost through a
    throwaway playbook, variables from a JSON file: the role's refusals, without touching a host."""
    includes = [{"name": role} | ({"tasks_from": name} if name else {}) for name in task_files]
    tasks = [{"name": f"{role} {name or 'role'}", "ansible.builtin.include_role": include}
             for name, include in zip(task_files, includes, strict=True)]  # fmt: skip
    play = {"name": f"Run {role} on localhost", "hosts": "localhost", "connection": "local", "gather_facts": False}
    playbook = workdir / "play.yml"
    playbook.write_text(json.dumps([play | {"tasks": tasks}]), encoding="utf-8")  # JSON is YAML
    varfile = workdir / "vars.json"
    varfile.write_text(json.dumps(extra_vars), encoding="utf-8")
    env = os.environ | {
        "ANSIBLE_CONFIG": str(REPO / "playbooks" / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", "localhost,", str(playbook), "-e", f"@{varfile}"],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip


# Secret masking in test reports (the hide_secrets fixture) lives in tests/conftest.py.


@pytest.fixture(scope="session")
def local_secrets(read_vault: Callable[[Path, str, Path], dict[str, str]]) -> dict[str, str]:
    """The generated local secrets, decrypted with the local vault id; kept in memory only."""
    values = read_vault(INVENTORY / "secrets.vault.yml", "local", VAULT_PASS)
    assert values, "the local vault file holds no secrets"
    return values


@pytest.fixture
def own_processes(host: Any) -> Callable[..., list[tuple[int, str]]]:
    """(pid, user) of this host's processes matching a pgrep pattern. A container or lab host on the
    same kernel (docs/lab.md) shows its processes in /proc too, with another root directory: only
    processes whose root is this host's own / count."""

    def find(pattern: str, full: bool = False) -> list[tuple[int, str]]:
        script = (
            f'for p in $(pgrep {"-f" if full else "-x"} "$1"); do '
            '[ "$(readlink /proc/$p/root)" = / ] && echo "$p $(ps -o user= -p $p)"; done; true'
        )
        out = host.check_output("sh -c %s own %s", script, pattern)
        return [(int(pid), user) for pid, user in (line.split() for line in out.splitlines() if line.strip())]

    return find


@pytest.fixture
def sql(host: Any) -> Callable[..., str]:
    """Run SQL as postgres over the Unix socket (peer map root -> postgres); return psql -At output."""

    def run(query: str, db: str = "postgres", check: bool = True) -> str:
        cmd = host.run("psql -X -v ON_ERROR_STOP=1 -At -U postgres -d %s -c %s", db, query)
        if check:
            assert cmd.rc == 0, cmd.stderr
        return str(cmd.stdout).strip()

    return run


@pytest.fixture
def connect(local_secrets: dict[str, str]) -> Callable[..., psycopg.Connection[Any]]:
    """Open a verified TLS + SCRAM connection over loopback TCP as one of the local roles."""

    def open_(user: str, db: str = "orders", password: str | None = None, **extra: Any) -> psycopg.Connection[Any]:
        params: dict[str, Any] = {
            "host": TCP_HOST,
            "port": PORT,
            "dbname": db,
            "user": user,
            "password": local_secrets[user if user != "postgres" else "postgres_superuser"]
            if password is None
            else password,
            "sslmode": "verify-full",
            "sslrootcert": f"{PKI}/ca.crt",
            "connect_timeout": 10,
            "application_name": "hardgate-infra-tests",
        }
        params.update(extra)
        return psycopg.connect(**params, autocommit=True)

    return open_


@pytest.fixture
def readonly_cert() -> dict[str, str]:
    """Client certificate issued by roles/pki for the mutual-TLS readonly role."""
    return {"sslcert": f"{PKI}/clients/orders_readonly.crt", "sslkey": f"{PKI}/clients/orders_readonly.key"}


@pytest.fixture
def marker() -> str:
    """A unique string to find one test's own lines in the server log."""
    return f"hgmark_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def server_log(host: Any) -> Callable[[], str]:
    """Everything the server logged so far (all files of the log directory)."""

    def read() -> str:
        return str(host.check_output(f"cat {PG_LOG_DIR}/postgresql-15-main-*.log"))

    return read


@pytest.fixture
def orders_table(host: Any, sql: Callable[..., str]) -> Iterator[str]:
    """A table created by the migrator role through SET ROLE orders_owner, dropped afterwards."""
    name = f"orders.t_{uuid.uuid4().hex[:8]}"
    sql(f"SET ROLE orders_owner; CREATE TABLE {name} (id serial PRIMARY KEY, note text)", db="orders")
    yield name
    sql(f"SET ROLE orders_owner; DROP TABLE IF EXISTS {name}", db="orders")
