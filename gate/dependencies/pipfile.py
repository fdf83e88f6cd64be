"""Pipenv's Pipfile (declared dependencies, `"*"` meaning any version) and Pipfile.lock (JSON pins)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate.dependencies.model import Dependency, ManifestContent, Origin, Problem
from gate.dependencies.pins import exact_version
from gate.dependencies.tomlfile import DocumentReader, line_of, load_json

_SECTIONS = {"Pipfile": ("packages", "dev-packages"), "Pipfile.lock": ("default", "develop")}


def _origin(spec: dict[str, Any]) -> Origin:
    if "git" in spec or "hg" in spec or "svn" in spec or "bzr" in spec or "file" in spec:
        return Origin.URL
    if "path" in spec or spec.get("editable"):
        return Origin.PATH
    return Origin.REGISTRY


class PipfileReader(DocumentReader):
    format_name = "pipfile"
    filename = "Pipfile"

    def parse(self, relative: str, data: dict[str, Any], lines: list[str]) -> ManifestContent:
        found: list[Dependency] = []
        for section in _SECTIONS["Pipfile"]:
            table = data.get(section)
            start = line_of(lines, f"[{section}]") or 1
            for name, spec in (table or {}).items() if isinstance(table, dict) else ():
                details = spec if isinstance(spec, dict) else {"version": spec}
                origin = _origin(details)
                specifier = str(details.get("version") or "").strip()
                specifier = "" if specifier == "*" else specifier
                found.append(
                    Dependency(
                        name=name,
                        version=exact_version(specifier) if origin is Origin.REGISTRY else None,
                        manifest=relative,
                        line=line_of(lines, f"{name} =", start) or line_of(lines, f'"{name}" =', start),
                        direct=True,
                        source_format=self.format_name,
                        specifier=specifier,
                        origin=origin,
                        via=relative,
                    )
                )
        declared = frozenset(d.canonical_name for d in found)
        return ManifestContent(tuple(found), (), (relative,), declared)


class PipfileLockReader(DocumentReader):
    format_name = "Pipfile.lock"
    filename = "Pipfile.lock"
    is_lock = True

    def load(self, root: Path, relative: str) -> tuple[Any, list[str]] | Problem:
        return load_json(root, relative)

    def parse(self, relative: str, data: Any, lines: list[str]) -> ManifestContent:
        if not isinstance(data, dict):
            return ManifestContent.unreadable(Problem(relative, None, "not a Pipfile.lock object"))
        found: list[Dependency] = []
        problems: list[Problem] = []
        for section in _SECTIONS["Pipfile.lock"]:
            table = data.get(section) or {}
            if not isinstance(table, dict):
                problems.append(Problem(relative, None, f"`{section}` is not an object"))
                continue
            start = line_of(lines, f'"{section}"') or 1
            for name, spec in table.items():
                if not isinstance(spec, dict):
                    problems.append(Problem(relative, line_of(lines, f'"{name}"', start), f"{name}: not an object"))
                    continue
                origin = _origin(spec)
                specifier = str(spec.get("version") or "")
                version = exact_version(specifier) if origin is Origin.REGISTRY else None
                line = line_of(lines, f'"{name}": {{', start) or line_of(lines, f'"{name}"', start)
                if origin is Origin.REGISTRY and version is None:
                    problems.append(Problem(relative, line, f"{name}: locked without an exact version ({specifier!r})"))
                marker = str(spec.get("markers") or "")
                locked = Dependency.locked(relative, line, self.format_name, name, version, specifier, origin, marker)
                found.append(locked)
        return ManifestContent(tuple(found), tuple(problems), (relative,))
