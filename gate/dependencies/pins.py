"""What counts as a pin: exactly one `==V` or `===V` clause, without a wildcard."""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version


def exact_version(specifier: str) -> str | None:
    """The pinned version of a PEP 440 specifier, or None when it allows more than one version."""
    try:
        clauses = list(SpecifierSet(specifier))
    except InvalidSpecifier:
        return None
    if len(clauses) != 1:
        return None
    clause = clauses[0]
    if clause.operator not in ("==", "===") or clause.version.endswith(".*"):
        return None
    return clause.version


def is_pep440(version: str) -> bool:
    """Advisories match PEP 440 versions only; an `===` pin to anything else cannot be audited."""
    try:
        Version(version)
    except InvalidVersion:
        return False
    return True
