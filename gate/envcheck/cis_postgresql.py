"""ENV015: prod keeps every CIS PostgreSQL control of roles/postgresql_hardening on, and no control
is weaker in prod than in staging (docs/controls.md, issue 19).

The role's defaults turn each control on and its assert refuses turning one off in prod; this rule
catches the inventory before a converge ever runs. A control an inventory does not set is on (the
role's default), so only explicit settings are reported.
"""

from __future__ import annotations

from typing import Any

from gate.envcheck.context import Context, as_bool
from gate.envcheck.model import Inventory, Setting
from gate.envcheck.render import UNRESOLVED
from gate.envcheck.rules import finding
from gate.findings import Finding

#: boolean switches: variable -> (CIS id, what turning it off loses)
SWITCHES: dict[str, tuple[str, str]] = {
    "postgresql_hardening_data_checksums": ("1.4.3", "data page checksums"),
    "postgresql_hardening_log_truncate_on_rotation": ("3.1.7", "log_truncate_on_rotation"),
    "postgresql_hardening_log_replication_commands": ("7.2", "logging of replication commands"),
    "postgresql_hardening_set_user": ("4.8", "the set_user extension"),
    "postgresql_hardening_revoke_public_schema": ("4.10", "the public schema revoke from PUBLIC"),
    "postgresql_hardening_connection_limits": ("5.5", "per-role connection limits"),
    "postgresql_hardening_hba_named_only": ("5.x", "named-only pg_hba lines"),
    "postgresql_hardening_pgbackrest": ("7.4/8.2", "WAL archiving and encrypted backups (pgBackRest)"),
}
#: ranked settings: variable -> (CIS id, ranks from loosest to strictest, the minimum prod accepts)
RANKED: dict[str, tuple[str, tuple[str, ...], str]] = {
    "postgresql_hardening_log_error_verbosity": ("3.1.22", ("terse", "default", "verbose"), "verbose"),
    "postgresql_hardening_log_statement": ("3.1.25", ("none", "ddl", "mod", "all"), "ddl"),
    "postgresql_hardening_unix_socket_permissions": ("2.6", ("0777", "0770", "0700"), "0770"),
    "postgresql_hardening_postgres_umask": ("2.1", ("0022", "0027", "0077"), "0077"),
}


def _rank(name: str, value: Any) -> int:
    """Rank of a value (higher = stricter); booleans rank off 0, on 1; an unknown value ranks loosest."""
    if name in SWITCHES:
        return 1 if as_bool(value) is not False else 0
    ranks = RANKED[name][1]
    text = str(value).strip().lower()
    text = "0" + text if len(text) == 3 and text.isdigit() else text
    return ranks.index(text) if text in ranks else -1


def _settings(ctx: Context, inventory: Inventory) -> dict[str, tuple[Any, Setting]]:
    """The loosest explicit value of each control over the inventory's PostgreSQL hosts."""
    loosest: dict[str, tuple[Any, Setting]] = {}
    for host in inventory.hosts_in("postgresql"):
        resolver = ctx.resolver(inventory, host)
        for name in (*SWITCHES, *RANKED):
            if name not in resolver.settings or (value := resolver.get(name)) is UNRESOLVED:
                continue
            if name not in loosest or _rank(name, value) < _rank(name, loosest[name][0]):
                loosest[name] = (value, resolver.settings[name])
    return loosest


def _cis(name: str) -> str:
    return SWITCHES[name][0] if name in SWITCHES else RANKED[name][0]


def _prod_off(prod: dict[str, tuple[Any, Setting]]) -> tuple[list[Finding], set[str]]:
    findings, names = [], set()
    for name, (value, setting) in sorted(prod.items()):
        if name in SWITCHES and _rank(name, value) == 0:
            message = f"prod sets {name}: {value!r}: CIS {_cis(name)} ({SWITCHES[name][1]}) is off"
        elif name in RANKED and _rank(name, value) < RANKED[name][1].index(RANKED[name][2]):
            message = f"prod sets {name}: {value!r}: CIS {_cis(name)} wants {RANKED[name][2]} at least"
        else:
            continue
        findings.append(finding("ENV015", message, setting.origin, "prod"))
        names.add(name)
    return findings, names


def _weaker_than_staging(
    staging: dict[str, tuple[Any, Setting]], prod: dict[str, tuple[Any, Setting]], reported: set[str]
) -> list[Finding]:
    findings = []
    for name, (value, setting) in sorted(prod.items()):
        if name in reported or name not in staging:
            continue
        before, before_setting = staging[name]
        if _rank(name, value) < _rank(name, before):
            findings.append(
                finding(
                    "ENV015",
                    f"prod's {name} ({value!r}) is weaker than staging's ({before!r} at "
                    f"{before_setting.origin}): CIS {_cis(name)}",
                    setting.origin,
                    "prod",
                )
            )
    return findings


def check(ctx: Context) -> list[Finding]:
    by_name = ctx.by_name()
    prod = by_name.get("prod")
    if prod is None:
        return []
    prod_values = _settings(ctx, prod)
    findings, reported = _prod_off(prod_values)
    staging = by_name.get("staging")
    if staging is not None:
        findings.extend(_weaker_than_staging(_settings(ctx, staging), prod_values, reported))
    return findings
