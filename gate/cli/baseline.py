"""`hardgate baseline create PATH -o FILE`: accept today's findings so only new ones block."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gate.baseline import create_baseline, write_baseline
from gate.cli.progress import progress_display
from gate.engine import ScanRequest, run_scan
from gate.policy import load_policy
from gate.report import Verdict


@click.group()
def baseline() -> None:
    """Create baselines of existing findings."""


@baseline.command("create")
@click.argument("path", type=str)
@click.option("-o", "--output", required=True, help="Where to write the baseline JSON.")
@click.option(
    "--env",
    "environment",
    default=lambda: os.environ.get("HARDGATE_ENV", "prod"),
    show_default="prod",
    help="Environment whose policy (exclusions, rule overrides) shapes the scan.",
)
@click.option("--policy", "policy_file", type=str, help="Policy YAML merged over the embedded defaults.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=1), default=300.0, show_default=True)
@click.option("--osv-url", help="OSV query URL for pip-audit (overrides the policy).")
def create(
    path: str, output: str, environment: str, policy_file: str | None, timeout_s: float, osv_url: str | None
) -> int:
    """Scan PATH and write every finding's fingerprint to a baseline file.

    A scan with a failed scanner writes nothing and exits 3: a partial baseline would hide nothing
    today and silently miss what that scanner finds later.
    """
    policy = load_policy(Path(policy_file) if policy_file else None)
    policy.for_environment(environment)
    with progress_display(sys.stderr) as on_progress:
        report = run_scan(
            ScanRequest(
                root=Path(path),
                environment=environment,
                policy=policy,
                timeout_s=timeout_s,
                osv_url=osv_url,
                on_progress=on_progress,
            )
        )
    failed = report.failed_scanners
    if failed:
        for result in failed:
            click.echo(f"hardgate: error: scanner {result.tool} failed: {result.reason}", err=True)
        click.echo("hardgate: error: no baseline written", err=True)
        return Verdict.ERROR.exit_code
    document = create_baseline(report.findings)
    write_baseline(document, Path(output))
    fingerprints = len(document["fingerprints"])
    click.echo(f"baseline written: {output} ({len(report.findings)} finding(s), {fingerprints} fingerprint(s))")
    return 0
