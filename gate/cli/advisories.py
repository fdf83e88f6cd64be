"""`hardgate advisories import|status|serve`: the offline OSV store pip-audit queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from gate.advisories.importer import import_records
from gate.advisories.server import base_url, make_server
from gate.advisories.store import AdvisoryStore, default_store_path

STORE_HELP = "Store file (default: $HARDGATE_ADVISORIES, else $XDG_DATA_HOME/hardgate/advisories.db)."


def _store(path: str | None) -> Path:
    return Path(path) if path else default_store_path()


@click.group()
def advisories() -> None:
    """Keep an offline OSV advisory store and serve it to pip-audit on loopback."""


@advisories.command("import")
@click.argument("source", type=str)
@click.option("--store", type=str, help=STORE_HELP)
@click.option("--strict", is_flag=True, help="Import nothing (exit 2) if any record is invalid.")
def import_command(source: str, store: str | None, strict: bool) -> int:
    """Import OSV records from SOURCE: a folder of JSON/YAML records or a zip of them (OSV bulk export).

    Records failing the OSV schema are skipped and listed on stderr; withdrawn records are skipped,
    and removed from the store if an earlier import stored them. The store is replaced atomically.
    """
    summary = import_records(Path(source), _store(store), strict=strict)
    for problem in summary.invalid:
        click.echo(f"invalid (skipped): {problem}", err=True)
    outcome = "updated" if summary.changed else "unchanged"
    click.echo(
        f"{summary.total} record file(s) from {source}: {summary.added} added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.withdrawn} withdrawn (skipped, {summary.removed} removed), "
        f"{len(summary.invalid)} invalid (skipped); store {outcome}: {summary.store}"
    )
    return 0


@advisories.command("status")
@click.option("--store", type=str, help=STORE_HELP)
def status(store: str | None) -> None:
    """Show the record count, the newest `modified` date, the source and the import time."""
    with AdvisoryStore(_store(store)) as opened:
        newest = opened.newest_modified()
        age = opened.age_days(dt.datetime.now(dt.UTC))
        click.echo(f"store:         {opened.path}")
        click.echo(f"records:       {opened.count()}")
        newest_text = "none" if newest is None else f"{newest.isoformat()} ({age or 0:.0f} days old)"
        click.echo(f"newest record: {newest_text}")
        click.echo(f"source:        {opened.meta('source')}")
        click.echo(f"imported at:   {opened.meta('imported_at')}")


@advisories.command("serve")
@click.option("--store", type=str, help=STORE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8086, show_default=True, help="0 = any free port.")
def serve(store: str | None, host: str, port: int) -> None:
    """Serve POST /v1/query, POST /v1/querybatch and GET /v1/vulns/{id} until interrupted."""
    server = make_server(_store(store), host, port)
    url = f"{base_url(host, server.server_address[1])}/v1/query"
    click.echo(f"serving {server.store.count()} advisories on {url}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.store.close()
