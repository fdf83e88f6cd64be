"""The data every manifest reader returns, and the one interface each format implements."""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name


class Origin(enum.Enum):
    """Where a dependency comes from; only registry releases can be matched against advisories."""

    REGISTRY = "registry"
    URL = "url"  # a direct URL or VCS reference (`pkg @ git+…`, `git+…#egg=pkg`)
    PATH = "path"  # a local directory or archive (`-e .`, `./pkg`, uv's editable/virtual project)


@dataclass(frozen=True)
class Dependency:
    """One dependency where a manifest or lock file names it.

    `version` is the exact pinned version (`==` / `===`, or the lock's version), else None; `specifier`
    keeps what was written (`>=1,<2`, empty when nothing was). `manifest` and `line` point at the
    line that names it: for a pin read through `-r`/`-c`, that is the included file. `via` is the
    top-level manifest or lock the dependency was reached from. `direct` is False for a lock's
    transitive pins and for `-c` constraint pins.
    """

    name: str
    version: str | None
    manifest: str
    line: int | None
    direct: bool
    source_format: str
    specifier: str = ""
    origin: Origin = Origin.REGISTRY
    via: str = ""
    marker: str = ""

    @classmethod
    def locked(
        cls,
        lock: str,
        line: int | None,
        source_format: str,
        name: str,
        version: str | None,
        specifier: str,
        origin: Origin,
        marker: str,
    ) -> Dependency:
        """A lock file's pin: transitive until the project manifest beside the lock says it is direct."""
        return cls(name, version, lock, line, False, source_format, specifier, origin, via=lock, marker=marker)

    @property
    def canonical_name(self) -> str:
        return str(canonicalize_name(self.name))

    @property
    def pinned(self) -> bool:
        return self.version is not None

    @property
    def purl(self) -> str | None:
        """`pkg:pypi/name@version` for a pinned registry release, else None."""
        if self.origin is not Origin.REGISTRY or self.version is None:
            return None
        return f"pkg:pypi/{self.canonical_name}@{self.version}"


@dataclass(frozen=True)
class Problem:
    """A manifest that could not be read completely: the scan must fail closed, not pass on less."""

    manifest: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.manifest}:{self.line}" if self.line else self.manifest
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ManifestContent:
    """What one reader found in one top-level file."""

    dependencies: tuple[Dependency, ...] = ()
    problems: tuple[Problem, ...] = ()
    files_read: tuple[str, ...] = ()  # root-relative, the file itself plus any include
    declared_names: frozenset[str] = frozenset()  # canonical names a project manifest declares directly

    @classmethod
    def unreadable(cls, problem: Problem) -> ManifestContent:
        return cls(problems=(problem,), files_read=(problem.manifest,))


class ManifestReader(ABC):
    """One dependency file format. `matches` looks at the file name only; `read` never touches the network."""

    #: `source_format` of the dependencies it returns, also the format's name in docs and reports.
    format_name: str
    #: A lock file: its pins are the truth for the project manifest beside it.
    is_lock: bool = False

    @abstractmethod
    def matches(self, filename: str) -> bool:
        """Whether a file with this base name is in this format."""

    @abstractmethod
    def read(self, root: Path, relative: str) -> ManifestContent:
        """Parse root/relative; every reading error is a Problem, never an exception."""
