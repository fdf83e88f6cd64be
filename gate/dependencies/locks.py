"""The TOML lock files: uv.lock, poetry.lock and PEP 751 pylock.toml. Every entry is a pin, transitive
ones included; whether it is direct is decided from the project manifest beside the lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError, is_valid_pylock_path

from gate.dependencies.model import Dependency, ManifestContent, ManifestReader, Origin, Problem
from gate.dependencies.tomlfile import DocumentReader, array_table_lines

Row = tuple[str, str | None, Origin, str]  # name, version, origin, marker


def _entries(reader: ManifestReader, relative: str, rows: list[Row], lines: list[int]) -> ManifestContent:
    """Dependencies from (name, version, origin, marker) rows, the Nth at the Nth `[[…]]` header line."""
    found: list[Dependency] = []
    problems: list[Problem] = []
    for index, (name, version, origin, marker) in enumerate(rows):
        line = lines[index] if index < len(lines) else None
        if origin is Origin.REGISTRY and version is None:
            problems.append(Problem(relative, line, f"{name}: a registry package locked without a version"))
        specifier = f"=={version}" if version else ""
        found.append(Dependency.locked(relative, line, reader.format_name, name, version, specifier, origin, marker))
    return ManifestContent(tuple(found), tuple(problems), (relative,))


def _packages(data: dict[str, Any], key: str, relative: str) -> list[dict[str, Any]] | Problem:
    packages = data.get(key, [])
    if not isinstance(packages, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) for p in packages
    ):
        return Problem(relative, None, f"`{key}` is not a list of tables with a `name`")
    return packages


class _PackageTableLockReader(DocumentReader):
    """uv.lock and poetry.lock: a `[[package]]` array of tables with name, version and a `source`
    table; the two differ only in how the source names where a package came from."""

    is_lock = True

    def origin_of(self, source: dict[str, Any]) -> Origin:
        raise NotImplementedError

    def parse(self, relative: str, data: dict[str, Any], lines: list[str]) -> ManifestContent:
        packages = _packages(data, "package", relative)
        if isinstance(packages, Problem):
            return ManifestContent.unreadable(packages)
        rows: list[Row] = []
        for package in packages:
            source = package.get("source")
            origin = self.origin_of(source if isinstance(source, dict) else {})
            version = package.get("version")
            rows.append((package["name"], str(version) if version is not None else None, origin, ""))
        return _entries(self, relative, rows, array_table_lines(lines, "package"))


class UvLockReader(_PackageTableLockReader):
    format_name = filename = "uv.lock"

    def origin_of(self, source: dict[str, Any]) -> Origin:
        if "registry" in source:
            return Origin.REGISTRY
        if "git" in source or "url" in source:
            return Origin.URL
        return Origin.PATH  # editable, virtual, directory, path: the project itself or a local package


class PoetryLockReader(_PackageTableLockReader):
    format_name = filename = "poetry.lock"

    def origin_of(self, source: dict[str, Any]) -> Origin:
        # `legacy` is a private package index: still a registry release, matched by name and version.
        kinds = {"git": Origin.URL, "url": Origin.URL, "file": Origin.PATH, "directory": Origin.PATH}
        return kinds.get(str(source.get("type")), Origin.REGISTRY)


class PylockReader(DocumentReader):
    format_name = "pylock"
    is_lock = True

    def matches(self, filename: str) -> bool:
        return is_valid_pylock_path(Path(filename))

    def parse(self, relative: str, data: dict[str, Any], lines: list[str]) -> ManifestContent:
        try:
            lock = Pylock.from_dict(data)  # validates the whole file against PEP 751
        except (PylockValidationError, PylockUnsupportedVersionError) as exc:
            return ManifestContent.unreadable(Problem(relative, None, f"not a valid pylock file: {exc}"))
        rows: list[Row] = []
        for package in lock.packages:
            if package.vcs is not None or (package.archive is not None and package.archive.url):
                origin = Origin.URL
            elif package.directory is not None or package.archive is not None:
                origin = Origin.PATH
            else:
                origin = Origin.REGISTRY
            version = str(package.version) if package.version is not None else None
            rows.append((str(package.name), version, origin, str(package.marker or "")))
        return _entries(self, relative, rows, array_table_lines(lines, "packages"))
