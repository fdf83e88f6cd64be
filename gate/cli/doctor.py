"""`hardgate doctor`: can this machine run a scan that means something? Each item is ok or names its fix."""

from __future__ import annotations

from pathlib import Path

import click

from gate.cli.options import timeout_option
from gate.doctor import DEFAULT_MAX_AGE_DAYS, run_checks


@click.command()
@timeout_option(60.0, "Seconds each scanner's --version probe may take.")
@click.option(
    "--advisories", "advisories_store", type=str, help="Offline OSV store to check (default: the default store)."
)
@click.option(
    "--max-age-days",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_AGE_DAYS,
    show_default=True,
    help="An advisory store older than this needs a refresh.",
)
def doctor(timeout_s: float, advisories_store: str | None, max_age_days: int) -> int:
    """Check the interpreter, each scanner, the advisory store, the cache and the size cap.

    Exit codes: 0 every item is ok, 2 at least one needs the fix printed beside it.
    """
    checks = run_checks(timeout_s, Path(advisories_store) if advisories_store else None, max_age_days)
    width = max(len(check.item) for check in checks)
    for check in checks:
        line = f"{'ok' if check.ok else 'FIX':<4} {check.item:<{width}}  {check.detail}"
        click.echo(line if check.ok else f"{line}\n{'':<4} {'':<{width}}  fix: {check.fix}")
    broken = [check.item for check in checks if not check.ok]
    if broken:
        click.echo(f"hardgate doctor: {len(broken)} item(s) to fix: {', '.join(broken)}", err=True)
        return 2
    return 0
