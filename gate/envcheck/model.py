"""What envcheck knows about an inventory: settings with their origin, hosts, vault files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gate.findings import Location


@dataclass(frozen=True)
class Origin:
    """Where a value was written: root-relative path and 1-based line span."""

    path: str
    line: int
    end_line: int = 0

    def location(self) -> Location:
        return Location(path=self.path, start_line=self.line, end_line=max(self.line, self.end_line))

    def at(self, line: int) -> Origin:
        return Origin(self.path, line, line)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Setting:
    """One variable as written: raw value, the key's origin, and each list item's origin."""

    name: str
    value: Any
    origin: Origin
    item_origins: tuple[Origin, ...] = ()
    text: tuple[str, ...] = ()  # the source lines origin.line..end_line, to point at a token inside a template

    def origin_of(self, token: str) -> Origin:
        """The line inside this setting's text that holds `token` (e.g. 'trust' in a templated hba list)."""
        for offset, line in enumerate(self.text):
            if token and token in line:
                return self.origin.at(self.origin.line + offset)
        return self.origin.at(self.origin.line)

    def item_origin(self, index: int) -> Origin:
        if 0 <= index < len(self.item_origins):
            return self.item_origins[index]
        return self.origin.at(self.origin.line)


@dataclass(frozen=True)
class Host:
    name: str
    groups: tuple[str, ...]
    vars: Mapping[str, Setting]
    origin: Origin


@dataclass(frozen=True)
class VaultFile:
    """An ansible-vault ciphertext: a whole file, or one inline `!vault` value (then `setting` names it)."""

    origin: Origin
    vault_id: str | None
    ciphertext: str
    setting: str | None = None


@dataclass(frozen=True)
class Inventory:
    """One inventories/<name>/ folder."""

    name: str
    rel: str  # e.g. inventories/prod
    hosts: tuple[Host, ...]
    group_vars: Mapping[str, Mapping[str, Setting]]  # 'all' and every group
    group_depth: Mapping[str, int]
    vault_files: tuple[VaultFile, ...]
    files: tuple[str, ...]
    defaults: Mapping[str, Setting] = field(default_factory=dict)  # role defaults, lowest precedence

    def settings_for(self, host: Host) -> dict[str, Setting]:
        """Variables as Ansible would layer them: role defaults, all, groups (shallow first), the host."""
        merged: dict[str, Setting] = dict(self.defaults)
        merged.update(self.group_vars.get("all", {}))
        for group in sorted(host.groups, key=lambda g: (self.group_depth.get(g, 1), g)):
            if group != "all":
                merged.update(self.group_vars.get(group, {}))
        merged.update(host.vars)
        return merged

    def all_settings(self) -> list[Setting]:
        """Every setting written in this inventory (not the role defaults)."""
        found: list[Setting] = []
        for variables in self.group_vars.values():
            found.extend(variables.values())
        for host in self.hosts:
            found.extend(host.vars.values())
        return found

    def hosts_in(self, group: str) -> tuple[Host, ...]:
        return tuple(host for host in self.hosts if group in host.groups)

