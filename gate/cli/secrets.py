"""`hardgate secrets check --env ENV`: can every secret ENV needs be read from its backend? Names only."""

from __future__ import annotations

import os
from pathlib import Path

import click

from gate.envcheck.checker import VAULT_PASSWORDS_ENV, parse_password_files
from gate.envcheck.context import Context
from gate.envcheck.inventory import load_inventories, project_root
from gate.envcheck.model import Inventory
from gate.envcheck.needs import inventory_secrets, secret_needs
from gate.envcheck.secretsources import SecretState, SourceSettings, source_for
from gate.errors import UsageError


@click.group()
def secrets() -> None:
    """Check the secrets each environment needs (names only; values are never shown)."""


def _load(environment: str, directory: Path) -> tuple[Context, Inventory]:
    if not directory.is_dir():
        raise UsageError(f"not a directory: {directory}")
    inventories = {inventory.name: inventory for inventory in load_inventories(directory)}
    if environment not in inventories:
        raise UsageError(f"unknown environment {environment!r}; inventories: {', '.join(sorted(inventories))}")
    root = project_root(directory)
    return Context(root=root, inventories=list(inventories.values())), inventories[environment]


@secrets.command("names")
@click.option("--env", "environment", required=True, help="Environment (an inventories/<env> folder).")
@click.option("--inventories", "inventories_dir", default="inventories", show_default=True, help="Inventories folder.")
def names(environment: str, inventories_dir: str) -> int:
    """Print the NAME (or NAME:KIND for keys) of every secret ENV's engine roles read, one per line.

    Read from the engine profiles (roles/*/vars/profile.yml); `make local-secrets` generates these.
    """
    ctx, inventory = _load(environment, Path(inventories_dir))
    for name, kind in sorted(inventory_secrets(ctx, inventory).items()):
        click.echo(name if kind == "password" else f"{name}:{kind}")
    return 0


@secrets.command("check")
@click.option("--env", "environment", required=True, help="Environment (an inventories/<env> folder).")
@click.option("--inventories", "inventories_dir", default="inventories", show_default=True, help="Inventories folder.")
@click.option(
    "--vault-password-file",
    "password_specs",
    multiple=True,
    metavar="ENV=FILE",
    help=f"Vault password file (vault backend); or ${VAULT_PASSWORDS_ENV}.",
)
def check(environment: str, inventories_dir: str, password_specs: tuple[str, ...]) -> int:
    """Resolve every secret ENV needs through its configured backend; report missing or empty ones by NAME.

    Exit codes: 0 every secret present, 1 some missing, empty or unreadable, 2 configuration error.
    """
    directory = Path(inventories_dir)
    ctx, inventory = _load(environment, directory)
    specs = list(password_specs) or [s for s in os.environ.get(VAULT_PASSWORDS_ENV, "").split(",") if s.strip()]
    passwords = parse_password_files(specs, "--vault-password-file" if password_specs else VAULT_PASSWORDS_ENV)
    problems = 0
    for needs in secret_needs(ctx, inventory):
        settings = SourceSettings(
            environment=environment,
            inventory_dir=directory / environment,
            variables=needs.variables,
            vault_password_file=passwords.get(environment),
        )
        source = source_for(needs.backend, settings, f"{inventory.rel}")
        click.echo(f"{environment}: {len(needs.names)} secret(s) from {needs.backend}: {source.where()}")
        for name, (state, reason) in sorted(source.check(needs.names).items()):
            problems += state is not SecretState.OK
            click.echo(f"  {state.value:<10} {name}" + (f"  ({reason})" if reason else ""))
    summary = f"{problems} secret(s) missing, empty or unreadable" if problems else "all present"
    click.echo(f"{environment}: {summary}")
    return 1 if problems else 0
