"""What a scanner declares about itself, so the engine, the scan cache and the doctor need not know it by name."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from gate.findings import ScanTarget
from gate.targets import SCANNED_SUFFIXES


class Reads(enum.Enum):
    """Which of the target's files a scanner reads; `select` picks them from a ScanTarget."""

    PYTHON = "Python files"
    SOURCES = "Python and YAML files"
    MANIFESTS = "dependency manifests and lock files"
    INVENTORIES = "inventories/ and roles/"

    def select(self, target: ScanTarget) -> tuple[str, ...]:
        if self is Reads.PYTHON:
            return target.python_files
        if self is Reads.SOURCES:
            return tuple(f for f in target.files if f.endswith(SCANNED_SUFFIXES))
        if self is Reads.MANIFESTS:
            return target.manifests
        return tuple(f for f in target.files if f.startswith(("inventories/", "roles/")))


class CacheMode(enum.Enum):
    """How the scan cache treats a scanner's OK results (a failure is never cached)."""

    NEVER = "never"  # the result depends on more than the files it reads (envcheck: vault passwords)
    WHOLE = "whole"  # one entry per scan, keyed by every file it reads
    PER_FILE = "per-file"  # findings depend on one file at a time: re-run only on the files that changed


@dataclass(frozen=True)
class CachePolicy:
    """A cached entry's key is the scanner, its tool version, the bundled rules, the scan options and
    the content of every file `Scanner.inputs` names; `max_age` also expires entries by time."""

    mode: CacheMode
    # Set when the result changes without any file changing (pip-audit: advisories are published daily).
    max_age: dt.timedelta | None = None

    @property
    def cacheable(self) -> bool:
        return self.mode is not CacheMode.NEVER


@dataclass(frozen=True)
class Capabilities:
    """One scanner's declaration: its cache behaviour, its inline suppression marker, the files it reads."""

    cache: CachePolicy
    reads: Reads
    # The comment word that suppresses a finding on its line (`# nosec`); None: the tool has none.
    suppression_marker: str | None = None
