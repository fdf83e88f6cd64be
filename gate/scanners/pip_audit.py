"""pip-audit over every pinned dependency of every manifest and lock file, offline.

The gate reads the manifests itself (`gate.dependencies`) and hands pip-audit only generated
`name==version` files with `--no-deps --disable-pip`: pip-audit never resolves, never installs, never
parses a user's file (so `--hash` lines, `===` pins, `-r` includes and lock formats cannot trip it up),
and every finding maps back to the file and line that pinned the version.

A pin is audited once however many manifests name it (the answer for `flask==3.0.0` does not depend
on where it is written), then reported at each of its places. pip-audit refuses a run that names
one package twice, so pins go in as few runs as possible with each package at most once per run:
usually one run, one more per extra version of the most-duplicated package.

pip-audit exits 1 both for "vulnerable" and for "crashed", so the JSON decides; and the JSON must
account for every pin it was given, or the result is `failed`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gate.dependencies import Dependency, DependencyInventory, discover
from gate.findings import Finding, Location, ScanResult, ScanStatus, ScanTarget, Severity, dependency_fingerprint
from gate.scanners.base import RawOutput, ScanConfig, SubprocessScanner
from gate.scanners.capabilities import CacheMode, CachePolicy, Capabilities, Reads

ECOSYSTEM = "PyPI"
UNKNOWN_SEVERITY_MARK = ("severity_source", "unknown")
UNPINNED_RULE = "hardgate-unpinned-dependency"
UNAUDITABLE_RULE = "hardgate-unauditable-pin"

Pin = tuple[str, Version]  # canonical name, version


def pin_of(name: str, version: str) -> Pin | None:
    try:
        return str(canonicalize_name(name)), Version(version)
    except InvalidVersion:
        return None


def failure_reason(stderr: str) -> str:
    """pip-audit's real error: its first ERROR line, else a traceback's last line, never a WARNING."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    if errors:
        return errors[0][:300]
    if any(line.startswith("Traceback") for line in lines):
        return lines[-1][:300]
    others = [line for line in lines if not line.startswith("WARNING")]
    return (others[-1] if others else lines[0] if lines else "no error output")[:300]


def batches(pins: Sequence[Pin]) -> list[list[Pin]]:
    """Split pins into runs that each name a package at most once (pip-audit refuses duplicates)."""
    runs: list[list[Pin]] = []
    for pin in sorted(set(pins)):
        for run in runs:
            if all(name != pin[0] for name, _ in run):
                run.append(pin)
                break
        else:
            runs.append([pin])
    return runs


#: Advisories change without any file changing: a cached pip-audit result is reused for an hour at most.
CAPABILITIES = Capabilities(cache=CachePolicy(CacheMode.WHOLE, max_age=dt.timedelta(hours=1)), reads=Reads.MANIFESTS)


