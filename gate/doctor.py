"""`hardgate doctor`'s checks: is this machine able to run a scan that means something? Never prints."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.advisories.store import AdvisoryStore, default_store_path
from gate.cache import default_cache_dir
from gate.errors import HardgateError
from gate.scanners.base import (
    RawOutput,
    Scanner,
    SubprocessScanner,
    find_executable,
    first_line,
    not_found_reason,
    run_process,
    scanner_search_path,
)
from gate.scanners.registry import default_scanners
from gate.targets import MAX_FILE_BYTES_ENV, max_file_bytes

#: An advisory store whose newest record is older than this many days needs a refresh.
DEFAULT_MAX_AGE_DAYS = 7
_PYTHON_VERSION = re.compile(r"python version\s*=\s*(\d+)\.(\d+)")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: `ok` with what was found, or what is wrong and its fix."""

    item: str
    ok: bool
    detail: str
    fix: str = ""


def interpreter_check() -> Check:
    major, minor, micro = sys.version_info[:3]
    detail = f"{sys.executable}: Python {major}.{minor}.{micro}; the gate parses Python syntax up to {major}.{minor}"
    if (major, minor) < (3, 11):
        return Check("interpreter", False, detail, "run the gate on Python 3.11 or newer")
    return Check("interpreter", True, detail)


def scanner_check(scanner: SubprocessScanner, timeout_s: float) -> Check:
    """Found (where), and answers `--version` within timeout_s; bandit also names the Python it parses."""
    exe = find_executable(scanner.binary)
    if exe is None:
        return Check(scanner.name, False, not_found_reason(scanner.binary).split(";")[0], _install(scanner.binary))
    try:
        raw = run_process([exe, "--version"], cwd=Path.cwd(), timeout_s=timeout_s, env=scanner.environment())
    except (OSError, subprocess.TimeoutExpired):
        raw = RawOutput("", "", -1)
    version = first_line(raw.stdout or raw.stderr) if raw.exit_code == 0 else ""
    if not version:
        return Check(
            scanner.name,
            False,
            f"{exe}: `{scanner.binary} --version` failed or took longer than {timeout_s:g}s",
            f"reinstall it ({_install(scanner.binary)})",
        )
    detail = f"{exe}: {version}"
    match = _PYTHON_VERSION.search(raw.stdout + raw.stderr)  # bandit names the interpreter it parses with
    if match is None:
        return Check(scanner.name, True, detail)
    runs_on = (int(match.group(1)), int(match.group(2)))
    detail = f"{detail}, on Python {runs_on[0]}.{runs_on[1]} (parses syntax up to {runs_on[0]}.{runs_on[1]})"
    if runs_on < sys.version_info[:2]:
        return Check(
            scanner.name,
            False,
            detail,
            f"install {scanner.binary} under Python {sys.version_info[0]}.{sys.version_info[1]} "
            f"({_install(scanner.binary)}): code using newer syntax fails to parse and fails the scan",
        )
    return Check(scanner.name, True, detail)


def _install(binary: str) -> str:
    return f"{Path(sys.executable).parent / 'pip'} install {binary}"


def advisories_check(store_path: Path | None, max_age_days: int, now: dt.datetime) -> Check:
    """The offline store's age; without one, pip-audit asks its online service (not offline-ready)."""
    explicit = store_path is not None
    path = store_path or default_store_path()
    refresh = f"refresh it: hardgate advisories import SNAPSHOT --store {path}"
    if not path.is_file():
        if explicit:
            return Check("advisories", False, f"{path}: no such store", refresh.replace("refresh", "create"))
        return Check(
            "advisories",
            True,
            f"no offline store at {path}; pip-audit will query its online vulnerability service "
            "(for offline scans: hardgate advisories import SNAPSHOT)",
        )
    try:
        with AdvisoryStore(path) as store:
            count, age = store.count(), store.age_days(now)
    except HardgateError as exc:
        return Check("advisories", False, str(exc), refresh)
    if age is None:
        return Check("advisories", False, f"{path}: {count} record(s), none dated", refresh)
    detail = f"{path}: {count} record(s), newest {age:.0f} day(s) old"
    if age > max_age_days:
        return Check("advisories", False, f"{detail} (older than {max_age_days} days)", refresh)
    return Check("advisories", True, detail)


def cache_check() -> Check:
    directory = default_cache_dir()
    existing = next((p for p in (directory, *directory.parents) if p.exists()), Path("/"))
    if os.access(existing, os.W_OK | os.X_OK) and existing.is_dir():
        state = "exists" if existing == directory else "will be created"
        return Check("cache", True, f"{directory} ({state}, writable)")
    return Check(
        "cache",
        False,
        f"{directory}: {existing} is not writable",
        "set HARDGATE_CACHE_DIR to a writable folder, or scan with --no-cache",
    )


def size_cap_check() -> Check:
    try:
        cap = max_file_bytes()
    except HardgateError as exc:
        return Check("size cap", False, str(exc), f"set ${MAX_FILE_BYTES_ENV} to a positive number of bytes")
    source = f"${MAX_FILE_BYTES_ENV}" if os.environ.get(MAX_FILE_BYTES_ENV) else "default"
    return Check("size cap", True, f"{cap:,} bytes ({source}); larger files are reported, not scanned")


def run_checks(
    timeout_s: float,
    store_path: Path | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    scanners: Sequence[Scanner] | None = None,
) -> list[Check]:
    checks = [interpreter_check()]
    folders = list(dict.fromkeys(scanner_search_path()))
    checks.append(Check("search path", True, " → ".join(folders) or "(empty)"))
    for scanner in scanners if scanners is not None else default_scanners():
        if isinstance(scanner, SubprocessScanner):  # an in-process scanner (envcheck) has no tool to find
            checks.append(scanner_check(scanner, timeout_s))
    checks.append(advisories_check(store_path, max_age_days, dt.datetime.now(dt.UTC)))
    checks.append(cache_check())
    checks.append(size_cap_check())
    return checks
