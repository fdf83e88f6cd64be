"""ENV017 (gate/envcheck/monitoring.py): prod keeps bans, alerts and sensitive-table auditing on,
and its brute-force thresholds are never looser than staging's. One mutation of the shipped
inventories per test, as in tests/test_envcheck.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_envcheck import append, assert_at, findings, only

PROD_ALL = Path("inventories/prod/group_vars/all.yml")
STAGING_ALL = Path("inventories/staging/group_vars/all.yml")


@pytest.mark.parametrize(
    "switch", ["db_monitoring_fail2ban_enabled", "db_monitoring_alerts_enabled", "db_monitoring_error_burst_enabled"]
)
def test_monitoring_switch_off_in_prod_is_env017(repo: Path, switch: str) -> None:
    line = append(repo / PROD_ALL, f"{switch}: false\n")
    found = assert_at(findings(repo), "ENV017", str(PROD_ALL), line)
    assert switch in found.message


def test_the_same_switch_off_in_staging_is_no_finding(repo: Path) -> None:
    append(repo / STAGING_ALL, "db_monitoring_fail2ban_enabled: false\n")
    assert only(findings(repo), "ENV017") == []


def test_prod_without_sensitive_tables_is_env017(repo: Path) -> None:
    line = append(repo / PROD_ALL, "db_monitoring_sensitive_tables: []\n")
    found = assert_at(findings(repo), "ENV017", str(PROD_ALL), line)
    assert "sensitive" in found.message


def test_prod_banning_later_than_staging_is_env017(repo: Path) -> None:
    append(repo / STAGING_ALL, "db_monitoring_thresholds: {maxretry: 5, findtime: 600, bantime: 3600}\n")
    line = append(repo / PROD_ALL, "db_monitoring_thresholds: {maxretry: 20, findtime: 600, bantime: 3600}\n")
    found = assert_at(findings(repo), "ENV017", str(PROD_ALL), line)
    assert "maxretry 20" in found.message and "staging's 5" in found.message


def test_prod_at_least_as_strict_as_staging_is_no_finding(repo: Path) -> None:
    append(repo / STAGING_ALL, "db_monitoring_thresholds: {maxretry: 10, findtime: 600, bantime: 1800}\n")
    append(repo / PROD_ALL, "db_monitoring_thresholds: {maxretry: 5, findtime: 900, bantime: 3600}\n")
    assert only(findings(repo), "ENV017") == []
