"""The one finding model every scanner normalises into, what a scanner is given and returns, and fingerprint v1."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(enum.IntEnum):
    """Ordered severities: a larger value is worse, so `>=` means "at least"."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity label such as ``high`` or ``MODERATE`` (GHSA's word for medium)."""
        normalised = text.strip().upper()
        if normalised == "MODERATE":
            normalised = "MEDIUM"
        try:
            return cls[normalised]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}") from None


class FindingState(enum.Enum):
    """What the waiver/baseline stage decided about a finding."""

    OPEN = "open"
    WAIVED = "waived"
    BASELINED = "baselined"


@dataclass(frozen=True)
class Location:
    """Where a code finding sits, relative to the scan target's root."""

    path: str
    start_line: int = 0
    end_line: int = 0
    start_column: int = 0
    end_column: int = 0

    def overlaps(self, other: Location) -> bool:
        return (
            self.path == other.path
            and self.start_line <= max(other.end_line, other.start_line)
            and other.start_line <= max(self.end_line, self.start_line)
        )


class Evidence(enum.Enum):
    """How much a finding proves, which the policy uses to decide whether it may block.

    FLOW: a traced source→sink data flow. EXACT: the match itself is the flaw (debug on, TLS
    verification off, a weak hash). SHAPE: the code looks like a flaw but nothing shows attacker data
    reaching it (a SQL string built from a parameter, `import subprocess`).
    """

    FLOW = "flow"
    EXACT = "exact"
    SHAPE = "shape"

    @classmethod
    def parse(cls, text: str) -> Evidence:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown evidence {text!r}; expected flow, exact or shape") from None


@dataclass(frozen=True)
class TraceStep:
    """One place on a data-flow trace: where tainted data enters, passes through, or is used."""

    kind: str  # "source" | "step" | "sink"
    location: Location
    snippet: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "location": dataclasses.asdict(self.location), "snippet": self.snippet}


TRACE_KINDS = ("source", "step", "sink")


@dataclass(frozen=True)
class Finding:
    """One normalised result. Frozen: later stages return modified copies."""

    tool: str
    rule_id: str
    title: str
    message: str
    severity: Severity
    confidence: str = "medium"
    cwe: tuple[str, ...] = ()
    owasp: tuple[str, ...] = ()
    location: Location | None = None
    snippet: str = ""
    # Dependency findings only.
    package: str | None = None
    version: str | None = None
    fix_versions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    fingerprint: str = ""
    sources: tuple[str, ...] = ()
    # Set by the waiver and baseline stage.
    state: FindingState = FindingState.OPEN
    waiver_id: str | None = None
    waiver_justification: str | None = None
    # Set by the policy stage: whether this finding, on its own, blocks the release.
    blocking: bool = False
    help_uri: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
    # Ordered source → intermediate steps → sink, for findings a data-flow rule confirmed. Not part of
    # the fingerprint: a refactor that adds a step must not turn a baselined finding into a new one.
    trace: tuple[TraceStep, ...] = ()
    # Scanners that know nothing of evidence (pip-audit, the gate's own findings) report exact facts.
    evidence: Evidence = Evidence.EXACT
    # Set by the policy stage: the environment reports this evidence without blocking on it.
    advisory: bool = False

    @property
    def is_dependency(self) -> bool:
        return self.package is not None

    @property
    def vuln_ids(self) -> frozenset[str]:
        """The rule id plus every alias, for matching vulnerability waivers."""
        return frozenset((self.rule_id, *self.aliases))

    def replace(self, **changes: Any) -> Finding:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["severity"] = self.severity.label
        data["state"] = self.state.value
        data["cwe"] = list(self.cwe)
        data["owasp"] = list(self.owasp)
        data["fix_versions"] = list(self.fix_versions)
        data["aliases"] = list(self.aliases)
        data["sources"] = list(self.sources)
        data["extra"] = dict(self.extra)
        data["trace"] = [step.to_dict() for step in self.trace]
        data["evidence"] = self.evidence.value
        return data

    @property
    def trace_lines(self) -> frozenset[tuple[str, int]]:
        """Every (path, line) the trace passes through, for merging shape findings into the flow."""
        return frozenset(
            (normalise_path(step.location.path), line)
            for step in self.trace
            for line in range(step.location.start_line, max(step.location.end_line, step.location.start_line) + 1)
        )


