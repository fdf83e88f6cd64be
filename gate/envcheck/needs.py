"""Which secrets an environment needs, and which backend (with its secrets_* settings) serves them.

Read from the inventory the way the playbooks do: the PostgreSQL superuser, TLS key passphrase
and login roles, and the MariaDB accounts, each by its secret NAME.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gate.envcheck.context import Context
from gate.envcheck.model import Inventory
from gate.envcheck.render import UNRESOLVED

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


def _users(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(u["password_secret"]) for u in value if isinstance(u, dict) and u.get("password_secret")]


def secret_needs(ctx: Context, inventory: Inventory) -> list[SecretNeeds]:
    """One entry per distinct backend configuration among the inventory's hosts."""
    grouped: dict[str, SecretNeeds] = {}
    for host in inventory.hosts:
        resolver = ctx.resolver(inventory, host)
        names: set[str] = set()
        if "postgresql" in host.groups:
            for single in ("postgresql_hardening_superuser_secret", "postgresql_hardening_tls_key_passphrase_secret"):
                value = resolver.get(single, "")
                if isinstance(value, str) and value:
                    names.add(value)
            names.update(_users(resolver.get("postgresql_hardening_users", [])))
            # pgBackRest's repository passphrase and the replica's replication password, when on.
            for switch, single in (
                ("postgresql_hardening_pgbackrest", "postgresql_hardening_pgbackrest_cipher_pass_secret"),
                ("postgresql_hardening_replica", "postgresql_hardening_replication_password_secret"),
            ):
                value = resolver.get(single, "")
                if resolver.get(switch, False) is True and isinstance(value, str) and value:
                    names.add(value)
        if "mariadb" in host.groups:
            names.update(_users(resolver.get("mariadb_hardening_users", [])))
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
