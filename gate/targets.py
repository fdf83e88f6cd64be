"""Find what to scan under a target root, never descending into excluded paths."""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from gate.errors import UsageError
from gate.scanners.base import ScanTarget

# Never scanned, whatever the policy says: VCS data, virtualenvs, vendored JS, build output, caches.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".env",
        "env",
        ".tox",
        ".nox",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hardgate-cache",
        "site-packages",
        ".eggs",
    }
)
_REQUIREMENTS = re.compile(r"^requirements.*\.txt$")
_PINNED = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;#,]+)\s*(;.*)?$")
SCANNED_SUFFIXES = (".py", ".yml", ".yaml")


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def matches_any(path: str, patterns: Sequence[str]) -> bool:
    """Glob match against the path and each of its parent folders (`tests/**`, `docs`, `*.min.js`)."""
    parts = path.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(path, pattern):
            return True
        for depth in range(1, len(parts)):
            if fnmatch.fnmatch("/".join(parts[:depth]), pattern.removesuffix("/**")):
                return True
    return False


def walk_files(root: Path, excludes: Sequence[str]) -> list[str]:
    """Every regular file under root, relative and sorted, minus excluded folders and globs."""
    found: list[str] = []
    for current, dirnames, filenames in os.walk(root, onerror=None):
        here = Path(current)
        relative_dir = here.relative_to(root).as_posix()
        keep: list[str] = []
        for name in dirnames:
            rel = name if relative_dir == "." else f"{relative_dir}/{name}"
            if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info") or matches_any(rel, excludes):
                continue
            if _is_virtualenv(here / name) or (here / name).is_symlink():
                continue
            keep.append(name)
        dirnames[:] = sorted(keep)
        for name in filenames:
            rel = name if relative_dir == "." else f"{relative_dir}/{name}"
            if (here / name).is_symlink() or matches_any(rel, excludes):
                continue
            found.append(rel)
    return sorted(found)


def pinned_requirements(lines: Iterable[str]) -> list[tuple[str, str, int]]:
    """(name, version, 1-based line) for each `name==version` requirement line."""
    pins = []
    for number, line in enumerate(lines, start=1):
        match = _PINNED.match(line.split(" #", 1)[0])
        if match:
            pins.append((match.group(1), match.group(3), number))
    return pins


def pyproject_pins(path: Path) -> list[str]:
    """The `name==version` dependencies of a pyproject.toml, or [] when it has none or can't be read."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    dependencies = data.get("project", {}).get("dependencies", [])
    if not isinstance(dependencies, list):
        return []
    return [dep for dep in dependencies if isinstance(dep, str) and _PINNED.match(dep)]


def is_manifest(root: Path, relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    if _REQUIREMENTS.match(name):
        return True
    return name == "pyproject.toml" and bool(pyproject_pins(root / relative))


def discover(root: Path, excludes: Sequence[str], only: Iterable[str] | None = None) -> ScanTarget:
    """Build the ScanTarget; `only` restricts it to those root-relative files (diff-aware scans)."""
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    if not root.is_dir():
        raise UsageError(f"not a directory: {root}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise UsageError(f"cannot read directory: {root}")
    files = walk_files(root, excludes)
    if only is not None:
        wanted = set(only)
        files = [f for f in files if f in wanted]
    return ScanTarget(
        root=root,
        files=tuple(files),
        python_files=tuple(f for f in files if f.endswith(".py")),
        manifests=tuple(f for f in files if is_manifest(root, f)),
    )
