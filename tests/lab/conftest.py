"""Fixtures for the lab's cross-host tests (docs/lab.md): the running lab hosts, each environment's
secrets (decrypted in memory, masked in reports), and login attempts made from inside a host's
network namespace, so the server sees that environment's address."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lab  # tests/lab/lab.py, the lab's own description of its hosts

PROBE = Path(__file__).resolve().parent / "probe.py"
PG_PKI = "etc/hardgate/pki/postgresql"
MARIADB_PKI = "etc/hardgate/pki/mariadb"
os.environ.setdefault("ANSIBLE_CONFIG", str(lab.REPO / "playbooks" / "ansible.cfg"))

Probe = Callable[..., dict[str, Any]]


def on_host(host: lab.LabHost, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run a command on a lab host over SSH (Ansible's own key and pinned host keys)."""
    ssh = lab.ssh_argv(host)  # the remote side runs the words through a shell: quote each one
    return subprocess.run([*ssh, shlex.join(argv)], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="session")
def hosts() -> dict[str, lab.LabHost]:
    """The lab hosts by environment; the lab must be up (make lab-up)."""
    found = {host.env: host for host in lab.lab_hosts()}
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    missing = [h.name for h in found.values() if h.namespace not in namespaces or not h.pid_file.exists()]
    if missing:
        pytest.fail(f"lab hosts not up: {', '.join(missing)} (run make lab-up)", pytrace=False)
    return found


@pytest.fixture(scope="session")
def env_secrets(read_vault: Callable[[Path, str, Path], dict[str, str]]) -> Callable[[str], dict[str, str]]:
    """env -> that environment's secrets, from its vault file with its own vault id."""
    cache: dict[str, dict[str, str]] = {}

    def load(env: str) -> dict[str, str]:
        if env not in cache:
            cache[env] = read_vault(lab.INVENTORIES / env / "secrets.vault.yml", env, lab.VAULT_DIR / f"{env}.pass")
        return cache[env]

    return load


@pytest.fixture(scope="session")
def probe() -> Probe:
    """probe(namespace, kind, **settings): one login from inside that namespace; the settings
    (password included) travel on stdin. Returns {"ok": bool, "code": int|None, "error": str}."""

    def attempt(namespace: str, kind: str, **settings: Any) -> dict[str, Any]:
        done = subprocess.run(
            ["ip", "netns", "exec", namespace, sys.executable, str(PROBE)],
            input=json.dumps({"kind": kind, "settings": settings}),
            capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"probe crashed in {namespace}: {done.stderr.strip()[-300:]}"
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    return attempt


@pytest.fixture(scope="session")
def host_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[lab.LabHost, str], str]:
    """A private copy (0600) of a file from a lab host's root filesystem, for a client here to use."""
    folder = tmp_path_factory.mktemp("lab-files")
    folder.chmod(0o700)

    def copy(host: lab.LabHost, path: str) -> str:
        target = folder / f"{host.name}-{path.replace('/', '_')}"
        target.touch(mode=0o600)
        target.write_bytes((host.root / path).read_bytes())
        return str(target)

    return copy


def pg_settings(host: lab.LabHost, user: str, password: str, ca_file: str, **extra: Any) -> dict[str, Any]:
    """A verified TLS + SCRAM login to the orders database of a lab host."""
    return {
        "host": host.address, "port": 5432, "dbname": "orders", "user": user, "password": password,
        "sslmode": "verify-full", "sslrootcert": ca_file, **extra,
    }  # fmt: skip


def mariadb_settings(host: lab.LabHost, user: str, password: str, ca_file: str) -> dict[str, Any]:
    """A verified TLS login to a lab host's MariaDB."""
    return {
        "host": host.address, "port": 3306, "user": user, "password": password, "database": "orders",
        "ssl_ca": ca_file, "ssl_verify_cert": True, "ssl_verify_identity": True,
    }  # fmt: skip
