"""Engine profiles: what each database role requires per environment, read from the role itself.

A profile (roles/<role>/vars/profile.yml, one top-level `<role>_profile` key) names the role's
variables for TLS, authentication, audit, sql_mode and listen addresses, orders their values from
weaker to stronger, and gives each environment's minimum; it also lists the variables that admit
networks and those that name secrets. The role asserts the same file through roles/db_contract, so
a minimum is written once (docs/adding-an-engine.md).

Profiles come from the checked tree's roles/; a tree without any uses the profiles of the roles
this gate ships with.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from gate.configfile import bundled_schema, load_yaml
from gate.errors import ConfigError

PROFILE_GLOB = "*/vars/profile.yml"
#: The roles beside this package in a checkout (an editable install); absent in a wheel.
BUNDLED_ROLES = Path(__file__).resolve().parents[2] / "roles"


@dataclass(frozen=True)
class ProfileSetting:
    """One measured setting: how to read the variable, the order of its values, each environment's limit."""

    name: str
    rule: str
    kind: str
    variable: str
    field: str | None = None
    default: Any = None
    case: str | None = None
    order: tuple[Any, ...] = ()
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    members: frozenset[str] = frozenset()
    expand: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    also: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    unless: dict[str, Any] = dataclasses.field(default_factory=dict)  # not measured while a variable holds this
    limits: dict[str, Any] = dataclasses.field(default_factory=dict)

    def limit(self, environment: str) -> Any:
        """The environment's own limit, else the one for every environment; None when there is none."""
        return self.limits.get(environment, self.limits.get("all"))

    @property
    def boolean(self) -> bool:
        return bool(self.order) and isinstance(self.order[0], bool)


@dataclass(frozen=True)
class Reference:
    """A variable (or a key of each item of a list variable) that admits networks or names a secret."""

    variable: str
    field: str | None = None
    label: str = ""  # networks: what the value is, for messages
    when: str | None = None  # secrets: only while this boolean variable is true
    kind: str = "password"  # secrets: what a new value is (roles/secrets/scripts/init_env_secrets.py kinds)


@dataclass(frozen=True)
class EngineProfile:
    engine: str
    group: str  # the inventory group whose hosts run the engine
    environment: str  # the role variable holding the host's environment
    source: str  # root-relative path of the profile file
    settings: tuple[ProfileSetting, ...]
    networks: tuple[Reference, ...] = ()
    secrets: tuple[Reference, ...] = ()


def _setting(item: dict[str, Any]) -> ProfileSetting:
    limits = item.get("minimum") or item.get("required") or item.get("forbidden") or {}
    return ProfileSetting(
        name=item["name"],
        rule=item["rule"],
        kind=item.get("kind", "rank"),
        variable=item["variable"],
        field=item.get("field"),
        default=item.get("default"),
        case=item.get("case"),
        order=tuple(item.get("order", ())),
        aliases=dict(item.get("aliases", {})),
        members=frozenset(item.get("members", ())),
        expand={token: tuple(members) for token, members in item.get("expand", {}).items()},
        also={switch: tuple(members) for switch, members in item.get("also", {}).items()},
        unless=dict(item.get("unless", {})),
        limits=dict(limits),
    )


def read_profile(path: Path, rel: str) -> EngineProfile:
    """One profile file; anything malformed is a one-line ConfigError naming the file and key."""
    _, document = load_yaml(path, "engine profile")
    if not isinstance(document, dict) or len(document) != 1 or not str(next(iter(document))).endswith("_profile"):
        raise ConfigError(f"{rel}: (top level): expected one key, <role>_profile")
    body = next(iter(document.values()))
    validator = jsonschema.Draft202012Validator(bundled_schema("engine-profile.schema.json"))
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(part) for part in errors[0].absolute_path) or "(top level)"
        raise ConfigError(f"{rel}: {where}: {errors[0].message}")
    return EngineProfile(
        engine=body["engine"],
        group=body["group"],
        environment=body["environment"],
        source=rel,
        settings=tuple(_setting(item) for item in body["settings"]),
        networks=tuple(Reference(n["variable"], n.get("field"), label=n["kind"]) for n in body.get("networks", ())),
        secrets=tuple(
            Reference(s["variable"], s.get("field"), when=s.get("when"), kind=s.get("kind", "password"))
            for s in body.get("secrets", ())
        ),
    )


def load_profiles(root: Path) -> tuple[EngineProfile, ...]:
    """Every engine profile under `root`/roles, or the bundled roles' when the tree has none."""
    for roles in (root / "roles", BUNDLED_ROLES):
        paths = sorted(roles.glob(PROFILE_GLOB)) if roles.is_dir() else []
        if paths:
            base = root if roles.parent == root else roles.parent
            return tuple(read_profile(path, path.relative_to(base).as_posix()) for path in paths)
    return ()
