"""Bounded waits for something another process does on its own clock (fail2ban polling its logs,
a ban expiring): the infra and the lab tests share one. Not a timing assertion: only the outcome
is checked, the bound just keeps a stuck test from hanging."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(predicate: Callable[[], bool], what: str, seconds: float, poll: float = 0.5) -> None:
    """Return once `predicate()` is true; fail naming `what` when `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(poll)
    pytest.fail(f"{what} within {seconds:.0f}s", pytrace=False)
