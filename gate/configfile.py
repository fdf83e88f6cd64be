"""Read a YAML or JSON configuration file; every way it can be wrong becomes one ConfigError line.

Policies, waivers, baselines, decision records, keys, the bundled semgrep rules and imported advisory
records all come through here, so a bad date, a recursive anchor, an
alias bomb or a nested-too-deep document is "exit 2, one line" everywhere, never a traceback.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gate.errors import ConfigError

#: Nesting deeper than this is not a configuration file (and would exhaust the recursion limit).
MAX_DEPTH = 64
#: Values after alias expansion: a few aliases can otherwise expand to billions of nodes.
MAX_NODES = 200_000
#: A configuration file is small; this is generous and keeps a mistaken path from filling memory.
MAX_BYTES = 16 * 1024 * 1024


class ConfigLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: `2026-02-30` stays text, and each caller's schema
    checks the date, so an impossible date is a validation message rather than a ValueError inside YAML."""


ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def check_shape(node: yaml.Node, what: str) -> None:
    """Refuse recursive anchors, alias bombs and absurd nesting before anything constructs the tree."""
    count = 0
    stack: list[tuple[yaml.Node, int, frozenset[int]]] = [(node, 1, frozenset())]
    while stack:
        current, depth, ancestors = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ConfigError(f"{what}: more than {MAX_NODES} values once aliases are expanded")
        if depth > MAX_DEPTH:
            raise ConfigError(f"{what}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(current, yaml.SequenceNode):
            children: list[yaml.Node] = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [part for pair in current.value for part in pair]
        else:
            continue
        inside = ancestors | {id(current)}
        for child in children:
            if id(child) in inside:
                line = child.start_mark.line + 1
                raise ConfigError(f"{what}: recursive YAML anchor at line {line} (an alias inside its own anchor)")
            stack.append((child, depth + 1, inside))


def parse_yaml_text(text: str, what: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = ConfigLoader) -> Any:
    """The document in `text` (None when empty); any problem is a ConfigError naming `what` and the line."""
    instance = loader(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        check_shape(node, what)
        return instance.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        raise ConfigError(f"{what}: not valid YAML{where}{detail}") from None
    except (ValueError, TypeError, RecursionError, OverflowError, MemoryError) as exc:
        raise ConfigError(f"{what}: cannot read YAML: {type(exc).__name__}: {exc}") from None
    finally:
        instance.dispose()


def read_bytes(path: Path, kind: str) -> bytes:
    """The file's bytes; missing, unreadable, not a regular file or too large: ConfigError."""
    try:
        if not path.is_file():
            if not path.exists():
                raise ConfigError(f"{path}: {kind} file not found")
            raise ConfigError(f"{path}: {kind} file is not a regular file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{path}: {kind} file is {size} bytes; more than {MAX_BYTES} is not a {kind} file")
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {kind} file: {exc.strerror or exc}") from None


def decode(raw: bytes, path: Path, kind: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {kind} file is not UTF-8 text") from None


def load_yaml(path: Path, kind: str) -> tuple[bytes, Any]:
    """(raw bytes, document) of a YAML config file; dates stay ISO text for the schema to check."""
    raw = read_bytes(path, kind)
    return raw, parse_yaml_text(decode(raw, path, kind), str(path))


def bundled_schema(name: str) -> dict[str, Any]:
    """A JSON schema shipped with the gate (gate/schemas/NAME), which the config files above are checked against."""
    text = resources.files("gate").joinpath(f"schemas/{name}").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def load_json(path: Path, kind: str) -> tuple[bytes, Any]:
    """(raw bytes, document) of a JSON config file; huge or deeply nested numbers and arrays are refused."""
    raw = read_bytes(path, kind)
    text = decode(raw, path, kind)
    try:
        return raw, json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: {kind} file is not JSON ({type(exc).__name__})") from None
