"""Progress outside a terminal: a line per state change, and a heartbeat while scanners run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

from gate.cli.progress import progress_display

HARDGATE = Path(sys.executable).parent / "hardgate"


def wait_for(stream: io.StringIO, text: str, seconds: float = 30.0) -> bool:
    """Whether `text` appears in the stream within `seconds` (a bound on waiting, not a timing assertion)."""
    done = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if text in stream.getvalue():
            return True
        done.wait(0.05)
    return False


def test_the_heartbeat_names_the_scanners_still_running() -> None:
    stream = io.StringIO()  # not a terminal
    with progress_display(stream, heartbeat_s=0.1) as on_progress:
        on_progress("bandit", "running", 0.0)
        on_progress("semgrep", "running", 0.0)
        on_progress("bandit", "ok", 0.5)
        assert wait_for(stream, "still running: semgrep (")
        lines_after = stream.getvalue().split("bandit: ok", 1)[1]
        on_progress("semgrep", "ok", 1.0)
    beats = [line for line in lines_after.splitlines() if "still running" in line]
    assert beats and not any("bandit" in line for line in beats)
    assert "semgrep: ok" in stream.getvalue()


def test_no_heartbeat_when_nothing_runs() -> None:
    stream = io.StringIO()
    with progress_display(stream, heartbeat_s=0.05) as on_progress:
        on_progress("bandit", "running", 0.0)
        on_progress("bandit", "ok", 0.1)
        threading.Event().wait(0.3)
    assert "still running" not in stream.getvalue()


def test_a_scan_in_a_pipe_beats_and_quiet_silences_it(sqli_app: Path) -> None:
    env = {**os.environ, "HARDGATE_HEARTBEAT_S": "0.2"}
    argv = [str(HARDGATE), "scan", str(sqli_app), "--no-cache", "--format", "json"]
    loud = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    assert "still running: " in loud.stderr and "semgrep: ok" in loud.stderr
    quiet = subprocess.run([*argv, "--quiet"], capture_output=True, text=True, check=False, env=env)
    assert quiet.returncode == loud.returncode
    assert "still running" not in quiet.stderr and "semgrep" not in quiet.stderr
