"""semgrep with Hardgate's bundled rules only, offline: no metrics, no version check, no registry."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from gate.findings import Evidence, Finding, Location, ScanResult, ScanStatus, ScanTarget, normalise_path
from gate.scanners.base import RawOutput, ScanConfig, SubprocessScanner, first_line
from gate.scanners.capabilities import CacheMode, CachePolicy, Capabilities, Reads
from gate.scanners.dataflow import TextTraces, parse_text_traces, take_text_trace, trace_from_json
from gate.scanners.severity import semgrep_severity
from gate.scanners.source import has_marker, read_lines, snippet

SEMGREP_OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")
#: The copy of semgrep's text report, inside the scan's private work folder, that carries the traces.
TEXT_REPORT = "semgrep-text-report.txt"
#: Rule metadata key: how much a match proves (flow, exact or shape); see docs/policy.md.
EVIDENCE_KEY = "hardgate-evidence"
_RULE_ID_LINE = re.compile(r"^\s*-?\s*id:\s*['\"]?(?P<id>[\w.\-]+)")


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


def _rule_id_at(path: str, line: int) -> str:
    """The `id:` of the rule whose YAML starts at or after `line` of a rule file, or empty."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    for text in lines[max(line - 1, 0) : line + 2]:
        match = _RULE_ID_LINE.match(text)
        if match:
            return match.group("id")
    return ""


def _error_reason(error: dict[str, Any]) -> str:
    """One line for one semgrep error; a rule that failed to load is named by its id (and file)."""
    kind = str(error.get("type", "error"))
    if isinstance(error.get("type"), list):  # some versions report ["PartialParsing", [...]]
        kind = str(error["type"][0])
    message = " ".join(str(error.get("message") or error.get("short_msg") or "").split())
    detail = " ".join(str(error.get("long_msg") or "").split())
    text = f"{message}: {detail}" if message and detail and detail not in message else (message or detail)
    if error.get("rule_id"):
        # semgrep prefixes the id with the rules folder's dotted path; the rule's own id is unique.
        full_id = str(error["rule_id"])
        rule_id = full_id.rsplit(".", 1)[-1]
        return f"rule {rule_id} failed to load ({kind}): {text.replace(full_id, rule_id)[:300]}"
    spans = error.get("spans")
    if isinstance(spans, list) and spans and isinstance(spans[0], dict) and spans[0].get("file"):
        span_file = str(spans[0]["file"])
        line = int((spans[0].get("start") or {}).get("line", 0) or 0)
        rule_id = _rule_id_at(span_file, line)
        named = f"rule {rule_id} ({span_file}:{line})" if rule_id else f"rule file {span_file}:{line}"
        return f"{named} failed to load ({kind}): {text[:300]}"
    where = f" {error['path']}" if error.get("path") else ""
    return f"{kind}{where}: {text[:300]}"


def errors_reason(errors: list[Any]) -> str:
    """The failure reason for semgrep's `errors[]`: rule load errors first, as they void every result."""
    described = [e for e in errors if isinstance(e, dict)]
    if not described:
        return f"{len(errors)} error(s) in an unknown shape"
    rule_errors = [e for e in described if e.get("rule_id") or e.get("spans") or "rule" in str(e.get("type")).lower()]
    first = (rule_errors or described)[0]
    return f"{len(errors)} error(s), e.g. {_error_reason(first)}"


class SemgrepScanner(SubprocessScanner):
    name = "semgrep"
    binary = "semgrep"
    # The bundled rules are intra-file, so the scan cache may re-run semgrep on just the changed files.
    capabilities = Capabilities(
        cache=CachePolicy(CacheMode.PER_FILE), reads=Reads.SOURCES, suppression_marker="nosemgrep"
    )

    def targets(self, target: ScanTarget) -> tuple[str, ...]:
        return self.inputs(target)

    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        return [
            self.binary,
            "scan",
            "--config",
            str(config.rules_dir),
            "--json",
            # Taint findings carry source → sink; the JSON omits it without a login, the text copy does not.
            "--dataflow-traces",
            *((f"--text-output={config.work_dir / TEXT_REPORT}",) if config.work_dir is not None else ()),
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
            return ScanResult(self.name, ScanStatus.FAILED, reason=errors_reason(errors), tool_version=version)
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
        text_traces = self._text_traces(config)
        try:
            for item in results:
                finding, inline = self._finding(item, target, text_traces)
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

    @staticmethod
    def _text_traces(config: ScanConfig) -> TextTraces:
        """Traces from this run's text report copy (read once, then removed); empty if there is none."""
        if config.work_dir is None:
            return {}
        path = config.work_dir / TEXT_REPORT
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
            path.unlink()
        except OSError:
            return {}
        return parse_text_traces(text)

    def _finding(self, item: dict[str, Any], target: ScanTarget, text_traces: TextTraces) -> tuple[Finding, bool]:
        extra = item["extra"]
        metadata = extra.get("metadata") or {}
        # semgrep prefixes the rule id with the config folder's dotted path; keep the rule's own id.
        rule_id = str(item["check_id"]).rsplit(".", 1)[-1]
        path = normalise_path(str(item["path"]))
        start, end = int(item["start"]["line"]), int(item["end"]["line"])
        lines = read_lines(target.root, path)
        read = lambda relative: lines if relative == path else read_lines(target.root, relative)  # noqa: E731
        trace = trace_from_json(extra.get("dataflow_trace"), read) or take_text_trace(
            text_traces, path, str(item["check_id"]), start, read
        )
        # A traced flow is proven whatever the rule says; otherwise the rule declares what it proves.
        evidence = Evidence.FLOW if trace else Evidence.parse(str(metadata.get(EVIDENCE_KEY, "shape")))
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
            trace=trace,
            evidence=evidence,
        )
        return finding, has_marker(lines, start, end, self.capabilities.suppression_marker)
