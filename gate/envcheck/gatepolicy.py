"""ENV014: the gate policy kept with the inventories gets no looser from dev to staging to prod.

Reuses gate.policy.load_policy, whose strictness check (strictness_problems) names the key; the
finding points at that key's line in the policy file.
"""

from __future__ import annotations

from gate.envcheck.context import Context
from gate.envcheck.model import Origin
from gate.envcheck.rules import finding
from gate.envcheck.yamlfile import YamlNode, parse_yaml, read_text
from gate.errors import ConfigError
from gate.findings import Finding
from gate.policy import find_policy, load_policy  # one discovery rule for every command

STRICTNESS_MARKERS = ("strictness must not decrease", "always fails closed", "inline suppressions need review")


def _line_of(node: YamlNode | None, key_path: str) -> int:
    line = 1
    for part in key_path.split("."):
        if node is None or part not in node.entries:
            break
        line, node = node.entries[part]
    return line


def check(ctx: Context) -> list[Finding]:
    path = ctx.policy_file or find_policy(ctx.root)
    if path is None:
        return []
    try:
        load_policy(path)
    except ConfigError as exc:
        message = str(exc)
        if not any(marker in message for marker in STRICTNESS_MARKERS):
            raise
        problem = message.split(": ", 1)[1] if ": " in message else message
        key_path = problem.split(":", 1)[0]
        try:
            rel = path.resolve().relative_to(ctx.root.resolve()).as_posix()
        except ValueError:
            rel = path.as_posix()
        tree = parse_yaml(read_text(path, rel), rel)
        line = _line_of(tree, key_path)
        environment = key_path.split(".")[1] if key_path.startswith("environments.") else "prod"
        return [finding("ENV014", f"gate policy {rel}: {problem}", Origin(rel, line, line), environment)]
    return []
