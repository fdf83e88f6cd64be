"""Find every dependency manifest and lock under a target and read them into one inventory."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.dependencies.locks import PoetryLockReader, PylockReader, UvLockReader
from gate.dependencies.model import Dependency, ManifestContent, ManifestReader, Origin, Problem
from gate.dependencies.pins import is_pep440
from gate.dependencies.pipfile import PipfileLockReader, PipfileReader
from gate.dependencies.pyproject import PyprojectReader
from gate.dependencies.requirements import RequirementsReader
from gate.dependencies.setupcfg import SetupCfgReader

READERS: tuple[ManifestReader, ...] = (
    RequirementsReader(),
    PyprojectReader(),
    SetupCfgReader(),
    PipfileReader(),
    UvLockReader(),
    PoetryLockReader(),
    PipfileLockReader(),
    PylockReader(),
)
#: The project manifests a lock file in the same folder stands for.
LOCKED_BY_SIBLING = frozenset({PyprojectReader.format_name, SetupCfgReader.format_name, PipfileReader.format_name})


def reader_for(relative: str) -> ManifestReader | None:
    name = relative.rsplit("/", 1)[-1]
    return next((reader for reader in READERS if reader.matches(name)), None)


def is_manifest(relative: str) -> bool:
    """Whether a root-relative file is a dependency manifest or lock this package reads."""
    return reader_for(relative) is not None


@dataclass(frozen=True)
class DependencyInventory:
    """Every dependency of a target, where each is named, and what could not be read."""

    root: Path
    manifests: tuple[str, ...]  # the top-level manifests and locks that were read
    dependencies: tuple[Dependency, ...]
    problems: tuple[Problem, ...]
    files_read: tuple[str, ...]  # manifests plus every `-r`/`-c` include
    locked: tuple[str, ...]  # project manifests whose dependencies come from a lock beside them

    def auditable(self) -> tuple[Dependency, ...]:
        """Pinned registry releases with a PEP 440 version: what advisories can be matched against."""
        return tuple(d for d in self.dependencies if d.origin is Origin.REGISTRY and d.version and is_pep440(d.version))

    def unauditable_pins(self) -> tuple[Dependency, ...]:
        """`===` pins to a version that is not PEP 440: no advisory range can ever match them."""
        return tuple(
            d for d in self.dependencies if d.origin is Origin.REGISTRY and d.version and not is_pep440(d.version)
        )

    def unpinned(self) -> tuple[Dependency, ...]:
        """Direct registry requirements with no exact version and no `-c` constraint pinning them.

        Lock files never contribute here (every lock entry is a pin), and a project manifest with a
        lock beside it is not read for dependencies at all.
        """
        constrained = {(d.via, d.canonical_name) for d in self.dependencies if not d.direct and d.version is not None}
        return tuple(
            d
            for d in self.dependencies
            if d.direct
            and d.origin is Origin.REGISTRY
            and d.version is None
            and (d.via, d.canonical_name) not in constrained
        )


def _folder(relative: str) -> str:
    return posixpath.dirname(relative)


def discover(root: Path, files: Iterable[str] | None = None) -> DependencyInventory:
    """Read every manifest and lock under root (or among `files`, root-relative, already filtered).

    A lock (uv.lock, poetry.lock, Pipfile.lock, pylock.toml) is the truth for the pyproject.toml or
    Pipfile in its folder: their declared names only decide which locked pins are `direct`.
    Requirements files are always read on their own.
    """
    if files is None:
        from gate.targets import walk_files  # lazily: gate.targets imports the scanner layer

        files = walk_files(root, ())
    candidates = sorted(f for f in files if is_manifest(f))
    lock_folders = {_folder(f) for f in candidates if (r := reader_for(f)) is not None and r.is_lock}
    contents: dict[str, tuple[ManifestReader, ManifestContent]] = {}
    for relative in candidates:
        reader = reader_for(relative)
        assert reader is not None
        contents[relative] = (reader, reader.read(root, relative))
    declared: dict[str, frozenset[str]] = {}
    for relative, (reader, content) in contents.items():
        if reader.format_name in LOCKED_BY_SIBLING:
            declared[_folder(relative)] = declared.get(_folder(relative), frozenset()) | content.declared_names
    dependencies: list[Dependency] = []
    problems: list[Problem] = []
    files_read: list[str] = []
    locked: list[str] = []
    for relative, (reader, content) in contents.items():
        files_read += content.files_read
        problems += content.problems
        if reader.format_name in LOCKED_BY_SIBLING and _folder(relative) in lock_folders:
            locked.append(relative)
            continue
        for dependency in content.dependencies:
            if reader.is_lock and dependency.canonical_name in declared.get(_folder(relative), frozenset()):
                dependency = _with_direct(dependency)
            dependencies.append(dependency)
    return DependencyInventory(
        root=root,
        manifests=tuple(contents),
        dependencies=tuple(_unique(dependencies)),
        problems=tuple(dict.fromkeys(problems)),
        files_read=tuple(dict.fromkeys(files_read)),
        locked=tuple(locked),
    )


def _with_direct(dependency: Dependency) -> Dependency:
    from dataclasses import replace

    return replace(dependency, direct=True)


def _unique(dependencies: Sequence[Dependency]) -> list[Dependency]:
    """One entry per (file, line, name): a file included by two manifests is listed once, for the first."""
    seen: set[tuple[str, int | None, str]] = set()
    unique: list[Dependency] = []
    for dependency in dependencies:
        key = (dependency.manifest, dependency.line, dependency.canonical_name)
        if key not in seen:
            seen.add(key)
            unique.append(dependency)
    return unique
