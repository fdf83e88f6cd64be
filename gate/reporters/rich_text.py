"""The text report for an interactive terminal: coloured tables via rich. The CLI picks it on a TTY."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gate.findings import Severity
from gate.report import Report, Verdict
from gate.reporters.common import (
    human_report,
    location_label,
    scanner_line,
    sources_label,
    state_label,
    trace_label,
    verdict_line,
)

_SEVERITY_STYLES = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
_VERDICT_STYLES = {Verdict.PASS: "bold green", Verdict.BLOCK: "bold red", Verdict.ERROR: "bold magenta"}


def findings_table(report: Report) -> Table:
    table = Table(title=f"{len(report.findings)} findings", show_lines=False)
    for column in ("state", "severity", "where", "rule", "found by", "message"):
        table.add_column(column, overflow="fold")
    for finding in report.findings:
        table.add_row(
            Text(state_label(finding), style="bold" if finding.blocking else "dim"),
            Text(finding.severity.label, style=_SEVERITY_STYLES[finding.severity]),
            # Text, not str: rich would read `[...]` in a path or message as markup.
            Text(location_label(finding)),
            Text(finding.rule_id),
            Text(sources_label(finding)),
            Text(f"{finding.message}\nflow: {trace_label(finding)}" if finding.trace else finding.message),
        )
    return table


def render_rich(report: Report, console: Console) -> None:
    """Print the report to `console`; the same content as the text format, with colour and tables."""
    report = human_report(report)  # secrets masked, control characters escaped
    console.print(
        Text(f"hardgate {report.hardgate_version} — target {report.target}, environment {report.environment}")
    )
    for scan in report.scanners:
        console.print(Text(f"  {scanner_line(scan)}", style="red" if scan.failed else ""))
    if report.findings:
        console.print(findings_table(report))
    for warning in report.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    for reason in report.reasons:
        console.print(Text(f"reason: {reason}"))
    console.print(Text(verdict_line(report), style=_VERDICT_STYLES[report.verdict]))
