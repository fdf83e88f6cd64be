"""OSV version matching for PyPI: ECOSYSTEM ranges (introduced, fixed, last_affected, limit) and versions[]."""

from __future__ import annotations

from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "PyPI"


def parse_version(text: str) -> Version:
    """PEP 440 version; raises ValueError with a readable message for garbage."""
    try:
        return Version(text)
    except InvalidVersion:
        raise ValueError(f"invalid PEP 440 version {text!r}") from None


def _event_version(value: str) -> Version | None:
    if value == "0":
        return Version("0")
    try:
        return Version(value)
    except InvalidVersion:
        return None  # an event we cannot order cannot decide anything


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """Walk the events in version order; each one the version has passed flips the state."""
    ordered: list[tuple[Version, str]] = []
    for event in events:
        for kind, value in event.items():
            parsed = _event_version(str(value))
            if parsed is not None:
                ordered.append((parsed, kind))
    ordered.sort(key=lambda item: item[0])
    affected = False
    for boundary, kind in ordered:
        passed = version > boundary if kind == "last_affected" else version >= boundary
        if passed and kind == "introduced":
            affected = True
        elif passed and kind in ("fixed", "limit", "last_affected"):
            affected = False
    return affected


def affected_entry_matches(entry: dict[str, Any], name: str, version: Version) -> bool:
    package = entry.get("package") or {}
    if package.get("ecosystem") != PYPI or canonicalize_name(str(package.get("name", ""))) != name:
        return False
    for listed in entry.get("versions") or []:
        try:
            if Version(str(listed)) == version:
                return True
        except InvalidVersion:
            if str(listed) == str(version):
                return True
    return any(
        _in_range(version, list(r.get("events") or []))
        for r in entry.get("ranges") or []
        if r.get("type") in ("ECOSYSTEM", "SEMVER")
    )


def record_affects(record: dict[str, Any], name: str, version: Version) -> bool:
    """Whether this OSV record says PyPI package `name` at `version` is affected."""
    canonical = canonicalize_name(name)
    return any(affected_entry_matches(entry, canonical, version) for entry in record.get("affected") or [])


def affected_names(record: dict[str, Any]) -> set[str]:
    return {
        canonicalize_name(str((entry.get("package") or {}).get("name", "")))
        for entry in record.get("affected") or []
        if (entry.get("package") or {}).get("ecosystem") == PYPI
    }
