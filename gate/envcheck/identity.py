"""ENV002: each inventory declares its environment (hardgate_environment) and it matches its folder."""

from __future__ import annotations

from gate.envcheck.context import Context
from gate.envcheck.model import Origin
from gate.envcheck.rules import finding
from gate.errors import ConfigError
from gate.findings import Finding

DECLARATION = "hardgate_environment"


def check(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for inventory in ctx.inventories:
        declared = inventory.group_vars.get("all", {}).get(DECLARATION)
        if declared is None:
            hosts_file = next((f for f in inventory.files if f.startswith(f"{inventory.rel}/hosts.")), inventory.rel)
            findings.append(
                finding(
                    "ENV002",
                    f"{inventory.rel} does not declare {DECLARATION} for all hosts (group_vars/all.yml); "
                    "the playbooks' environment guard cannot tell which environment it is",
                    Origin(hosts_file, 1, 1),
                    inventory.name,
                )
            )
        overrides = [declared] if declared is not None else []
        overrides += [v[DECLARATION] for g, v in inventory.group_vars.items() if g != "all" and DECLARATION in v]
        overrides += [host.vars[DECLARATION] for host in inventory.hosts if DECLARATION in host.vars]
        for setting in overrides:
            if not isinstance(setting.value, str):
                raise ConfigError(f"{setting.origin.path}: {DECLARATION}: expected an environment name (a string)")
            if setting.value != inventory.name:
                findings.append(
                    finding(
                        "ENV002",
                        f"{setting.origin.path} declares {DECLARATION}: {setting.value!r} inside "
                        f"{inventory.rel}; an inventory's environment must match its folder",
                        setting.origin,
                        inventory.name,
                    )
                )
    return findings
