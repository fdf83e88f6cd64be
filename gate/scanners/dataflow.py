"""semgrep's data-flow traces (source → intermediate variables → sink) as TraceSteps.

semgrep reports a taint finding's trace in `extra.dataflow_trace` of its JSON output, but the
command-line tool leaves that field out unless the user is logged in to its cloud service, which the
gate never is. Its text output shows the same trace (lines only) whatever the login state, so the
scanner writes a copy of the text report in the same run and reads the traces from there when the
JSON has none. The JSON form is preferred when present; a malformed one is an error (fail closed),
while an unreadable text copy only loses the trace (the finding keeps its rule's evidence).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gate.findings import Location, TraceStep, normalise_path

#: Reads a target-relative file's lines (empty when unreadable).
LineReader = Callable[[str], list[str]]


def _line_text(read: LineReader, path: str, line: int) -> str:
    lines = read(path)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _step(kind: str, location: Location, read: LineReader) -> TraceStep:
    return TraceStep(kind=kind, location=location, snippet=_line_text(read, location.path, location.start_line))


# --- the JSON form ------------------------------------------------------------------------------


def _location(value: Any) -> Location:
    """A semgrep `location` ({path, start: {line, col}, end: {line, col}}); raises on anything else."""
    if not isinstance(value, dict):
        raise ValueError(f"trace location is not an object: {type(value).__name__}")
    start, end = value["start"], value["end"]
    return Location(
        path=normalise_path(str(value["path"])),
        start_line=int(start["line"]),
        end_line=int(end["line"]),
        start_column=int(start.get("col", 0)),
        end_column=int(end.get("col", 0)),
    )


def _loc_and_content(value: Any) -> Location:
    """`[location, "content"]`."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("trace location-and-content is not a [location, content] pair")
    return _location(value[0])


def _intermediate(values: Any) -> list[Location]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise ValueError("intermediate_vars is not a list")
    return [_location(item["location"]) for item in values]


def _call_trace(value: Any, *, is_source: bool) -> list[Location]:
    """Flatten a `["CliLoc", [loc, content]]` or `["CliCall", [[loc, content], vars, nested]]`.

    The result is in data-flow order: for a source reached through a call, the real source inside
    the callee comes first and the call site last; for a sink, the call site comes first.
    """
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], str):
        raise ValueError("trace node is not a [kind, payload] pair")
    kind, payload = value
    if kind == "CliLoc":
        return [_loc_and_content(payload)]
    if kind == "CliCall":
        if not isinstance(payload, list) or len(payload) != 3:
            raise ValueError("CliCall payload is not [call, intermediate_vars, nested]")
        call, inside, nested = _loc_and_content(payload[0]), _intermediate(payload[1]), payload[2]
        deeper = _call_trace(nested, is_source=is_source)
        return [*deeper, *inside, call] if is_source else [call, *inside, *deeper]
    raise ValueError(f"unknown trace node kind {kind!r}")


def trace_from_json(value: Any, read: LineReader) -> tuple[TraceStep, ...]:
    """The steps of an `extra.dataflow_trace` object; () when absent; ValueError/KeyError/TypeError when malformed."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ValueError("dataflow_trace is not an object")
    sources = _call_trace(value["taint_source"], is_source=True) if value.get("taint_source") else []
    steps = _intermediate(value.get("intermediate_vars"))
    sinks = _call_trace(value["taint_sink"], is_source=False) if value.get("taint_sink") else []
    return (
        *(_step("source", where, read) for where in sources),
        *(_step("step", where, read) for where in steps),
        *(_step("sink", where, read) for where in sinks),
    )


# --- the text form ------------------------------------------------------------------------------

# The severity marks before a rule id (U+276F and U+2771: three for error, two for warning, one for info).
_RULE = re.compile(r"^\s+[\u276f\u2771]+\s+(?P<rule>\S+)\s*$")
_CODE = re.compile(r"^\s*(?P<line>\d+)┆")
_SEPARATOR = re.compile(r"^\s*⋮┆-{3,}")
_PATH = re.compile(r"^ {4}(?P<path>\S.*?)\s*$")
_SECTIONS = {
    "Taint comes from:": "source",
    "Taint flows through these intermediate variables:": "step",
    "This is how taint reaches the sink:": "sink",
}


@dataclass
class _Block:
    path: str
    rule: str
    match: list[list[int]] = field(default_factory=list)
    lines: dict[str, list[list[int]]] = field(default_factory=lambda: {"source": [], "step": [], "sink": []})


#: (path, check_id, first matched line) → per finding, the trace's [start, end] line ranges by kind.
TextTraces = dict[tuple[str, str, int], list[dict[str, list[list[int]]]]]


def parse_text_traces(text: str) -> TextTraces:
    """Read every finding's trace lines from semgrep's text report; findings without a trace are left out."""
    blocks: list[_Block] = []
    path = rule = ""
    section = "match"
    current: _Block | None = None
    in_run = False  # semgrep prints one location's lines together and a blank line between locations
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped:
            in_run = False
            continue
        if stripped in _SECTIONS:
            section = _SECTIONS[stripped]
            continue
        if _SEPARATOR.match(raw):
            current, section = None, "match"
            continue
        code = _CODE.match(raw)
        if code:
            if current is None:
                current = _Block(path, rule)
                blocks.append(current)
            number = int(code.group("line"))
            ranges = current.match if section == "match" else current.lines[section]
            if in_run and ranges:
                ranges[-1][1] = number  # the next line of a multi-line location
            else:
                ranges.append([number, number])
            in_run = True
            continue
        if in_run:
            continue  # the continuation of a long line semgrep wrapped
        found_rule = _RULE.match(raw)
        if found_rule:
            rule, current, section = found_rule.group("rule"), None, "match"
            continue
        found_path = _PATH.match(raw)
        if found_path and "┆" not in raw:
            path, current, section = normalise_path(found_path.group("path")), None, "match"
    traces: TextTraces = {}
    for block in blocks:
        if block.match and (block.lines["source"] or block.lines["sink"]):
            traces.setdefault((block.path, block.rule, block.match[0][0]), []).append(block.lines)
    return traces


def _joined(ranges: list[list[int]]) -> list[list[int]]:
    """Adjacent ranges as one: semgrep prints a multi-line source or sink a line at a time, blank lines between."""
    joined: list[list[int]] = []
    for start, end in ranges:
        if joined and joined[-1][1] + 1 >= start >= joined[-1][0]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return joined


def trace_from_text(lines: dict[str, list[list[int]]], path: str, read: LineReader) -> tuple[TraceStep, ...]:
    """Steps for one finding's trace lines; a variable on the line just shown is not shown again."""
    steps: list[TraceStep] = []
    for kind in ("source", "step", "sink"):
        ranges = lines[kind] if kind == "step" else _joined(lines[kind])
        for start, end in ranges:
            if kind == "step" and steps and steps[-1].location.start_line == start:
                continue
            steps.append(_step(kind, Location(path=path, start_line=start, end_line=end), read))
    return tuple(steps)


def take_text_trace(
    traces: TextTraces, path: str, check_id: str, start_line: int, read: LineReader
) -> tuple[TraceStep, ...]:
    """The next unclaimed text trace for this finding, in report order; () when there is none."""
    queue = traces.get((path, check_id, start_line))
    if not queue:
        return ()
    return trace_from_text(queue.pop(0), path, read)
