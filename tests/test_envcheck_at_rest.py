"""envcheck ENV016: prod keeps MariaDB encryption at rest and encrypted backups on (the MariaDB
engine profile); a copy of the shipped inventories with either switched off in prod is caught at
that line, and as weaker than staging (ENV013); the shipped inventories pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.envcheck import check_inventories
from gate.envcheck.checker import EnvcheckOptions
from gate.findings import Finding, Severity

REPO = Path(__file__).resolve().parents[1]
SWITCHES = ("mariadb_hardening_encryption", "mariadb_hardening_backup")


# `repo` (tests/conftest.py): a copy of the shipped inventories and role defaults to mutate.


def env016(root: Path, folder: str = "inventories", rule_id: str = "ENV016") -> list[Finding]:
    found = check_inventories(root / folder, EnvcheckOptions()).findings
    return [f for f in found if f.rule_id == rule_id]


def switch_off(path: Path, name: str) -> int:
    """Turn `name: true` into false; return its 1-based line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{name}: true"))
    lines[index] = f"{name}: false\n"
    path.write_text("".join(lines), encoding="utf-8")
    return index + 1


@pytest.mark.parametrize("folder", ["inventories", "inventories/lab"])
def test_shipped_inventories_keep_encryption_and_backups_on(repo: Path, folder: str) -> None:
    assert env016(repo, folder) == []


@pytest.mark.parametrize("name", SWITCHES)
def test_prod_switching_off_is_caught_at_its_line_and_as_weaker_than_staging(repo: Path, name: str) -> None:
    rel = "inventories/prod/group_vars/mariadb.yml"
    line = switch_off(repo / rel, name)
    hits = env016(repo)
    assert hits and all(h.location and (h.location.path, h.location.start_line) == (rel, line) for h in hits)
    assert all(h.severity is Severity.HIGH for h in hits)
    assert any(f"prod sets {name} off, weaker than on" in h.message for h in hits)
    # Weaker than staging is the order rule every profile setting shares (ENV013), at the same line.
    weaker = env016(repo, rule_id="ENV013")
    assert [(h.location.path, h.location.start_line) for h in weaker if h.location] == [(rel, line)]
    assert "weaker than in staging" in weaker[0].message


def test_staging_off_too_leaves_only_the_prod_finding(repo: Path) -> None:
    """Staging off as well: prod is not weaker than staging, but prod is still off."""
    switch_off(repo / "inventories/staging/group_vars/mariadb.yml", "mariadb_hardening_backup")
    switch_off(repo / "inventories/prod/group_vars/mariadb.yml", "mariadb_hardening_backup")
    messages = [h.message for h in env016(repo)]
    assert len(messages) == 1 and "prod sets mariadb_hardening_backup off" in messages[0]
    # Staging is now weaker than dev (ENV013 there), but prod is not weaker than staging.
    weaker = env016(repo, rule_id="ENV013")
    assert [dict(h.extra)["environment"] for h in weaker] == ["staging"]


def test_dev_off_is_not_an_env016_finding(repo: Path) -> None:
    switch_off(repo / "inventories/dev/group_vars/mariadb.yml", "mariadb_hardening_encryption")
    assert env016(repo) == []


def test_lab_prod_off_is_caught(repo: Path) -> None:
    line = switch_off(repo / "inventories/lab/prod/group_vars/mariadb.yml", "mariadb_hardening_encryption")
    hits = env016(repo, "inventories/lab")
    assert hits and hits[0].location is not None and hits[0].location.start_line == line
