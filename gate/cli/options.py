"""Options and checks several commands share, so scan, baseline, policy and envcheck behave alike."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from gate.cache import ScanCache, default_cache_dir
from gate.engine import ProgressCallback
from gate.environments import HELP as ENVIRONMENT_HELP
from gate.environments import canonical_environment
from gate.errors import UsageError
from gate.policy import Policy, find_policy, load_policy
from gate.reporters import REPORTERS

F = TypeVar("F", bound=Callable[..., Any])


def format_choice() -> click.Choice[str]:
    """Every registered reporter, so `--help` lists them and a typo fails before anything runs."""
    return click.Choice(sorted(REPORTERS), case_sensitive=False)


def environment_option(default_env: bool = True) -> Callable[[F], F]:
    """`--env`: dev, local (an alias of dev), staging or prod; $HARDGATE_ENV, else prod."""
    return click.option(
        "--env",
        "environment",
        default=(lambda: os.environ.get("HARDGATE_ENV", "prod")) if default_env else None,
        required=not default_env,
        show_default="prod" if default_env else False,
        callback=lambda _ctx, _param, value: canonical_environment(value) if value is not None else None,
        help=f"Environment whose policy decides: {ENVIRONMENT_HELP}" + (" (or $HARDGATE_ENV)." if default_env else "."),
    )


def policy_option(help_text: str) -> Callable[[F], F]:
    """`--policy FILE`, each command saying where it looks without one."""
    return click.option("--policy", "policy_file", type=str, help=help_text)


def timeout_option(default: float, help_text: str) -> Callable[[F], F]:
    """`--timeout SECONDS`: how long each scanner (or probe) may run before it counts as failed."""
    return click.option(
        "--timeout", "timeout_s", type=click.FloatRange(min=1), default=default, show_default=True, help=help_text
    )


def advisory_options() -> Callable[[F], F]:
    """`--osv-url` and `--advisories STORE`: where pip-audit's vulnerability data comes from."""
    url = click.option("--osv-url", help="OSV query URL for pip-audit (overrides the policy).")
    store = click.option(
        "--advisories",
        "advisories_store",
        type=str,
        help="Offline OSV store to serve to pip-audit on loopback (see `hardgate advisories`).",
    )
    return lambda command: url(store(command))


def cache_options() -> Callable[[F], F]:
    """`--cache/--no-cache` and `--cache-dir`; scan_cache() turns them into the cache the engine takes."""
    use = click.option(
        "--cache/--no-cache", "use_cache", default=True, show_default=True, help="Reuse unchanged scanner results."
    )
    where = click.option(
        "--cache-dir", type=str, help="Cache folder (default $HARDGATE_CACHE_DIR, $XDG_CACHE_HOME/hardgate)."
    )
    return lambda command: use(where(command))


def scan_cache(use_cache: bool, cache_dir: str | None) -> ScanCache | None:
    return ScanCache(Path(cache_dir) if cache_dir else default_cache_dir()) if use_cache else None


def policy_for(policy_file: str | None, target: Path | None) -> Policy:
    """--policy FILE if given, else the policy kept at the target's root (as envcheck finds it), else the defaults."""
    if policy_file:
        return load_policy(Path(policy_file))
    found = find_policy(target) if target is not None and target.is_dir() else None
    return load_policy(found)


@contextlib.contextmanager
def quiet_or(
    display: Callable[[TextIO], contextlib.AbstractContextManager[ProgressCallback]], quiet: bool
) -> Iterator[ProgressCallback | None]:
    """The progress display on stderr, or no progress at all with --quiet."""
    if quiet:
        yield None
        return
    with display(sys.stderr) as on_progress:
        yield on_progress


def check_writable(path: str, what: str) -> None:
    """Refuse, before any scanner runs, an output file the run could not write at the end."""
    if path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{what} {path}: is a directory")
    if target.exists():
        if not os.access(target, os.W_OK):
            raise UsageError(f"{what} {path}: not writable")
        return
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"{what} {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{what} {path}: folder {parent} is not writable")


def check_outputs(paths: Sequence[tuple[str, str | None]]) -> None:
    """(what, path) pairs; None paths (stdout) are skipped. Two outputs to one file is a usage error too."""
    seen: dict[str, str] = {}
    for what, path in paths:
        if path is None or path == "-":
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise UsageError(f"{what} {path}: the same file as {seen[key]}")
        seen[key] = what
        check_writable(path, what)
