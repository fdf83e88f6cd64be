"""The local converge with each other testable secret backend: pass (throwaway GnuPG home and
password store) and AWS Secrets Manager (moto server on 127.0.0.1, dummy credentials).

Each backend is seeded with the local vault's values, then site.yml converges WITHOUT the vault
password, at -vvv: it must pass with changed=0 (so the backend served exactly those values), show
no secret value, and the PostgreSQL testinfra suite must pass again on the result."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import yaml
from conftest import INVENTORY, LOGS, REPO, VAULT_PASS

if TYPE_CHECKING:  # the type of tests/conftest.py's module_pass_store, never imported at run time
    from tests.conftest import PassStore

pytestmark = pytest.mark.infra

BIN = REPO / ".venv" / "bin"
POSTGRESQL_SUITE = ["tests/infra/test_postgresql_baseline.py", "tests/infra/test_postgresql_behaviour.py"]
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def vault_values() -> dict[str, str]:
    done = subprocess.run(
        [str(BIN / "ansible-vault"), "view", "--vault-id", f"local@{VAULT_PASS}", str(INVENTORY / "secrets.vault.yml")],
        capture_output=True, text=True, check=True,
    )
    values: dict[str, str] = yaml.safe_load(done.stdout)["hardgate_vault_secrets"]
    return values


@pytest.fixture(scope="module")
def secrets_now() -> dict[str, str]:
    """Read fresh: the rotation test may have changed a value earlier in the session."""
    return vault_values()


# `module_pass_store`, `moto` and `aws_secret` (tests/conftest.py): an empty password store, a moto
# server on loopback and a way to store secrets in it; each is seeded here with the local values.


@pytest.fixture(scope="module")
def pass_backend(module_pass_store: PassStore, secrets_now: dict[str, str]) -> dict[str, str]:
    for name, value in secrets_now.items():
        module_pass_store.insert(f"hardgate/local/{name}", value)
    return module_pass_store.env


@pytest.fixture(scope="module")
def aws_backend(moto: str, aws_secret: Callable[[str, str], None], secrets_now: dict[str, str]) -> str:
    for name, value in secrets_now.items():
        aws_secret(f"hardgate/local/{name}", value)
    return moto


def converge(backend: str, extra: list[str], env: dict[str, str]) -> str:
    """site.yml on the local inventory with this backend, no vault password, at -vvv; output kept in logs/."""
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(REPO / "playbooks" / "site.yml"), "-e", "env=local",
         "-e", f"secrets_backend={backend}", *extra, "-vvv"],
        capture_output=True, text=True, cwd=REPO, check=False, env={**os.environ, **env},
    )
    output = done.stdout + done.stderr
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"converge-{backend}-vvv.log").write_text(output)
    assert done.returncode == 0, f"converge with {backend} failed; see tests/infra/logs/converge-{backend}-vvv.log"
    return output


def assert_converged_cleanly(output: str, secrets_now: dict[str, str], read_task: str) -> None:
    recaps = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output, re.M)
    assert recaps
    assert all((c, u, f) == ("0", "0", "0") for _h, c, u, f in recaps), recaps  # same values: nothing to change
    assert read_task in output  # the backend really answered
    assert "Decrypt the environment's vault file" not in output  # and the vault backend did not
    assert sorted(name for name, value in secrets_now.items() if value in output) == []


def run_postgresql_suite(backend: str) -> None:
    done = subprocess.run(
        [str(BIN / "pytest"), *POSTGRESQL_SUITE, "-q", "-p", "no:cacheprovider", "--hosts=ansible://all",
         f"--ansible-inventory={INVENTORY / 'hosts.yml'}"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    (LOGS / f"postgresql-suite-{backend}.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, f"PostgreSQL suite after the {backend} converge failed; see logs/"


def test_converge_with_pass_backend_is_clean_and_postgresql_suite_passes(
    pass_backend: dict[str, str], secrets_now: dict[str, str]
) -> None:
    output = converge("pass", [], pass_backend)
    assert_converged_cleanly(output, secrets_now, "Read each secret from the password store")
    run_postgresql_suite("pass")


def test_converge_with_aws_backend_is_clean_and_postgresql_suite_passes(
    aws_backend: str, secrets_now: dict[str, str]
) -> None:
    output = converge("aws_secretsmanager", ["-e", f"secrets_aws_endpoint_url={aws_backend}"], AWS_ENV)
    assert_converged_cleanly(output, secrets_now, "Read each secret from AWS Secrets Manager")
    run_postgresql_suite("aws_secretsmanager")

