"""A pull-request comment: verdict headline, summary tables, the top findings, the rest folded away."""

from __future__ import annotations

import re

from gate.findings import Finding, FindingState
from gate.report import Report, Verdict
from gate.reporters.base import Reporter
from gate.reporters.common import (
    WORST_FIRST,
    dependency_summary,
    human_report,
    location_label,
    plural,
    sources_label,
    state_label,
    step_label,
    trace_label,
    verdict_summary,
)

TOP_FINDINGS = 20
_ICONS = {Verdict.PASS: "✅", Verdict.BLOCK: "❌", Verdict.ERROR: "⚠️"}


def cell(text: str) -> str:
    """Table-safe: one line, pipes escaped, markup characters that would reshape the table neutralised."""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    """Inline code that survives backticks inside the text."""
    flat = " ".join(text.split()).replace("|", "\\|")
    return f"`` {flat} ``" if "`" in flat else f"`{flat}`"


def summary_table(report: Report) -> list[str]:
    lines = ["| severity | open | blocking | waived | baselined |", "|---|---:|---:|---:|---:|"]
    for severity in WORST_FIRST:
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        lines.append(
            f"| {severity.label} | {sum(f.state is FindingState.OPEN for f in group)} "
            f"| {sum(f.blocking for f in group)} | {sum(f.state is FindingState.WAIVED for f in group)} "
            f"| {sum(f.state is FindingState.BASELINED for f in group)} |"
        )
    return lines


def scanner_table(report: Report) -> list[str]:
    lines = ["| scanner | status | version | duration | note |", "|---|---|---|---:|---|"]
    for scan in report.scanners:
        status = f"**{scan.status.value}**" if scan.failed else scan.status.value
        note = "; ".join(n for n in ("cached" if scan.cached else "", scan.reason) if n)
        lines.append(
            f"| {cell(scan.tool)} | {status} | {cell(scan.tool_version)} | {scan.duration_s:.1f}s | {cell(note)} |"
        )
    return lines


def finding_row(finding: Finding) -> str:
    what = finding.message if finding.title in (finding.rule_id, "") else f"{finding.title}: {finding.message}"
    if finding.is_dependency:
        what = f"{what} ({dependency_summary(finding)})"
    if finding.trace:
        what = f"{what} (flow {step_label(finding.trace[0])} → {step_label(finding.trace[-1])})"
    return (
        f"| {state_label(finding)} | {finding.severity.label} | {code(location_label(finding))} "
        f"| {code(finding.rule_id)} | {cell(sources_label(finding))} | {cell(what)} |"
    )


def findings_table(findings: list[Finding]) -> list[str]:
    header = ["| state | severity | where | rule | found by | finding |", "|---|---|---|---|---|---|"]
    return header + [finding_row(f) for f in findings]


def fenced(text: str) -> list[str]:
    """A code block whose fence is longer than any backtick run inside the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 3)
    return [fence, *text.splitlines(), fence]


def finding_details(finding: Finding) -> list[str]:
    head = (
        f"**{code(finding.rule_id)}** at {code(location_label(finding))}: {finding.severity.label}, "
        f"{state_label(finding)}, found by {cell(sources_label(finding))}"
    )
    lines = [head, "", cell(finding.message)]
    facts = [
        dependency_summary(finding),
        ", ".join(finding.cwe),
        f"flow: {trace_label(finding)}" if finding.trace else "",
        f"waiver: {finding.waiver_justification}" if finding.waiver_justification else "",
        f"fingerprint {finding.fingerprint}" if finding.fingerprint else "",
    ]
    lines.extend(f"- {cell(fact)}" for fact in facts if fact)
    if finding.snippet:
        lines.extend(["", *fenced(finding.snippet)])
    if finding.trace:
        steps = "\n".join(f"{step.kind:<6} {step_label(step)}  {step.snippet}" for step in finding.trace)
        lines.extend(["", *fenced(steps)])
    return [*lines, ""]


def details(report: Report) -> list[str]:
    lines = ["<details><summary>Details: every finding, reasons and warnings</summary>", ""]
    for finding in report.findings:
        lines.extend(finding_details(finding))
    for title, items in (("Reasons", report.reasons), ("Warnings", report.warnings)):
        if items:
            lines.extend([f"**{title}**", "", *(f"- {cell(item)}" for item in items), ""])
    if report.resolved:
        lines.extend([f"{plural(len(report.resolved), 'baselined finding')} no longer found.", ""])
    lines.append("</details>")
    return lines


class MarkdownReporter(Reporter):
    name = "markdown"

    def render(self, report: Report) -> str:
        report = human_report(report)  # secrets masked, control characters escaped
        lines = [f"## {_ICONS[report.verdict]} Hardgate: {cell(verdict_summary(report))}", ""]
        lines.append(f"Target {code(report.target)}, environment **{cell(report.environment)}**.")
        lines.append("")
        if report.findings:
            lines.extend(summary_table(report))
            lines.append("")
        else:
            lines.extend(["No findings.", ""])
        lines.extend(["### Scanners", "", *scanner_table(report), ""])
        # Blocking first, then the rest in the engine's order (worst first); waived/baselined last.
        ranked = sorted(report.findings, key=lambda f: (not f.blocking, f.state is not FindingState.OPEN))
        if ranked:
            shown = ranked[:TOP_FINDINGS]
            title = "### Top findings" if len(ranked) > TOP_FINDINGS else "### Findings"
            lines.extend([title, "", *findings_table(shown), ""])
            if len(ranked) > TOP_FINDINGS:
                lines.extend([f"…and {len(ranked) - TOP_FINDINGS} more in the details below.", ""])
        lines.extend(details(report))
        return "\n".join(lines) + "\n"
