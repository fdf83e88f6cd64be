"""The machine-readable report, schema `hardgate-report/1` (gate/schemas/report.schema.json).

Named json_report so `import json` inside this package still means the standard library.
"""

from __future__ import annotations

import json
from typing import Any

from gate.findings import Finding, FindingState, ScanResult
from gate.report import Report
from gate.reporters.base import Reporter
from gate.reporters.common import SECURITY_SEVERITY, WORST_FIRST, redact_report, trace_label, verdict_summary

#: Bump the number only for a breaking change; added keys keep it (consumers ignore unknown keys).
SCHEMA_ID = "hardgate-report/1"


def finding_dict(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data["security_severity"] = SECURITY_SEVERITY[finding.severity]
    data["flow"] = trace_label(finding)  # `app.py:8 → app.py:11`, empty without a traced flow
    return data


def scanner_dict(result: ScanResult) -> dict[str, Any]:
    return {
        "tool": result.tool,
        "status": result.status.value,
        "reason": result.reason,
        "version": result.tool_version,
        "duration_s": round(result.duration_s, 3),
        "cached": result.cached,
        "findings": len(result.findings),
    }


def summary_dict(report: Report) -> dict[str, Any]:
    counts = report.count_by_severity()
    return {
        "total": len(report.findings),
        "open": len(report.open_findings),
        "blocking": len(report.blocking),
        "waived": sum(1 for f in report.findings if f.state is FindingState.WAIVED),
        "baselined": sum(1 for f in report.findings if f.state is FindingState.BASELINED),
        "open_by_severity": {severity.label: counts[severity] for severity in WORST_FIRST},
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The report as plain data; secrets are redacted first."""
    report = redact_report(report)
    return {
        "schema": SCHEMA_ID,
        "hardgate_version": report.hardgate_version,
        "target": report.target,
        "environment": report.environment,
        "started_at": report.started_at,
        "duration_s": round(report.duration_s, 3),
        "policy_source": report.policy_source,
        "verdict": report.verdict.value,
        "exit_code": report.verdict.exit_code,
        "headline": verdict_summary(report),
        "reasons": list(report.reasons),
        "summary": summary_dict(report),
        "scanners": [scanner_dict(s) for s in report.scanners],
        "findings": [finding_dict(f) for f in report.findings],
        "warnings": list(report.warnings),
        "resolved": list(report.resolved),
        "extra": dict(report.extra),
    }


class JsonReporter(Reporter):
    name = "json"

    def render(self, report: Report) -> str:
        return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
