"""The one interface every scanner implements (`Scanner`), and the base of those that run a tool as a subprocess."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from gate.findings import ScanResult, ScanStatus, ScanTarget, Severity
from gate.scanners.capabilities import Capabilities


@dataclass(frozen=True)
class ScanConfig:
    """Settings the engine hands every scanner."""

    rules_dir: Path
    timeout_s: float = 300.0
    osv_url: str | None = None
    unknown_severity: Severity = Severity.HIGH
    work_dir: Path | None = None  # a private temp folder for this scan
    max_file_bytes: int = 1_000_000  # files above this were left out of the target (see gate/targets.py)


@dataclass(frozen=True)
class RawOutput:
    stdout: str
    stderr: str
    exit_code: int


class Scanner(ABC):
    """What the engine runs: a name, declared capabilities, and `run`. Nothing here knows about processes.

    `run` must never raise for a problem of the tool or the target: every way it can go wrong is a
    `failed` ScanResult (the engine still turns an exception into one, as an adapter bug).
    """

    name: str
    capabilities: Capabilities  # declared by each subclass, as a class attribute

    def applies(self, target: ScanTarget) -> bool:
        """Whether there is anything for this scanner in the target."""
        return bool(self.inputs(target))

    def inputs(self, target: ScanTarget) -> tuple[str, ...]:
        """The target files this scanner reads; the scan cache re-runs it only when one of them changes."""
        return self.capabilities.reads.select(target)

    def version(self) -> str:
        """The version of what produces the findings; empty when unknown (the cache then never answers)."""
        return ""

    @abstractmethod
    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        """Scan the target; findings are not yet fingerprinted (the engine does that for every scanner)."""


class SubprocessScanner(Scanner):
    """A scanner adapter for a tool run as a subprocess: builds an argv, runs it, parses what it printed.

    The adapter decides `failed` from the exit code, whether the output parses, and the tool's own
    error fields together; an exit code alone is never trusted.
    """

    binary: str

    @abstractmethod
    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        """The argv to run, with the binary first."""

    @abstractmethod
    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        """Turn the tool's output into a ScanResult; findings are not yet fingerprinted."""

    def version(self) -> str:
        """The tool's version, or empty when it cannot be asked."""
        exe = self.executable()
        return probe_version(exe, self.environment(), PROBE_TIMEOUT_S) if exe else ""

    def asks_version(self) -> bool:
        """Whether the version comes from the built-in `--version` probe (not an adapter's own way)."""
        return type(self).version is SubprocessScanner.version

    def version_within(self, timeout_s: float) -> str:
        """`version()`, with the built-in `--version` probe bounded by the scan's own timeout as well."""
        if not self.asks_version():
            return self.version()
        exe = self.executable()
        return probe_version(exe, self.environment(), min(timeout_s, PROBE_TIMEOUT_S)) if exe else ""

    def executable(self) -> str | None:
        """The tool's absolute path, searched in `scanner_search_path()` order; None when it is nowhere."""
        return find_executable(self.binary) if self.binary else None

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        """Run the tool as a subprocess; every way it can go wrong becomes a `failed` result."""
        started = time.monotonic()
        if not self.applies(target):
            return ScanResult(self.name, ScanStatus.SKIPPED, reason="nothing to scan")
        exe = self.executable()
        if exe is None:
            return ScanResult(self.name, ScanStatus.FAILED, reason=not_found_reason(self.binary))
        argv = self.command(target, config)
        argv[0] = os.path.abspath(exe)
        try:
            raw = run_process(argv, cwd=target.root, timeout_s=config.timeout_s, env=self.environment())
        except subprocess.TimeoutExpired:
            return ScanResult(
                self.name,
                ScanStatus.FAILED,
                reason=f"timed out after {config.timeout_s:g}s",
                duration_s=time.monotonic() - started,
            )
        except OSError as exc:
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"could not start {self.binary}: {exc.strerror}")
        result = self.parse(raw, target, config)
        return dataclasses.replace(
            result,
            tool_version=result.tool_version or self.version_within(config.timeout_s),
            duration_s=time.monotonic() - started,
        )

    def environment(self) -> dict[str, str]:
        """The subprocess environment; adapters add what keeps their tool offline."""
        return dict(os.environ)


