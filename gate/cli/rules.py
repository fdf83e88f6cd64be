"""`hardgate rules list`: every rule the gate can report, bundled semgrep rules and bandit's, as a table or JSON."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from gate.engine import rules_dir
from gate.rulecatalog import all_rules


@click.group()
def rules() -> None:
    """The rules behind the gate's findings."""


@rules.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
@click.option(
    "--source", type=click.Choice(["all", "bundled", "bandit"]), default="all", show_default=True, help="Which rules."
)
def list_rules(fmt: str, source: str) -> None:
    """List rule id, CWE, severity, confidence, languages and source (bundled semgrep rule or bandit)."""
    found = [r for r in all_rules(rules_dir()) if source in ("all", r.source)]
    if fmt == "json":
        click.echo(json.dumps({"rules": [r.to_dict() for r in found]}, indent=2))
        return
    table = Table(title=f"{len(found)} rules", title_justify="left")
    for column in ("id", "cwe", "severity", "confidence", "languages", "source", "title"):
        table.add_column(column, overflow="fold")
    for r in found:
        table.add_row(r.id, ", ".join(r.cwe), r.severity, r.confidence, ", ".join(r.languages), r.source, r.title)
    Console(width=max(Console().width, 140), soft_wrap=False).print(table)
