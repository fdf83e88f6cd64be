"""GitHub Actions workflow commands: annotations on the pull request's changed lines.

`::error` for blocking findings and failed scanners, `::warning` for open findings that do not
block and for gate warnings, `::notice` for waived or baselined findings and the passing verdict.
"""

from __future__ import annotations

from gate.findings import Finding, FindingState
from gate.report import Report, Verdict
from gate.reporters.base import Reporter
from gate.reporters.common import (
    dependency_summary,
    human_report,
    sources_label,
    state_label,
    verdict_summary,
)


def escape_data(text: str) -> str:
    """The message part: `%`, CR and LF are the characters the runner would otherwise interpret."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values additionally escape `:` and `,`, which separate properties and the message."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str | int) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{kind} {props}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


def annotation_kind(finding: Finding) -> str:
    if finding.blocking:
        return "error"
    return "warning" if finding.state is FindingState.OPEN else "notice"


def finding_command(finding: Finding) -> str:
    properties: dict[str, str | int] = {}
    if finding.location is not None:
        where = finding.location
        start = max(where.start_line, 1)
        properties.update(file=where.path, line=start, endLine=max(where.end_line, start))
        # GitHub rejects columns on multi-line annotations.
        if where.start_column > 0 and where.end_line <= where.start_line:
            properties["col"] = where.start_column
            if where.end_column > where.start_column:
                properties["endColumn"] = where.end_column
    properties["title"] = f"[{finding.severity.label}] {finding.rule_id} ({state_label(finding)})"
    lines = [finding.message if finding.title in (finding.rule_id, "") else f"{finding.title}: {finding.message}"]
    if finding.is_dependency:
        lines.append(dependency_summary(finding))
    if finding.waiver_justification:
        lines.append(f"waiver: {finding.waiver_justification}")
    lines.append(f"found by {sources_label(finding)}")
    return command(annotation_kind(finding), "\n".join(lines), **properties)


class GithubReporter(Reporter):
    name = "github"

    def render(self, report: Report) -> str:
        report = human_report(report)  # secrets masked, control characters escaped
        lines = [
            command("error", f"{scan.tool} failed: {scan.reason}", title=f"hardgate: scanner {scan.tool} failed")
            for scan in report.failed_scanners
        ]
        lines.extend(finding_command(f) for f in report.findings)
        lines.extend(command("warning", warning, title="hardgate") for warning in report.warnings)
        verdict_kind = "notice" if report.verdict is Verdict.PASS else "error"
        lines.append(command(verdict_kind, verdict_summary(report), title="hardgate verdict"))
        return "\n".join(lines) + "\n"
