"""CycloneDX 1.6 JSON: the target's Python dependencies (an SBOM) and the vulnerabilities found in them.

Components come from the target's manifests and lock files (`gate.dependencies.discover`, offline),
one per pinned package with its purl; the vulnerabilities are the report's dependency findings, each
with its id, aliases as references, the gate's rating, the affected version, fixed versions and
advisory links. A waived finding carries VEX analysis: the waiver is an accepted, reviewed claim
that the release is not affected, so state `not_affected` with the waiver's justification as detail,
and the waiver's id, owner and expiry as properties. Built with cyclonedx-python-lib.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus, ImpactAnalysisState
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

from gate.dependencies import Dependency, discover
from gate.errors import HardgateError
from gate.findings import Finding, FindingState, Severity, canonical_package_name
from gate.report import Report
from gate.reporters.base import Reporter
from gate.reporters.common import finding_id, redact_report

SCHEMA_VERSION = SchemaVersion.V1_6
_NAMESPACE = uuid.UUID("5b0e1f3a-93a4-4c55-9a1e-2f7d6c4b8e01")  # serial numbers derive from the scan, stably
_SEVERITIES = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.INFO: VulnerabilitySeverity.INFO,
}
# Where an id is published, by prefix; OSV serves every one of them.
_ID_SOURCES = (
    ("CVE-", "NVD", "https://nvd.nist.gov/vuln/detail/"),
    ("GHSA-", "GitHub", "https://github.com/advisories/"),
)
_OSV = "https://osv.dev/vulnerability/"


def vuln_source(vuln_id: str) -> VulnerabilitySource:
    for prefix, name, base in _ID_SOURCES:
        if vuln_id.upper().startswith(prefix):
            return VulnerabilitySource(name=name, url=XsUri(base + vuln_id))
    return VulnerabilitySource(name="OSV", url=XsUri(_OSV + vuln_id))


def _key(name: str, version: str | None) -> tuple[str, str]:
    return canonical_package_name(name), version or ""


def _purl(name: str, version: str | None) -> PackageURL:
    return PackageURL(type="pypi", name=canonical_package_name(name), version=version or None)


def dependency_component(dependency: Dependency) -> Component:
    where = f"{dependency.manifest}:{dependency.line}" if dependency.line else dependency.manifest
    return Component(
        type=ComponentType.LIBRARY,
        name=dependency.name,
        version=dependency.version,
        purl=_purl(dependency.name, dependency.version),
        bom_ref=dependency.purl or f"pkg:pypi/{dependency.canonical_name}?manifest={where}",
        properties=[
            Property(name="hardgate:manifest", value=where),
            Property(name="hardgate:direct", value=str(dependency.direct).lower()),
            Property(name="hardgate:source_format", value=dependency.source_format),
        ],
    )


def finding_component(finding: Finding) -> Component:
    """A package known only from a finding (its manifest is gone or outside this tree)."""
    name, version = finding.package or "", finding.version
    where = [Property(name="hardgate:manifest", value=finding.location.path)] if finding.location else []
    return Component(
        type=ComponentType.LIBRARY,
        name=name,
        version=version,
        purl=_purl(name, version),
        bom_ref=str(_purl(name, version).to_string()),
        properties=where,
    )


def analysis(finding: Finding) -> VulnerabilityAnalysis | None:
    if finding.state is not FindingState.WAIVED:
        return None
    detail = finding.waiver_justification or "waived"
    return VulnerabilityAnalysis(
        state=ImpactAnalysisState.NOT_AFFECTED, detail=f"{detail} (waiver {finding.waiver_id})"
    )


def properties(finding: Finding) -> list[Property]:
    found = [Property(name="hardgate:state", value=finding.state.value)]
    found.append(Property(name="hardgate:blocking", value=str(finding.blocking).lower()))
    if finding.state is FindingState.WAIVED:
        accepted = dict(finding.extra)
        found += [
            Property(name="hardgate:waiver:id", value=finding.waiver_id or ""),
            Property(name="hardgate:waiver:owner", value=accepted.get("waiver_owner", "")),
            Property(name="hardgate:waiver:expires", value=accepted.get("waiver_expires", "") or "never"),
        ]
    if finding.location is not None:
        found.append(Property(name="hardgate:location", value=f"{finding.location.path}:{finding.location.start_line}"))
    return found


def vulnerability(finding: Finding, component: Component) -> Vulnerability:
    versions = [BomTargetVersionRange(version=finding.version, status=ImpactAnalysisAffectedStatus.AFFECTED)]
    versions += [
        BomTargetVersionRange(version=v, status=ImpactAnalysisAffectedStatus.UNAFFECTED) for v in finding.fix_versions
    ]
    advisories = [VulnerabilityAdvisory(url=XsUri(_OSV + finding.rule_id), title=f"OSV {finding.rule_id}")]
    if finding.help_uri and finding.help_uri.startswith(("https://", "http://")):
        advisories.insert(0, VulnerabilityAdvisory(url=XsUri(finding.help_uri)))
    recommendation = (
        f"Upgrade {finding.package} to {' or '.join(finding.fix_versions)}."
        if finding.fix_versions
        else f"No fixed version of {finding.package} is known yet."
    )
    return Vulnerability(
        bom_ref=f"vuln:{finding_id(finding)}",
        id=finding.rule_id,
        source=vuln_source(finding.rule_id),
        references=[VulnerabilityReference(id=alias, source=vuln_source(alias)) for alias in finding.aliases],
        ratings=[
            VulnerabilityRating(
                source=VulnerabilitySource(name="hardgate"),
                severity=_SEVERITIES[finding.severity],
                method=VulnerabilityScoreSource.OTHER,
                justification="severity after the advisory store and policy rule overrides",
            )
        ],
        cwes=[int(c.upper().removeprefix("CWE-")) for c in finding.cwe if c.upper().removeprefix("CWE-").isdigit()],
        description=finding.message,
        recommendation=recommendation,
        advisories=advisories,
        analysis=analysis(finding),
        affects=[BomTarget(ref=component.bom_ref.value or "", versions=versions)],
        properties=properties(finding),
    )


def target_root(report: Report) -> Path | None:
    root = Path(report.target)
    return root if root.is_dir() else None


def build_bom(report: Report) -> Bom:
    report = redact_report(report)
    root = target_root(report)
    inventory = discover(root) if root is not None else None
    components: dict[tuple[str, str], Component] = {}
    direct: list[Component] = []
    for dependency in inventory.dependencies if inventory is not None else ():
        key = _key(dependency.name, dependency.version)
        if key not in components:
            components[key] = dependency_component(dependency)
        if dependency.direct:
            direct.append(components[key])
    vulnerabilities = []
    for finding in report.findings:
        if not finding.is_dependency:
            continue
        key = _key(finding.package or "", finding.version)
        if key not in components:
            components[key] = finding_component(finding)
            direct.append(components[key])
        vulnerabilities.append(vulnerability(finding, components[key]))
    name = Path(report.target).resolve().name or report.target
    subject = Component(type=ComponentType.APPLICATION, name=name, bom_ref=f"target:{name}")
    try:
        timestamp = dt.datetime.fromisoformat(report.started_at)
    except ValueError:
        timestamp = dt.datetime.now(dt.UTC)
    bom = Bom(
        serial_number=uuid.uuid5(_NAMESPACE, f"{report.target}\0{report.started_at}\0{report.environment}"),
        components=components.values(),
        vulnerabilities=vulnerabilities,
        properties=[
            Property(name="hardgate:environment", value=report.environment),
            Property(name="hardgate:verdict", value=report.verdict.value),
        ],
    )
    bom.metadata.timestamp = timestamp
    bom.metadata.component = subject
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="hardgate", version=report.hardgate_version or "0")
    )
    bom.register_dependency(subject, dict.fromkeys(direct))
    for component in components.values():
        bom.register_dependency(component, [])
    return bom


class CyclonedxReporter(Reporter):
    name = "cyclonedx"

    def render(self, report: Report) -> str:
        try:
            outputter = make_outputter(build_bom(report), OutputFormat.JSON, SCHEMA_VERSION)
            return outputter.output_as_string(indent=2) + "\n"
        except ValueError as exc:  # the library refuses a BOM it cannot serialise; never a traceback
            raise HardgateError(f"cannot write the CycloneDX SBOM: {exc}") from None
