"""ENV005: no secret value is shared between environments (needs the vault passwords).

Values are decrypted in memory, reduced at once to HMAC-SHA256 under a key made for this run,
and only the digests are compared; no value and no digest ever leaves this module.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

import yaml

from gate.envcheck.context import Context, shared_across_environments
from gate.envcheck.model import Inventory, Origin, VaultFile
from gate.envcheck.rules import finding
from gate.envcheck.vault import VaultDecryptError, decrypt
from gate.errors import ConfigError
from gate.findings import Finding


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, f"{prefix}{key}.")]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, f"{prefix}{i}.")]
    if value is None or value == "":
        return []
    return [(prefix.rstrip("."), str(value))]


def _digests(inventory: Inventory, vault: VaultFile, password: bytes, key: bytes) -> list[tuple[str, bytes]]:
    try:
        plain = decrypt(vault.ciphertext, password)
    except VaultDecryptError as exc:
        raise ConfigError(
            f"{vault.origin.path}: {vault.setting or 'vault file'}: the vault password given for "
            f"{inventory.name!r} does not open it ({exc})"
        ) from None
    if vault.setting is not None:
        leaves = [(vault.setting, plain.decode("utf-8", errors="replace"))]
    else:
        try:
            document = yaml.safe_load(plain)
        except yaml.YAMLError:
            raise ConfigError(f"{vault.origin.path}: (top level): decrypted content is not YAML") from None
        leaves = _leaves(document)
        # hardgate_vault_secrets.orders_app -> orders_app: the name the roles use
        leaves = [(name.split(".", 1)[1] if "." in name else name, value) for name, value in leaves]
    return [(name, hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()) for name, value in leaves]


def check(ctx: Context) -> list[Finding]:
    if not ctx.vault_passwords:
        return []
    known = {inventory.name for inventory in ctx.inventories}
    unknown = sorted(set(ctx.vault_passwords) - known)
    if unknown:
        raise ConfigError(f"vault password given for {unknown[0]!r}, which has no inventory folder")
    key = secrets.token_bytes(32)  # per run: digests mean nothing outside this process
    owners: dict[bytes, list[tuple[str, str, Origin]]] = {}
    for inventory in ctx.inventories:
        password = ctx.vault_passwords.get(inventory.name)
        if password is None:
            continue
        for vault in inventory.vault_files:
            for name, digest in _digests(inventory, vault, password, key):
                owners.setdefault(digest, []).append((inventory.name, name, vault.origin))
    findings: list[Finding] = []
    for _digest, places, owner, _environments in shared_across_environments(owners):
        names = ", ".join(f"{name!r} in {env}" for env, name, _ in places)
        for env, name, origin in places:
            if env == owner:
                findings.append(
                    finding(
                        "ENV005",
                        f"secret {name!r} in {env} has the same value as another environment's: {names} "
                        "(compared by keyed hash; no value shown)",
                        origin,
                        owner,
                    )
                )
    return findings
