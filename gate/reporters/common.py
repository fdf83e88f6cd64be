"""Wording and mappings every reporter shares, so all formats say the same thing the same way."""

from __future__ import annotations

import dataclasses
import re

from gate.findings import Finding, FindingState, ScanResult, Severity, TraceStep
from gate.redact import redact, secret_values
from gate.report import Report, Verdict

#: GitHub code scanning reads `security-severity` as a CVSS-like score; these sit inside each CVSS band.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

WORST_FIRST: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))


def finding_secrets(finding: Finding) -> frozenset[str]:
    """Secret values in a finding's source text: its snippet and trace, read with their file's syntax."""
    path = finding.location.path if finding.location else ""
    found = set(secret_values(finding.snippet, path))
    for step in finding.trace:
        found |= secret_values(step.snippet, step.location.path)
    return frozenset(found)


def redact_finding(finding: Finding, known: frozenset[str] = frozenset()) -> Finding:
    """A copy whose free text (title, message, snippet, trace, waiver justification) has secrets masked.

    A value seen in the snippet is masked in the message too (bandit repeats the password there);
    a rule's help text holds no value, so it stays as its author wrote it.
    """
    known = known | finding_secrets(finding)
    path = finding.location.path if finding.location else ""
    return finding.replace(
        title=redact(finding.title, known=known),
        message=redact(finding.message, known=known),
        snippet=redact(finding.snippet, path, known=known),
        trace=tuple(
            dataclasses.replace(step, snippet=redact(step.snippet, step.location.path, known=known))
            for step in finding.trace
        ),
        waiver_justification=(
            redact(finding.waiver_justification, known=known) if finding.waiver_justification else None
        ),
    )


def redact_report(report: Report) -> Report:
    """Every reporter renders this copy: scanner reasons quote tool stderr, which can hold a DSN too.

    Values found in any finding are masked everywhere in the report, not only in that finding.
    """
    known = frozenset().union(*(finding_secrets(f) for f in report.findings))

    def clean(text: str) -> str:
        return redact(text, known=known)

    return dataclasses.replace(
        report,
        findings=tuple(redact_finding(f, known) for f in report.findings),
        reasons=tuple(clean(r) for r in report.reasons),
        warnings=tuple(clean(w) for w in report.warnings),
        scanners=tuple(dataclasses.replace(s, reason=clean(s.reason)) for s in report.scanners),
    )


# Control characters, line and paragraph separators and bidi overrides: in a file name or a message
# they could forge report lines (`x\nverdict: PASS (prod)\n.py`) or reorder what a reader sees.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


_UNSAFE = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029" + "".join(sorted(_BIDI)) + "]")
# Snippets keep line breaks and tabs: reporters prefix every snippet line, and a tab forges nothing.
_UNSAFE_BUT_NEWLINE = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029" + "".join(sorted(_BIDI)) + "]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control character shown as an escape (`\\n`, `\\x1b`, `\\u202e`).

    keep_newlines: a snippet's line breaks and tabs stay (reporters prefix every snippet line themselves).
    """
    return (_UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE).sub(_escape, text)


def _printable_finding(finding: Finding) -> Finding:
    location = finding.location
    if location is not None:
        location = dataclasses.replace(location, path=printable(location.path))
    return finding.replace(
        rule_id=printable(finding.rule_id),
        title=printable(" ".join(finding.title.splitlines())),
        message=printable(" ".join(finding.message.splitlines())),
        snippet=printable(finding.snippet, keep_newlines=True),
        location=location,
        package=printable(finding.package) if finding.package is not None else None,
        version=printable(finding.version) if finding.version is not None else None,
        trace=tuple(
            dataclasses.replace(
                step,
                snippet=printable(" ".join(step.snippet.splitlines())),  # shown inline after the step
                location=dataclasses.replace(step.location, path=printable(step.location.path)),
            )
            for step in finding.trace
        ),
        waiver_justification=(
            printable(" ".join(finding.waiver_justification.splitlines())) if finding.waiver_justification else None
        ),
    )


def human_report(report: Report) -> Report:
    """What a human-readable reporter renders: secrets masked, then control characters escaped."""
    report = redact_report(report)
    return dataclasses.replace(
        report,
        target=printable(report.target),
        environment=printable(report.environment),
        findings=tuple(_printable_finding(f) for f in report.findings),
        reasons=tuple(printable(r) for r in report.reasons),
        warnings=tuple(printable(w) for w in report.warnings),
        scanners=tuple(
            dataclasses.replace(
                s, tool=printable(s.tool), reason=printable(s.reason), tool_version=printable(s.tool_version)
            )
            for s in report.scanners
        ),
        policy_source=printable(report.policy_source),
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
    """BLOCKING / open / advisory / waived (id) / baselined."""
    if finding.state is FindingState.WAIVED:
        return f"waived ({finding.waiver_id})" if finding.waiver_id else "waived"
    if finding.state is FindingState.BASELINED:
        return "baselined"
    if finding.blocking:
        return "BLOCKING"
    return "advisory" if finding.advisory else "open"


def step_label(step: TraceStep) -> str:
    """`app.py:12` for one place on a data-flow trace."""
    return f"{step.location.path}:{step.location.start_line}"


def trace_label(finding: Finding) -> str:
    """`app.py:6 → app.py:7 → app.py:9`: source, steps and sink of a traced flow; empty without a trace."""
    return " → ".join(step_label(step) for step in finding.trace)


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
