"""Every tool-severity → Severity mapping, in one place."""

from __future__ import annotations

from gate.findings import Severity

# bandit rates severity and confidence separately; a low-confidence guess is worth one level less.
BANDIT_SEVERITY: dict[tuple[str, str], Severity] = {
    ("HIGH", "HIGH"): Severity.HIGH,
    ("HIGH", "MEDIUM"): Severity.HIGH,
    ("HIGH", "LOW"): Severity.MEDIUM,
    ("MEDIUM", "HIGH"): Severity.MEDIUM,
    ("MEDIUM", "MEDIUM"): Severity.MEDIUM,
    ("MEDIUM", "LOW"): Severity.LOW,
    ("LOW", "HIGH"): Severity.LOW,
    ("LOW", "MEDIUM"): Severity.LOW,
    ("LOW", "LOW"): Severity.INFO,
}

# semgrep has an old enum (ERROR/WARNING/INFO) and a new one (CRITICAL/HIGH/MEDIUM/LOW); accept both.
SEMGREP_SEVERITY: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}


def bandit_severity(severity: str, confidence: str) -> Severity:
    return BANDIT_SEVERITY.get((severity.upper(), confidence.upper()), Severity.MEDIUM)


def semgrep_severity(severity: str) -> Severity:
    return SEMGREP_SEVERITY.get(severity.upper(), Severity.MEDIUM)


def cvss_score_severity(score: float) -> Severity:
    """CVSS base score bands (FIRST's qualitative scale)."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO
