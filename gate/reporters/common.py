"""Wording and mappings every reporter shares, so all formats say the same thing the same way."""

from __future__ import annotations

import dataclasses

from gate.findings import Finding, FindingState, Severity
from gate.redact import redact
from gate.report import Report, Verdict
from gate.scanners.base import ScanResult

#: GitHub code scanning reads `security-severity` as a CVSS-like score; these sit inside each CVSS band.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

WORST_FIRST: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))


def redact_finding(finding: Finding) -> Finding:
    """A copy whose free text (title, message, snippet, waiver justification) has secrets masked."""
    return finding.replace(
        title=redact(finding.title),
        message=redact(finding.message),
        snippet=redact(finding.snippet),
        waiver_justification=redact(finding.waiver_justification) if finding.waiver_justification else None,
    )


def redact_report(report: Report) -> Report:
    """Every reporter renders this copy: scanner reasons quote tool stderr, which can hold a DSN too."""
    return dataclasses.replace(
        report,
        findings=tuple(redact_finding(f) for f in report.findings),
        reasons=tuple(redact(r) for r in report.reasons),
        warnings=tuple(redact(w) for w in report.warnings),
        scanners=tuple(dataclasses.replace(s, reason=redact(s.reason)) for s in report.scanners),
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def verdict_summary(report: Report) -> str:
    """`BLOCK (prod) — 7 blocking findings`: the one-line outcome every format leads or ends with."""
    head = f"{report.verdict.name} ({report.environment})"
    if report.verdict is Verdict.ERROR:
        failures = [f"scanner {s.tool} failed: {s.reason}" for s in report.failed_scanners]
        return f"{head} — {'; '.join(failures or report.reasons)}"
    if report.verdict is Verdict.BLOCK:
        return f"{head} — {plural(len(report.blocking), 'blocking finding')}"
    return head


def verdict_line(report: Report) -> str:
    return f"verdict: {verdict_summary(report)}"


def sources_label(finding: Finding) -> str:
    """`bandit+semgrep` for a finding both tools reported."""
    return "+".join(finding.sources or (finding.tool,))


def location_label(finding: Finding) -> str:
    """`app/db.py:12`, `requirements.txt:3`, or the package when a dependency has no manifest line."""
    if finding.location is not None:
        line = finding.location.start_line
        return f"{finding.location.path}:{line}" if line > 0 else finding.location.path
    if finding.package is not None:
        return f"{finding.package} {finding.version or ''}".strip()
    return "(no location)"


def state_label(finding: Finding) -> str:
    """BLOCKING / open / waived (id) / baselined."""
    if finding.state is FindingState.WAIVED:
        return f"waived ({finding.waiver_id})" if finding.waiver_id else "waived"
    if finding.state is FindingState.BASELINED:
        return "baselined"
    return "BLOCKING" if finding.blocking else "open"


def dependency_summary(finding: Finding) -> str:
    """`psycopg2 2.8.5; fixed in 2.8.6; aliases CVE-…`, or empty for code findings."""
    if not finding.is_dependency:
        return ""
    parts = [f"{finding.package} {finding.version or ''}".strip()]
    parts.append(f"fixed in {', '.join(finding.fix_versions)}" if finding.fix_versions else "no fixed version")
    if finding.aliases:
        parts.append(f"aliases {', '.join(finding.aliases)}")
    return "; ".join(parts)


def scanner_line(result: ScanResult) -> str:
    """`pip-audit failed (2.7.3, 0.52s): could not reach …` — one line per scanner."""
    details = [d for d in (result.tool_version, f"{result.duration_s:.2f}s", "cached" if result.cached else "") if d]
    line = f"{result.tool} {result.status.value} ({', '.join(details)})"
    return f"{line}: {result.reason}" if result.reason else line


def cwe_number(cwe: str) -> str:
    """`CWE-89` → `89`; tolerant of a bare number."""
    return cwe.upper().removeprefix("CWE-").strip()


def finding_id(finding: Finding) -> str:
    """A stable id for a finding: its fingerprint, else tool/rule/place (findings without a location)."""
    if finding.fingerprint:
        return finding.fingerprint
    return f"{finding.tool}:{finding.rule_id}:{location_label(finding)}"
