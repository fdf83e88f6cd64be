"""`hardgate waivers check|list`: validate a waiver file and show which waivers an environment honours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from gate.cli.options import environment_option
from gate.waivers import EXPIRY_WARNING_DAYS, Waiver, expiry_warnings, load_waivers

DEFAULT_FILE = "waivers.yml"


@click.group()
def waivers() -> None:
    """Validate and inspect waiver files."""


@waivers.command("check")
@click.argument("file", type=str)
def check(file: str) -> None:
    """Validate FILE against the waiver schema; expired and soon-expiring waivers are warnings."""
    loaded = load_waivers(Path(file))
    for warning in expiry_warnings(loaded.waivers, None, dt.date.today()):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"waivers OK: {file} ({len(loaded.waivers)} waiver(s))")


def _status(waiver: Waiver, today: dt.date) -> str:
    days = waiver.days_left(today)
    if days is None:
        return "active (no expiry)"
    if days < 0:
        return f"EXPIRED {waiver.expires}"
    if days <= EXPIRY_WARNING_DAYS:
        return f"expires in {days}d ({waiver.expires})"
    return f"active until {waiver.expires}"


@waivers.command("list")
@environment_option(default_env=False)
@click.option("--file", "file", default=DEFAULT_FILE, show_default=True, help="The waiver file.")
def list_waivers(environment: str, file: str) -> None:
    """List the waivers that apply in one environment, with their expiry status."""
    loaded = load_waivers(Path(file))
    today = dt.date.today()
    applicable = [w for w in loaded.waivers if w.applies_to(environment)]
    if not applicable:
        click.echo(f"no waivers in {file} apply to {environment}")
        return
    for waiver in applicable:
        ticket = f" [{waiver.ticket}]" if waiver.ticket else ""
        click.echo(f"{waiver.id}{ticket}  {_status(waiver, today)}  owner {waiver.owner}")
        click.echo(f"    matches {waiver.match.describe()}")
        click.echo(f"    why: {waiver.justification}")
