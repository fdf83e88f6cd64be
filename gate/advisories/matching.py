"""OSV version matching for PyPI: ECOSYSTEM ranges (introduced, fixed, last_affected, limit) and versions[]."""

from __future__ import annotations

from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "PyPI"
RANGE_TYPES = ("ECOSYSTEM", "SEMVER")
_CLOSING = ("fixed", "limit", "last_affected")


def parse_version(text: str) -> Version:
    """PEP 440 version; raises ValueError with a readable message for garbage."""
    try:
        return Version(text)
    except InvalidVersion:
        raise ValueError(f"invalid PEP 440 version {text!r}") from None


def _in_range(version: Version, events: list[dict[str, Any]]) -> bool:
    """Walk the events in version order; each boundary the version has reached flips the state.

    `introduced: "0"` means "from the very first version", pre-releases of 0 included. An event whose
    value is not a PEP 440 version cannot be ordered, so it decides nothing: an unorderable `fixed`
    leaves the range open, which errs on the side of reporting.
    """
    ordered: list[tuple[Version | None, str]] = []
    for event in events:
        for kind, value in event.items():
            if kind == "introduced" and str(value) == "0":
                ordered.append((None, kind))
            elif kind == "introduced" or kind in _CLOSING:
                try:
                    ordered.append((Version(str(value)), kind))
                except InvalidVersion:
                    continue
    ordered.sort(key=lambda item: (item[0] is not None, item[0] or Version("0")))
    affected = False
    for boundary, kind in ordered:
        if boundary is None:
            affected = True
            continue
        reached = version > boundary if kind == "last_affected" else version >= boundary
        if reached:
            affected = kind == "introduced"
    return affected


def _listed(version: Version, listed: list[Any]) -> bool:
    for item in listed:
        try:
            if Version(str(item)) == version:
                return True
        except InvalidVersion:
            if str(item) == str(version):
                return True
    return False


def affected_entry_matches(entry: dict[str, Any], name: str, version: Version) -> bool:
    """`name` must already be PEP 503 canonical."""
    package = entry.get("package") or {}
    if package.get("ecosystem") != PYPI or canonicalize_name(str(package.get("name", ""))) != name:
        return False
    if _listed(version, list(entry.get("versions") or [])):
        return True
    return any(
        _in_range(version, list(r.get("events") or []))
        for r in entry.get("ranges") or []
        if r.get("type") in RANGE_TYPES
    )


def record_affects(record: dict[str, Any], name: str, version: Version) -> bool:
    """Whether this OSV record says PyPI package `name` at `version` is affected."""
    canonical = canonicalize_name(name)
    return any(affected_entry_matches(entry, canonical, version) for entry in record.get("affected") or [])


def affected_names(record: dict[str, Any]) -> set[str]:
    """The canonical PyPI package names a record is about: the store's lookup key."""
    return {
        canonicalize_name(str((entry.get("package") or {}).get("name", "")))
        for entry in record.get("affected") or []
        if (entry.get("package") or {}).get("ecosystem") == PYPI
    }
