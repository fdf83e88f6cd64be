"""The engine profiles' minimums, checked on inventories before anything converges.

- A setting below its profile's limit for the host's environment is reported under the setting's
  own rule (ENV007 authentication, ENV008 TLS, ENV009 audit, ENV010 sql_mode, ENV011 listen
  addresses, ENV012 general log, ENV015 CIS PostgreSQL, ENV016 encryption and backups, ENV017 log
  retention, ENV018 other switches).
- A setting weaker in staging than in dev, or in prod than in staging, is ENV013.

The measures are the ones roles/db_contract/templates/violations.j2 applies on the host, so envcheck
and the role refuse the same inventories; tests/test_engine_contract.py mutates every setting of
every profile and compares the two verdicts.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from gate.envcheck.context import Context, as_bool
from gate.envcheck.model import Inventory, Setting
from gate.envcheck.profiles import EngineProfile, ProfileSetting
from gate.envcheck.render import UNRESOLVED, Resolver
from gate.envcheck.rules import finding
from gate.environments import ENVIRONMENTS
from gate.findings import Finding

CHAIN_RULE = "ENV013"
INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Measure:
    """A setting's strength on one host: a rank (higher is stronger), a member set, or a number."""

    value: Any
    shown: str
    token: str  # the text to point at inside the setting


def tokens(setting: ProfileSetting, value: Any) -> list[Any]:
    """The value as a list: one key of each item, a list, or a comma-separated string."""
    if setting.field is not None:
        items = value if isinstance(value, list) else []
        return [item.get(setting.field, setting.default) for item in items if isinstance(item, dict)]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value) if isinstance(value, list) else [value]


def normalise(setting: ProfileSetting, token: Any) -> Any:
    if setting.boolean:
        return as_bool(token) is True
    text = str(token)
    text = text.lower() if setting.case == "lower" else text.upper() if setting.case == "upper" else text
    return setting.aliases.get(text, text)


def _shown(setting: ProfileSetting, value: Any) -> str:
    if setting.boolean:
        return "on" if value else "off"
    return str(value) if value != "" else "(none)"


def _rank(setting: ProfileSetting, value: Any) -> Measure | None:
    """The weakest item's rank; a value outside the order ranks below all of it."""
    ranked = [
        (setting.order.index(normalised) if normalised in setting.order else -1, normalised, token)
        for token in tokens(setting, value)
        for normalised in [normalise(setting, token)]
    ]
    if not ranked:
        return None
    rank, weakest, token = min(ranked, key=lambda item: item[0])
    return Measure(rank, _shown(setting, weakest), str(token))


def _members(setting: ProfileSetting, value: Any, resolver: Resolver) -> Measure:
    have: set[str] = set()
    removed: set[str] = set()
    for token in (str(normalise(setting, t)) for t in tokens(setting, value)):
        bare = token.removeprefix("-")
        (removed if bare != token else have).update(setting.expand.get(bare, (bare,)))
    for switch, members in setting.also.items():
        if as_bool(resolver.get(switch, False)) is True:
            have.update(members)
    chosen = frozenset(have - removed)
    return Measure(chosen, ",".join(sorted(chosen & setting.members)) or "(none)", "")


def _number(value: Any) -> Measure:
    text = str(value)
    return Measure(int(text) if INTEGER.fullmatch(text) else None, text, text)


def measure(setting: ProfileSetting, value: Any, resolver: Resolver) -> Measure | None:
    if setting.kind == "set":
        return _members(setting, value, resolver)
    if setting.kind == "number":
        return _number(value)
    if setting.kind == "rank":
        return _rank(setting, value)
    return None  # forbid: a list of what must not appear, not an order


