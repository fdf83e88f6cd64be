"""Load inventories/<env>/ folders (YAML inventory, group_vars, host_vars, vault files) with line numbers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gate.envcheck.model import Host, Inventory, Origin, Setting, VaultFile
from gate.envcheck.yamlfile import VaultText, YamlNode, is_vault, parse_yaml, read_text, vault_id_of
from gate.errors import ConfigError

INVENTORY_FILES = ("hosts.yml", "hosts.yaml")
YAML_SUFFIXES = (".yml", ".yaml")


class _Reader:
    """Reads files of one target, keeping their lines for token lookup and their relative names."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: dict[str, list[str]] = {}
        self.vault_files: list[VaultFile] = []

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def read(self, path: Path) -> tuple[str, YamlNode | None]:
        rel = self.rel(path)
        text = read_text(path, rel)
        self.lines[rel] = text.splitlines()
        if is_vault(text):
            self.vault_files.append(VaultFile(Origin(rel, 1, 1), vault_id_of(text), text))
            return rel, None
        return rel, parse_yaml(text, rel)

    def settings(self, rel: str, node: YamlNode | None, where: str) -> dict[str, Setting]:
        """A mapping of variables -> Settings; anything but a mapping is a ConfigError naming the key."""
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            raise ConfigError(f"{rel}: {where}: expected a mapping of variables")
        found: dict[str, Setting] = {}
        lines = self.lines.get(rel, [])
        for key, (key_line, child) in node.entries.items():
            if not isinstance(key, str):
                raise ConfigError(f"{rel}: {where}.{key}: variable names must be strings")
            origin = Origin(rel, key_line, child.end_line)
            items = tuple(Origin(rel, item.line, item.end_line) for item in child.items)
            text = tuple(lines[key_line - 1 : max(key_line, child.end_line)])
            found[key] = Setting(key, child.value, origin, items, text)
            self._inline_vaults(found[key], child)
        return found

    def _inline_vaults(self, setting: Setting, node: YamlNode) -> None:
        if isinstance(node.value, VaultText):
            self.vault_files.append(
                VaultFile(setting.origin, vault_id_of(str(node.value)), str(node.value), setting=setting.name)
            )
        for _, child in node.entries.values():
            self._inline_vaults(setting, child)
        for item in node.items:
            self._inline_vaults(setting, item)


def _mapping(node: YamlNode | None, rel: str, where: str) -> dict[Any, tuple[int, YamlNode]]:
    if node is None or node.value is None:
        return {}
    if not isinstance(node.value, dict):
        raise ConfigError(f"{rel}: {where}: expected a mapping")
    return node.entries


def _vars_dir(reader: _Reader, folder: Path) -> dict[str, dict[str, Setting]]:
    """group_vars/ or host_vars/: `<name>.yml` or `<name>/*.yml`, merged per name in file order."""
    result: dict[str, dict[str, Setting]] = {}
    if not folder.is_dir():
        return result
    for entry in sorted(folder.iterdir()):
        files = sorted(p for p in entry.iterdir() if p.suffix in YAML_SUFFIXES) if entry.is_dir() else [entry]
        name = entry.name if entry.is_dir() else entry.stem
        if not entry.is_dir() and entry.suffix not in YAML_SUFFIXES:
            continue
        for path in files:
            rel, node = reader.read(path)
            result.setdefault(name, {}).update(reader.settings(rel, node, "(top level)"))
    return result


class _HostsFile:
    """Walks a YAML inventory: groups with `hosts`, `vars` and `children`."""

    def __init__(self, reader: _Reader, rel: str) -> None:
        self.reader = reader
        self.rel = rel
        self.host_groups: dict[str, set[str]] = {}
        self.host_vars: dict[str, dict[str, Setting]] = {}
        self.host_origin: dict[str, Origin] = {}
        self.group_vars: dict[str, dict[str, Setting]] = {}
        self.depth: dict[str, int] = {"all": 0}

    def group(self, name: str, node: YamlNode | None, where: str, depth: int, parents: tuple[str, ...]) -> None:
        self.depth[name] = min(self.depth.get(name, depth), depth)
        lineage = (*parents, name)
        entries = _mapping(node, self.rel, where)
        unknown = sorted(str(k) for k in entries if k not in ("hosts", "vars", "children"))
        if unknown:
            raise ConfigError(f"{self.rel}: {where}.{unknown[0]}: expected hosts, vars or children")
        if "vars" in entries:
            _, vars_node = entries["vars"]
            self.group_vars.setdefault(name, {}).update(self.reader.settings(self.rel, vars_node, f"{where}.vars"))
        if "hosts" in entries:
            _, hosts_node = entries["hosts"]
            for host, (line, host_node) in _mapping(hosts_node, self.rel, f"{where}.hosts").items():
                self.add_host(str(host), line, host_node, f"{where}.hosts.{host}", lineage)
        if "children" in entries:
            _, children_node = entries["children"]
            for child, (_, child_node) in _mapping(children_node, self.rel, f"{where}.children").items():
                self.group(str(child), child_node, f"{where}.children.{child}", depth + 1, lineage)

    def add_host(self, name: str, line: int, node: YamlNode, where: str, lineage: tuple[str, ...]) -> None:
        self.host_groups.setdefault(name, set()).update(lineage)
        self.host_origin.setdefault(name, Origin(self.rel, line, line))
        variables = self.reader.settings(self.rel, node if node.value is not None else None, where)
        self.host_vars.setdefault(name, {}).update(variables)


