"""The outcome of one gate run: what every reporter renders and the decision record signs."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from gate.findings import Finding, FindingState, ScanResult, ScanStatus, Severity


class Verdict(enum.Enum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    BLOCK = "block"  # blocked by policy
    ERROR = "error"  # a scanner failed and the policy fails closed

    @property
    def exit_code(self) -> int:
        return {Verdict.PASS: 0, Verdict.BLOCK: 1, Verdict.ERROR: 3}[self]


@dataclass(frozen=True)
class Report:
    """Everything one `hardgate scan` learnt and decided."""

    target: str
    environment: str
    verdict: Verdict
    reasons: tuple[str, ...]
    scanners: tuple[ScanResult, ...]
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()  # baseline fingerprints no longer found
    started_at: str = ""
    duration_s: float = 0.0
    hardgate_version: str = ""
    policy_source: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.state is FindingState.OPEN)

    @property
    def failed_scanners(self) -> tuple[ScanResult, ...]:
        return tuple(s for s in self.scanners if s.status is ScanStatus.FAILED)

    def count_by_severity(self) -> dict[Severity, int]:
        counts = {severity: 0 for severity in Severity}
        for finding in self.open_findings:
            counts[finding.severity] += 1
        return counts
