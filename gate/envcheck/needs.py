"""Which secrets an environment needs, and which backend (with its secrets_* settings) serves them.

Read from the inventory the way the roles do: each engine profile's `secrets` list names the
variables (and list keys) holding secret NAMES, with the switch that turns each on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gate.envcheck.context import Context, as_bool, as_list
from gate.envcheck.model import Host, Inventory
from gate.envcheck.profiles import Reference
from gate.envcheck.render import UNRESOLVED, Resolver

BACKEND_SETTINGS = (
    "secrets_backend", "secrets_path_prefix", "secrets_vault_file", "secrets_vault_key", "secrets_pass_store_dir",
    "secrets_aws_region", "secrets_aws_endpoint_url", "secrets_aws_profile", "secrets_hashi_vault_url",
    "secrets_hashi_vault_mount", "secrets_hashi_vault_field",
)


@dataclass(frozen=True)
class SecretNeeds:
    backend: str
    variables: dict[str, Any]
    names: tuple[str, ...]


def secret_names(resolver: Resolver, reference: Reference) -> list[str]:
    """The secret names one profile reference gives on a host (none while its switch is off)."""
    if reference.when is not None and as_bool(resolver.get(reference.when, False)) is not True:
        return []
    value = resolver.get(reference.variable, None)
    if reference.field is not None:
        items = value if isinstance(value, list) else []
        value = [item.get(reference.field) for item in items if isinstance(item, dict)]
    return [name for name in as_list(value) if isinstance(name, str) and name]


def host_secrets(ctx: Context, inventory: Inventory, host: Host) -> dict[str, str]:
    """Every secret the host's engine roles read: name -> kind (what a new value is)."""
    resolver = ctx.resolver(inventory, host)
    return {
        name: reference.kind
        for profile in ctx.profiles
        if profile.group in host.groups
        for reference in profile.secrets
        for name in secret_names(resolver, reference)
    }


def inventory_secrets(ctx: Context, inventory: Inventory) -> dict[str, str]:
    """Every secret any host of the inventory reads: name -> kind."""
    return {name: kind for host in inventory.hosts for name, kind in host_secrets(ctx, inventory, host).items()}


def secret_needs(ctx: Context, inventory: Inventory) -> list[SecretNeeds]:
    """One entry per distinct backend configuration among the inventory's hosts."""
    grouped: dict[str, SecretNeeds] = {}
    for host in inventory.hosts:
        resolver = ctx.resolver(inventory, host)
        names = set(host_secrets(ctx, inventory, host))
        if not names:
            continue
        variables = {
            key: value for key in BACKEND_SETTINGS if (value := resolver.get(key, None)) not in (None, UNRESOLVED)
        }
        backend = str(variables.get("secrets_backend") or "vault")
        key = repr(sorted(variables.items()))
        if key in grouped:
            previous = grouped[key]
            grouped[key] = SecretNeeds(backend, variables, tuple(sorted(set(previous.names) | names)))
        else:
            grouped[key] = SecretNeeds(backend, variables, tuple(sorted(names)))
    return list(grouped.values())
