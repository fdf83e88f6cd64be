"""Options and checks several commands share, so scan, baseline, policy and envcheck behave alike."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

import click

from gate.cache import ScanCache, default_cache_dir
from gate.cli.progress import progress_display
from gate.engine import ProgressCallback, ScanRequest, run_scan
from gate.environments import HELP as ENVIRONMENT_HELP
from gate.environments import canonical_environment
from gate.errors import UsageError
from gate.policy import Policy, find_policy, load_policy
from gate.report import Report
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


def _advisory_options() -> Callable[[F], F]:
    """`--osv-url` and `--advisories STORE`: where pip-audit's vulnerability data comes from."""
    url = click.option("--osv-url", help="OSV query URL for pip-audit (overrides the policy).")
    store = click.option(
        "--advisories",
        "advisories_store",
        type=str,
        help="Offline OSV store to serve to pip-audit on loopback (see `hardgate advisories`).",
    )
    return lambda command: url(store(command))


def _cache_options() -> Callable[[F], F]:
    """`--cache/--no-cache` and `--cache-dir`."""
    use = click.option(
        "--cache/--no-cache", "use_cache", default=True, show_default=True, help="Reuse unchanged scanner results."
    )
    where = click.option(
        "--cache-dir", type=str, help="Cache folder (default $HARDGATE_CACHE_DIR, $XDG_CACHE_HOME/hardgate)."
    )
    return lambda command: use(where(command))


@dataclass(frozen=True)
class ScannerSettings:
    """How `scan` and `baseline create` run the scanners: --timeout, --osv-url, --advisories and the cache."""

    timeout_s: float
    osv_url: str | None
    advisories_store: Path | None
    use_cache: bool
    cache_dir: Path | None

    def request(self, root: Path, environment: str, policy: Policy, **more: Any) -> ScanRequest:
        """The engine's request with these settings; `more` are the command's own fields (jobs, waivers...)."""
        cache = ScanCache(self.cache_dir or default_cache_dir()) if self.use_cache else None
        store = self.advisories_store
        return ScanRequest(
            root, environment, policy, self.timeout_s, osv_url=self.osv_url, advisories_store=store, cache=cache, **more
        )


def scanner_options(command: F) -> F:
    """--timeout, --osv-url, --advisories, --cache/--no-cache and --cache-dir, given to the command as one
    ScannerSettings argument, `scanners`."""

    @functools.wraps(command)
    def run(
        *args: Any,
        timeout_s: float,
        osv_url: str | None,
        advisories_store: str | None,
        use_cache: bool,
        cache_dir: str | None,
        **kwargs: Any,
    ) -> Any:
        store, cache = Path(advisories_store) if advisories_store else None, Path(cache_dir) if cache_dir else None
        return command(*args, scanners=ScannerSettings(timeout_s, osv_url, store, use_cache, cache), **kwargs)

    timeout = timeout_option(300.0, "Seconds each scanner may run before it counts as failed.")
    return cast(F, timeout(_advisory_options()(_cache_options()(run))))


def scan_with_progress(request: ScanRequest, quiet: bool) -> Report:
    """The engine's run, showing progress on stderr unless --quiet."""
    with quiet_or(progress_display, quiet) as on_progress:
        return run_scan(dataclasses.replace(request, on_progress=on_progress))


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
