"""Why bandit could not parse a file: syntax newer than its interpreter, or not Python at all.

bandit parses with the interpreter it runs on, so a file using syntax from a later Python release
(PEP 701 f-strings on 3.11, PEP 758 `except A, B:` on 3.13) is "not analysed" exactly like a broken
one. Both fail the scan closed; the reason tells them apart by asking each newer CPython on the
machine (PATH, then pyenv) to parse the file: the oldest that can names the version it needs.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: How far past the running version to look for interpreters.
_LOOKAHEAD = 8
_PYTHON_VERSION = re.compile(r"python version\s*=\s*(\d+)\.(\d+)")
# Runs inside each candidate interpreter: prints the files it can parse, as JSON.
_PARSE_SCRIPT = (
    "import ast, json, sys\n"
    "ok = []\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        with open(name, 'rb') as fh:\n"
    "            ast.parse(fh.read(), name)\n"
    "        ok.append(name)\n"
    "    except (SyntaxError, ValueError, OSError):\n"
    "        pass\n"
    "print(json.dumps(ok))\n"
)


@dataclass(frozen=True)
class Unparsed:
    """One file bandit could not parse, and what the gate found out about it."""

    path: str
    needs: tuple[int, int] | None  # the oldest newer Python that parses it, if any was found
    detail: str  # the syntax error under the gate's own interpreter

    def reason(self, running: tuple[int, int] | None, tried: Sequence[tuple[int, int]]) -> str:
        here = f"Python {running[0]}.{running[1]}" if running else "bandit's Python"
        if self.needs is not None:
            return (
                f"{self.path} needs Python >= {self.needs[0]}.{self.needs[1]}; bandit runs on {here}: "
                "rebuild the venv with a newer CPython (see README)"
            )
        if not tried:
            return f"{self.path} is not valid Python under {here} (no newer Python here to try): {self.detail}"
        versions = [here, *(f"{major}.{minor}" for major, minor in tried)]
        return f"{self.path} is not valid Python under {', '.join(versions[:-1])} or {versions[-1]}: {self.detail}"


def bandit_python(exe: str | None, env: dict[str, str], timeout_s: float = 30.0) -> tuple[int, int] | None:
    """The Python version bandit runs on, from `bandit --version` ("python version = 3.13.0")."""
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=timeout_s, env=env, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _PYTHON_VERSION.search(done.stdout + done.stderr)
    return (int(match.group(1)), int(match.group(2))) if match else None


def newer_interpreters(than: tuple[int, int], search_path: str | None = None) -> list[tuple[tuple[int, int], str]]:
    """CPython 3.N interpreters newer than `than`, oldest first: `python3.N` on PATH, else pyenv's."""
    major, minor = than
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found: list[tuple[tuple[int, int], str]] = []
    for newer in range(minor + 1, minor + 1 + _LOOKAHEAD):
        name = f"python{major}.{newer}"
        on_path = shutil.which(name, path=search_path)
        # pyenv's shims only run the version selected for the folder, so they are no use here.
        candidates = [on_path] if on_path and f"{os.sep}shims{os.sep}" not in on_path else []
        candidates += sorted(glob.glob(os.path.join(pyenv, "versions", f"{major}.{newer}.*", "bin", name)))
        exe = next((c for c in candidates if os.access(c, os.X_OK)), None)
        if exe is not None:
            found.append(((major, newer), exe))
    return found


def _parses_with(exe: str, files: Sequence[str], root: Path, timeout_s: float) -> set[str]:
    try:
        done = subprocess.run(
            [exe, "-I", "-c", _PARSE_SCRIPT, *files],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=root,
            stdin=subprocess.DEVNULL,
        )
        parsed = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return set()
    return {str(name) for name in parsed} if isinstance(parsed, list) else set()


def syntax_detail(root: Path, path: str) -> str:
    """The syntax error the gate's own interpreter reports for a file, as `line N: message`."""
    try:
        ast.parse((root / path).read_bytes(), path)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except (ValueError, OSError) as exc:
        return str(exc)
    return "bandit could not parse it"


def explain_unparsed(
    files: Sequence[str], root: Path, interpreters: Sequence[tuple[tuple[int, int], str]], timeout_s: float = 60.0
) -> list[Unparsed]:
    """For each file: the oldest of `interpreters` (oldest first) that parses it, else its syntax error."""
    needs: dict[str, tuple[int, int]] = {}
    remaining = list(files)
    for version, exe in interpreters:
        if not remaining:
            break
        parsed = _parses_with(exe, remaining, root, timeout_s)
        for path in remaining:
            if path in parsed:
                needs[path] = version
        remaining = [p for p in remaining if p not in parsed]
    return [Unparsed(p, needs.get(p), "" if p in needs else syntax_detail(root, p)) for p in files]


def unparsed_reason(
    files: Sequence[str], root: Path, running: tuple[int, int] | None, search_path: str | None = None
) -> str:
    """One line for the scan failure: broken files first (a real error), then those needing a newer Python."""
    interpreters = newer_interpreters(running, search_path) if running else []
    explained = sorted(explain_unparsed(files, root, interpreters), key=lambda u: u.needs is not None)
    tried = [version for version, _ in interpreters]
    first = explained[0].reason(running, tried)
    return first if len(explained) == 1 else f"{len(explained)} file(s) not analysed, e.g. {first}"
