"""pip-audit over every dependency manifest. Exit 1 means "vulnerable" and "crashed" alike, so the JSON decides."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from gate.findings import Finding, Location, canonical_package_name, dependency_fingerprint
from gate.scanners.base import RawOutput, ScanConfig, Scanner, ScanResult, ScanStatus, ScanTarget, first_line
from gate.targets import pinned_requirements, pyproject_pins

ECOSYSTEM = "PyPI"
UNKNOWN_SEVERITY_MARK = ("severity_source", "unknown")


def _error_line(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line.lower():
            return line.strip()[:300]
    return first_line(stderr)


class PipAuditScanner(Scanner):
    name = "pip-audit"
    binary = "pip-audit"

    #: Advisories change without any file changing: a cached pip-audit result is reused for an hour at most.
    cache_max_age = dt.timedelta(hours=1)

    def applies(self, target: ScanTarget) -> bool:
        return bool(target.manifests)

    def inputs(self, target: ScanTarget) -> tuple[str, ...]:
        return target.manifests

    def requirement_files(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        """Manifests as pip-audit `-r` files; pinned pyproject dependencies go through a generated file."""
        files: list[str] = []
        for manifest in target.manifests:
            if manifest.endswith(".txt"):
                files.append(manifest)
                continue
            work_dir = config.work_dir or Path(tempfile.mkdtemp(prefix="hardgate-"))
            generated = work_dir / (manifest.replace("/", "__") + ".requirements.txt")
            generated.write_text("\n".join(pyproject_pins(target.root / manifest)) + "\n", encoding="utf-8")
            files.append(str(generated))
        return files

    def all_pinned(self, target: ScanTarget) -> bool:
        for manifest in target.manifests:
            if not manifest.endswith(".txt"):
                continue  # pyproject manifests are reduced to their pins
            lines = (target.root / manifest).read_text(encoding="utf-8", errors="replace").splitlines()
            meaningful = [ln for ln in lines if ln.strip() and not ln.strip().startswith("#")]
            if len(pinned_requirements(meaningful)) != len(meaningful):
                return False
        return True

    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        argv = [self.binary, "--format", "json", "--progress-spinner", "off"]
        for requirement_file in self.requirement_files(target, config):
            argv += ["--requirement", requirement_file]
        if self.all_pinned(target):
            # Fully pinned: audit exactly these versions, without asking pip (and a package index) to resolve.
            argv += ["--no-deps", "--disable-pip"]
        if config.osv_url:
            argv += ["--vulnerability-service", "osv", "--osv-url", config.osv_url]
        return argv

    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        try:
            data = json.loads(raw.stdout)
            dependencies = data["dependencies"]
        except (ValueError, KeyError, TypeError):
            reason = _error_line(raw.stderr) or "output is not pip-audit JSON"
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}: {reason}")
        if raw.exit_code not in (0, 1):
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}: {_error_line(raw.stderr)}")
        skipped = [d for d in dependencies if d.get("skip_reason")]
        if skipped:
            first = skipped[0]
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"{len(skipped)} dependency(ies) not audited, e.g. {first.get('name')}: {first['skip_reason']}",
            )
        locations = self._pin_locations(target)
        findings: list[Finding] = []
        try:
            for dependency in dependencies:
                for vuln in dependency.get("vulns", []):
                    findings.append(self._finding(dependency, vuln, locations, config))
        except (KeyError, TypeError) as exc:
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"unexpected pip-audit result shape: {exc}")
        return ScanResult(self.name, ScanStatus.OK, findings=tuple(findings))

    def _pin_locations(self, target: ScanTarget) -> dict[tuple[str, str], Location]:
        """Where each `name==version` is pinned, so reports can point at the manifest line."""
        found: dict[tuple[str, str], Location] = {}
        for manifest in target.manifests:
            lines = (target.root / manifest).read_text(encoding="utf-8", errors="replace").splitlines()
            pins: list[tuple[str, str, int]] = []
            if manifest.endswith("pyproject.toml"):
                for number, text in enumerate(lines, start=1):
                    stripped = text.strip().strip(",").strip("\"'")
                    pins += [(name, version, number) for name, version, _ in pinned_requirements([stripped])]
            else:
                pins += pinned_requirements(lines)
            for name, version, line_number in pins:
                key = (canonical_package_name(name), version)
                found.setdefault(key, Location(path=manifest, start_line=line_number, end_line=line_number))
        return found

    def _finding(
        self,
        dependency: dict[str, Any],
        vuln: dict[str, Any],
        locations: dict[tuple[str, str], Location],
        config: ScanConfig,
    ) -> Finding:
        name, version = str(dependency["name"]), str(dependency["version"])
        vuln_id = str(vuln["id"])
        aliases = tuple(sorted({str(a) for a in vuln.get("aliases", [])} - {vuln_id}))
        fixes = tuple(str(v) for v in vuln.get("fix_versions", []))
        description = " ".join(str(vuln.get("description") or "").split())
        fix_text = f"; fixed in {', '.join(fixes)}" if fixes else "; no fixed version"
        location = locations.get((canonical_package_name(name), version))
        return Finding(
            tool=self.name,
            rule_id=vuln_id,
            title=f"{name} {version}: {vuln_id}",
            message=(description[:500] or f"{name} {version} is affected by {vuln_id}") + fix_text,
            severity=config.unknown_severity,
            confidence="high",
            location=location,
            snippet=f"{name}=={version}",
            package=name,
            version=version,
            fix_versions=fixes,
            aliases=aliases,
            fingerprint=dependency_fingerprint(ECOSYSTEM, name, version, (vuln_id, *aliases)),
            sources=(self.name,),
            extra=(UNKNOWN_SEVERITY_MARK,),
        )


def severity_is_unknown(finding: Finding) -> bool:
    return UNKNOWN_SEVERITY_MARK in finding.extra
