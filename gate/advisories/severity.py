"""Severity of an OSV record: a CVSS vector scored with the `cvss` library, else a GHSA-style label."""

from __future__ import annotations

from typing import Any

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from gate.findings import Severity
from gate.scanners.severity import cvss_score_severity

_SCORERS = {"CVSS_V4": CVSS4, "CVSS_V3": CVSS3, "CVSS_V2": CVSS2}


def _score(kind: str, vector: str) -> float | None:
    scorer = _SCORERS.get(kind)
    if scorer is None:
        return None
    try:
        score = scorer(vector).base_score
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return float(score)


def record_severity(record: dict[str, Any]) -> Severity | None:
    """The newest CVSS version present wins; then database_specific.severity; else None."""
    entries = [e for e in record.get("severity") or [] if isinstance(e, dict)]
    for kind in ("CVSS_V4", "CVSS_V3", "CVSS_V2"):
        for entry in entries:
            if entry.get("type") == kind:
                score = _score(kind, str(entry.get("score", "")))
                if score is not None:
                    return cvss_score_severity(score)
    label = (record.get("database_specific") or {}).get("severity")
    if isinstance(label, str):
        try:
            return Severity.parse(label)
        except ValueError:
            return None
    return None
