"""Reading the target's own files, for snippets and inline-suppression markers."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from gate.findings import flagged_source


def read_lines(root: Path, relative: str) -> list[str]:
    try:
        return (root / relative).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def snippet(lines: list[str], start_line: int, end_line: int, limit: int = 5) -> str:
    end_line = min(max(end_line, start_line), start_line + limit - 1)
    return flagged_source(lines, start_line, end_line)


@functools.cache
def _marker_pattern(marker: str) -> re.Pattern[str]:
    return re.compile(rf"#\s*{re.escape(marker)}\b", re.IGNORECASE)


def has_marker(lines: list[str], start_line: int, end_line: int, marker: str | None) -> bool:
    """Whether the flagged lines carry a `# <marker>` comment (the scanner's declared suppression marker)."""
    if marker is None:
        return False
    text = flagged_source(lines, start_line, max(start_line, end_line))
    return bool(_marker_pattern(marker).search(text))
