"""ENV004: each environment reads its secrets from its own places and never names another's.

The places are the vault file (secrets_vault_file, default next to the inventory) and the path
prefix of the pass, AWS Secrets Manager and HashiCorp Vault backends (secrets_path_prefix).
"""

from __future__ import annotations

import re

from gate.envcheck.context import Context, normalise_path
from gate.envcheck.model import Inventory, Setting
from gate.envcheck.render import UNRESOLVED
from gate.envcheck.rules import finding
from gate.findings import Finding

VAULT_FILE = "secrets_vault_file"
PREFIX = "secrets_path_prefix"
SECRETS_ENVIRONMENT = "secrets_environment"


def _places(ctx: Context, inventory: Inventory) -> dict[str, list[tuple[str, Setting]]]:
    """{variable: [(rendered value, setting)]} over the inventory's hosts."""
    places: dict[str, list[tuple[str, Setting]]] = {}
    for name in (VAULT_FILE, PREFIX, SECRETS_ENVIRONMENT):
        for value, setting, _host in ctx.values(inventory, name):
            if value is not UNRESOLVED and isinstance(value, str) and value:
                text = normalise_path(value) if name != SECRETS_ENVIRONMENT else value
                places.setdefault(name, []).append((text.strip("/") if name == PREFIX else text, setting))
    return places


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def check(ctx: Context) -> list[Finding]:
    places = {inventory.name: _places(ctx, inventory) for inventory in ctx.inventories}
    findings: list[Finding] = []
    for inventory in ctx.inventories:
        own = places[inventory.name]
        others = [other for other in ctx.inventories if other.name != inventory.name]
        for path, setting in own.get(VAULT_FILE, []):
            for other in others:
                if _under(path, other.rel):
                    findings.append(
                        finding(
                            "ENV004",
                            f"{inventory.name} reads its vault file from {other.name}'s inventory ({path})",
                            setting.origin,
                            inventory.name,
                        )
                    )
        for prefix, setting in own.get(PREFIX, []):
            for other in others:
                for other_prefix, _ in places[other.name].get(PREFIX, []):
                    if _under(prefix, other_prefix) or _under(other_prefix, prefix):
                        findings.append(
                            finding(
                                "ENV004",
                                f"{inventory.name}'s secret path prefix {prefix!r} is {other.name}'s "
                                f"({other_prefix!r}); each environment keeps its secrets under its own path",
                                setting.origin,
                                inventory.name,
                            )
                        )
                        break
        for name, setting in own.get(SECRETS_ENVIRONMENT, []):
            if name != inventory.name:
                findings.append(
                    finding(
                        "ENV004",
                        f"{inventory.name} resolves the secrets of environment {name!r} (secrets_environment)",
                        setting.origin,
                        inventory.name,
                    )
                )
        findings.extend(_references(inventory, others))
    return _unique(findings)


def _references(inventory: Inventory, others: list[Inventory]) -> list[Finding]:
    """Any written value naming another inventory's folder, e.g. `inventories/dev/secrets.vault.yml`."""
    findings: list[Finding] = []
    for setting in inventory.all_settings():
        text = repr(setting.value)
        for other in others:
            token = re.search(rf"(?<![\w-]){re.escape(other.rel)}/|\.\./{re.escape(other.name)}/", text)
            if token:
                findings.append(
                    finding(
                        "ENV004",
                        f"{setting.name} in {inventory.name} refers to {other.name}'s inventory "
                        f"({token.group(0)}); an environment never uses another's files or secrets",
                        setting.origin_of(token.group(0)),
                        inventory.name,
                    )
                )
    return findings


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, int]] = set()
    result = []
    for item in findings:
        key = (item.location.path if item.location else "", item.location.start_line if item.location else 0)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result
