"""Scanner progress on stderr: a live table on a terminal; in a pipe, one plain line per state change
and a heartbeat line while scanners run, so a CI job never looks hung (and is not killed for silence)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from gate.engine import ProgressCallback

#: Seconds between heartbeat lines outside a terminal; $HARDGATE_HEARTBEAT_S overrides it.
HEARTBEAT_S = 30.0
HEARTBEAT_ENV = "HARDGATE_HEARTBEAT_S"

_STYLE = {"running": "yellow", "ok": "green", "failed": "bold red", "skipped": "dim"}


class _LiveTable:
    """The state and elapsed time of each scanner, redrawn by rich while the scan runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, tuple[str, float, float]] = {}  # name -> (state, started, finished)

    def update(self, name: str, state: str, _elapsed: float) -> None:
        now = time.monotonic()
        with self._lock:
            started = self._states.get(name, (state, now, 0.0))[1]
            self._states[name] = (state, started, 0.0 if state == "running" else now)

    def __rich__(self) -> Table:
        table = Table(title="hardgate scan", title_justify="left", box=None)
        table.add_column("scanner")
        table.add_column("state")
        table.add_column("time", justify="right")
        now = time.monotonic()
        with self._lock:
            for name, (state, started, finished) in self._states.items():
                seconds = (finished or now) - started
                table.add_row(name, f"[{_STYLE.get(state, '')}]{state}[/]", f"{seconds:.1f}s")
        return table


def heartbeat_interval() -> float:
    text = os.environ.get(HEARTBEAT_ENV, "").strip()
    try:
        return max(0.1, float(text)) if text else HEARTBEAT_S
    except ValueError:
        return HEARTBEAT_S


class _Heartbeat:
    """Plain progress: a line per state change, and every `interval` seconds the scanners still running."""

    def __init__(self, stream: TextIO, interval: float) -> None:
        self._stream = stream
        self._interval = interval
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}  # name -> monotonic start
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="hardgate-heartbeat", daemon=True)

    def _write(self, line: str) -> None:
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def update(self, name: str, state: str, elapsed: float) -> None:
        with self._lock:
            if state == "running":
                self._running[name] = time.monotonic()
            else:
                self._running.pop(name, None)
        self._write(f"[{elapsed:6.1f}s] {name}: {state}")

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            now = time.monotonic()
            with self._lock:
                running = sorted(self._running.items())
            if running:
                still = ", ".join(f"{name} ({now - since:.0f}s)" for name, since in running)
                self._write(f"[{now - self._started:6.1f}s] still running: {still}")

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 1)


@contextlib.contextmanager
def progress_display(stream: TextIO, heartbeat_s: float | None = None) -> Iterator[ProgressCallback]:
    if stream.isatty():
        table = _LiveTable()
        console = Console(file=stream)
        with Live(table, console=console, refresh_per_second=8, transient=False):
            yield table.update
        return
    with _Heartbeat(stream, heartbeat_s if heartbeat_s is not None else heartbeat_interval()) as heartbeat:
        yield heartbeat.update
