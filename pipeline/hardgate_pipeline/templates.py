"""Find every `hardgate …` command line in the CI templates and parse it with the real click CLI.

So a template cannot drift from the command line it drives: a renamed or removed option, a missing
required option or an unknown subcommand is reported with the template and the line it came from.
Shell-level optional flags written as `args+=(--flag "$VALUE")` are added to the command that
expands `"${args[@]}"`, so every flag that could appear is checked.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

from gate.errors import HardgateError

SCRIPT_KEYS = {"run", "script", "before_script", "after_script", "entry"}
PUNCTUATION = ";&|(){}<>"
SEPARATORS = {";", "&&", "||", "|", "&", "{", "}", "(", ")"}
KEYWORDS = {"if", "then", "else", "elif", "do", "!", "time", "exec"}
REDIRECTIONS = {">", ">>", "<", "2>", "2>>", "&>"}
ARRAY_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\+?=$")
ARRAY_EXPANSION = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\[@\]\}$")
HEREDOC = re.compile(r"<<-?\s*'?\"?([A-Za-z_]+)'?\"?")


@dataclass(frozen=True)
class Command:
    source: str  # template file and line of the script, for messages
    argv: tuple[str, ...]


def template_scripts(document: Any, key: str = "") -> Iterator[str]:
    """Every shell script in a YAML document: GitHub `run`, GitLab `script` lists, pre-commit `entry`."""
    if isinstance(document, str):
        if key in SCRIPT_KEYS:
            yield document
    elif isinstance(document, dict):
        for name, value in document.items():
            yield from template_scripts(value, str(name))
    elif isinstance(document, list):
        if key in SCRIPT_KEYS and all(isinstance(item, str) for item in document):
            yield "\n".join(document)  # a GitLab script list runs in one shell: arrays carry over
            return
        for item in document:
            yield from template_scripts(item, key)


def _operators(token: str) -> list[str]:
    """shlex glues adjacent punctuation (`);`, `&&(`); split it into shell operators."""
    if not token or any(char not in PUNCTUATION for char in token):
        return [token]
    parts = []
    while token:
        size = 2 if token[:2] in {"&&", "||", ">>", ";;", "&>"} else 1
        parts.append(token[:size])
        token = token[size:]
    return parts


def _logical_lines(script: str) -> Iterator[str]:
    """Lines with backslash continuations joined and heredoc bodies dropped."""
    pending = ""
    heredoc_end: str | None = None
    for raw in script.splitlines():
        if heredoc_end is not None:
            if raw.strip() == heredoc_end:
                heredoc_end = None
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line, pending = pending + raw, ""
        marker = HEREDOC.search(line)
        if marker:
            heredoc_end = marker.group(1)
        yield line
    if pending:
        yield pending


def _simple_commands(tokens: list[str]) -> Iterator[list[str]]:
    """Split a tokenised line at shell operators; drop redirections and leading keywords."""
    current: list[str] = []
    skip_next = False
    for token in [*tokens, ";"]:
        if skip_next:
            skip_next = False
            continue
        if token in REDIRECTIONS:
            skip_next = True
            continue
        if token in SEPARATORS:
            if current:
                yield current
            current = []
            continue
        if not current and token in KEYWORDS:
            continue
        current.append(token)


def commands_in_script(script: str, source: str) -> list[Command]:
    arrays: dict[str, list[str]] = {}
    found: list[Command] = []
    for number, line in enumerate(_logical_lines(script), start=1):
        if "hardgate" not in line and "+=(" not in line and "=(" not in line:
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=PUNCTUATION)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = [part for token in lexer for part in _operators(token)]
        except ValueError as exc:
            if "hardgate" in line:
                found.append(Command(f"{source}, script line {number}", ("hardgate", f"<unparsable: {exc}>")))
            continue
        for index, token in enumerate(tokens):  # NAME+=( … ) collects optional flags
            match = ARRAY_ASSIGN.match(token)
            if match and index + 1 < len(tokens) and tokens[index + 1] == "(":
                end = tokens.index(")", index + 2) if ")" in tokens[index + 2 :] else len(tokens)
                arrays.setdefault(match.group(1), []).extend(tokens[index + 2 : end])
        for command in _simple_commands(tokens):
            if command[0] != "hardgate":
                continue
            argv: list[str] = []
            for token in command:
                expansion = ARRAY_EXPANSION.match(token)
                argv.extend(arrays.get(expansion.group(1), []) if expansion else [token])
            found.append(Command(f"{source}, script line {number}", tuple(argv)))
    return found


def commands_in_template(path: Path) -> list[Command]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: list[Command] = []
    for script in template_scripts(document):
        found.extend(commands_in_script(script, str(path)))
    return found


def parse_error(argv: tuple[str, ...] | list[str], cli: click.Group) -> str | None:
    """None when click accepts the arguments (nothing runs), else click's own message."""
    args = list(argv[1:])
    if args in (["--version"], ["--help"], ["-h"]):
        return None
    command: click.Command = cli
    context = None
    name = "hardgate"
    try:
        while isinstance(command, click.Group):
            if not args:
                return f"{name}: missing subcommand"
            context = click.Context(command, info_name=name, parent=context)
            sub = command.get_command(context, args[0])
            if sub is None:
                return f"{name}: no such command {args[0]!r}"
            name, command, args = args[0], sub, args[1:]
        command.make_context(name, list(args), parent=context)  # click consumes the list it parses
    except (click.ClickException, HardgateError) as exc:
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        # An option callback checked a value the shell only fills in at run time (`--env "$HG_ENV"`):
        # that is not a mistake in the template.
        if any(arg.startswith("$") and f"'{arg}'" in message for arg in args):
            return None
        return f"{name}: {message}"
    return None


def check_templates(paths: list[Path], cli: click.Group) -> list[str]:
    """One message per hardgate command line that the CLI rejects."""
    problems = []
    for path in paths:
        for command in commands_in_template(path):
            error = parse_error(command.argv, cli)
            if error is not None:
                problems.append(f"{command.source}: `{shlex.join(command.argv)}`: {error}")
    return problems