class PipAuditScanner(SubprocessScanner):
    name = "pip-audit"
    binary = "pip-audit"
    capabilities = CAPABILITIES

    def inventory(self, target: ScanTarget) -> DependencyInventory:
        return discover(target.root, target.files)

    def applies(self, target: ScanTarget) -> bool:
        inventory = self.inventory(target)
        return bool(inventory.dependencies or inventory.problems)

    def inputs(self, target: ScanTarget) -> tuple[str, ...]:
        # Narrower and wider than target.manifests: the files the inventory really read (and included).
        return self.inventory(target).files_read

    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        """The argv of the first run (the whole plan is in `run`)."""
        pins = [p for d in self.inventory(target).auditable() if (p := pin_of(d.name, d.version or ""))]
        plan = batches(pins)
        return _Batch(plan[0] if plan else [], 0).command(target, config)

    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        """Parse one run's output, given every pin of the target (as `command` does)."""
        pins = [p for d in self.inventory(target).auditable() if (p := pin_of(d.name, d.version or ""))]
        plan = batches(pins)
        batch = _Batch(plan[0] if plan else [], 0)
        result = batch.parse(raw, target, config)
        if result.failed:
            return result
        return self._located(self.inventory(target), {0: result}, {0: batch}, config)

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        started = time.monotonic()
        inventory = self.inventory(target)
        if not inventory.dependencies and not inventory.problems:
            return ScanResult(self.name, ScanStatus.SKIPPED, reason="no dependency manifests")
        if inventory.problems:
            first = inventory.problems[0]
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"{len(inventory.problems)} dependency file problem(s), e.g. {first}",
                duration_s=time.monotonic() - started,
            )
        pins = [p for d in inventory.auditable() if (p := pin_of(d.name, d.version or ""))]
        results: dict[int, ScanResult] = {}
        runs: dict[int, _Batch] = {}
        for index, run_pins in enumerate(batches(pins)):
            runs[index] = _Batch(run_pins, index)
            result = runs[index].run(target, config)
            if result.status is not ScanStatus.OK:
                return dataclasses.replace(result, duration_s=time.monotonic() - started)
            results[index] = result
        located = self._located(inventory, results, runs, config)
        version = next((r.tool_version for r in results.values() if r.tool_version), "")
        return dataclasses.replace(located, tool_version=version, duration_s=time.monotonic() - started)

    def _located(
        self,
        inventory: DependencyInventory,
        results: dict[int, ScanResult],
        runs: dict[int, _Batch],
        config: ScanConfig,
    ) -> ScanResult:
        """One finding per advisory per place a vulnerable pin is written, plus the reproducibility findings."""
        by_pin: dict[Pin, list[Finding]] = defaultdict(list)
        for index, result in results.items():
            for pin, finding in zip(runs[index].finding_pins, result.findings, strict=True):
                by_pin[pin].append(finding)
        findings: list[Finding] = []
        for dependency in inventory.auditable():
            placed = pin_of(dependency.name, dependency.version or "")
            for finding in by_pin.get(placed, []) if placed else []:
                findings.append(_placed(finding, dependency))
        findings += [reproducibility_finding(d, UNPINNED_RULE) for d in inventory.unpinned()]
        findings += [reproducibility_finding(d, UNAUDITABLE_RULE) for d in inventory.unauditable_pins()]
        return ScanResult(self.name, ScanStatus.OK, findings=tuple(findings))


class _Batch(SubprocessScanner):
    """One pip-audit process over a generated requirements file naming each package at most once."""

    name = "pip-audit"
    binary = "pip-audit"
    capabilities = CAPABILITIES

    def __init__(self, pins: Sequence[Pin], index: int) -> None:
        self.pins = list(pins)
        self.index = index
        self.finding_pins: list[Pin] = []  # the pin of each finding `parse` returned, in order

    def applies(self, target: ScanTarget) -> bool:
        return True  # the plan built this batch from pins the inventory found: there is something to audit

    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        work_dir = config.work_dir or Path(tempfile.mkdtemp(prefix="hardgate-"))
        requirements = work_dir / f"pip-audit-pins-{self.index}.txt"
        requirements.write_text("".join(f"{name}=={version}\n" for name, version in self.pins), encoding="utf-8")
        # Exact pins only: audit these versions, without asking pip (and a package index) to resolve anything.
        argv = [self.binary, "--format", "json", "--progress-spinner", "off", "--no-deps", "--disable-pip"]
        argv += ["--requirement", str(requirements)]
        if config.osv_url:
            argv += ["--vulnerability-service", "osv", "--osv-url", config.osv_url]
        return argv

    def _crashed(self, raw: RawOutput) -> ScanResult:
        return ScanResult(self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}: {failure_reason(raw.stderr)}")

    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        try:
            data = json.loads(raw.stdout)
            dependencies = data["dependencies"]
            if not isinstance(dependencies, list):
                raise TypeError("dependencies is not a list")
        except (ValueError, KeyError, TypeError):
            return ScanResult(
                self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}: {failure_reason(raw.stderr)}"
            )
        if raw.exit_code not in (0, 1):
            return ScanResult(
                self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}: {failure_reason(raw.stderr)}"
            )
        skipped = [d for d in dependencies if isinstance(d, dict) and d.get("skip_reason")]
        if skipped:
            first = skipped[0]
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"{len(skipped)} dependency(ies) not audited, e.g. {first.get('name')}: {first['skip_reason']}",
            )
        findings: list[Finding] = []
        self.finding_pins = []
        reported: set[Pin] = set()
        try:
            for dependency in dependencies:
                pin = pin_of(str(dependency["name"]), str(dependency["version"]))
                if pin is None:
                    raise ValueError(f"version {dependency['version']!r} is not PEP 440")
                reported.add(pin)
                for vuln in dependency.get("vulns", []):
                    findings.append(_finding(dependency, vuln, config))
                    self.finding_pins.append(pin)
        except (KeyError, TypeError, ValueError) as exc:
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"unexpected pip-audit result shape: {exc}")
        missing = [pin for pin in self.pins if pin not in reported]
        if missing:
            name, version = missing[0]
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"pip-audit did not report {len(missing)} of the {len(self.pins)} pin(s) it was given, "
                f"e.g. {name}=={version}: they were not checked",
            )
        return ScanResult(self.name, ScanStatus.OK, findings=tuple(findings))


