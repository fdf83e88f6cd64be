"""Plain-text report for logs and terminals: findings by severity, scanner status, one verdict line last."""

from __future__ import annotations

from gate.findings import Finding, FindingState
from gate.report import Report
from gate.reporters.base import Reporter
from gate.reporters.common import (
    WORST_FIRST,
    dependency_summary,
    human_report,
    location_label,
    plural,
    scanner_line,
    sources_label,
    state_label,
    step_label,
    trace_label,
    verdict_line,
)

SNIPPET_LINES = 5


def finding_lines(finding: Finding) -> list[str]:
    head = f"  [{state_label(finding)}] {location_label(finding)}  {finding.rule_id} ({sources_label(finding)})"
    # semgrep's title is its rule id, already in the head line.
    title = "" if finding.title in (finding.rule_id, finding.message) else f"{finding.title}: "
    lines = [head, f"      {title}{finding.message}"]
    if finding.is_dependency:
        lines.append(f"      {dependency_summary(finding)}")
    if finding.cwe:
        lines.append(f"      {', '.join(finding.cwe)}")
    if finding.trace:
        lines.append(f"      flow: {trace_label(finding)}")
        lines.extend(f"        {step.kind:<6} {step_label(step)}  {step.snippet}" for step in finding.trace)
    if finding.waiver_justification:
        lines.append(f"      waiver: {finding.waiver_justification}")
    lines.extend(f"      > {line}" for line in finding.snippet.splitlines()[:SNIPPET_LINES])
    return lines


class TextReporter(Reporter):
    name = "text"

    def render(self, report: Report) -> str:
        report = human_report(report)  # secrets masked, control characters escaped
        lines = [f"hardgate {report.hardgate_version} — target {report.target}, environment {report.environment}"]
        lines.append("scanners:")
        lines.extend(f"  {scanner_line(s)}" for s in report.scanners)
        lines.extend(self._findings(report))
        if report.warnings:
            lines.append("warnings:")
            lines.extend(f"  - {w}" for w in report.warnings)
        if report.resolved:
            lines.append(f"baseline: {plural(len(report.resolved), 'finding')} resolved since the baseline")
        if report.reasons:
            lines.append("reasons:")
            lines.extend(f"  - {r}" for r in report.reasons)
        lines.append(verdict_line(report))
        return "\n".join(lines) + "\n"

    @staticmethod
    def _findings(report: Report) -> list[str]:
        findings = report.findings
        if not findings:
            return ["findings: none"]
        waived = sum(1 for f in findings if f.state is FindingState.WAIVED)
        baselined = sum(1 for f in findings if f.state is FindingState.BASELINED)
        advisory = sum(1 for f in findings if f.advisory)
        lines = [
            f"findings: {len(findings)} ({len(report.blocking)} blocking, {advisory} advisory, "
            f"{waived} waived, {baselined} baselined)"
        ]
        for severity in WORST_FIRST:
            group = [f for f in findings if f.severity is severity]
            if not group:
                continue
            lines.append(f"{severity.name} ({len(group)})")
            # Blocking first inside a severity, so the reader meets what stops the release first.
            for finding in sorted(group, key=lambda f: not f.blocking):
                lines.extend(finding_lines(finding))
        return lines
