"""gl-sast-report.json: GitLab's SAST report format, schema 15.1.4.

Waived and baselined findings are left out: the format has no suppression field, and anything
listed becomes a vulnerability in GitLab's dashboard. Dependency findings stay in the same file,
located at their manifest line with a `location.dependency` block, so one artifact carries the gate.

The 15.x schemas bound some fields (lengths, URL schemes, non-empty identifiers); values that would
break them are clipped or left out here, since GitLab rejects the whole report for one bad field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from gate.findings import Finding, FindingState, Severity
from gate.report import Report, Verdict
from gate.reporters.base import Reporter
from gate.reporters.common import cwe_number, finding_id, human_report, sources_label

SCHEMA_VERSION = "15.1.4"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/sast-report-format.json"
)
_SEVERITIES = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
# Vulnerability id prefixes GitLab shows as their own identifier types.
_ID_TYPES = (("CVE-", "cve"), ("GHSA-", "ghsa"), ("PYSEC-", "pysec"))
# The schema's maxLength bounds (characters) for a vulnerability's name, description and solution.
_NAME_LIMIT = 255
_DESCRIPTION_LIMIT = 1_048_576
_SOLUTION_LIMIT = 7_000
_URL = re.compile(r"^(https?|ftp)://.+")  # the only links the schema accepts
_CLIPPED = "\n[… truncated]"
_ID_NAMESPACE = uuid.UUID("0f0b4a2c-7c59-4c1e-9d0e-6b2f3c1d8a10")  # fixed: ids stay stable across runs


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(_CLIPPED)] + _CLIPPED


def _timestamp(moment: dt.datetime) -> str:
    """The schema wants `YYYY-MM-DDTHH:MM:SS`, UTC, no zone suffix."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def scan_times(report: Report) -> tuple[str, str]:
    try:
        started = dt.datetime.fromisoformat(report.started_at)
    except ValueError:
        started = dt.datetime.now(dt.UTC)
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    return _timestamp(started), _timestamp(started + dt.timedelta(seconds=report.duration_s))


def vuln_id_type(value: str) -> str:
    for prefix, kind in _ID_TYPES:
        if value.upper().startswith(prefix):
            return kind
    return "osv"


def identifiers(finding: Finding) -> list[dict[str, str]]:
    """The primary id first (GitLab tracks a vulnerability by it), then aliases and CWEs."""
    if finding.is_dependency:
        ids = [
            {"type": vuln_id_type(v), "name": v, "value": v} for v in dict.fromkeys((finding.rule_id, *finding.aliases))
        ]
    else:
        kind = re.sub(r"[^a-z0-9_]+", "_", finding.tool.lower())
        ids = [{"type": f"{kind}_id", "name": f"{finding.tool} {finding.rule_id}", "value": finding.rule_id}]
    # A CWE with no number ("CWE-") would be an empty identifier value, which the schema rejects.
    ids.extend({"type": "cwe", "name": c, "value": cwe_number(c)} for c in finding.cwe if cwe_number(c))
    return ids


def location(finding: Finding) -> dict[str, Any]:
    where: dict[str, Any] = {}
    if finding.location is not None:
        start = max(finding.location.start_line, 1)
        where.update(file=finding.location.path, start_line=start, end_line=max(finding.location.end_line, start))
    if finding.is_dependency:
        where["dependency"] = {"package": {"name": finding.package}, "version": finding.version or ""}
    return where


def vulnerability(finding: Finding) -> dict[str, Any]:
    description = f"{finding.message}\n\nReported by {sources_label(finding)}."
    if finding.snippet:
        description += f"\n\n```\n{finding.snippet}\n```"
    entry: dict[str, Any] = {
        "id": str(uuid.uuid5(_ID_NAMESPACE, finding_id(finding))),
        "name": (finding.title or finding.rule_id)[:_NAME_LIMIT],
        "description": clip(description, _DESCRIPTION_LIMIT),
        "severity": _SEVERITIES[finding.severity],
        "location": location(finding),
        "identifiers": identifiers(finding),
    }
    if finding.is_dependency:
        entry["solution"] = clip(
            f"Upgrade {finding.package} to {' or '.join(finding.fix_versions)}."
            if finding.fix_versions
            else f"No fixed version of {finding.package} is known yet.",
            _SOLUTION_LIMIT,
        )
    if finding.help_uri and _URL.match(finding.help_uri):
        entry["links"] = [{"url": finding.help_uri}]
    return entry


def gitlab_report(report: Report) -> dict[str, Any]:
    report = human_report(report)  # secrets masked, control characters escaped
    start, end = scan_times(report)
    version = report.hardgate_version or "0"
    vendor = {"name": "Hardgate"}
    tools = ", ".join(s.tool for s in report.scanners)
    scanner_name = f"Hardgate ({tools})" if tools else "Hardgate"
    return {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": {
            "analyzer": {"id": "hardgate", "name": "Hardgate", "version": version, "vendor": vendor},
            "scanner": {"id": "hardgate", "name": scanner_name, "version": version, "vendor": vendor},
            "type": "sast",
            "start_time": start,
            "end_time": end,
            "status": "failure" if report.verdict is Verdict.ERROR else "success",
            "messages": [
                {"level": "warn" if not scan.failed else "fatal", "value": f"{scan.tool}: {scan.reason}"}
                for scan in report.scanners
                if scan.reason
            ],
        },
        "vulnerabilities": [vulnerability(f) for f in report.findings if f.state is FindingState.OPEN],
    }


class GitlabReporter(Reporter):
    name = "gitlab"

    def render(self, report: Report) -> str:
        return json.dumps(gitlab_report(report), indent=2, ensure_ascii=False) + "\n"
