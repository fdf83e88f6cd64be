"""envcheck: the shipped inventories pass; each mutation of a copy is caught by its own ENV rule,
at the inventory file and line of the offending key."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gate.envcheck import check_inventories
from gate.envcheck.checker import EnvcheckOptions
from gate.envcheck.vault import decrypt, read_password
from gate.findings import Finding, ScanStatus, ScanTarget, Severity
from gate.scanners.base import ScanConfig
from gate.scanners.envcheck import EnvcheckScanner

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HARDGATE = BIN / "hardgate"


def hardgate(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HARDGATE), *args], cwd=cwd, capture_output=True, text=True, timeout=900, env=env or dict(os.environ)
    )


# `repo` (tests/conftest.py): a copy of the shipped inventories and role defaults to mutate.


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> int:
    """Append lines; return the 1-based line number of the first appended line."""
    current = path.read_text(encoding="utf-8")
    if not current.endswith("\n"):
        current += "\n"
    path.write_text(current + text, encoding="utf-8")
    return len(current.splitlines()) + 1


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def findings(root: Path, **options: object) -> list[Finding]:
    return list(check_inventories(root / "inventories", EnvcheckOptions(**options)).findings)  # type: ignore[arg-type]


def only(found: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in found if f.rule_id == rule_id]


def assert_at(found: list[Finding], rule_id: str, path: str, line: int) -> Finding:
    hits = only(found, rule_id)
    assert hits, f"no {rule_id} in {[(f.rule_id, f.message) for f in found]}"
    at = [f for f in hits if f.location and f.location.path == path and f.location.start_line == line]
    assert at, [(f.location, f.message) for f in hits]
    return at[0]


# --- the shipped inventories ---


def test_shipped_inventories_pass_envcheck() -> None:
    done = hardgate("envcheck", "inventories/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "findings: none" in done.stdout


def test_shipped_inventory_copy_has_no_finding(repo: Path) -> None:
    assert findings(repo) == []


# --- one mutation per test, each with its own rule ---


def test_prod_host_listed_in_dev_is_env001(repo: Path) -> None:
    hosts = repo / "inventories" / "dev" / "hosts.yml"
    edit(hosts, "        pg-dev-1:\n", "        pg-prod-1:\n          ansible_host: 203.0.113.10\n        pg-dev-1:\n")
    found = findings(repo)
    hit = assert_at(found, "ENV001", "inventories/dev/hosts.yml", line_of(hosts, "pg-prod-1"))
    assert hit.severity is Severity.CRITICAL
    assert "prod" in hit.message
    # the same machine by address
    assert_at(found, "ENV001", "inventories/dev/hosts.yml", line_of(hosts, "203.0.113.10"))


def test_same_address_under_another_name_is_env001(repo: Path) -> None:
    hosts = repo / "inventories" / "staging" / "hosts.yml"
    edit(hosts, "198.51.100.11", "203.0.113.11")
    assert_at(findings(repo), "ENV001", "inventories/staging/hosts.yml", line_of(hosts, "203.0.113.11"))


def test_shared_vault_id_is_env003(repo: Path) -> None:
    vault = repo / "inventories" / "staging" / "secrets.vault.yml"
    edit(vault, "$ANSIBLE_VAULT;1.2;AES256;staging", "$ANSIBLE_VAULT;1.2;AES256;prod")
    hit = assert_at(findings(repo), "ENV003", "inventories/staging/secrets.vault.yml", 1)
    assert "'prod'" in hit.message


def test_inline_vault_value_with_another_environments_id_is_env003(repo: Path, tmp_path: Path) -> None:
    password = tmp_path / "dev.pass"
    password.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    done = subprocess.run(
        [str(BIN / "ansible-vault"), "encrypt_string", "--vault-id", f"dev@{password}", "--encrypt-vault-id", "dev",
         "--name", "reporting_password", "throwaway-" + secrets.token_hex(8)],
        capture_output=True, text=True, check=True,
    )
    group_vars = repo / "inventories" / "prod" / "group_vars" / "all.yml"
    line = append(group_vars, done.stdout)
    hit = assert_at(findings(repo), "ENV003", "inventories/prod/group_vars/all.yml", line)
    assert "reporting_password" in hit.message and "'dev'" in hit.message


def test_vault_file_in_prod_pointing_at_dev_is_env004(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "all.yml"
    line = append(group_vars, 'secrets_vault_file: "{{ inventory_dir }}/../dev/secrets.vault.yml"\n')
    hit = assert_at(findings(repo), "ENV004", "inventories/prod/group_vars/all.yml", line)
    assert hit.severity is Severity.CRITICAL


def test_dev_secret_path_prefix_in_prod_is_env004(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "all.yml"
    line = append(group_vars, "secrets_path_prefix: hardgate/dev\n")
    hit = assert_at(findings(repo), "ENV004", "inventories/prod/group_vars/all.yml", line)
    assert "hardgate/dev" in hit.message


def test_prod_hba_address_overlapping_dev_network_is_env006(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "postgresql.yml"
    edit(
        group_vars,
        "     + [{'database': 'postgres', 'user': 'postgres', 'address': '127.0.0.1/32'}] }}",
        "     + [{'database': 'postgres', 'user': 'postgres', 'address': '127.0.0.1/32'},\n"
        "        {'database': 'orders', 'user': 'orders_app', 'address': '192.0.2.128/25'}] }}",
    )
    hit = assert_at(findings(repo), "ENV006", "inventories/prod/group_vars/postgresql.yml",
                    line_of(group_vars, "192.0.2.128/25"))
    assert "192.0.2.0/24" in hit.message  # the dev network it overlaps


def test_mariadb_account_host_in_prod_overlapping_staging_is_env006(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "mariadb.yml"
    edit(group_vars, "  - 203.0.113.0/255.255.255.0", "  - 203.0.113.0/255.255.255.0\n  - 198.51.100.%")
    assert_at(findings(repo), "ENV006", "inventories/prod/group_vars/mariadb.yml", line_of(group_vars, "198.51.100.%"))


def test_trust_in_prod_hba_is_env007(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "postgresql.yml"
    edit(group_vars, "'address': '127.0.0.1/32'}]", "'address': '127.0.0.1/32',\n        'method': 'trust'}]")
    hit = assert_at(findings(repo), "ENV007", "inventories/prod/group_vars/postgresql.yml",
                    line_of(group_vars, "'trust'"))
    assert hit.severity is Severity.CRITICAL
    assert hit.cwe == ("CWE-287",)


# (rule, engine, text replaced or None to append, new text, what marks the line): one prod setting
# below its engine profile's minimum each, reported at its own line.
BELOW_MINIMUM = [
    ("ENV008", "mariadb", None, "mariadb_hardening_require_secure_transport: false", "require_secure_transport"),
    ("ENV008", "postgresql", "postgresql_hardening_ssl_min_protocol_version: TLSv1.3",
     "postgresql_hardening_ssl_min_protocol_version: TLSv1.1", "ssl_min_protocol_version"),
    ("ENV008", "postgresql", "postgresql_hardening_ssl_min_protocol_version: TLSv1.3",
     "postgresql_hardening_ssl_min_protocol_version: TLSv1.2", "ssl_min_protocol_version"),
    ("ENV009", "postgresql", 'postgresql_hardening_pgaudit_log: "ddl, write, role, misc_set"',
     'postgresql_hardening_pgaudit_log: "ddl, role"', "pgaudit_log"),
    ("ENV010", "mariadb", None, "mariadb_hardening_sql_mode: [STRICT_TRANS_TABLES, NO_ENGINE_SUBSTITUTION]",
     "mariadb_hardening_sql_mode"),
    ("ENV010", "mariadb", None, "mariadb_hardening_sql_mode: [TRADITIONAL]", "mariadb_hardening_sql_mode"),
    ("ENV011", "postgresql", 'postgresql_hardening_listen_addresses: ["{{ ansible_default_ipv4.address }}"]',
     "postgresql_hardening_listen_addresses: ['*']", "listen_addresses"),
    ("ENV012", "mariadb", "mariadb_hardening_general_log: false", "mariadb_hardening_general_log: true",
     "general_log"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_id", "engine", "old", "new", "marker"),
    BELOW_MINIMUM,
    ids=["ssl-off", "tls-1.1", "tls-1.2", "pgaudit-no-write", "sql-mode", "traditional", "listen-all", "general-log"],
)
def test_prod_setting_below_its_profile_minimum_is_reported_at_its_line(
    repo: Path, rule_id: str, engine: str, old: str | None, new: str, marker: str
) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / f"{engine}.yml"
    if old is None:
        append(group_vars, new + "\n")
    else:
        edit(group_vars, old, new)
    assert_at(findings(repo), rule_id, f"inventories/prod/group_vars/{engine}.yml", line_of(group_vars, marker))


def test_looser_sql_mode_in_prod_than_staging_is_env013(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "mariadb.yml"
    line = append(group_vars, "mariadb_hardening_sql_mode: [STRICT_ALL_TABLES, NO_ENGINE_SUBSTITUTION]\n")
    found = findings(repo)
    hit = assert_at(found, "ENV013", "inventories/prod/group_vars/mariadb.yml", line)
    assert "NO_ZERO_DATE" in hit.message
    assert only(found, "ENV010") == []  # still strict: only the monotonic check catches it


def test_looser_tls_minimum_in_staging_than_dev_is_env013(repo: Path) -> None:
    dev = repo / "inventories" / "dev" / "group_vars" / "postgresql.yml"
    edit(dev, "ssl_min_protocol_version: TLSv1.2", "ssl_min_protocol_version: TLSv1.3")
    staging = repo / "inventories" / "staging" / "group_vars" / "postgresql.yml"
    edit(staging, "postgresql_hardening_ssl_min_protocol_version: TLSv1.3",
         "postgresql_hardening_ssl_min_protocol_version: TLSv1.2")
    hit = assert_at(findings(repo), "ENV013", "inventories/staging/group_vars/postgresql.yml",
                    line_of(staging, "ssl_min_protocol_version"))
    assert hit.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("setting", "cis"),
    [
        ("postgresql_hardening_data_checksums: false", "1.4.3"),
        ("postgresql_hardening_pgbackrest: false", "7.4/8.2"),
        ("postgresql_hardening_hba_named_only: false", "5.x"),
        ("postgresql_hardening_log_statement: none", "3.1.25"),
        ("postgresql_hardening_unix_socket_permissions: '0777'", "2.6"),
    ],
)
def test_cis_postgresql_control_off_in_prod_is_env015(repo: Path, setting: str, cis: str) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "postgresql.yml"
    line = append(group_vars, setting + "\n")
    hit = assert_at(findings(repo), "ENV015", "inventories/prod/group_vars/postgresql.yml", line)
    assert f"CIS {cis}" in hit.message
    assert hit.severity is Severity.HIGH


def test_cis_postgresql_control_off_outside_prod_is_no_finding(repo: Path) -> None:
    group_vars = repo / "inventories" / "dev" / "group_vars" / "postgresql.yml"
    append(group_vars, "postgresql_hardening_data_checksums: false\npostgresql_hardening_log_statement: none\n")
    assert only(findings(repo), "ENV015") == []


def test_cis_postgresql_weaker_in_prod_than_staging_is_env013(repo: Path) -> None:
    staging = repo / "inventories" / "staging" / "group_vars" / "postgresql.yml"
    append(staging, "postgresql_hardening_log_statement: mod\n")
    prod = repo / "inventories" / "prod" / "group_vars" / "postgresql.yml"
    line = append(prod, "postgresql_hardening_log_statement: ddl\n")
    found = findings(repo)
    hit = assert_at(found, "ENV013", "inventories/prod/group_vars/postgresql.yml", line)
    assert "CIS 3.1.25" in hit.message and "weaker than in staging" in hit.message
    assert only(found, "ENV015") == []  # ddl is still prod's minimum


def test_looser_gate_policy_in_prod_is_env014(repo: Path) -> None:
    policy = repo / "hardgate-policy.yml"
    policy.write_text("version: 1\nenvironments:\n  staging:\n    block_on: low\n  prod:\n    block_on: critical\n",
                      encoding="utf-8")
    assert_at(findings(repo), "ENV014", "hardgate-policy.yml", 6)


def test_environment_declared_for_another_folder_is_env002(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "all.yml"
    edit(group_vars, "hardgate_environment: prod", "hardgate_environment: staging")
    line = line_of(group_vars, "hardgate_environment")
    assert_at(findings(repo), "ENV002", "inventories/prod/group_vars/all.yml", line)


def test_inventory_without_environment_declaration_is_env002(repo: Path) -> None:
    group_vars = repo / "inventories" / "dev" / "group_vars" / "all.yml"
    edit(group_vars, "hardgate_environment: dev\n", "")
    assert_at(findings(repo), "ENV002", "inventories/dev/hosts.yml", 1)


# --- secret values (ENV005): throwaway vault passwords, values never shown ---


def encrypt_vault(path: Path, env: str, password_file: Path, values: dict[str, str]) -> None:
    plain = yaml.safe_dump({"hardgate_vault_secrets": values})
    done = subprocess.run(
        [str(BIN / "ansible-vault"), "encrypt", "--vault-id", f"{env}@{password_file}", "--encrypt-vault-id", env,
         "--output", str(path)],
        input=plain, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def vaults(repo: Path, tmp_path: Path) -> dict[str, Path]:
    """Throwaway vault passwords and freshly encrypted staging/prod secrets in the copy."""
    passwords = {}
    for env in ("staging", "prod"):
        password_file = tmp_path / f"{env}.pass"
        password_file.write_text(secrets.token_urlsafe(24) + "\n", encoding="utf-8")
        passwords[env] = password_file
    return passwords


def test_same_password_in_staging_and_prod_is_env005_and_never_printed(repo: Path, vaults: dict[str, Path]) -> None:
    shared = "Shared-" + secrets.token_hex(12)
    encrypt_vault(repo / "inventories/staging/secrets.vault.yml", "staging", vaults["staging"],
                  {"orders_app": shared, "orders_migrator": secrets.token_hex(16)})
    encrypt_vault(repo / "inventories/prod/secrets.vault.yml", "prod", vaults["prod"],
                  {"orders_app": shared, "orders_migrator": secrets.token_hex(16)})
    args = [f"--vault-password-file={env}={path}" for env, path in vaults.items()]
    done = hardgate("envcheck", str(repo / "inventories"), "--format", "json", *args)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    hits = [f for f in report["findings"] if f["rule_id"] == "ENV005"]
    assert len(hits) == 1
    assert hits[0]["location"]["path"] == "inventories/prod/secrets.vault.yml"
    assert "orders_app" in hits[0]["message"]
    assert shared not in done.stdout + done.stderr


def test_distinct_passwords_across_environments_give_no_env005(repo: Path, vaults: dict[str, Path]) -> None:
    for env in ("staging", "prod"):
        encrypt_vault(repo / f"inventories/{env}/secrets.vault.yml", env, vaults[env],
                      {"orders_app": secrets.token_hex(16)})
    assert only(findings(repo, vault_password_files=vaults), "ENV005") == []


def test_wrong_vault_password_is_a_one_line_config_error_naming_the_file(repo: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.pass"
    wrong.write_text("not-the-password\n", encoding="utf-8")
    done = hardgate("envcheck", str(repo / "inventories"), f"--vault-password-file=prod={wrong}")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "hardgate: error: inventories/prod/secrets.vault.yml: vault file: the vault password given for 'prod' "
        "does not open it (wrong vault password)"
    ]


def test_inprocess_vault_decryption_matches_ansible_vault(tmp_path: Path) -> None:
    password = tmp_path / "p"
    password.write_text("throwaway-" + secrets.token_hex(8), encoding="utf-8")
    target = tmp_path / "v.yml"
    encrypt_vault(target, "dev", password, {"k": "value-1"})
    plain = decrypt(target.read_text(encoding="utf-8"), read_password(password.read_text(encoding="utf-8")))
    assert yaml.safe_load(plain) == {"hardgate_vault_secrets": {"k": "value-1"}}


# --- malformed inventories: one-line error naming the file and key, exit 2 ---


@pytest.mark.parametrize(
    ("relative", "content", "expected"),
    [
        ("prod/group_vars/all.yml", "- just\n- a list\n",
         "inventories/prod/group_vars/all.yml: (top level): expected a mapping"),
        ("dev/hosts.yml", "all:\n  children:\n    postgresql:\n      hosts: [a, b]\n",
         "inventories/dev/hosts.yml: all.children.postgresql.hosts: expected a mapping"),
        ("staging/group_vars/all.yml", "hardgate_environment: [staging]\n",
         "inventories/staging/group_vars/all.yml: hardgate_environment: expected an environment name"),
        ("prod/group_vars/mariadb.yml", "a: [unclosed\n", "inventories/prod/group_vars/mariadb.yml: not valid YAML"),
    ],
    ids=["vars-not-mapping", "hosts-not-mapping", "environment-not-string", "bad-yaml"],
)
def test_malformed_inventory_is_a_one_line_error_naming_file_and_key(
    repo: Path, relative: str, content: str, expected: str
) -> None:
    (repo / "inventories" / relative).write_text(content, encoding="utf-8")
    done = hardgate("envcheck", str(repo / "inventories"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr


# --- the scanner inside `hardgate scan` ---


def test_envcheck_scanner_is_skipped_without_inventories(tmp_path: Path) -> None:
    target = ScanTarget(root=tmp_path, files=(), python_files=(), manifests=())
    result = EnvcheckScanner().run(target, ScanConfig(rules_dir=tmp_path))
    assert result.status is ScanStatus.SKIPPED


def test_envcheck_scanner_fails_closed_on_a_malformed_inventory(repo: Path) -> None:
    (repo / "inventories" / "prod" / "group_vars" / "all.yml").write_text("- x\n", encoding="utf-8")
    target = ScanTarget(root=repo, files=(), python_files=(), manifests=())
    result = EnvcheckScanner().run(target, ScanConfig(rules_dir=repo))
    assert result.status is ScanStatus.FAILED
    assert "inventories/prod/group_vars/all.yml" in result.reason


@pytest.mark.slow
def test_scan_of_repository_copy_with_trust_in_prod_blocks_and_sarif_shows_file_and_line(repo: Path) -> None:
    group_vars = repo / "inventories" / "prod" / "group_vars" / "postgresql.yml"
    edit(group_vars, "'address': '127.0.0.1/32'}]", "'address': '127.0.0.1/32',\n        'method': 'trust'}]")
    line = line_of(group_vars, "'trust'")
    done = hardgate("scan", str(repo), "--env", "prod", "--format", "sarif", "--no-cache")
    assert done.returncode == 1, done.stderr
    sarif = json.loads(done.stdout)
    results = [r for run in sarif["runs"] for r in run["results"] if r["ruleId"] == "ENV007"]
    assert results, done.stdout[:2000]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "inventories/prod/group_vars/postgresql.yml"
    assert location["region"]["startLine"] == line


def test_nested_set_of_inventories_is_checked_on_its_own(repo: Path) -> None:
    """inventories/lab/{dev,staging,prod} is a set of its own: its prod is checked against its own
    dev (ENV006 on an overlap inside the set), never against the top-level dev."""
    assert not findings(repo)
    lab_prod = repo / "inventories" / "lab" / "prod" / "group_vars" / "all.yml"
    edit(lab_prod, "  - 198.18.0.48/28", "  - 198.18.0.48/28\n  - 198.18.0.16/28")
    found = only(findings(repo), "ENV006")
    assert found and all(f.location and f.location.path.startswith("inventories/lab/") for f in found)

