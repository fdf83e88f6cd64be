"""bandit: Python AST checks. Files it cannot parse show up only in `errors[]`, so those fail the scan."""

from __future__ import annotations

import json

from gate.findings import Finding, Location, ScanResult, ScanStatus, ScanTarget, normalise_path
from gate.scanners.base import RawOutput, ScanConfig, SubprocessScanner, first_line
from gate.scanners.capabilities import CacheMode, CachePolicy, Capabilities, Reads
from gate.scanners.evidence import bandit_evidence
from gate.scanners.pyversion import bandit_python, unparsed_reason
from gate.scanners.severity import bandit_severity
from gate.scanners.source import has_marker, read_lines, snippet


def unanalysed_files(data: object, given: tuple[str, ...]) -> list[str]:
    """The files bandit was given that its `metrics` (one entry per analysed file) do not mention."""
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict):
        return list(given)
    seen = {normalise_path(str(name)) for name in metrics if name != "_totals"}
    return [path for path in given if normalise_path(path) not in seen]


class BanditScanner(SubprocessScanner):
    name = "bandit"
    binary = "bandit"
    # bandit judges each file on its own, so the scan cache may re-run it on just the changed files.
    capabilities = Capabilities(cache=CachePolicy(CacheMode.PER_FILE), reads=Reads.PYTHON, suppression_marker="nosec")

    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        # --ignore-nosec: report `# nosec` lines too; the gate decides per environment what they mean.
        return [self.binary, "--format", "json", "--quiet", "--ignore-nosec", "--", *target.python_files]

    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        if raw.exit_code not in (0, 1):
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"exit {raw.exit_code}: {first_line(raw.stderr)}")
        try:
            data = json.loads(raw.stdout)
            results = data["results"]
            errors = data.get("errors", [])
        except (ValueError, KeyError, TypeError):
            return ScanResult(self.name, ScanStatus.FAILED, reason="output is not bandit JSON")
        unread = unanalysed_files(data, target.python_files)
        if unread:
            # bandit skips some paths silently (its default excludes, a file it cannot open):
            # a file it was given but has no metrics for was never checked.
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"{len(unread)} file(s) given to bandit have no results or metrics, e.g. {unread[0]}",
            )
        if errors:
            return ScanResult(self.name, ScanStatus.FAILED, reason=self._errors_reason(errors, target))
        findings: list[Finding] = []
        suppressed: list[Finding] = []
        try:
            for item in results:
                finding, inline = self._finding(item, target)
                (suppressed if inline else findings).append(finding)
        except (KeyError, TypeError, ValueError) as exc:
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"unexpected bandit result shape: {exc}")
        return ScanResult(self.name, ScanStatus.OK, findings=tuple(findings), suppressed_inline=tuple(suppressed))

    def _errors_reason(self, errors: list[object], target: ScanTarget) -> str:
        """A file bandit could not parse is named with why: newer syntax (and which Python), or broken."""
        described = [e for e in errors if isinstance(e, dict)]
        syntax = [
            normalise_path(str(e.get("filename")))
            for e in described
            if "syntax error" in str(e.get("reason", "")).lower() and e.get("filename")
        ]
        if syntax and len(syntax) == len(errors):
            running = bandit_python(self.executable(), self.environment())
            return unparsed_reason(syntax, target.root, running)
        first = described[0] if described else {}
        return (
            f"{len(errors)} file(s) not analysed, e.g. {normalise_path(str(first.get('filename')))}: "
            f"{first.get('reason')}"
        )

    def _finding(self, item: dict[str, object], target: ScanTarget) -> tuple[Finding, bool]:
        path = normalise_path(str(item["filename"]))
        line_range = item.get("line_range") or [item["line_number"]]
        assert isinstance(line_range, list)
        start, end = int(line_range[0]), int(line_range[-1])
        lines = read_lines(target.root, path)
        cwe = item.get("issue_cwe")
        cwe_ids = (f"CWE-{cwe['id']}",) if isinstance(cwe, dict) and cwe.get("id") else ()
        test_id = str(item["test_id"])
        finding = Finding(
            tool=self.name,
            rule_id=test_id,
            title=f"{test_id} {item.get('test_name', '')}".strip(),
            message=str(item["issue_text"]),
            severity=bandit_severity(str(item["issue_severity"]), str(item["issue_confidence"])),
            confidence=str(item["issue_confidence"]).lower(),
            cwe=cwe_ids,
            location=Location(
                path=path,
                start_line=start,
                end_line=end,
                start_column=int(str(item.get("col_offset", 0))) + 1,
                end_column=int(str(item.get("end_col_offset", 0))) + 1,
            ),
            snippet=snippet(lines, start, end),
            sources=(self.name,),
            help_uri=str(item.get("more_info") or "") or None,
            evidence=bandit_evidence(test_id),
        )
        return finding, has_marker(lines, start, end, self.capabilities.suppression_marker)
