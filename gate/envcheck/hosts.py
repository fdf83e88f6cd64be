"""ENV001: every host, by name and by address, belongs to exactly one environment."""

from __future__ import annotations

import ipaddress

from gate.envcheck.context import Context, shared_across_environments
from gate.envcheck.model import Origin
from gate.envcheck.render import UNRESOLVED
from gate.envcheck.rules import finding
from gate.findings import Finding


def _address(value: object) -> str | None:
    if value is UNRESOLVED or not isinstance(value, str) or not value.strip():
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return value.strip().lower()  # a DNS name is an address too


def check(ctx: Context) -> list[Finding]:
    seen: dict[tuple[str, str], list[tuple[str, str, Origin]]] = {}
    for inventory in ctx.inventories:
        for host in inventory.hosts:
            seen.setdefault(("name", host.name.lower()), []).append((inventory.name, host.name, host.origin))
            resolver = ctx.resolver(inventory, host)
            address = _address(resolver.get("ansible_host", None))
            if address is not None:
                setting = resolver.settings["ansible_host"]
                seen.setdefault(("address", address), []).append((inventory.name, host.name, setting.origin))
    findings: list[Finding] = []
    for (kind, key), places, owner, environments in shared_across_environments(dict(sorted(seen.items()))):
        where = ", ".join(f"{env} ({name} at {origin})" for env, name, origin in places)
        for env, _name, origin in places:
            if env == owner:
                continue
            findings.append(
                finding(
                    "ENV001",
                    f"host {kind} {key!r} appears in more than one environment: {where}; "
                    f"a host belongs to exactly one environment",
                    origin,
                    "prod" if "prod" in environments else env,
                )
            )
    return findings
