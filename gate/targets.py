"""Find what to scan under a target root, never descending into excluded paths."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from gate.errors import UsageError
from gate.findings import ScanTarget

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
#: Files larger than this are not handed to any scanner and become a "not scanned: too large" finding.
#: It is semgrep's own --max-target-bytes default, so semgrep never skips a file the gate gave it.
DEFAULT_MAX_FILE_BYTES = 1_000_000
MAX_FILE_BYTES_ENV = "HARDGATE_MAX_FILE_BYTES"
SCANNED_NAMES = frozenset({"pyproject.toml", "uv.lock", "poetry.lock", "Pipfile.lock", "pylock.toml"})
SCANNED_FOLDERS = ("inventories/", "roles/")  # envcheck reads every file there
TOO_LARGE = "too large"
NOT_REGULAR = "not a regular file"


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
    return [path for path, size in walk_entries(root, excludes) if size >= 0]


def walk_entries(root: Path, excludes: Sequence[str]) -> list[tuple[str, int]]:
    """(relative path, size) of every non-excluded file; size is -1 for anything but a regular file.

    Only lstat() is called: a FIFO, socket or device named `b.py` is never opened (opening a FIFO
    blocks until a writer appears), and symlinks are never followed.
    """
    found: list[tuple[str, int]] = []
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
            if matches_any(rel, excludes):
                continue
            try:
                info = os.lstat(here / name)
            except OSError:
                continue  # vanished while walking
            if stat.S_ISLNK(info.st_mode):
                continue
            found.append((rel, info.st_size if stat.S_ISREG(info.st_mode) else -1))
    return sorted(found)


def max_file_bytes(environ: dict[str, str] | None = None) -> int:
    """The size cap: $HARDGATE_MAX_FILE_BYTES, else DEFAULT_MAX_FILE_BYTES."""
    text = (os.environ if environ is None else environ).get(MAX_FILE_BYTES_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_FILE_BYTES
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"${MAX_FILE_BYTES_ENV}: expected a number of bytes, got {text!r}") from None
    if value < 1:
        raise UsageError(f"${MAX_FILE_BYTES_ENV}: must be at least 1 byte, got {value}")
    return value


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


def scannable(relative: str) -> bool:
    """Whether some scanner would read this file by its name alone (before looking inside it)."""
    name = relative.rsplit("/", 1)[-1]
    return (
        name.endswith(SCANNED_SUFFIXES)
        or bool(_REQUIREMENTS.match(name))
        or name in SCANNED_NAMES
        or relative.startswith(SCANNED_FOLDERS)
    )


def is_manifest(root: Path, relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    if _REQUIREMENTS.match(name):
        return True
    return name == "pyproject.toml" and bool(pyproject_pins(root / relative))


def discover(
    root: Path, excludes: Sequence[str], only: Iterable[str] | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> ScanTarget:
    """Build the ScanTarget; `only` restricts it to those root-relative files (diff-aware scans).

    Files over `max_bytes` and anything that is not a regular file go to `unscanned`, never to a scanner.
    """
    if not root.exists():
        raise UsageError(f"path does not exist: {root}")
    if not root.is_dir():
        raise UsageError(f"not a directory: {root}")
    if not os.access(root, os.R_OK | os.X_OK):
        raise UsageError(f"cannot read directory: {root}")
    entries = walk_entries(root, excludes)
    if only is not None:
        wanted = set(only)
        entries = [(f, size) for f, size in entries if f in wanted]
    # A large file no scanner reads (an image, a bundle) is only hashed for the decision record.
    files = [f for f, size in entries if size >= 0 and (size <= max_bytes or not scannable(f))]
    unscanned = tuple(
        (f, NOT_REGULAR if size < 0 else f"{TOO_LARGE} ({size:,} bytes, limit {max_bytes:,})")
        for f, size in entries
        if (size < 0 or size > max_bytes) and scannable(f)
    )
    return ScanTarget(
        root=root,
        files=tuple(files),
        python_files=tuple(f for f in files if f.endswith(".py")),
        manifests=tuple(f for f in files if is_manifest(root, f)),
        unscanned=unscanned,
    )
