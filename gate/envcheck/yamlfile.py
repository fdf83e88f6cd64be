"""YAML with line numbers: every mapping entry and list item remembers where it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gate.configfile import ConfigLoader, check_shape
from gate.errors import ConfigError

VAULT_HEADER = "$ANSIBLE_VAULT;"


class VaultText(str):
    """An inline `!vault |` value: ciphertext, never decrypted by the loader."""

    __slots__ = ()


@dataclass(frozen=True)
class YamlNode:
    """A parsed value and its 1-based line span; `entries` / `items` position the children."""

    value: Any
    line: int
    end_line: int
    entries: dict[Any, tuple[int, YamlNode]] = field(default_factory=dict)  # key -> (key line, value node)
    items: tuple[YamlNode, ...] = ()


class _Loader(ConfigLoader):
    """The gate's config loader (no timestamp resolver) plus Ansible's `!vault` and `!unsafe` tags."""


_Loader.add_constructor("!vault", lambda loader, node: VaultText(loader.construct_scalar(node)))  # type: ignore[arg-type]
_Loader.add_constructor("!unsafe", lambda loader, node: str(loader.construct_scalar(node)))  # type: ignore[arg-type]


def _span(node: yaml.Node) -> tuple[int, int]:
    start = node.start_mark.line + 1
    end = node.end_mark.line + (0 if node.end_mark.column == 0 else 1)
    return start, max(start, end)


def _walk(loader: _Loader, node: yaml.Node) -> YamlNode:
    line, end_line = _span(node)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        entries: dict[Any, tuple[int, YamlNode]] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            entries[key] = (key_node.start_mark.line + 1, _walk(loader, value_node))
        value = {key: child.value for key, (_, child) in entries.items()}
        return YamlNode(value, line, end_line, entries=entries)
    if isinstance(node, yaml.SequenceNode):
        items = tuple(_walk(loader, child) for child in node.value)
        return YamlNode([item.value for item in items], line, end_line, items=items)
    return YamlNode(loader.construct_object(node, deep=True), line, end_line)


def read_text(path: Path, rel: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{rel}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


def parse_yaml(text: str, rel: str) -> YamlNode | None:
    """The document's tree, or None for an empty file; bad YAML is a ConfigError naming file and line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_shape(node, rel)  # a recursive anchor or an alias bomb would never finish _walk
        return _walk(loader, node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{rel}: not valid YAML{where}") from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. an unhashable key such as `? [a]: 1`
        raise ConfigError(f"{rel}: cannot read YAML: {type(exc).__name__}: {exc}") from None
    finally:
        loader.dispose()


def vault_id_of(text: str) -> str | None:
    """The vault id in an ansible-vault header (`$ANSIBLE_VAULT;1.2;AES256;<id>`); None for format 1.1."""
    parts = text.strip().splitlines()[0].strip().split(";") if text.strip() else []
    return parts[3].strip() if len(parts) >= 4 and parts[3].strip() else None


def is_vault(text: str) -> bool:
    return text.lstrip().startswith(VAULT_HEADER)
