"""`hardgate scan PATH`: parse options, run the engine, write reports, exit with the verdict's code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gate.cli.progress import progress_display
from gate.engine import ScanRequest, run_scan
from gate.errors import UsageError
from gate.policy import load_policy
from gate.reporters import get_reporter


def pair_outputs(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Pair each --format with the --output in the same position; unpaired formats go to stdout."""
    if len(outputs) > len(formats):
        raise UsageError("more --output than --format options; give one --format per --output, in order")
    if not formats:
        formats = ("text",)
    pairs: list[tuple[str, str | None]] = [
        (fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)
    ]
    if sum(1 for _, out in pairs if out is None) > 1:
        raise UsageError("only one --format can go to stdout; give the others an --output")
    for fmt, _ in pairs:
        get_reporter(fmt)  # unknown formats fail before any scanner runs
    return pairs


@click.command()
@click.argument("path", type=str)
@click.option(
    "--env",
    "environment",
    default=lambda: os.environ.get("HARDGATE_ENV", "prod"),
    show_default="prod",
    help="Environment whose policy decides: dev, staging or prod (or $HARDGATE_ENV).",
)
@click.option("--policy", "policy_file", type=str, help="Policy YAML merged over the embedded defaults.")
@click.option("--format", "formats", multiple=True, help="Report format; repeatable, paired in order with --output.")
@click.option("--output", "outputs", multiple=True, help="File for the --format in the same position ('-' = stdout).")
@click.option("--jobs", type=click.IntRange(1, 64), default=3, show_default=True, help="Scanners run at once.")
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds each scanner may run before it counts as failed.",
)
@click.option("--osv-url", help="OSV query URL for pip-audit (overrides the policy).")
def scan(
    path: str,
    environment: str,
    policy_file: str | None,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    jobs: int,
    timeout_s: float,
    osv_url: str | None,
) -> int:
    """Scan PATH with bandit, semgrep and pip-audit, and decide for one environment.

    Exit codes: 0 pass, 1 blocked by policy, 2 usage or configuration error, 3 a scanner failed.
    """
    policy = load_policy(Path(policy_file) if policy_file else None)
    policy.for_environment(environment)
    pairs = pair_outputs(formats, tuple(o for o in outputs))
    root = Path(path)
    with progress_display(sys.stderr) as on_progress:
        report = run_scan(
            ScanRequest(
                root=root,
                environment=environment,
                policy=policy,
                timeout_s=timeout_s,
                jobs=jobs,
                osv_url=osv_url,
                on_progress=on_progress,
            )
        )
    for fmt, output in pairs:
        rendered = get_reporter(fmt).render(report)
        if output is None or output == "-":
            click.echo(rendered, nl=not rendered.endswith("\n"))
        else:
            Path(output).write_text(rendered, encoding="utf-8")
    return report.verdict.exit_code