def _finding(dependency: dict[str, Any], vuln: dict[str, Any], config: ScanConfig) -> Finding:
    name, version = str(dependency["name"]), str(dependency["version"])
    vuln_id = str(vuln["id"])
    aliases = tuple(sorted({str(a) for a in vuln.get("aliases", [])} - {vuln_id}))
    fixes = tuple(str(v) for v in vuln.get("fix_versions", []))
    description = " ".join(str(vuln.get("description") or "").split())
    fix_text = f"; fixed in {', '.join(fixes)}" if fixes else "; no fixed version"
    return Finding(
        tool="pip-audit",
        rule_id=vuln_id,
        title=f"{name} {version}: {vuln_id}",
        message=(description[:500] or f"{name} {version} is affected by {vuln_id}") + fix_text,
        severity=config.unknown_severity,
        confidence="high",
        snippet=f"{name}=={version}",
        package=name,
        version=version,
        fix_versions=fixes,
        aliases=aliases,
        fingerprint=dependency_fingerprint(ECOSYSTEM, name, version, (vuln_id, *aliases)),
        sources=("pip-audit",),
        extra=(UNKNOWN_SEVERITY_MARK,),
    )


def _placed(finding: Finding, dependency: Dependency) -> Finding:
    """The advisory finding at the line that pins the version, saying how the dependency got there."""
    extra = list(finding.extra)
    message = finding.message
    if not dependency.direct:
        message = f"{message} (transitive, locked in {dependency.manifest})"
        extra.append(("dependency", "transitive"))
    if dependency.via and dependency.via != dependency.manifest:
        extra.append(("included_by", dependency.via))
    return finding.replace(
        location=Location(path=dependency.manifest, start_line=dependency.line or 0, end_line=dependency.line or 0),
        message=message,
        extra=tuple(extra),
    )


def reproducibility_finding(dependency: Dependency, rule_id: str) -> Finding:
    """An unpinned requirement (or an `===` pin no advisory can match): what gets installed is unknown.

    Medium in requirements files and Pipfiles, which say what gets installed; low in pyproject.toml
    and setup.cfg, whose ranges are a package's abstract requirements (an application locks them).
    """
    severity = Severity.LOW if dependency.source_format in ("pyproject", "setup.cfg") else Severity.MEDIUM
    if rule_id == UNPINNED_RULE:
        wanted = f" {dependency.specifier}" if dependency.specifier else ""
        title = f"Unpinned dependency {dependency.name}{wanted}"
        message = (
            f"{dependency.name}{wanted} is not pinned to one version, so what gets installed, and whether "
            "it is vulnerable, is unknown (the gate never resolves it). Pin it (name==version, or through a "
            "-c constraints file), or lock the project (uv.lock, poetry.lock, Pipfile.lock, pylock.toml)."
        )
    else:
        title = f"Unauditable pin {dependency.name}==={dependency.version}"
        message = (
            f"{dependency.name} is pinned with === to {dependency.version!r}, which is not a PEP 440 version: "
            "no advisory can be matched against it. Pin a released version."
        )
    line = dependency.line or 0
    return Finding(
        tool="hardgate",
        rule_id=rule_id,
        title=title,
        message=message,
        severity=severity,
        confidence="high",
        cwe=("CWE-1104",),  # use of unmaintained / unverifiable third-party components
        location=Location(path=dependency.manifest, start_line=line, end_line=line),
        snippet=f"{dependency.name}{dependency.specifier}",
        sources=("hardgate",),
        extra=(("dependency", dependency.canonical_name), ("source_format", dependency.source_format)),
    )
