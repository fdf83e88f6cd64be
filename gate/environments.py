"""The environment names, defined once: the gate, its commands and pipeline/hardgate_pipeline use these.

The policy has three sections, dev < staging < prod. `local` (the developer's machine, and the
`inventories/local` the roles converge) is an alias of dev everywhere: scan, baseline, policy,
waivers and verify-decision accept it and decide, record and report as dev.
"""

from __future__ import annotations

from gate.errors import UsageError

ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
ALIASES: dict[str, str] = {"local": "dev"}
#: Every name a command accepts, for click choices and help text.
ACCEPTED: tuple[str, ...] = (*ENVIRONMENTS, *ALIASES)
HELP = "dev (or local), staging or prod"


def canonical_environment(name: str) -> str:
    """The policy section `name` selects; an unknown name is a usage error (exit 2)."""
    canonical = ALIASES.get(name, name)
    if canonical not in ENVIRONMENTS:
        raise UsageError(f"unknown environment {name!r}; expected one of: {HELP}")
    return canonical
