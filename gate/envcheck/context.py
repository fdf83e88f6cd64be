"""What every check receives: the loaded inventories, per-host resolvers and the run's options."""

from __future__ import annotations

import posixpath
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gate.envcheck.model import Host, Inventory, Origin, Setting
from gate.envcheck.profiles import EngineProfile, load_profiles
from gate.envcheck.render import UNRESOLVED, Resolver
from gate.environments import ALIASES, ENVIRONMENTS

#: Strictness of each environment: the chain dev < staging < prod, its aliases (local) below it.
RANK = {**{alias: 0 for alias in ALIASES}, **{env: index for index, env in enumerate(ENVIRONMENTS, 1)}}


def strictest(environments: set[str]) -> str:
    """The environment that owns what several share: the strictest (an unknown name ranks lowest)."""
    return max(environments, key=lambda env: (RANK.get(env, -1), env))


K = TypeVar("K", bound=Hashable)
Place = TypeVar("Place", bound=tuple[Any, ...])


def shared_across_environments(groups: Mapping[K, list[Place]]) -> Iterator[tuple[K, list[Place], str, set[str]]]:
    """(key, places, owner, environments) for each group whose places (environment first) span two or
    more environments; the owner is the strictest of them."""
    for key, places in groups.items():
        environments = {place[0] for place in places}
        if len(environments) >= 2:
            yield key, places, strictest(environments), environments


@dataclass
class Context:
    root: Path
    inventories: list[Inventory]
    vault_passwords: Mapping[str, bytes] = field(default_factory=dict)
    policy_file: Path | None = None
    _resolvers: dict[tuple[str, str], Resolver] = field(default_factory=dict)
    _profiles: tuple[EngineProfile, ...] | None = None

    @property
    def profiles(self) -> tuple[EngineProfile, ...]:
        """The engine profiles of the roles kept beside the inventories (read once)."""
        if self._profiles is None:
            self._profiles = load_profiles(self.root)
        return self._profiles

    def by_name(self) -> dict[str, Inventory]:
        return {inventory.name: inventory for inventory in self.inventories}

    def resolver(self, inventory: Inventory, host: Host) -> Resolver:
        key = (inventory.name, host.name)
        if key not in self._resolvers:
            facts = {
                "inventory_hostname": host.name,
                "inventory_dir": inventory.rel,
                "playbook_dir": "playbooks",
                "group_names": [g for g in host.groups if g != "all"],
            }
            self._resolvers[key] = Resolver(inventory.settings_for(host), facts)
        return self._resolvers[key]

    def values(self, inventory: Inventory, name: str, group: str = "all") -> list[tuple[Any, Setting, Host]]:
        """The resolved value of `name` on every host of `group`, one entry per distinct written setting."""
        seen: set[tuple[Origin, str]] = set()
        found: list[tuple[Any, Setting, Host]] = []
        for host in inventory.hosts_in(group):
            resolver = self.resolver(inventory, host)
            setting = resolver.settings.get(name)
            if setting is None:
                continue
            value = resolver.get(name)
            key = (setting.origin, repr(value))
            if value is UNRESOLVED or key in seen:
                continue
            seen.add(key)
            found.append((value, setting, host))
        return found


def normalise_path(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def as_bool(value: Any) -> bool | None:
    """YAML-ish truth: True/False, yes/no, on/off, 1/0; None when it is not a boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    return None


def as_list(value: Any) -> list[Any]:
    """A list, or a comma-separated string split into one."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [] if value is None else [value]
