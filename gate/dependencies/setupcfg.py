"""setup.cfg (setuptools' declarative configuration): `[options] install_requires` and every
`[options.extras_require]` entry, one PEP 508 requirement per line. setup.py is code and is never
run: a project that declares its dependencies only there has them unread (docs/dependencies.md)."""

from __future__ import annotations

import configparser
import posixpath
from pathlib import Path

from gate.dependencies.files import UnreadableManifest, inside, read_text
from gate.dependencies.model import Dependency, ManifestContent, ManifestReader, Problem
from gate.dependencies.pep508 import requirement_dependency
from gate.dependencies.tomlfile import line_of


def _numbered_requirements(value: str) -> list[tuple[int, str]]:
    """(1-based line within `value`, requirement) of each line: blank lines and comments dropped."""
    stripped = ((number, line.split(" #", 1)[0].strip()) for number, line in enumerate(value.splitlines(), start=1))
    return [(number, line) for number, line in stripped if line and not line.startswith("#")]


def _requirement_lines(value: str) -> list[str]:
    return [requirement for _number, requirement in _numbered_requirements(value)]


class SetupCfgReader(ManifestReader):
    format_name = "setup.cfg"

    def matches(self, filename: str) -> bool:
        return filename == "setup.cfg"

    def read(self, root: Path, relative: str) -> ManifestContent:
        # setuptools reads setup.cfg with ConfigParser's default interpolation: an extra may list
        # another with `%(asyncio)s` (SQLAlchemy does).
        parser = configparser.ConfigParser(strict=False)
        try:
            text = read_text(root, relative)
            parser.read_string(text, source=relative)
        except UnreadableManifest as exc:
            return ManifestContent.unreadable(Problem(relative, None, str(exc).removeprefix(f"{relative}: ")))
        except configparser.Error as exc:
            line = getattr(exc, "lineno", None)
            return ManifestContent.unreadable(Problem(relative, line, f"not a valid setup.cfg: {exc.message[:160]}"))
        lines = text.splitlines()
        values: list[str] = []
        try:
            if parser.has_option("options", "install_requires"):
                values += _requirement_lines(parser.get("options", "install_requires"))
            if parser.has_section("options.extras_require"):
                for _extra, value in parser.items("options.extras_require"):
                    values += _requirement_lines(value)
        except configparser.InterpolationError as exc:
            return ManifestContent.unreadable(Problem(relative, None, f"not a valid setup.cfg: {exc.message[:160]}"))
        dependencies: list[Dependency] = []
        problems: list[Problem] = []
        files_read = [relative]
        for requirement in values:
            if requirement.startswith("file:"):  # setuptools reads the named files, one requirement a line
                for named in requirement.removeprefix("file:").split(","):
                    self._read_named(root, relative, named.strip(), dependencies, problems, files_read)
                continue
            self._add(requirement, relative, line_of(lines, requirement), dependencies, problems)
        declared = frozenset(d.canonical_name for d in dependencies)
        return ManifestContent(tuple(dependencies), tuple(problems), tuple(files_read), declared)

    def _add(self, text: str, where: str, line: int | None, found: list[Dependency], problems: list[Problem]) -> None:
        read = requirement_dependency(text, where, line, self.format_name)
        if isinstance(read, Problem):
            problems.append(read)
        else:
            found.append(read)

    def _read_named(
        self,
        root: Path,
        relative: str,
        named: str,
        found: list[Dependency],
        problems: list[Problem],
        files_read: list[str],
    ) -> None:
        try:
            target = inside(root, posixpath.join(posixpath.dirname(relative), named))
            text = read_text(root, target)
        except UnreadableManifest as exc:
            problems.append(Problem(relative, None, f"file: {exc}"))
            return
        files_read.append(target)
        for number, requirement in _numbered_requirements(text):
            self._add(requirement, target, number, found, problems)