def violation(setting: ProfileSetting, value: Any, resolver: Resolver, environment: str) -> tuple[str, str] | None:
    """(what is wrong, the token to point at) when `value` breaks the environment's limit."""
    limit = setting.limit(environment)
    if limit is None or any(resolver.get(name, None) == held for name, held in setting.unless.items()):
        return None
    if setting.kind == "forbid":
        hits = [str(t).strip() for t in tokens(setting, value) if str(t).strip() in {str(f) for f in limit}]
        return (f"with {hits[0]!r}, which {environment} forbids", hits[0]) if hits else None
    found = measure(setting, value, resolver)
    if found is None:
        return None
    if setting.kind == "set":
        missing = sorted(set(limit) - found.value)
        return (f"without {', '.join(missing)}", "") if missing else None
    if setting.kind == "number":
        below = found.value is None or found.value < int(limit)
        return (f"to {found.shown}, below {limit}", found.token) if below else None
    if found.value < setting.order.index(normalise(setting, limit)):
        return f"{found.shown}, weaker than {_shown(setting, normalise(setting, limit))}", found.token
    return None


def _environment(profile: EngineProfile, resolver: Resolver, inventory: Inventory) -> str:
    """The environment the role will see (its environment variable), else the inventory's name."""
    value = resolver.get(profile.environment, None)
    return value if isinstance(value, str) and value else inventory.name


def _minimums(ctx: Context, inventory: Inventory, profile: EngineProfile) -> list[Finding]:
    findings = []
    for host in inventory.hosts_in(profile.group):
        resolver = ctx.resolver(inventory, host)
        environment = _environment(profile, resolver, inventory)
        for setting in profile.settings:
            written = resolver.settings.get(setting.variable)
            value = resolver.get(setting.variable) if written is not None else UNRESOLVED
            if written is None or value is UNRESOLVED:
                continue
            wrong = violation(setting, value, resolver, environment)
            if wrong is None:
                continue
            problem, token = wrong
            findings.append(
                finding(
                    setting.rule,
                    f"{environment} sets {setting.variable} {problem}: {setting.name} is below what the "
                    f"{profile.engine} profile ({profile.source}) requires in {environment}",
                    written.origin_of(token) if token else written.origin,
                    environment,
                )
            )
    return findings


def _weaker(after: Any, before: Any) -> bool:
    if isinstance(after, frozenset):
        return not after >= before
    return bool(after < before)


def _loosest(
    ctx: Context, inventory: Inventory, profile: EngineProfile, setting: ProfileSetting
) -> tuple[Measure, Setting] | None:
    loosest: tuple[Measure, Setting] | None = None
    for host in inventory.hosts_in(profile.group):
        resolver = ctx.resolver(inventory, host)
        written = resolver.settings.get(setting.variable)
        value = resolver.get(setting.variable) if written is not None else UNRESOLVED
        if written is None or value is UNRESOLVED:
            continue
        found = measure(setting, value, resolver)
        if found is None or found.value is None:
            continue
        if isinstance(found.value, frozenset):
            found = Measure(found.value & setting.members, found.shown, found.token)
        if loosest is None or _weaker(found.value, loosest[0].value):
            loosest = (found, written)
    return loosest


def _chain(ctx: Context, profile: EngineProfile) -> list[Finding]:
    present = [inventory for name in ENVIRONMENTS for inventory in ctx.inventories if inventory.name == name]
    findings = []
    for setting in profile.settings:
        measured = [(inventory, _loosest(ctx, inventory, profile, setting)) for inventory in present]
        known = [(inventory, found) for inventory, found in measured if found is not None]
        for (earlier, (before, before_at)), (later, (after, after_at)) in itertools.pairwise(known):
            if not _weaker(after.value, before.value):
                continue
            detail = (
                f"drops {', '.join(sorted(before.value - after.value))}"
                if isinstance(after.value, frozenset)
                else f"{after.shown} vs {before.shown}"
            )
            findings.append(
                finding(
                    CHAIN_RULE,
                    f"{setting.name} in {later.name} is weaker than in {earlier.name} ({detail}; {earlier.name} at "
                    f"{before_at.origin}); strictness must not decrease from dev to staging to prod",
                    after_at.origin_of(after.token) if after.token else after_at.origin,
                    later.name,
                )
            )
    return findings


def check(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for profile in ctx.profiles:
        for inventory in ctx.inventories:
            findings.extend(_minimums(ctx, inventory, profile))
        findings.extend(_chain(ctx, profile))
    return findings