def first_line(text: str, limit: int = 200) -> str:
    """A short, single-line excerpt of tool output for a failure reason."""
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


#: A `--version` probe never waits longer than this, nor longer than the scan's --timeout.
PROBE_TIMEOUT_S = 60.0
#: After a group is killed, how long to wait for its pipes to close (a grandchild may have left the group).
_DRAIN_S = 5.0
#: Where to look for scanners instead of the default order (os.pathsep-separated folders).
SCANNER_PATH_ENV = "HARDGATE_SCANNER_PATH"

_live_groups: set[int] = set()
_live_lock = threading.Lock()


def scanner_search_path() -> list[str]:
    """Folders searched for scanner executables, in order.

    The gate's own interpreter's folder comes first: a virtualenv's `bin/` holds the scanner versions
    installed with the gate, and `.venv/bin/hardgate` run by its full path has no venv on PATH.
    `$HARDGATE_SCANNER_PATH`, when set, replaces the whole order.
    """
    override = os.environ.get(SCANNER_PATH_ENV)
    if override:
        return [d for d in override.split(os.pathsep) if d]
    beside = str(Path(sys.executable).parent)  # not resolved: a venv's python is a symlink out of the venv
    return [beside, *(d for d in os.environ.get("PATH", "").split(os.pathsep) if d and d != beside)]


def find_executable(binary: str) -> str | None:
    exe = shutil.which(binary, path=os.pathsep.join(scanner_search_path()))
    return os.path.abspath(exe) if exe else None


def not_found_reason(binary: str) -> str:
    """Why a scanner is missing, where the gate looked, and how to fix it."""
    if os.environ.get(SCANNER_PATH_ENV):
        where = f"in ${SCANNER_PATH_ENV} ({os.environ[SCANNER_PATH_ENV]})"
    else:
        where = f"beside the gate's interpreter ({Path(sys.executable).parent}) nor on PATH"
    return (
        f"{binary} not found {where}; install it into the gate's environment "
        f"({Path(sys.executable).parent / 'pip'} install {binary}), or put it on PATH"
    )


def probe_version(exe: str, env: dict[str, str], timeout_s: float) -> str:
    """The first line of `exe --version`; empty when it fails or outlives timeout_s (its group is then killed)."""
    try:
        raw = run_process([exe, "--version"], cwd=Path.cwd(), timeout_s=timeout_s, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if raw.exit_code != 0:
        return ""
    return first_line(raw.stdout or raw.stderr)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def kill_live_groups() -> int:
    """Kill every scanner process group still running (the watchdog, and the gate's exit); returns how many."""
    with _live_lock:
        groups = list(_live_groups)
        _live_groups.clear()
    for pgid in groups:
        kill_group(pgid)
    return len(groups)


def run_process(argv: list[str], *, cwd: Path, timeout_s: float, env: dict[str, str]) -> RawOutput:
    """Run argv in its own session (so its own process group); on timeout the whole group is killed.

    The group is registered while it runs, so the watchdog and the gate's exit can kill it too.
    """
    with subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    ) as process:
        with _live_lock:
            _live_groups.add(process.pid)
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            try:
                process.communicate(timeout=_DRAIN_S)
            except subprocess.TimeoutExpired:
                # A grandchild that left the group still holds the pipes: stop reading, the tool is dead.
                process.kill()
            raise
        finally:
            # Children the tool left behind in its group (daemons, workers) die with it.
            kill_group(process.pid)
            with _live_lock:
                _live_groups.discard(process.pid)
    return RawOutput(
        stdout.decode("utf-8", errors="replace"), stderr.decode("utf-8", errors="replace"), process.returncode
    )
