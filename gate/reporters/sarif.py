"""SARIF 2.1.0 for code-scanning dashboards.

One run, driver `hardgate`, holding the merged findings: a SQL injection that bandit and semgrep
both reported is one finding after dedup, and one run per tool would show it as two alerts.
The contributing tools are kept in each result's `properties.sources` and as run extensions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gate.dependencies import discover
from gate.findings import Finding, FindingState, Location, ScanStatus, Severity, canonical_package_name
from gate.report import Report
from gate.reporters.base import Reporter
from gate.reporters.common import (
    SECURITY_SEVERITY,
    cwe_number,
    dependency_summary,
    redact_report,
    sources_label,
    state_label,
    verdict_summary,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "hardgate/v1"
SRCROOT = "%SRCROOT%"
#: Where a dependency rule's help points when the advisory carries no link of its own.
ADVISORY_BASE = "https://osv.dev/vulnerability/"

_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def level(finding: Finding) -> str:
    """A blocking finding is always an error; otherwise the level follows severity."""
    return "error" if finding.blocking else _LEVELS[finding.severity]


def tags(finding: Finding) -> list[str]:
    found = ["security", *(f"external/cwe/cwe-{cwe_number(c)}" for c in finding.cwe)]
    if finding.is_dependency:
        found.append("dependency")
    return list(dict.fromkeys(found))


def help_texts(finding: Finding) -> tuple[str, str]:
    """(plain, markdown) help for a rule, from what the finding knows about itself."""
    plain = [finding.message]
    markdown = [finding.message]
    if finding.is_dependency:
        plain.append(dependency_summary(finding))
        fix = f"Upgrade to {' or '.join(finding.fix_versions)}." if finding.fix_versions else "No fixed version yet."
        markdown.append(f"**{finding.package} {finding.version}**: {fix}")
        if finding.aliases:
            markdown.append("Aliases: " + ", ".join(f"`{a}`" for a in finding.aliases))
    if finding.cwe:
        plain.append(", ".join(finding.cwe))
        markdown.append("Weakness: " + ", ".join(finding.cwe))
    if finding.help_uri:
        plain.append(f"More: {finding.help_uri}")
        markdown.append(f"[More information]({finding.help_uri})")
    return "\n".join(plain), "\n\n".join(markdown)


def rule(finding: Finding) -> dict[str, Any]:
    text, markdown = help_texts(finding)
    entry: dict[str, Any] = {
        "id": finding.rule_id,
        "name": finding.rule_id,
        "shortDescription": {"text": finding.title or finding.rule_id},
        "fullDescription": {"text": finding.message or finding.title},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVELS[finding.severity]},
        "properties": {
            "tags": tags(finding),
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "precision": {"high": "high", "low": "low"}.get(finding.confidence, "medium"),
        },
    }
    help_uri = finding.help_uri or (ADVISORY_BASE + quote(finding.rule_id) if finding.is_dependency else None)
    if help_uri:
        entry["helpUri"] = help_uri  # for a dependency rule: the advisory
    return entry


def artifact_uri(path: str) -> str:
    """A relative URI reference: spaces, `%`, `#` and other reserved characters percent-encoded, `/` kept."""
    return quote(path, safe="/")


def physical_location(finding: Finding) -> dict[str, Any] | None:
    """Code findings at their lines; dependency findings at their manifest (line 1 when unknown)."""
    if finding.location is None:
        return None
    where = finding.location
    start_line = max(where.start_line, 1)
    region: dict[str, Any] = {"startLine": start_line, "endLine": max(where.end_line, start_line)}
    if where.start_column > 0:
        region["startColumn"] = where.start_column
    if where.end_column > 0 and (where.end_line > where.start_line or where.end_column > where.start_column):
        region["endColumn"] = where.end_column
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    return {"artifactLocation": {"uri": artifact_uri(where.path), "uriBaseId": SRCROOT}, "region": region}


def code_flows(finding: Finding) -> list[dict[str, Any]]:
    """A traced data flow as one thread flow, source first: dashboards draw it step by step."""
    if not finding.trace:
        return []
    locations = []
    for order, step in enumerate(finding.trace, start=1):
        start_line = max(step.location.start_line, 1)
        region: dict[str, Any] = {"startLine": start_line, "endLine": max(step.location.end_line, start_line)}
        if step.location.start_column > 0:
            region["startColumn"] = step.location.start_column
        if step.snippet:
            region["snippet"] = {"text": step.snippet}
        locations.append(
            {
                "location": {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(step.location.path), "uriBaseId": SRCROOT},
                        "region": region,
                    },
                    "message": {"text": f"{step.kind}: {step.snippet}" if step.snippet else step.kind},
                },
                "kinds": ["taint"],
                "importance": "important" if step.kind == "step" else "essential",
                "executionOrder": order,
            }
        )
    return [
        {
            "message": {"text": f"{finding.trace[0].kind} to {finding.trace[-1].kind}"},
            "threadFlows": [{"locations": locations}],
        }
    ]


def suppressions(finding: Finding) -> list[dict[str, Any]]:
    if finding.state is FindingState.WAIVED:
        justification = finding.waiver_justification or "waived"
        if finding.waiver_id:
            justification = f"{justification} (waiver {finding.waiver_id})"
        return [{"kind": "external", "status": "accepted", "justification": justification}]
    if finding.state is FindingState.BASELINED:
        return [{"kind": "external", "status": "accepted", "justification": "accepted in the hardgate baseline"}]
    return []


def result(finding: Finding, rule_index: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": level(finding),
        "message": {"text": f"{finding.message} [{sources_label(finding)}]"},
        "properties": {
            "severity": finding.severity.label,
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "blocking": finding.blocking,
            "state": state_label(finding),
            "sources": list(finding.sources or (finding.tool,)),
            "evidence": finding.evidence.value,
        },
    }
    location = physical_location(finding)
    if location is not None:
        entry["locations"] = [{"physicalLocation": location}]
    flows = code_flows(finding)
    if flows:
        entry["codeFlows"] = flows
    if finding.fingerprint:
        entry["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.is_dependency:
        entry["properties"].update(
            package=finding.package, version=finding.version or "", fixVersions=list(finding.fix_versions)
        )
    suppressed = suppressions(finding)
    if suppressed:
        entry["suppressions"] = suppressed
    return entry


def invocation(report: Report) -> dict[str, Any]:
    """Scanner failures become tool execution notifications, so a dashboard sees the scan was partial."""
    notifications = [
        {
            "level": "error" if scan.status is ScanStatus.FAILED else "note",
            "message": {"text": f"{scan.tool} {scan.status.value}: {scan.reason}".rstrip(": ")},
            "descriptor": {"id": f"scanner/{scan.tool}"},
        }
        for scan in report.scanners
        if scan.status is not ScanStatus.OK
    ]
    entry: dict[str, Any] = {"executionSuccessful": not report.failed_scanners}
    if notifications:
        entry["toolExecutionNotifications"] = notifications
    if report.started_at:
        entry["startTimeUtc"] = report.started_at
    return entry


def locate_dependencies(report: Report) -> tuple[Finding, ...]:
    """Give a dependency finding without a location the manifest line that pins it, `-r`-included files too:
    code scanning drops a result that has no location."""
    root = Path(report.target)
    if all(f.location is not None or not f.is_dependency for f in report.findings) or not root.is_dir():
        return report.findings
    pins: dict[tuple[str, str], Location] = {}
    for dependency in discover(root).dependencies:
        if dependency.version is not None:
            where = Location(dependency.manifest, dependency.line or 0, dependency.line or 0)
            pins.setdefault((canonical_package_name(dependency.name), dependency.version), where)
    return tuple(
        f.replace(location=pins.get((canonical_package_name(f.package or ""), f.version or "")))
        if f.is_dependency and f.location is None
        else f
        for f in report.findings
    )


def original_uri_base_ids(report: Report) -> dict[str, Any]:
    """%SRCROOT% is the scanned tree; an absolute file URI when it is here, so a viewer can resolve paths."""
    root = Path(report.target)
    base: dict[str, Any] = {"description": {"text": "The root of the tree hardgate scanned"}}
    if root.is_dir():
        base["uri"] = root.resolve().as_uri().rstrip("/") + "/"
    return {SRCROOT: base}


def sarif_log(report: Report) -> dict[str, Any]:
    report = redact_report(report)
    rules: dict[str, dict[str, Any]] = {}
    indexes: dict[str, int] = {}
    results = []
    for finding in locate_dependencies(report):
        if finding.rule_id not in rules:
            indexes[finding.rule_id] = len(rules)
            rules[finding.rule_id] = rule(finding)
        results.append(result(finding, indexes[finding.rule_id]))
    run: dict[str, Any] = {
        "tool": {
            "driver": {"name": "hardgate", "version": report.hardgate_version or "0", "rules": list(rules.values())},
            "extensions": [
                {"name": scan.tool, **({"version": scan.tool_version} if scan.tool_version else {})}
                for scan in report.scanners
            ],
        },
        # GitHub keeps one alert set per category; one per environment stops prod and dev runs overwriting.
        "automationDetails": {"id": f"hardgate/{report.environment}/"},
        "originalUriBaseIds": original_uri_base_ids(report),
        "invocations": [invocation(report)],
        "results": results,
        "properties": {
            "verdict": report.verdict.value,
            "exitCode": report.verdict.exit_code,
            "environment": report.environment,
            "headline": verdict_summary(report),
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


class SarifReporter(Reporter):
    name = "sarif"

    def render(self, report: Report) -> str:
        return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
