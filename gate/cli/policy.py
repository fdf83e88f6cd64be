"""`hardgate policy check|show`: validate a policy file and show what an environment will enforce."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from gate.cli.options import environment_option, policy_for, policy_option
from gate.environments import ENVIRONMENTS
from gate.policy import load_policy


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
@click.argument("target", type=str, default=".")
@environment_option(default_env=False)
@policy_option("Policy YAML over the embedded defaults (default: found in TARGET).")
def show(target: str, environment: str, policy_file: str | None) -> None:
    """Print the effective policy of one environment as YAML.

    Without --policy, the policy is the one `hardgate scan TARGET` would use: TARGET's
    hardgate-policy.yml (or .hardgate/policy.yml) over the embedded defaults. TARGET defaults to `.`.
    """
    loaded = policy_for(policy_file, Path(target))
    loaded.for_environment(environment)
    section = loaded.document["environments"][environment]
    click.echo(f"# effective policy for {environment} (source: {loaded.source}, {loaded.digest})")
    click.echo(yaml.safe_dump({environment: section}, sort_keys=False).rstrip())
