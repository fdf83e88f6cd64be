"""requirements*.txt, parsed with pip-requirements-parser (pip's own grammar): `-r`/`-c` includes,
`--hash` continuation lines, markers, extras, `===` pins, editable and URL requirements."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from pip_requirements_parser import RequirementsFile

from gate.dependencies.files import UnreadableManifest, inside, read_text
from gate.dependencies.model import Dependency, ManifestContent, ManifestReader, Origin, Problem
from gate.dependencies.pins import exact_version

_NAME = re.compile(r"^requirements.*\.txt$")
_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
MAX_INCLUDE_DEPTH = 32


class RequirementsReader(ManifestReader):
    format_name = "requirements"

    def matches(self, filename: str) -> bool:
        return bool(_NAME.match(filename))

    def read(self, root: Path, relative: str) -> ManifestContent:
        walk = _Walk(root, relative)
        walk.file(relative, constraint=False, depth=0, included_at=None)
        return ManifestContent(tuple(walk.dependencies), tuple(walk.problems), tuple(walk.files_read))


class _Walk:
    """One top-level file and everything it includes, each file read once (include cycles end there)."""

    def __init__(self, root: Path, top: str) -> None:
        self.root, self.top = root, top
        self.dependencies: list[Dependency] = []
        self.problems: list[Problem] = []
        self.files_read: list[str] = []

    def file(self, relative: str, *, constraint: bool, depth: int, included_at: Problem | None) -> None:
        if relative in self.files_read:
            return
        try:
            read_text(self.root, relative)  # regular file, size cap, UTF-8: before the parser opens it
        except UnreadableManifest as exc:
            where = included_at or Problem(relative, None, "")
            self.problems.append(Problem(where.manifest, where.line, str(exc)))
            return
        self.files_read.append(relative)
        try:
            parsed = RequirementsFile.from_file(str(self.root / relative), include_nested=False)
        except Exception as exc:  # the parser raises pip's InstallationError and plain ValueErrors alike
            self.problems.append(Problem(relative, None, f"cannot parse: {_one_line(exc)}"))
            return
        for invalid in parsed.invalid_lines:
            self.problems.append(Problem(relative, invalid.line_number, f"not a requirement: {invalid.line[:120]}"))
        for requirement in parsed.requirements:
            dependency = self._dependency(requirement, relative, constraint)
            if dependency is not None:
                self.dependencies.append(dependency)
        for option in parsed.options:
            self._include(option, relative, depth)

    def _include(self, option: Any, relative: str, depth: int) -> None:
        line = option.requirement_line.line_number
        for key, is_constraint in (("requirements", False), ("constraints", True)):
            for target in option.options.get(key) or []:
                flag = "-c" if is_constraint else "-r"
                if _REMOTE.match(target):
                    self.problems.append(Problem(relative, line, f"{flag} {target}: remote file not read (offline)"))
                    continue
                if depth >= MAX_INCLUDE_DEPTH:
                    self.problems.append(Problem(relative, line, f"{flag} {target}: includes nested too deep"))
                    continue
                try:
                    included = inside(self.root, posixpath.join(posixpath.dirname(relative), target))
                except UnreadableManifest as exc:
                    self.problems.append(Problem(relative, line, f"{flag} {exc}"))
                    continue
                self.file(included, constraint=is_constraint, depth=depth + 1, included_at=Problem(relative, line, ""))

    def _dependency(self, requirement: Any, relative: str, constraint: bool) -> Dependency | None:
        name = requirement.name
        if not name:
            return None  # a bare path or URL with no name: local code, nothing to look up
        if requirement.is_vcs_url or requirement.is_url:
            origin = Origin.URL
        elif requirement.is_editable or requirement.is_local_path or requirement.link is not None:
            origin = Origin.PATH
        else:
            origin = Origin.REGISTRY
        specifier = str(requirement.specifier or "")
        return Dependency(
            name=name,
            version=exact_version(specifier) if origin is Origin.REGISTRY else None,
            manifest=relative,
            line=requirement.line_number,
            direct=not constraint,
            source_format=RequirementsReader.format_name,
            specifier=specifier,
            origin=origin,
            via=self.top,
            marker=str(requirement.marker or ""),
        )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).replace("|n", " ").split())
    return text[:200] or type(exc).__name__
