"""What git knows about a scan target: its commit, whether the tree is clean, and what changed since a rev."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from gate.errors import ConfigError

TreeState = Literal["clean", "dirty", "not-a-repo"]
_TIMEOUT_S = 60


class _NotARepo(Exception):
    pass


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("git")
    if exe is None:
        raise _NotARepo("git not found on PATH")
    # No optional index writes (read-only use) and untranslated messages.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(
            [exe, *args], cwd=root, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _NotARepo(f"git failed: {exc}") from None


def _inside_work_tree(root: Path) -> bool:
    """Whether root is in a git work tree; git refusing the repo (e.g. dubious ownership) is a ConfigError."""
    if not root.is_dir():
        return False
    try:
        done = _git(root, "rev-parse", "--is-inside-work-tree")
    except _NotARepo:
        return False
    if done.returncode == 0:
        return done.stdout.strip() == "true"
    if "not a git repository" in done.stderr:
        return False
    raise ConfigError(f"{root}: git cannot read this repository: {done.stderr.strip().splitlines()[0]}")


def head_commit(root: Path) -> str | None:
    """The full sha of HEAD, or None when root is not in a git repository (or it has no commit yet)."""
    if not _inside_work_tree(root):
        return None
    done = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return done.stdout.strip() if done.returncode == 0 else None


def tree_state(root: Path) -> TreeState:
    """'clean' when the whole work tree matches HEAD (untracked, unignored files count as dirty)."""
    if not _inside_work_tree(root):
        return "not-a-repo"
    done = _git(root, "status", "--porcelain", "-z", "--untracked-files=normal")
    if done.returncode != 0:
        raise ConfigError(f"{root}: git status failed: {done.stderr.strip()}")
    return "dirty" if done.stdout else "clean"


def _names(output: str) -> list[str]:
    return [name for name in output.split("\0") if name]


def changed_files(root: Path, rev: str) -> tuple[str, ...]:
    """Root-relative files changed since the merge base of REV and HEAD: committed, staged, unstaged, untracked.

    Deleted files are left out (nothing to scan); a renamed file appears under its new name.
    """
    if not _inside_work_tree(root):
        raise ConfigError(f"--changed-since needs a git repository, and {root} is not in one")
    if rev.startswith("-"):
        raise ConfigError(f"unknown revision {rev!r}")
    resolved = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if resolved.returncode != 0:
        raise ConfigError(f"unknown revision {rev!r} in {root}")
    base = _git(root, "merge-base", resolved.stdout.strip(), "HEAD")
    if base.returncode != 0:
        raise ConfigError(f"revision {rev!r} shares no history with HEAD in {root}")
    diff = _git(
        root, "diff", "--name-only", "-z", "--relative", "--no-renames", "--diff-filter=ACMT", base.stdout.strip()
    )
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    for done in (diff, untracked):
        if done.returncode != 0:
            raise ConfigError(f"{root}: git failed listing changes since {rev!r}: {done.stderr.strip()}")
    return tuple(sorted(set(_names(diff.stdout)) | set(_names(untracked.stdout))))
