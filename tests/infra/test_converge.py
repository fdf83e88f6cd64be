"""The converge itself: a second run changes nothing, a -vvv run prints no secret value, the
server log holds none either, and the environment guard refuses mismatched runs."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
from conftest import LOGS, PG_LOG_DIR, REPO, VAULT_PASS

pytestmark = pytest.mark.infra

PLAYBOOK = [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", str(REPO / "inventories" / "local"),
            str(REPO / "playbooks" / "site.yml"), "--vault-id", f"local@{VAULT_PASS}"]


def run_playbook(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PLAYBOOK, *extra], capture_output=True, text=True, cwd=REPO, check=False)


@pytest.fixture(scope="module")
def verbose_converge() -> str:
    """A second converge of the already converged host, at -vvv; the whole output is kept in logs/."""
    done = run_playbook("-e", "env=local", "-vvv")
    output = done.stdout + done.stderr
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "converge-vvv.log").write_text(output)
    assert done.returncode == 0, "converge failed; see tests/infra/logs/converge-vvv.log"
    return output


def test_second_converge_reports_no_change(verbose_converge: str) -> None:
    """Idempotence: the second converge reports changed=0 and failed=0 for every host."""
    recaps = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", verbose_converge, re.M)
    assert recaps
    assert all((changed, unreachable, failed) == ("0", "0", "0") for _h, changed, unreachable, failed in recaps), recaps


def test_verbose_converge_output_contains_no_secret_value(verbose_converge: str, local_secrets: dict[str, str]) -> None:
    """no_log everywhere: not one secret value appears in the -vvv output (names may)."""
    leaked = sorted(name for name, value in local_secrets.items() if value in verbose_converge)
    assert leaked == []
    assert "censored" in verbose_converge  # the secret-bearing tasks ran, hidden


def test_server_log_contains_no_secret_value(host: Any, local_secrets: dict[str, str], verbose_converge: str) -> None:
    """Passwords set by the converge never reach the PostgreSQL log (quiet session options)."""
    log = host.check_output(f"cat {PG_LOG_DIR}/postgresql-15-main-*.log")
    assert log
    leaked = sorted(name for name, value in local_secrets.items() if value in log)
    assert leaked == []


@pytest.mark.parametrize("env_args", [["-e", "env=prod"], ["-e", "env=dev"], []], ids=["prod", "dev", "none"])
def test_play_refuses_when_requested_environment_differs_from_inventory(env_args: list[str]) -> None:
    """Guardrail: -e env must be given and equal the inventory's hardgate_environment (local)."""
    done = run_playbook(*env_args, "--tags", "never-matches-anything-else")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "Environment guard" in output
