"""`hardgate policy check|show`: validate a policy file and show what an environment will enforce."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from gate.policy import ENVIRONMENTS, load_policy


@click.group()
def policy() -> None:
    """Validate and inspect the per-environment policy."""


@policy.command("check")
@click.argument("file", type=str)
def check(file: str) -> None:
    """Validate FILE (merged over the embedded defaults), including monotonic strictness."""
    loaded = load_policy(Path(file))
    summary = ", ".join(f"{name} blocks {loaded.environments[name].block_on.label}+" for name in ENVIRONMENTS)
    click.echo(f"policy OK: {file} ({summary})")


@policy.command("show")
@click.option("--env", "environment", required=True, help="dev, staging or prod.")
@click.option("--policy", "policy_file", type=str, help="Policy YAML merged over the embedded defaults.")
def show(environment: str, policy_file: str | None) -> None:
    """Print the effective policy of one environment as YAML."""
    loaded = load_policy(Path(policy_file) if policy_file else None)
    loaded.for_environment(environment)
    section = loaded.document["environments"][environment]
    click.echo(f"# effective policy for {environment} (source: {loaded.source}, {loaded.digest})")
    click.echo(yaml.safe_dump({environment: section}, sort_keys=False).rstrip())
