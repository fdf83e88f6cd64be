"""ENV003: every vault-encrypted file or value of an environment uses that environment's own vault id."""

from __future__ import annotations

from gate.envcheck.context import Context
from gate.envcheck.rules import finding
from gate.findings import Finding


def check(ctx: Context) -> list[Finding]:
    users: dict[str, set[str]] = {}
    for inventory in ctx.inventories:
        for vault in inventory.vault_files:
            if vault.vault_id:
                users.setdefault(vault.vault_id, set()).add(inventory.name)
    findings: list[Finding] = []
    for inventory in ctx.inventories:
        for vault in inventory.vault_files:
            what = f"{vault.origin.path}" + (f" ({vault.setting})" if vault.setting else "")
            if vault.vault_id is None:
                message = (
                    f"{what} is encrypted without a vault id (format 1.1); encrypt it with "
                    f"--encrypt-vault-id {inventory.name} so only {inventory.name}'s password opens it"
                )
            elif vault.vault_id != inventory.name:
                others = sorted(users.get(vault.vault_id, set()) - {inventory.name})
                shared = f", the vault id of {', '.join(others)}" if others else ""
                message = (
                    f"{what} in {inventory.rel} is encrypted with vault id {vault.vault_id!r}{shared}; "
                    f"each environment needs its own vault id ({inventory.name!r})"
                )
            else:
                continue
            findings.append(finding("ENV003", message, vault.origin, inventory.name))
    return findings
