"""ENV016: prod keeps MariaDB encryption at rest and encrypted backups on, and neither is off in prod
while staging has it on (docs/mariadb.md, issue 15).

The role's defaults turn both on and its assert refuses turning one off in prod; this rule catches
the inventory before a converge runs. A switch an inventory does not set is on (the role default).
"""

from __future__ import annotations

from gate.envcheck.context import Context, as_bool
from gate.envcheck.model import Inventory, Setting
from gate.envcheck.rules import finding
from gate.findings import Finding

#: variable -> what turning it off loses
SWITCHES: dict[str, str] = {
    "mariadb_hardening_encryption": "data-at-rest encryption (InnoDB, redo log, temporary files, binlog, Aria)",
    "mariadb_hardening_backup": "encrypted backups (mariadb-backup | age)",
}


def _off(ctx: Context, inventory: Inventory, name: str) -> list[Setting]:
    """The settings of `name` that resolve to off on some MariaDB host of the inventory."""
    return [setting for value, setting, _ in ctx.values(inventory, name, "mariadb") if as_bool(value) is False]


def check(ctx: Context) -> list[Finding]:
    by_name = ctx.by_name()
    prod, staging = by_name.get("prod"), by_name.get("staging")
    if prod is None:
        return []
    findings: list[Finding] = []
    for name, loses in SWITCHES.items():
        off = _off(ctx, prod, name)
        findings.extend(
            finding("ENV016", f"prod sets {name} off: MariaDB loses {loses}", setting.origin, "prod") for setting in off
        )
        if off and staging is not None and staging.hosts_in("mariadb") and not _off(ctx, staging, name):
            findings.append(
                finding("ENV016", f"prod's {name} is off while staging keeps it on: prod is weaker than staging",
                        off[0].origin, "prod")
            )  # fmt: skip
    return findings
