"""mariadb_hardening refuses unsafe input before touching a host.

Each case runs the real role (its argument spec, or its assert.yml and assert_accounts.yml guardrails) in a throwaway
playbook against localhost with ansible-playbook; nothing is installed or changed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.infra

REPO = Path(__file__).resolve().parents[2]

GUARDRAILS_PLAY = """
- name: Run the mariadb_hardening guardrails only
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Guardrails
      ansible.builtin.include_role:
        name: mariadb_hardening
        tasks_from: assert.yml
    - name: Account guardrails (they need hardgate_secrets, given here as an extra var)
      ansible.builtin.include_role:
        name: mariadb_hardening
        tasks_from: assert_accounts.yml
"""

FULL_ROLE_PLAY = """
- name: Enter the mariadb_hardening role (argument spec validation runs first)
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Role
      ansible.builtin.include_role:
        name: mariadb_hardening
"""


def run_play(tmp_path: Path, play: str, extra_vars: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "play.yml"
    playbook.write_text(play)
    varfile = tmp_path / "vars.json"
    varfile.write_text(json.dumps(extra_vars))
    env = os.environ | {
        "ANSIBLE_CONFIG": str(REPO / "playbooks" / "ansible.cfg"),
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
    }
    return subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(playbook), "-e", f"@{varfile}"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


BASE = {"hardgate_environment": "prod", "hardgate_secrets": {"mysql_orders_app": "x"}}
APP_USER = {"name": "orders_app", "password_secret": "mysql_orders_app", "priv": "orders.*:SELECT"}


def test_prod_guardrails_pass_with_the_defaults(tmp_path: Path) -> None:
    done = run_play(tmp_path, GUARDRAILS_PLAY, BASE | {"mariadb_hardening_users": [APP_USER]})
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"mariadb_hardening_sql_mode": ["STRICT_TRANS_TABLES", "NO_ZERO_DATE"]},
            "must contain STRICT_ALL_TABLES in prod",
        ),
        ({"mariadb_hardening_sql_mode": ["NO_ENGINE_SUBSTITUTION"]}, "must contain STRICT_ALL_TABLES in prod"),
        ({"mariadb_hardening_require_secure_transport": False}, "prod refuses"),
        ({"mariadb_hardening_local_infile": True}, "prod refuses"),
        ({"mariadb_hardening_general_log": True}, "prod refuses"),
        ({"mariadb_hardening_audit_events": ["CONNECT", "QUERY_DDL"]}, "must include CONNECT, QUERY_DDL and QUERY_DCL"),
    ],
)
def test_prod_refuses_an_insecure_setting(tmp_path: Path, override: dict[str, Any], message: str) -> None:
    done = run_play(tmp_path, GUARDRAILS_PLAY, BASE | {"mariadb_hardening_users": [APP_USER]} | override)
    assert done.returncode != 0
    assert message in done.stdout


def test_dev_may_switch_on_the_general_log_but_staging_may_not(tmp_path: Path) -> None:
    dev = run_play(
        tmp_path, GUARDRAILS_PLAY, BASE | {"hardgate_environment": "dev", "mariadb_hardening_general_log": True}
    )
    assert dev.returncode == 0, dev.stdout[-3000:]
    staging = run_play(
        tmp_path, GUARDRAILS_PLAY, BASE | {"hardgate_environment": "staging", "mariadb_hardening_general_log": True}
    )
    assert staging.returncode != 0
    assert "may only be true in dev or local" in staging.stdout


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
    done = run_play(tmp_path, GUARDRAILS_PLAY, BASE | {"mariadb_hardening_users": [user]})
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
    done = run_play(tmp_path, FULL_ROLE_PLAY, BASE | override)
    assert done.returncode != 0
    assert "argument spec validation" in done.stdout.lower() or "Validating arguments" in done.stdout
    assert option in done.stdout
    # Nothing past validation ran: the install task never started.
    assert "Install MariaDB server" not in done.stdout
