"""Errors the CLI turns into one-line messages and exit codes, never tracebacks."""

from __future__ import annotations


class HardgateError(Exception):
    """Base class: the message is shown to the user as a single line."""

    exit_code = 2


class ConfigError(HardgateError):
    """A malformed policy, waiver file, baseline, inventory or option: exit 2."""


class UsageError(HardgateError):
    """A missing path, an unknown environment, conflicting options: exit 2."""
