"""semgrep with Hardgate's bundled rules only, offline: no metrics, no version check, no registry."""

from __future__ import annotations

import json
import os
from typing import Any

from gate.findings import Finding, Location, normalise_path
from gate.scanners.base import RawOutput, ScanConfig, Scanner, ScanResult, ScanStatus, ScanTarget, first_line
from gate.scanners.severity import semgrep_severity
from gate.scanners.source import has_marker, read_lines, snippet
from gate.targets import SCANNED_SUFFIXES

SEMGREP_OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def cwe_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    """`"CWE-89: Improper Neutralization…"` → `"CWE-89"`."""
    return tuple(v.split(":", 1)[0].strip() for v in values if v.upper().startswith("CWE-"))


def unscanned_targets(data: dict[str, Any], given: tuple[str, ...]) -> list[str]:
    """The files semgrep was given that its `paths.scanned` does not list."""
    paths = data.get("paths")
    scanned = paths.get("scanned") if isinstance(paths, dict) else None
    if not isinstance(scanned, list):
        return list(given)
    seen = {normalise_path(str(path)) for path in scanned}
    return [path for path in given if normalise_path(path) not in seen]


class SemgrepScanner(Scanner):
    name = "semgrep"
    binary = "semgrep"

    def targets(self, target: ScanTarget) -> tuple[str, ...]:
        return tuple(f for f in target.files if f.endswith(SCANNED_SUFFIXES))

    def applies(self, target: ScanTarget) -> bool:
        return bool(self.targets(target))

    #: The bundled rules are intra-file, so the scan cache may re-run semgrep on just the changed files.
    cache_per_file = True

    def inputs(self, target: ScanTarget) -> tuple[str, ...]:
        return self.targets(target)

    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        return [
            self.binary,
            "scan",
            "--config",
            str(config.rules_dir),
            "--json",
            *SEMGREP_OFFLINE_FLAGS,
            # Report `# nosemgrep` lines too; the gate decides per environment what they mean.
            "--disable-nosem",
            "--no-git-ignore",
            "--quiet",
            "--timeout",
            str(max(1, int(config.timeout_s))),
            # The gate already left out larger files (as findings); semgrep must not skip any it is given.
            "--max-target-bytes",
            str(config.max_file_bytes + 1),
            "--",
            *self.targets(target),
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"})
        return env

    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        try:
            data = json.loads(raw.stdout)
            results = data["results"]
            errors = data.get("errors", [])
            version = str(data.get("version", ""))
        except (ValueError, KeyError, TypeError):
            detail = first_line(raw.stderr) or first_line(raw.stdout)
            return ScanResult(
                self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}, output is not semgrep JSON: {detail}"
            )
        if errors:
            first = errors[0]
            where = f" {first['path']}" if first.get("path") else ""
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"{len(errors)} error(s), e.g. {first.get('type', 'error')}{where}: "
                f"{first_line(str(first.get('message', '')))}",
                tool_version=version,
            )
        if raw.exit_code not in (0, 1):
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}: {first_line(raw.stderr)}")
        unread = unscanned_targets(data, self.targets(target))
        if unread:
            # semgrep skips files silently (size, .semgrepignore, unknown language): it must list every target.
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"{len(unread)} file(s) given to semgrep are missing from paths.scanned, e.g. {unread[0]}",
                tool_version=version,
            )
        findings: list[Finding] = []
        suppressed: list[Finding] = []
        try:
            for item in results:
                finding, inline = self._finding(item, target)
                (suppressed if inline else findings).append(finding)
        except (KeyError, TypeError, ValueError) as exc:
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"unexpected semgrep result shape: {exc}")
        return ScanResult(
            self.name,
            ScanStatus.OK,
            findings=tuple(findings),
            tool_version=version,
            suppressed_inline=tuple(suppressed),
        )

    def _finding(self, item: dict[str, Any], target: ScanTarget) -> tuple[Finding, bool]:
        extra = item["extra"]
        metadata = extra.get("metadata") or {}
        # semgrep prefixes the rule id with the config folder's dotted path; keep the rule's own id.
        rule_id = str(item["check_id"]).rsplit(".", 1)[-1]
        path = normalise_path(str(item["path"]))
        start, end = int(item["start"]["line"]), int(item["end"]["line"])
        lines = read_lines(target.root, path)
        equivalents = ",".join(_as_tuple(metadata.get("hardgate_equivalent_bandit")))
        references = _as_tuple(metadata.get("references"))
        finding = Finding(
            tool=self.name,
            rule_id=rule_id,
            title=rule_id,
            message=" ".join(str(extra.get("message", "")).split()),
            severity=semgrep_severity(str(extra.get("severity", "WARNING"))),
            confidence=str(metadata.get("confidence", "medium")).lower(),
            cwe=cwe_ids(_as_tuple(metadata.get("cwe"))),
            owasp=_as_tuple(metadata.get("owasp")),
            location=Location(
                path=path,
                start_line=start,
                end_line=end,
                start_column=int(item["start"].get("col", 0)),
                end_column=int(item["end"].get("col", 0)),
            ),
            snippet=snippet(lines, start, end),
            sources=(self.name,),
            help_uri=references[0] if references else None,
            extra=(("bandit_equivalent", equivalents),) if equivalents else (),
        )
        return finding, has_marker(lines, start, end, self.name)
