"""`hardgate advisories import|status|serve`: the offline OSV store pip-audit queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from gate.advisories.importer import import_records
from gate.advisories.server import make_server
from gate.advisories.store import AdvisoryStore, default_store_path

STORE_HELP = "Store file (default: $HARDGATE_ADVISORIES or ~/.local/share/hardgate/advisories.db)."


def _store(path: str | None) -> Path:
    return Path(path) if path else default_store_path()


@click.group()
def advisories() -> None:
    """Keep an offline OSV advisory store and serve it to pip-audit on loopback."""


@advisories.command("import")
@click.argument("source", type=str)
@click.option("--store", type=str, help=STORE_HELP)
def import_command(source: str, store: str | None) -> int:
    """Import OSV records from SOURCE: a folder of JSON/YAML records or a zip of JSON (OSV bulk export)."""
    summary = import_records(Path(source), _store(store))
    click.echo(
        f"imported {summary.total} record file(s) from {source} into {_store(store)}: {summary.added} added, "
        f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.withdrawn} withdrawn (skipped), "
        f"{len(summary.invalid)} invalid (skipped)"
    )
    for problem in summary.invalid:
        click.echo(f"invalid: {problem}", err=True)
    return 1 if summary.invalid else 0


@advisories.command("status")
@click.option("--store", type=str, help=STORE_HELP)
def status(store: str | None) -> None:
    """Show the record count, the newest `modified` date and where the records came from."""
    opened = AdvisoryStore(_store(store))
    newest = opened.newest_modified()
    age = opened.age_days(dt.datetime.now(dt.UTC))
    click.echo(f"store:         {opened.path}")
    click.echo(f"records:       {opened.count()}")
    click.echo(f"newest record: {newest.isoformat() if newest else 'none'}" + (f" ({age:.0f} days old)" if age else ""))
    click.echo(f"source:        {opened.meta('source')}")
    click.echo(f"imported at:   {opened.meta('imported_at')}")


@advisories.command("serve")
@click.option("--store", type=str, help=STORE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8086, show_default=True, help="0 = any free port.")
def serve(store: str | None, host: str, port: int) -> None:
    """Serve POST /v1/query, POST /v1/querybatch and GET /v1/vulns/{id} until interrupted."""
    server = make_server(_store(store), host, port)
    click.echo(f"serving {server.store.count()} advisories on http://{host}:{server.server_address[1]}/v1/query")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
