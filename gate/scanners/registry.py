"""The scanners a scan runs by default, in order; the one place that names them.

Adding a scanner is a `Scanner` subclass that declares its `capabilities`, plus `register()`: the
engine, the scan cache and `hardgate doctor` then treat it like the built-in ones (docs/scanners.md).
"""

from __future__ import annotations

from gate.scanners.bandit import BanditScanner
from gate.scanners.base import Scanner
from gate.scanners.envcheck import EnvcheckScanner
from gate.scanners.pip_audit import PipAuditScanner
from gate.scanners.semgrep import SemgrepScanner

# name → class, in run and report order; a dict keeps insertion order.
_REGISTERED: dict[str, type[Scanner]] = {
    scanner.name: scanner for scanner in (BanditScanner, SemgrepScanner, PipAuditScanner, EnvcheckScanner)
}


def register(scanner: type[Scanner]) -> type[Scanner]:
    """Add a scanner class to the default set, after those already there (usable as a class decorator).

    Registering a name twice replaces nothing: a second scanner under a taken name is a mistake.
    """
    if scanner.name in _REGISTERED and _REGISTERED[scanner.name] is not scanner:
        raise ValueError(f"a scanner named {scanner.name!r} is already registered")
    _REGISTERED[scanner.name] = scanner
    return scanner


def unregister(name: str) -> None:
    """Remove a scanner from the default set (a test's, or a built-in one an embedding caller replaces)."""
    _REGISTERED.pop(name, None)


def registered() -> tuple[type[Scanner], ...]:
    """The registered scanner classes, in run order."""
    return tuple(_REGISTERED.values())


def default_scanners() -> list[Scanner]:
    """A fresh instance of every registered scanner, in run order."""
    return [scanner() for scanner in _REGISTERED.values()]
