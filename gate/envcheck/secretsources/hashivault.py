"""hashi_vault backend: KV v2 `<mount>/data/<prefix>/<name>`, field `value`, over Vault's HTTP API.

Only the token auth method is supported here (VAULT_TOKEN or ~/.vault-token); the role supports more.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from gate.envcheck.secretsources.base import SecretSource, SecretState, state_of
from gate.errors import ConfigError


class HashiVaultSource(SecretSource):
    name = "hashi_vault"

    def _url(self) -> str:
        url = str(self.settings.get("secrets_hashi_vault_url") or os.environ.get("VAULT_ADDR", ""))
        if not url.startswith(("http://", "https://")):
            raise ConfigError("secrets_hashi_vault_url: set it (or VAULT_ADDR) to the Vault server's http(s) URL")
        return url.rstrip("/")

    def _mount(self) -> str:
        return str(self.settings.get("secrets_hashi_vault_mount", "secret")).strip("/")

    def where(self) -> str:
        return f"HashiCorp Vault {self._url()} KV v2 {self._mount()}/{self.prefix}/<name>"

    def _token(self) -> str:
        token = os.environ.get("VAULT_TOKEN", "")
        path = Path.home() / ".vault-token"
        if not token and path.is_file():
            token = path.read_text(encoding="utf-8").strip()
        return token

    def check(self, names: Sequence[str]) -> dict[str, tuple[SecretState, str]]:
        base, mount, token = self._url(), self._mount(), self._token()
        field = str(self.settings.get("secrets_hashi_vault_field", "value"))
        result = {}
        for name in names:
            url = f"{base}/v1/{quote(mount)}/data/{quote(self.prefix)}/{quote(name)}"
            request = urllib.request.Request(url, headers={"X-Vault-Token": token})  # noqa: S310 - http(s) checked
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - http(s) checked
                    document = json.load(response)
            except urllib.error.HTTPError as exc:
                state = SecretState.MISSING if exc.code == 404 else SecretState.UNREADABLE
                result[name] = (state, "" if exc.code == 404 else f"HTTP {exc.code}")
                continue
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                result[name] = (SecretState.UNREADABLE, f"cannot reach {base}: {reason}")
                continue
            data = ((document.get("data") or {}).get("data") or {}) if isinstance(document, dict) else {}
            value = data.get(field)
            result[name] = (state_of(None if value is None else str(value)), "")
        return result
