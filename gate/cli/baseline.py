"""`hardgate baseline create PATH -o FILE`: accept today's findings so only new ones block."""

from __future__ import annotations

from pathlib import Path

import click

from gate.baseline import create_baseline, write_baseline
from gate.cli.options import (
    ScannerSettings,
    check_outputs,
    environment_option,
    policy_for,
    policy_option,
    scan_with_progress,
    scanner_options,
)
from gate.report import Verdict


@click.group()
def baseline() -> None:
    """Create baselines of existing findings."""


@baseline.command("create")
@click.argument("path", type=str)
@click.option("-o", "--output", required=True, help="Where to write the baseline JSON.")
@environment_option()
@policy_option("Policy YAML over the embedded defaults (default: found in PATH, as `hardgate scan` does).")
@scanner_options
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def create(
    path: str,
    output: str,
    environment: str,
    policy_file: str | None,
    scanners: ScannerSettings,
    quiet: bool,
) -> int:
    """Scan PATH and write every finding's fingerprint to a baseline file.

    A scan with a failed scanner writes nothing and exits 3: a partial baseline would hide nothing
    today and silently miss what that scanner finds later.
    """
    policy = policy_for(policy_file, Path(path))
    policy.for_environment(environment)
    check_outputs([("--output", output)])
    report = scan_with_progress(scanners.request(Path(path), environment, policy), quiet)
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
