"""mariadb_hardening refuses unsafe input before touching a host.

Each case runs the real role (its argument spec, or its assert.yml and assert_accounts.yml
guardrails) in a throwaway playbook against localhost with ansible-playbook; nothing is installed
or changed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import run_on_localhost

pytestmark = pytest.mark.infra

# Its guardrails: assert.yml, then the account checks (they need hardgate_secrets, given as an extra var).
GUARDRAILS = ["assert.yml", "assert_accounts.yml"]
FULL_ROLE = [None]  # the whole role: argument spec validation runs first


def run_play(
    tmp_path: Path, task_files: list[str | None], extra_vars: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    return run_on_localhost(tmp_path, "mariadb_hardening", task_files, extra_vars)


BASE = {"hardgate_environment": "prod", "hardgate_secrets": {"mysql_orders_app": "x"}}
APP_USER = {"name": "orders_app", "password_secret": "mysql_orders_app", "priv": "orders.*:SELECT"}


def test_prod_guardrails_pass_with_the_defaults(tmp_path: Path) -> None:
    done = run_play(tmp_path, GUARDRAILS, BASE | {"mariadb_hardening_users": [APP_USER]})
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"mariadb_hardening_sql_mode": ["STRICT_TRANS_TABLES", "NO_ZERO_DATE"]},
            "sql_mode: misses STRICT_ALL_TABLES",
        ),
        ({"mariadb_hardening_sql_mode": ["NO_ENGINE_SUBSTITUTION"]}, "sql_mode: misses STRICT_ALL_TABLES"),
        ({"mariadb_hardening_require_secure_transport": False}, "prod refuses"),
        ({"mariadb_hardening_local_infile": True}, "prod refuses"),
        ({"mariadb_hardening_general_log": True}, "prod refuses"),
        ({"mariadb_hardening_audit_events": ["CONNECT", "QUERY_DDL"]}, "misses QUERY_DCL"),
        ({"mariadb_hardening_bind_address": "0.0.0.0"}, "bind_address: 0.0.0.0 is not allowed"),
    ],
)
def test_prod_refuses_an_insecure_setting(tmp_path: Path, override: dict[str, Any], message: str) -> None:
    done = run_play(tmp_path, GUARDRAILS, BASE | {"mariadb_hardening_users": [APP_USER]} | override)
    assert done.returncode != 0
    assert message in done.stdout


def test_dev_may_switch_on_the_general_log_but_staging_may_not(tmp_path: Path) -> None:
    dev = run_play(tmp_path, GUARDRAILS, BASE | {"hardgate_environment": "dev", "mariadb_hardening_general_log": True})
    assert dev.returncode == 0, dev.stdout[-3000:]
    staging = run_play(
        tmp_path, GUARDRAILS, BASE | {"hardgate_environment": "staging", "mariadb_hardening_general_log": True}
    )
    assert staging.returncode != 0
    assert "staging refuses (MariaDB): general query log" in staging.stdout


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        (APP_USER | {"hosts": ["%"]}, "no % or _"),
        (APP_USER | {"hosts": ["10.0.0.%"]}, "no % or _"),
        (APP_USER | {"priv": "orders.*:SELECT,GRANT"}, "GRANT OPTION or ALL"),
        (APP_USER | {"priv": "*.*:ALL"}, "GRANT OPTION or ALL"),
        (APP_USER | {"password_secret": "not_resolved"}, "password_secret naming a secret"),
        ({"name": "orders_app", "priv": "orders.*:SELECT"}, "password_secret naming a secret"),
    ],
)
def test_role_refuses_an_unsafe_account(tmp_path: Path, user: dict[str, Any], reason: str) -> None:
    done = run_play(tmp_path, GUARDRAILS, BASE | {"mariadb_hardening_users": [user]})
    assert done.returncode != 0
    assert reason in done.stdout


@pytest.mark.parametrize(
    ("override", "option"),
    [
        ({"hardgate_environment": "qa"}, "mariadb_hardening_environment"),
        ({"mariadb_hardening_tls_versions": ["TLSv1.1", "TLSv1.2"]}, "mariadb_hardening_tls_versions"),
        ({"mariadb_hardening_sql_mode": ["STRICT_ALL_TABLES", "NO_SUCH_MODE"]}, "mariadb_hardening_sql_mode"),
        ({"mariadb_hardening_port": "not-a-port"}, "mariadb_hardening_port"),
        ({"mariadb_hardening_audit_events": ["CONNECT", "EVERYTHING"]}, "mariadb_hardening_audit_events"),
    ],
)
def test_argument_spec_rejects_bad_input(tmp_path: Path, override: dict[str, Any], option: str) -> None:
    done = run_play(tmp_path, FULL_ROLE, BASE | override)
    assert done.returncode != 0
    assert "argument spec validation" in done.stdout.lower() or "Validating arguments" in done.stdout
    assert option in done.stdout
    # Nothing past validation ran: the install task never started.
    assert "Install MariaDB server" not in done.stdout
