"""Scanner progress on stderr: a live table on a terminal, one plain line per state change in a pipe."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from gate.engine import ProgressCallback

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


@contextlib.contextmanager
def progress_display(stream: TextIO) -> Iterator[ProgressCallback]:
    if stream.isatty():
        table = _LiveTable()
        console = Console(file=stream)
        with Live(table, console=console, refresh_per_second=8, transient=False):
            yield table.update
        return

    def plain(name: str, state: str, elapsed: float) -> None:
        stream.write(f"[{elapsed:6.1f}s] {name}: {state}\n")
        stream.flush()

    yield plain
