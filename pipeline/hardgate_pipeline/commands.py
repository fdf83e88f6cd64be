"""Run one external command for a stage, its output kept in a log file rather than on the console."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    def last_line(self, *, prefer_stderr: bool = True) -> str:
        """The last non-blank line, which is where our tools put their one-line verdict or error."""
        streams = (self.stderr, self.stdout) if prefer_stderr else (self.stdout, self.stderr)
        for stream in streams:
            lines = [line.strip() for line in stream.splitlines() if line.strip()]
            if lines:
                return lines[-1]
        return f"exit code {self.exit_code}"


def run(argv: Sequence[str], *, cwd: Path, log: Path | None = None, env: Mapping[str, str] | None = None) -> Outcome:
    """Run argv to completion; a missing executable is exit 127 with a message, like a shell."""
    merged = {**os.environ, **(env or {})}
    try:
        done = subprocess.run(list(argv), cwd=cwd, env=merged, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return Outcome(127, "", f"{argv[0]}: command not found")
    if log is not None:
        log.write_text(f"$ {' '.join(argv)}\n{done.stdout}\n{done.stderr}", encoding="utf-8")
    return Outcome(done.returncode, done.stdout, done.stderr)
