"""Evaluate a host's variables the way Ansible would, as far as the inventory alone allows.

Templates are rendered in a sandboxed Jinja environment with the few filters inventories use.
Anything that needs facts or unknown filters stays UNRESOLVED and is skipped by the checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, meta
from jinja2.exceptions import TemplateError
from jinja2.nativetypes import NativeEnvironment
from jinja2.sandbox import ImmutableSandboxedEnvironment

from gate.envcheck.model import Setting


class _Unresolved:
    """Marks a value that depends on facts or features envcheck cannot evaluate."""

    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()


class _Environment(ImmutableSandboxedEnvironment, NativeEnvironment):
    """Sandboxed (no attribute tricks) and native (`{{ list }}` stays a list, as in Ansible)."""


def _dict_kv(value: Any, key: str) -> dict[str, Any]:
    return {key: value}


def _combine(*dicts: Mapping[str, Any], **_: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for item in dicts:
        merged.update(item)
    return merged


def _environment() -> _Environment:
    env = _Environment(undefined=StrictUndefined)
    for prefix in ("", "ansible.builtin.", "community.general."):
        env.filters[prefix + "combine"] = _combine
        env.filters[prefix + "dict_kv"] = _dict_kv
    env.filters["ansible.builtin.bool"] = env.filters["bool"] = lambda v: str(v).lower() in ("true", "yes", "1", "on")
    return env


_ENV = _environment()


def _has_template(value: str) -> bool:
    return "{{" in value or "{%" in value


class Resolver:
    """Renders one host's variables on demand, memoised, with cycle protection."""

    def __init__(self, settings: Mapping[str, Setting], facts: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        self.facts = dict(facts or {})
        self._memo: dict[str, Any] = {}
        self._active: set[str] = set()

    def get(self, name: str, default: Any = UNRESOLVED) -> Any:
        if name in self.facts:
            return self.facts[name]
        if name not in self.settings:
            return default
        if name not in self._memo:
            if name in self._active:
                return UNRESOLVED
            self._active.add(name)
            try:
                self._memo[name] = self.render(self.settings[name].value)
            finally:
                self._active.discard(name)
        return self._memo[name]

    def render(self, value: Any) -> Any:
        """Render strings, lists and dicts recursively; an unrenderable string becomes UNRESOLVED."""
        if isinstance(value, list):
            return [self.render(item) for item in value]
        if isinstance(value, dict):
            return {key: self.render(item) for key, item in value.items()}
        if not isinstance(value, str) or not _has_template(value):
            return value
        try:
            names = meta.find_undeclared_variables(_ENV.parse(value))
            context = {name: self.get(name) for name in names}
            if any(item is UNRESOLVED for item in context.values()):
                return UNRESOLVED
            return self.render(_ENV.from_string(value).render(context))
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError, RecursionError):
            return UNRESOLVED
