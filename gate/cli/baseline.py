"""`hardgate baseline create PATH -o FILE`: accept today's findings so only new ones block."""

from __future__ import annotations

from pathlib import Path

import click

from gate.baseline import create_baseline, write_baseline
from gate.cli.options import (
    advisory_options,
    cache_options,
    check_outputs,
    environment_option,
    policy_for,
    policy_option,
    quiet_or,
    scan_cache,
    timeout_option,
)
from gate.cli.progress import progress_display
from gate.engine import ScanRequest, run_scan
from gate.report import Verdict


@click.group()
def baseline() -> None:
    """Create baselines of existing findings."""


@baseline.command("create")
@click.argument("path", type=str)
@click.option("-o", "--output", required=True, help="Where to write the baseline JSON.")
@environment_option()
@policy_option("Policy YAML over the embedded defaults (default: found in PATH, as `hardgate scan` does).")
@timeout_option(300.0, "Seconds each scanner may run before it counts as failed.")
@advisory_options()
@cache_options()
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
def create(
    path: str,
    output: str,
    environment: str,
    policy_file: str | None,
    timeout_s: float,
    osv_url: str | None,
    advisories_store: str | None,
    use_cache: bool,
    cache_dir: str | None,
    quiet: bool,
) -> int:
    """Scan PATH and write every finding's fingerprint to a baseline file.

    A scan with a failed scanner writes nothing and exits 3: a partial baseline would hide nothing
    today and silently miss what that scanner finds later.
    """
    policy = policy_for(policy_file, Path(path))
    policy.for_environment(environment)
    check_outputs([("--output", output)])
    cache = scan_cache(use_cache, cache_dir)
    with quiet_or(progress_display, quiet) as on_progress:
        report = run_scan(
            ScanRequest(
                root=Path(path),
                environment=environment,
                policy=policy,
                timeout_s=timeout_s,
                osv_url=osv_url,
                advisories_store=Path(advisories_store) if advisories_store else None,
                on_progress=on_progress,
                cache=cache,
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