class ScanStatus(enum.StrEnum):
    """How one step ended: a scanner's run in the gate, or a stage of the pipeline runner."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing for it to do (a scanner: no Python files, no manifests)


@dataclass(frozen=True)
class ScanTarget:
    """What to scan: the root and the already-filtered, root-relative file lists."""

    root: Path
    files: tuple[str, ...]
    python_files: tuple[str, ...]
    manifests: tuple[str, ...]
    # (path, why) for files found but handed to no scanner: too large, not a regular file.
    unscanned: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ScanResult:
    """What one scanner reports: its status, and its findings when it ran OK."""

    tool: str
    status: ScanStatus
    reason: str = ""
    findings: tuple[Finding, ...] = ()
    tool_version: str = ""
    duration_s: float = 0.0
    cached: bool = False
    # Findings the code suppresses inline (`# nosec`); the policy decides per environment what they mean.
    suppressed_inline: tuple[Finding, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return self.status is ScanStatus.FAILED


FINGERPRINT_VERSION = "v1"
_WHITESPACE = re.compile(r"\s+")
_NAME_SEPARATORS = re.compile(r"[-_.]+")


def normalise_path(path: str) -> str:
    """Repo-relative, forward slashes, no leading ``./``."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def canonical_package_name(name: str) -> str:
    """PEP 503 normalisation, so ``PyYAML`` and ``pyyaml`` fingerprint alike."""
    return _NAME_SEPARATORS.sub("-", name).lower()


def normalise_source(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def tool_family(tool: str) -> str:
    """bandit and semgrep both report Python code issues; keep their tool name as the family."""
    return tool.split(":", 1)[0].lower()


def _sha256(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return f"{FINGERPRINT_VERSION}:{digest.hexdigest()}"


def code_fingerprint(tool: str, rule_id: str, path: str, source_text: str, occurrence: int) -> str:
    """Content-based: stays stable when code above the finding moves."""
    return _sha256(
        "code", tool_family(tool), rule_id, normalise_path(path), normalise_source(source_text), str(occurrence)
    )


def dependency_fingerprint(ecosystem: str, package: str, version: str, ids: Iterable[str]) -> str:
    smallest_id = min(ids, default="")
    return _sha256("dependency", ecosystem.lower(), canonical_package_name(package), version, smallest_id)


def flagged_source(lines: Sequence[str], start_line: int, end_line: int) -> str:
    """The text of 1-based lines start..end, or empty if out of range."""
    if start_line <= 0:
        return ""
    end_line = max(end_line, start_line)
    return "\n".join(lines[start_line - 1 : end_line])


def assign_code_fingerprints(findings: Iterable[Finding], read_lines: Any) -> list[Finding]:
    """Give each code finding its fingerprint v1, numbering identical matches within a file.

    ``read_lines(path) -> list[str]`` returns the target-relative file's lines (empty if unreadable).
    The occurrence index keeps two identical flagged lines in one file distinct, which is what lets
    a baseline treat fingerprints as a multiset.
    """
    ordered = sorted(
        findings,
        key=lambda f: (
            f.location.path if f.location else "",
            f.location.start_line if f.location else 0,
            f.location.start_column if f.location else 0,
            f.rule_id,
        ),
    )
    seen: dict[tuple[str, str, str, str], int] = {}
    result: list[Finding] = []
    cache: dict[str, list[str]] = {}
    for finding in ordered:
        if finding.fingerprint or finding.location is None:
            result.append(finding)
            continue
        path = normalise_path(finding.location.path)
        if path not in cache:
            cache[path] = read_lines(path)
        text = normalise_source(flagged_source(cache[path], finding.location.start_line, finding.location.end_line))
        key = (tool_family(finding.tool), finding.rule_id, path, text)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        result.append(
            finding.replace(fingerprint=code_fingerprint(finding.tool, finding.rule_id, path, text, occurrence))
        )
    return result
