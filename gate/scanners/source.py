"""Reading the target's own files, for snippets and inline-suppression markers."""

from __future__ import annotations

import re
from pathlib import Path

from gate.findings import flagged_source

_NOSEC = re.compile(r"#\s*nosec\b", re.IGNORECASE)
_NOSEMGREP = re.compile(r"#\s*nosemgrep\b", re.IGNORECASE)


def read_lines(root: Path, relative: str) -> list[str]:
    try:
        return (root / relative).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def snippet(lines: list[str], start_line: int, end_line: int, limit: int = 5) -> str:
    end_line = min(max(end_line, start_line), start_line + limit - 1)
    return flagged_source(lines, start_line, end_line)


def has_marker(lines: list[str], start_line: int, end_line: int, tool: str) -> bool:
    """Whether the flagged lines carry the tool's inline suppression comment."""
    pattern = _NOSEC if tool == "bandit" else _NOSEMGREP
    text = flagged_source(lines, start_line, max(start_line, end_line))
    return bool(pattern.search(text))
