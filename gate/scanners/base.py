"""The one interface every scanner implements, and the result it returns."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import shutil
import signal
import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from gate.findings import Finding, Severity


class ScanStatus(enum.Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing for this scanner to look at (no Python files, no manifests)


@dataclass(frozen=True)
class ScanTarget:
    """What to scan: the root and the already-filtered, root-relative file lists."""

    root: Path
    files: tuple[str, ...]
    python_files: tuple[str, ...]
    manifests: tuple[str, ...]


@dataclass(frozen=True)
class ScanConfig:
    """Settings the engine hands every scanner."""

    rules_dir: Path
    timeout_s: float = 300.0
    osv_url: str | None = None
    unknown_severity: Severity = Severity.HIGH
    work_dir: Path | None = None  # a private temp folder for this scan


@dataclass(frozen=True)
class ScanResult:
    tool: str
    status: ScanStatus
    reason: str = ""
    findings: tuple[Finding, ...] = ()
    tool_version: str = ""
    duration_s: float = 0.0
    cached: bool = False
    suppressed_inline: tuple[Finding, ...] = field(default=())

    @property
    def failed(self) -> bool:
        return self.status is ScanStatus.FAILED


@dataclass(frozen=True)
class RawOutput:
    stdout: str
    stderr: str
    exit_code: int


class Scanner(ABC):
    """A scanner adapter: builds an argv, runs it, and parses what it printed.

    The adapter decides `failed` from the exit code, whether the output parses, and the tool's own
    error fields together; an exit code alone is never trusted.
    """

    name: str
    binary: str

    def applies(self, target: ScanTarget) -> bool:
        """Whether there is anything for this scanner in the target."""
        return True

    def inputs(self, target: ScanTarget) -> tuple[str, ...]:
        """The target files this scanner reads; the scan cache re-runs it only when one of them changes."""
        return target.files

    @abstractmethod
    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        """The argv to run, with the binary first."""

    @abstractmethod
    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        """Turn the tool's output into a ScanResult; findings are not yet fingerprinted."""

    def version(self) -> str:
        """The tool's version, or empty when it cannot be asked."""
        exe = shutil.which(self.binary)
        if exe is None:
            return ""
        try:
            done = subprocess.run(
                [exe, "--version"], capture_output=True, text=True, timeout=60, check=False, env=self.environment()
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        lines = (done.stdout or done.stderr).strip().splitlines()
        return lines[0].strip() if lines else ""

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        """Run the tool as a subprocess; every way it can go wrong becomes a `failed` result."""
        started = time.monotonic()
        if not self.applies(target):
            return ScanResult(self.name, ScanStatus.SKIPPED, reason="nothing to scan")
        exe = shutil.which(self.binary)
        if exe is None:
            return ScanResult(self.name, ScanStatus.FAILED, reason=f"{self.binary} not found on PATH")
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
            tool_version=result.tool_version or self.version(),
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


def run_process(argv: list[str], *, cwd: Path, timeout_s: float, env: dict[str, str]) -> RawOutput:
    """Run argv in its own process group so a timeout kills the tool and every child it spawned."""
    with subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return RawOutput(
        stdout.decode("utf-8", errors="replace"), stderr.decode("utf-8", errors="replace"), process.returncode
    )
