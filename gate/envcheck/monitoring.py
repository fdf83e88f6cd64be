"""ENV017: prod keeps attack monitoring on (roles/db_monitoring, docs/monitoring.md), and its
brute-force thresholds are never looser than staging's.

The role's defaults turn every switch on and its assert refuses turning one off in prod; this rule
catches the inventory before a converge runs. Only explicit settings are compared: a threshold an
inventory does not set is the role's per-environment default, which is already strictest in prod.
"""

from __future__ import annotations

from typing import Any

from gate.envcheck.context import Context, as_bool
from gate.envcheck.model import Inventory, Setting
from gate.envcheck.render import UNRESOLVED
from gate.envcheck.rules import finding
from gate.findings import Finding

SWITCHES: dict[str, str] = {
    "db_monitoring_fail2ban_enabled": "brute-force bans (fail2ban)",
    "db_monitoring_alerts_enabled": "alert events",
    "db_monitoring_error_burst_enabled": "alerts on bursts of errors from application roles",
}
SENSITIVE = "db_monitoring_sensitive_tables"
THRESHOLDS = "db_monitoring_thresholds"
#: threshold key -> whether a larger value is stricter
THRESHOLD_ORDER = {"maxretry": False, "findtime": True, "bantime": True}


def _explicit(ctx: Context, inventory: Inventory, name: str) -> list[tuple[Any, Setting]]:
    found = []
    for host in inventory.hosts:
        resolver = ctx.resolver(inventory, host)
        if name in resolver.settings and (value := resolver.get(name)) is not UNRESOLVED:
            found.append((value, resolver.settings[name]))
    return found


def _prod_off(ctx: Context, prod: Inventory) -> list[Finding]:
    findings = []
    for name, what in SWITCHES.items():
        for value, setting in _explicit(ctx, prod, name):
            if as_bool(value) is False:
                findings.append(finding("ENV017", f"prod sets {name}: {value!r}: {what} off", setting.origin, "prod"))
                break
    for value, setting in _explicit(ctx, prod, SENSITIVE):
        if not isinstance(value, list) or not value:
            findings.append(
                finding(
                    "ENV017",
                    f"prod lists no sensitive table ({SENSITIVE}): reads of customer data leave no object-audit line",
                    setting.origin,
                    "prod",
                )
            )
            break
    return findings


def _loosest(ctx: Context, inventory: Inventory) -> dict[str, tuple[int, Setting]]:
    loosest: dict[str, tuple[int, Setting]] = {}
    for value, setting in _explicit(ctx, inventory, THRESHOLDS):
        if not isinstance(value, dict):
            continue
        for key, larger_is_stricter in THRESHOLD_ORDER.items():
            try:
                number = int(value[key])
            except (KeyError, TypeError, ValueError):
                continue
            known = loosest.get(key)
            if known is None or (number < known[0] if larger_is_stricter else number > known[0]):
                loosest[key] = (number, setting)
    return loosest


def check(ctx: Context) -> list[Finding]:
    inventories = ctx.by_name()
    prod = inventories.get("prod")
    if prod is None:
        return []
    findings = _prod_off(ctx, prod)
    staging = inventories.get("staging")
    if staging is None:
        return findings
    before, after = _loosest(ctx, staging), _loosest(ctx, prod)
    for key, larger_is_stricter in THRESHOLD_ORDER.items():
        if key not in before or key not in after:
            continue
        (theirs, _), (ours, setting) = before[key], after[key]
        if (ours < theirs) if larger_is_stricter else (ours > theirs):
            findings.append(
                finding(
                    "ENV017",
                    f"prod's fail2ban {key} {ours} is looser than staging's {theirs}: brute force "
                    "is banned later or for less time in prod",
                    setting.origin,
                    "prod",
                )
            )
    return findings
