"""JUnit XML for CI test tabs: a testcase per scanner and per finding.

A blocking finding fails its testcase, a waived or baselined one is skipped, any other passes;
a failed scanner is an error, so the CI page shows an incomplete scan distinctly from a finding.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gate.findings import Finding, FindingState, ScanResult, ScanStatus
from gate.report import Report
from gate.reporters.base import Reporter
from gate.reporters.common import (
    dependency_summary,
    human_report,
    location_label,
    scanner_line,
    sources_label,
    state_label,
    verdict_line,
)


def _suite(parent: ET.Element, name: str, cases: list[ET.Element]) -> ET.Element:
    suite = ET.SubElement(parent, "testsuite", name=name)
    suite.extend(cases)
    counts = {tag: sum(1 for case in cases if case.find(tag) is not None) for tag in ("failure", "error", "skipped")}
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    return suite


def scanner_case(scan: ScanResult) -> ET.Element:
    case = ET.Element("testcase", classname="hardgate.scanners", name=scan.tool, time=f"{scan.duration_s:.3f}")
    if scan.status is ScanStatus.FAILED:
        ET.SubElement(case, "error", message=scan.reason or "failed", type="ScannerFailed").text = scanner_line(scan)
    elif scan.status is ScanStatus.SKIPPED:
        ET.SubElement(case, "skipped", message=scan.reason or "skipped")
    ET.SubElement(case, "system-out").text = scanner_line(scan)
    return case


def finding_details(finding: Finding) -> str:
    lines = [
        f"{finding.severity.label} {finding.rule_id} at {location_label(finding)} ({sources_label(finding)})",
        finding.message,
    ]
    if finding.is_dependency:
        lines.append(dependency_summary(finding))
    if finding.cwe:
        lines.append(", ".join(finding.cwe))
    if finding.fingerprint:
        lines.append(f"fingerprint: {finding.fingerprint}")
    if finding.snippet:
        lines.extend(["", finding.snippet])
    return "\n".join(lines)


def finding_case(finding: Finding) -> ET.Element:
    classname = (finding.location.path if finding.location else finding.package or finding.tool).replace("/", ".")
    case = ET.Element(
        "testcase", classname=f"hardgate.findings.{classname}", name=f"{finding.rule_id} {location_label(finding)}"
    )
    summary = f"[{finding.severity.label}] {finding.title}: {finding.message}"
    if finding.blocking:
        ET.SubElement(case, "failure", message=summary, type=finding.severity.label).text = finding_details(finding)
    elif finding.state is not FindingState.OPEN:
        reason = state_label(finding)
        if finding.waiver_justification:
            reason = f"{reason}: {finding.waiver_justification}"
        ET.SubElement(case, "skipped", message=reason)
    else:
        ET.SubElement(case, "system-out").text = finding_details(finding)
    return case


def junit_tree(report: Report) -> ET.Element:
    report = human_report(report)  # secrets masked, control characters escaped
    root = ET.Element("testsuites", name=f"hardgate ({report.environment})", time=f"{report.duration_s:.3f}")
    _suite(root, "hardgate.scanners", [scanner_case(s) for s in report.scanners])
    findings = _suite(root, "hardgate.findings", [finding_case(f) for f in report.findings])
    properties = ET.SubElement(findings, "properties")
    for name, value in (
        ("environment", report.environment),
        ("verdict", report.verdict.value),
        ("exit_code", str(report.verdict.exit_code)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    # JUnit wants <properties> first inside a testsuite.
    findings.remove(properties)
    findings.insert(0, properties)
    ET.SubElement(findings, "system-out").text = "\n".join([*report.warnings, verdict_line(report)])
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(suite.get(attr, "0")) for suite in root)))
    return root


class JunitReporter(Reporter):
    name = "junit"

    def render(self, report: Report) -> str:
        tree = junit_tree(report)
        ET.indent(tree)
        return ET.tostring(tree, encoding="unicode", xml_declaration=True) + "\n"
