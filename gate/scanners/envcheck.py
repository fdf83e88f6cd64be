"""envcheck: environment separation of the target's inventories/, run in-process (no subprocess)."""

from __future__ import annotations

import os
import time

from gate import __version__
from gate.envcheck import EnvcheckOptions, check_inventories
from gate.envcheck.checker import VAULT_PASSWORDS_ENV, parse_password_files
from gate.errors import HardgateError
from gate.findings import ScanResult, ScanStatus, ScanTarget
from gate.scanners.base import ScanConfig, Scanner
from gate.scanners.capabilities import CacheMode, CachePolicy, Capabilities, Reads

INVENTORIES = "inventories"


class EnvcheckScanner(Scanner):
    """Runs the ENV checks when the target has an inventories/ folder; skipped otherwise."""

    name = "envcheck"
    # Never cached: the result also depends on vault passwords outside the target.
    capabilities = Capabilities(cache=CachePolicy(CacheMode.NEVER), reads=Reads.INVENTORIES)

    def applies(self, target: ScanTarget) -> bool:
        return (target.root / INVENTORIES).is_dir()

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        started = time.monotonic()
        if not self.applies(target):
            return ScanResult(self.name, ScanStatus.SKIPPED, reason="no inventories/ folder")
        try:
            specs = [s for s in os.environ.get(VAULT_PASSWORDS_ENV, "").split(",") if s.strip()]
            options = EnvcheckOptions(vault_password_files=parse_password_files(specs, VAULT_PASSWORDS_ENV))
            result = check_inventories(target.root / INVENTORIES, options, root=target.root)
        except HardgateError as exc:
            return ScanResult(self.name, ScanStatus.FAILED, reason=str(exc), duration_s=time.monotonic() - started)
        return ScanResult(
            self.name,
            ScanStatus.OK,
            findings=result.findings,
            tool_version=f"hardgate-envcheck {__version__}",
            duration_s=time.monotonic() - started,
        )