def _role_defaults(reader: _Reader, roles_dir: Path) -> dict[str, Setting]:
    defaults: dict[str, Setting] = {}
    if not roles_dir.is_dir():
        return defaults
    for path in sorted(roles_dir.glob("*/defaults/main.y*ml")):
        rel, node = reader.read(path)
        defaults.update(reader.settings(rel, node, "(top level)"))
    return defaults


def load_inventory(folder: Path, root: Path, defaults: Mapping[str, Setting] | None = None) -> Inventory:
    """One inventory folder; `root` is the target the paths are made relative to."""
    reader = _Reader(root)
    hosts_path = next((folder / name for name in INVENTORY_FILES if (folder / name).is_file()), None)
    if hosts_path is None:
        raise ConfigError(f"{reader.rel(folder)}: no hosts.yml (envcheck reads YAML inventories)")
    rel, node = reader.read(hosts_path)
    walker = _HostsFile(reader, rel)
    top = _mapping(node, rel, "(top level)")
    if set(top) - {"all"}:
        for name, (_, group_node) in top.items():
            if name != "all":
                walker.group(str(name), group_node, str(name), 1, ("all",))
    if "all" in top:
        walker.group("all", top["all"][1], "all", 0, ())
    group_vars = _vars_dir(reader, folder / "group_vars")
    for group, variables in walker.group_vars.items():
        group_vars[group] = {**variables, **group_vars.get(group, {})}
    host_vars_dir = _vars_dir(reader, folder / "host_vars")
    hosts = tuple(
        Host(
            name=name,
            groups=tuple(sorted(walker.host_groups[name] | {"all"})),
            vars={**walker.host_vars.get(name, {}), **host_vars_dir.get(name, {})},
            origin=walker.host_origin[name],
        )
        for name in sorted(walker.host_groups)
    )
    for extra in sorted(folder.glob("*.y*ml")):
        if extra != hosts_path:
            reader.read(extra)  # e.g. secrets.vault.yml next to the inventory
    return Inventory(
        name=folder.name,
        rel=reader.rel(folder),
        hosts=hosts,
        group_vars=group_vars,
        group_depth=walker.depth,
        vault_files=tuple(reader.vault_files),
        files=tuple(sorted(reader.lines)),
        defaults=dict(defaults or {}),
    )


def project_root(inventories_dir: Path) -> Path:
    """The repository the inventories belong to: the nearest folder above them that holds roles/
    (inventories/lab's is the repository, not inventories/), else the folder that holds them."""
    resolved = inventories_dir.resolve()
    return next((folder for folder in resolved.parents if (folder / "roles").is_dir()), resolved.parent)


def load_defaults(root: Path) -> dict[str, Setting]:
    """The role defaults under <root>/roles, the lowest-precedence layer of every host's variables."""
    return _role_defaults(_Reader(root), root / "roles")


def _has_hosts_file(folder: Path) -> bool:
    return any((folder / name).is_file() for name in INVENTORY_FILES)


def is_inventory_set(folder: Path) -> bool:
    """A folder of environments of its own (e.g. inventories/lab/{dev,staging,prod}): no hosts file,
    inventory folders inside. Its environments are checked against each other, not against ours."""
    return (
        folder.is_dir()
        and not _has_hosts_file(folder)
        and any(child.is_dir() and _has_hosts_file(child) for child in folder.iterdir())
    )


def inventory_sets(inventories_dir: Path) -> list[Path]:
    """inventories_dir, then every nested set of inventories under it, each checked on its own."""
    nested = sorted(p for p in inventories_dir.iterdir() if not p.name.startswith(".") and is_inventory_set(p))
    return [inventories_dir, *(found for folder in nested for found in inventory_sets(folder))]


def load_inventories(inventories_dir: Path, root: Path | None = None) -> list[Inventory]:
    """Every inventory folder under inventories_dir (nested sets excluded); the target root defaults to its parent."""
    if not inventories_dir.is_dir():
        raise ConfigError(f"{inventories_dir}: not a directory of inventories")
    root = root or project_root(inventories_dir)
    defaults = load_defaults(root)
    entries = sorted(p for p in inventories_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not entries:
        raise ConfigError(f"{inventories_dir}: holds no inventory folders")
    return [load_inventory(folder, root, defaults) for folder in entries if not is_inventory_set(folder)]
