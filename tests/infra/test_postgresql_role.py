"""postgresql_hardening refuses to turn a CIS control off in prod (its engine profile, asserted by
roles/db_contract), before touching a host.

Each case runs the role's real assert.yml guardrails in a throwaway playbook against localhost;
nothing is installed or changed. The same settings outside prod pass (the control is skippable there).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import run_on_localhost

pytestmark = pytest.mark.infra

CIS_OFF = [
    ({"postgresql_hardening_data_checksums": False}, "data page checksums"),
    ({"postgresql_hardening_log_truncate_on_rotation": False}, "log_truncate_on_rotation"),
    ({"postgresql_hardening_log_error_verbosity": "default"}, "log_error_verbosity"),
    ({"postgresql_hardening_log_statement": "none"}, "log_statement"),
    ({"postgresql_hardening_log_replication_commands": False}, "log_replication_commands"),
    ({"postgresql_hardening_set_user": False}, "set_user"),
    ({"postgresql_hardening_revoke_public_schema": False}, "public schema revoked"),
    ({"postgresql_hardening_connection_limits": False}, "per-role connection limits"),
    ({"postgresql_hardening_hba_named_only": False}, "named-only pg_hba lines"),
    ({"postgresql_hardening_pgbackrest": False}, "pgBackRest"),
]


def run_guardrails(tmp_path: Path, extra_vars: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return run_on_localhost(
        tmp_path, "postgresql_hardening", ["assert.yml"], {"hardgate_environment": "prod"} | extra_vars
    )


def test_prod_guardrails_pass_with_the_defaults(tmp_path: Path) -> None:
    done = run_guardrails(tmp_path, {})
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize(("override", "named"), CIS_OFF, ids=[next(iter(o)).split("_", 2)[2] for o, _ in CIS_OFF])
def test_prod_refuses_turning_a_cis_control_off(tmp_path: Path, override: dict[str, Any], named: str) -> None:
    done = run_guardrails(tmp_path, override)
    assert done.returncode != 0
    assert "prod refuses (PostgreSQL): CIS" in done.stdout
    assert named in done.stdout


def test_dev_may_skip_checksums_and_pgbackrest(tmp_path: Path) -> None:
    done = run_guardrails(
        tmp_path,
        {
            "hardgate_environment": "dev",
            "postgresql_hardening_data_checksums": False,
            "postgresql_hardening_pgbackrest": False,
        },
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_hba_entry_naming_all_databases_is_refused(tmp_path: Path) -> None:
    entry = {"database": "all", "user": "postgres", "address": "127.0.0.1/32"}
    done = run_guardrails(tmp_path, {"hardgate_environment": "dev", "postgresql_hardening_hba_entries": [entry]})
    assert done.returncode != 0
    assert "must name their databases and users" in done.stdout


def test_role_without_connection_limit_is_refused(tmp_path: Path) -> None:
    user = {"name": "orders_app", "password_secret": "orders_app", "connection_limit": -1}
    done = run_guardrails(tmp_path, {"hardgate_environment": "dev", "postgresql_hardening_users": [user]})
    assert done.returncode != 0
    assert "CIS 5.5" in done.stdout
