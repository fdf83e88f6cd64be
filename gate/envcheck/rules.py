"""The ENV rules: one id, title and CWE each; findings are built here so every check looks alike."""

from __future__ import annotations

from dataclasses import dataclass

from gate.envcheck.model import Origin
from gate.findings import Finding, Severity

TOOL = "envcheck"
PROD = "prod"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    cwe: tuple[str, ...]
    severity: Severity  # outside prod
    prod_severity: Severity  # when the problem sits in (or exposes) prod


RULES: dict[str, Rule] = {
    rule.rule_id: rule
    for rule in (
        Rule("ENV001", "Host belongs to more than one environment", ("CWE-653",), Severity.HIGH, Severity.CRITICAL),
        Rule("ENV002", "Inventory does not declare its own environment", ("CWE-1188",), Severity.HIGH,
             Severity.CRITICAL),
        Rule("ENV003", "Environment does not use its own vault id", ("CWE-1230",), Severity.HIGH, Severity.CRITICAL),
        Rule("ENV004", "Environment references another environment's secrets", ("CWE-653",), Severity.HIGH,
             Severity.CRITICAL),
        Rule("ENV005", "Same secret value in two environments", ("CWE-1051", "CWE-798"), Severity.HIGH,
             Severity.CRITICAL),
        Rule("ENV006", "Prod network allowance overlaps a dev or staging network", ("CWE-923",), Severity.HIGH,
             Severity.CRITICAL),
        Rule("ENV007", "Authentication weaker than the engine profile allows", ("CWE-287",), Severity.MEDIUM,
             Severity.CRITICAL),
        Rule("ENV008", "TLS off or below the engine profile", ("CWE-319", "CWE-326"), Severity.MEDIUM, Severity.HIGH),
        Rule("ENV009", "Audit logging below the engine profile", ("CWE-778",), Severity.MEDIUM, Severity.HIGH),
        Rule("ENV010", "sql_mode without the profile's strict modes", ("CWE-20",), Severity.MEDIUM, Severity.HIGH),
        Rule("ENV011", "Database listens on every address", ("CWE-1327",), Severity.MEDIUM, Severity.HIGH),
        Rule("ENV012", "General query log on (statements, passwords included, on disk)", ("CWE-532",),
             Severity.MEDIUM, Severity.HIGH),
        Rule("ENV013", "Hardening strictness decreases from dev to staging to prod", ("CWE-1188",), Severity.HIGH,
             Severity.HIGH),
        Rule("ENV014", "Gate policy strictness decreases from dev to staging to prod", ("CWE-1188",), Severity.HIGH,
             Severity.HIGH),
        Rule("ENV015", "CIS PostgreSQL control below the engine profile", ("CWE-1188",), Severity.HIGH, Severity.HIGH),
        Rule("ENV016", "Encryption at rest or backups below the engine profile", ("CWE-311",), Severity.HIGH,
             Severity.HIGH),
        Rule("ENV017", "Attack monitoring (bans, alerts, sensitive-table auditing) off in prod, or looser than staging",
             ("CWE-778", "CWE-307"), Severity.HIGH, Severity.HIGH),
        Rule("ENV018", "Hardening switch below the engine profile", ("CWE-1188",), Severity.MEDIUM, Severity.HIGH),
    )
}


def finding(rule_id: str, message: str, origin: Origin, environment: str, snippet: str = "") -> Finding:
    """A finding of an ENV rule; severity depends on whether prod is the environment at stake."""
    rule = RULES[rule_id]
    return Finding(
        tool=TOOL,
        rule_id=rule_id,
        title=rule.title,
        message=message,
        severity=rule.prod_severity if environment == PROD else rule.severity,
        confidence="high",
        cwe=rule.cwe,
        location=origin.location(),
        snippet=snippet,
        sources=(TOOL,),
        extra=(("environment", environment),),
    )
