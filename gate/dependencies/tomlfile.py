"""Shared by the TOML and JSON readers: bounded parsing and finding the line a table starts on."""

from __future__ import annotations

import json
import re
import tomllib
from abc import abstractmethod
from pathlib import Path
from typing import Any

from gate.dependencies.files import UnreadableManifest, read_text
from gate.dependencies.model import ManifestContent, ManifestReader, Problem


def load_toml(root: Path, relative: str) -> tuple[dict[str, Any], list[str]] | Problem:
    """(the document, its lines), or the Problem that stopped it."""
    try:
        text = read_text(root, relative)
        return tomllib.loads(text), text.splitlines()
    except UnreadableManifest as exc:
        return Problem(relative, None, str(exc).removeprefix(f"{relative}: "))
    except tomllib.TOMLDecodeError as exc:
        return Problem(relative, getattr(exc, "lineno", None), f"not valid TOML: {str(exc)[:160]}")


def load_json(root: Path, relative: str) -> tuple[Any, list[str]] | Problem:
    try:
        text = read_text(root, relative)
        return json.loads(text), text.splitlines()
    except UnreadableManifest as exc:
        return Problem(relative, None, str(exc).removeprefix(f"{relative}: "))
    except (ValueError, RecursionError) as exc:
        return Problem(relative, getattr(exc, "lineno", None), f"not valid JSON: {str(exc)[:160]}")


class DocumentReader(ManifestReader):
    """A format whose file is one TOML document (JSON where `load` says so): an unreadable file is one
    Problem here, and `parse` reads what loaded."""

    #: The file's base name; a format found by another rule overrides `matches`.
    filename: str = ""

    def matches(self, filename: str) -> bool:
        return filename == self.filename

    def load(self, root: Path, relative: str) -> tuple[Any, list[str]] | Problem:
        return load_toml(root, relative)

    def read(self, root: Path, relative: str) -> ManifestContent:
        loaded = self.load(root, relative)
        if isinstance(loaded, Problem):
            return ManifestContent.unreadable(loaded)
        return self.parse(relative, *loaded)

    @abstractmethod
    def parse(self, relative: str, data: Any, lines: list[str]) -> ManifestContent:
        """The content of a document that loaded; whatever is wrong inside it is a Problem."""


def array_table_lines(lines: list[str], table: str) -> list[int]:
    """For each `[[table]]` entry in order, the 1-based line of its `name = …` key (else of its header)."""
    header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]\s*(#.*)?$")
    name_key = re.compile(r"^\s*name\s*=")
    starts = [number for number, text in enumerate(lines, start=1) if header.match(text)]
    found = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines) + 1
        found.append(next((n for n in range(start + 1, end) if name_key.match(lines[n - 1])), start))
    return found


def line_of(lines: list[str], needle: str, start: int = 1) -> int | None:
    """The first 1-based line at or after `start` that contains `needle`."""
    for number in range(max(start, 1), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return None
