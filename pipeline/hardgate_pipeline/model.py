"""What a run is given (RunConfig) and what each stage reports (StageResult)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gate.findings import ScanStatus

STAGES = ("scan", "sign", "verify", "converge", "testinfra", "record")
# Stages after which the run deploys: a failure up to here means "no signed passing decision".
GUARD_STAGES = ("scan", "sign", "verify")


# A stage ends as a scanner run does: ok, failed, or skipped (nothing for it to do); one enum serves both.
Status = ScanStatus


@dataclass(frozen=True)
class RunConfig:
    """Everything a stage needs; paths are absolute."""

    env: str
    repo: Path
    target: Path
    out_dir: Path
    bin_dir: Path
    sign_key: Path
    pubkey: Path
    policy: Path | None = None
    waivers: Path | None = None
    advisories: str | None = None
    decision: Path | None = None  # a record made elsewhere (a CI artifact): scan and sign are skipped
    attestation: Path | None = None  # the in-toto attestation made with that record (prod requires one)
    max_age: str = "24h"
    stop_after: str = "record"
    # Converge another inventory (e.g. inventories/lab/prod) with its environment's vault id instead of
    # inventories/local through `make harden-local`.
    inventory: Path | None = None
    vault_password_file: Path | None = None
    # The testinfra stage's suites (paths under the repository); empty: tests/infra for inventories/local,
    # the host-side PostgreSQL baseline for another inventory.
    testinfra_suites: tuple[str, ...] = ()

    @property
    def record_path(self) -> Path:
        return self.decision or self.out_dir / "decision.json"

    @property
    def attestation_path(self) -> Path:
        return self.attestation or self.out_dir / "attestation.json"

    @property
    def requires_attestation(self) -> bool:
        """Prod deploys only on a DSSE-signed in-toto attestation, which anyone can check without hardgate."""
        return self.env == "prod"

    @property
    def allow_dirty(self) -> bool:
        """Only dev accepts a record made from a work tree with uncommitted changes."""
        return self.env == "dev"

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)


@dataclass(frozen=True)
class StageResult:
    name: str
    status: Status
    detail: str
    duration_s: float = 0.0
    artifacts: tuple[str, ...] = field(default_factory=tuple)
