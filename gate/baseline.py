"""Baselines: accept the findings that exist today so only new ones block, compared as a multiset."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate.configfile import load_json
from gate.errors import ConfigError
from gate.findings import FINGERPRINT_VERSION, Finding, FindingState

BASELINE_SCHEMA = "hardgate-baseline"
BASELINE_VERSION = 1
# A count is how many identical findings one codebase holds: thousands is already absurd. The bound
# keeps a corrupt or hostile file (10**20) from becoming an OverflowError or MemoryError later.
MAX_COUNT = 100_000
MAX_TOTAL = 1_000_000


@dataclass(frozen=True)
class Baseline:
    source: str
    digest: str  # sha256 of the file's bytes, for the decision record
    counts: dict[str, int]  # fingerprint -> how many findings with it are accepted
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselineOutcome:
    findings: tuple[Finding, ...]
    resolved: tuple[str, ...]  # baselined fingerprints (one per missing copy) no longer found


def label(finding: Finding) -> str:
    """A short human hint for a fingerprint: rule and place, or package and version."""
    if finding.is_dependency:
        return f"{finding.rule_id} {finding.package}=={finding.version}"
    where = f"{finding.location.path}:{finding.location.start_line}" if finding.location else "?"
    return f"{finding.rule_id} {where}"


def create_baseline(findings: Sequence[Finding], now: dt.datetime | None = None) -> dict[str, Any]:
    """The JSON document for a baseline of these findings (waived ones included: they exist too)."""
    counts = Counter(f.fingerprint for f in findings if f.fingerprint)
    labels: dict[str, str] = {}
    for finding in findings:
        if finding.fingerprint:
            labels.setdefault(finding.fingerprint, label(finding))
    created = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    return {
        "schema": BASELINE_SCHEMA,
        "version": BASELINE_VERSION,
        "fingerprint_version": FINGERPRINT_VERSION,
        "created_at": created,
        "fingerprints": {fp: {"count": counts[fp], "label": labels[fp]} for fp in sorted(counts)},
    }


def write_baseline(document: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _malformed(path: Path, detail: str) -> ConfigError:
    return ConfigError(f"{path}: not a hardgate baseline: {detail}; recreate it with `hardgate baseline create`")


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; ConfigError when it is missing or malformed."""
    raw, document = load_json(path, "baseline")
    if not isinstance(document, dict) or document.get("schema") != BASELINE_SCHEMA:
        raise _malformed(path, f'expected "schema": "{BASELINE_SCHEMA}"')
    if document.get("version") != BASELINE_VERSION:
        raise _malformed(path, f"version: expected {BASELINE_VERSION}, got {document.get('version')!r}")
    if document.get("fingerprint_version") != FINGERPRINT_VERSION:
        raise _malformed(path, f"fingerprint_version: expected {FINGERPRINT_VERSION!r}")
    entries = document.get("fingerprints")
    if not isinstance(entries, dict):
        raise _malformed(path, "fingerprints: expected an object of fingerprint -> {count, label}")
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for fingerprint, entry in entries.items():
        count = entry.get("count") if isinstance(entry, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
            raise _malformed(path, f"fingerprints.{fingerprint}.count: expected a positive integer up to {MAX_COUNT}")
        counts[fingerprint] = count
        labels[fingerprint] = str(entry.get("label", ""))
    if sum(counts.values()) > MAX_TOTAL:
        raise _malformed(path, f"fingerprints: counts add up to more than {MAX_TOTAL} findings")
    return Baseline(str(path), "sha256:" + hashlib.sha256(raw).hexdigest(), counts, labels)


def apply_baseline(findings: Sequence[Finding], baseline: Baseline) -> BaselineOutcome:
    """Mark open findings BASELINED while copies of their fingerprint remain; the rest stay OPEN.

    n baselined copies hide at most n findings. Waived findings keep their state but still count as
    present, so a waived issue is not reported as resolved.
    """
    remaining = Counter(baseline.counts)
    present: Counter[str] = Counter()
    result: list[Finding] = []
    for finding in findings:
        present[finding.fingerprint] += 1
        if finding.state is FindingState.OPEN and remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            finding = finding.replace(state=FindingState.BASELINED)
        result.append(finding)
    resolved: list[str] = []
    for fingerprint, count in sorted(baseline.counts.items()):
        resolved.extend([fingerprint] * max(0, count - present[fingerprint]))
    return BaselineOutcome(findings=tuple(result), resolved=tuple(resolved))
