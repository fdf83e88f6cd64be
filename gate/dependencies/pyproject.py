"""pyproject.toml: PEP 621 `[project]` dependencies and extras, PEP 735 `[dependency-groups]`, and
Poetry's `[tool.poetry]` dependency tables. These declare what a project needs, usually as ranges."""

from __future__ import annotations

from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from gate.dependencies.model import Dependency, ManifestContent, Origin, Problem
from gate.dependencies.pep508 import requirement_dependency
from gate.dependencies.pins import exact_version
from gate.dependencies.tomlfile import DocumentReader, line_of


class PyprojectReader(DocumentReader):
    format_name = "pyproject"
    filename = "pyproject.toml"

    def parse(self, relative: str, data: dict[str, Any], lines: list[str]) -> ManifestContent:
        dependencies: list[Dependency] = []
        problems: list[Problem] = []
        for text in _pep508_strings(data):
            line = line_of(lines, f'"{text}"') or line_of(lines, f"'{text}'")
            read = requirement_dependency(text, relative, line, self.format_name)
            if isinstance(read, Problem):
                problems.append(read)
            else:
                dependencies.append(read)
        dependencies += _poetry(data, lines, relative)
        declared = frozenset(d.canonical_name for d in dependencies)
        return ManifestContent(tuple(dependencies), tuple(problems), (relative,), declared)


def _pep508_strings(data: dict[str, Any]) -> list[str]:
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    assert isinstance(project, dict)
    found: list[Any] = list(project.get("dependencies") or [])
    extras = project.get("optional-dependencies")
    if isinstance(extras, dict):
        for group in extras.values():
            found += list(group or []) if isinstance(group, list) else []
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for group in groups.values():
            # `{include-group = "x"}` entries name another group, which is read on its own.
            found += [entry for entry in group if isinstance(entry, str)] if isinstance(group, list) else []
    return [entry for entry in found if isinstance(entry, str)]


def _poetry_tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    poetry = data.get("tool", {}).get("poetry") if isinstance(data.get("tool"), dict) else None
    if not isinstance(poetry, dict):
        return []
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        tables += [group.get("dependencies") for group in groups.values() if isinstance(group, dict)]
    return [table for table in tables if isinstance(table, dict)]


def poetry_exact(constraint: str) -> str | None:
    """Poetry writes a bare version (`3.0.0`) for an exact pin; `^`, `~`, `*` and ranges are not pins."""
    constraint = constraint.strip()
    if constraint.startswith(("==", "===")):
        return exact_version(constraint)
    try:
        Version(constraint)
    except InvalidVersion:
        return None
    return constraint


def _poetry(data: dict[str, Any], lines: list[str], relative: str) -> list[Dependency]:
    found: list[Dependency] = []
    for table in _poetry_tables(data):
        for name, spec in table.items():
            if canonicalize_name(name) == "python":
                continue  # the interpreter constraint, not a package
            origin = Origin.REGISTRY
            constraint = spec if isinstance(spec, str) else ""
            if isinstance(spec, dict):
                constraint = str(spec.get("version") or "")
                if "git" in spec or "url" in spec:
                    origin = Origin.URL
                elif "path" in spec:
                    origin = Origin.PATH
            found.append(
                Dependency(
                    name=name,
                    version=poetry_exact(constraint) if origin is Origin.REGISTRY else None,
                    manifest=relative,
                    line=line_of(lines, f"{name} =") or line_of(lines, f'"{name}" ='),
                    direct=True,
                    source_format=PyprojectReader.format_name,
                    specifier="" if constraint == "*" else constraint,
                    origin=origin,
                    via=relative,
                )
            )
    return found
