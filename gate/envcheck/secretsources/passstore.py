"""pass backend: `pass show <prefix>/<name>` in the password store ($PASSWORD_STORE_DIR, $GNUPGHOME)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from gate.envcheck.secretsources.base import SecretSource, SecretState, state_of


class PassSource(SecretSource):
    name = "pass"

    def _store(self) -> Path:
        configured = self.settings.get("secrets_pass_store_dir") or os.environ.get("PASSWORD_STORE_DIR")
        return Path(configured) if configured else Path.home() / ".password-store"

    def where(self) -> str:
        return f"password store {self._store()} entries {self.prefix}/<name>"

    def check(self, names: Sequence[str]) -> dict[str, tuple[SecretState, str]]:
        exe = shutil.which("pass")
        if exe is None:
            return {name: (SecretState.UNREADABLE, "pass is not installed") for name in names}
        store = self._store()
        env = {**os.environ, "PASSWORD_STORE_DIR": str(store)}
        result = {}
        for name in names:
            entry = f"{self.prefix}/{name}"
            if not (store / f"{entry}.gpg").is_file():
                result[name] = (SecretState.MISSING, "")
                continue
            done = subprocess.run([exe, "show", entry], capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                # stderr of pass/gpg names keys and files, never the plaintext; keep only its first line
                reason = (done.stderr.strip().splitlines() or ["pass show failed"])[0][:200]
                result[name] = (SecretState.UNREADABLE, reason)
                continue
            result[name] = (state_of((done.stdout.splitlines() or [""])[0]), "")
        return result
