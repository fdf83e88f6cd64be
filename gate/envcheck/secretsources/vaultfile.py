"""vault backend: the environment's ansible-vault file, decrypted in-process with its password file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from gate.envcheck.secretsources.base import SecretSource, SecretState, state_of
from gate.envcheck.vault import VaultDecryptError, decrypt, read_password
from gate.errors import ConfigError


class VaultFileSource(SecretSource):
    name = "vault"

    def _file(self) -> Path:
        configured = self.settings.get("secrets_vault_file")
        if not configured:
            return self.settings.inventory_dir / "secrets.vault.yml"
        # rendered relative to the target root (inventory_dir is `inventories/<env>` there)
        path = Path(configured)
        return path if path.is_absolute() else self.settings.inventory_dir.parent.parent / path

    def where(self) -> str:
        return f"{self._file()} (vault id {self.settings.environment})"

    def check(self, names: Sequence[str]) -> dict[str, tuple[SecretState, str]]:
        path = self._file()
        if self.settings.vault_password_file is None:
            raise ConfigError(
                f"--vault-password-file: the vault backend of {self.settings.environment!r} "
                "needs that environment's vault password file"
            )
        try:
            text = path.read_text(encoding="utf-8")
            password = read_password(self.settings.vault_password_file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{exc.filename}: not found") from None
        try:
            document = yaml.safe_load(decrypt(text, password)) or {}
        except VaultDecryptError as exc:
            raise ConfigError(f"{path}: cannot open with the given vault password ({exc})") from None
        key = str(self.settings.get("secrets_vault_key", "hardgate_vault_secrets"))
        stored = document.get(key) if isinstance(document, dict) else None
        if not isinstance(stored, dict):
            raise ConfigError(f"{path}: {key}: expected a mapping of secret names to values")
        result = {}
        for name in names:
            value = stored.get(name)
            result[name] = (state_of(None if value is None else str(value)), "")
        return result
