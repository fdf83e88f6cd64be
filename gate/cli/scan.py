"""`hardgate scan PATH`: parse options, run the engine, write reports, exit with the verdict's code."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from gate.attestation import attest_scan
from gate.baseline import load_baseline
from gate.cli.options import (
    ScannerSettings,
    check_outputs,
    environment_option,
    format_choice,
    policy_for,
    policy_option,
    scan_with_progress,
    scanner_options,
)
from gate.decision import decision_for_scan, git_state, load_private_key, write_record
from gate.errors import UsageError
from gate.gitinfo import changed_files
from gate.reporters import get_reporter
from gate.reporters.common import scanner_line
from gate.reporters.rich_text import render_rich
from gate.waivers import load_waivers


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
@environment_option()
@policy_option(
    "Policy YAML over the embedded defaults (default: PATH/hardgate-policy.yml or PATH/.hardgate/policy.yml)."
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=format_choice(),
    help="Report format; repeatable, paired in order with --output.",
)
@click.option("--output", "outputs", multiple=True, help="File for the --format in the same position ('-' = stdout).")
@click.option("--jobs", type=click.IntRange(1, 64), default=3, show_default=True, help="Scanners run at once.")
@scanner_options
@click.option("--waivers", "waivers_file", type=str, help="Waiver file (see docs/waivers.md).")
@click.option("--baseline", "baseline_file", type=str, help="Baseline from `hardgate baseline create`.")
@click.option("--changed-since", "changed_since", metavar="REV", help="Scan only files changed since REV's merge base.")
@click.option("--record", "record_path", type=str, help="Write the decision record (JSON) to this file.")
@click.option(
    "--sign-key", "sign_key", type=str, help="Ed25519 private key FILE to sign the record (or $HARDGATE_SIGNING_KEY)."
)
@click.option(
    "--attestation",
    "attestation_path",
    type=str,
    help="Write the decision as a signed in-toto attestation (DSSE envelope) to this file; needs a signing key.",
)
@click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="GLOB",
    help="Also exclude GLOB (repeatable). Only in dev: staging and prod take exclusions from the policy file.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr: the report and the exit code only.")
@click.option("-v", "--verbose", is_flag=True, help="Also print the policy used and each scanner's result on stderr.")
def scan(
    path: str,
    environment: str,
    policy_file: str | None,
    formats: tuple[str, ...],
    outputs: tuple[str, ...],
    jobs: int,
    scanners: ScannerSettings,
    waivers_file: str | None,
    baseline_file: str | None,
    changed_since: str | None,
    record_path: str | None,
    sign_key: str | None,
    attestation_path: str | None,
    excludes: tuple[str, ...],
    quiet: bool,
    verbose: bool,
) -> int:
    """Scan PATH with bandit, semgrep and pip-audit, and decide for one environment.

    Exit codes: 0 pass, 1 blocked by policy, 2 usage or configuration error, 3 a scanner failed.
    """
    if quiet and verbose:
        raise UsageError("--quiet and --verbose contradict each other; give one")
    root = Path(path)
    policy = policy_for(policy_file, root).with_excludes(environment, excludes)
    policy.for_environment(environment)
    pairs = pair_outputs(formats, tuple(o for o in outputs))
    # Every file the run writes is checked now: a bad path found after the scan loses the verdict.
    check_outputs(
        [("--output", out) for _, out in pairs] + [("--record", record_path), ("--attestation", attestation_path)]
    )
    waivers = load_waivers(Path(waivers_file)) if waivers_file else None
    baseline = load_baseline(Path(baseline_file)) if baseline_file else None
    if sign_key and not (record_path or attestation_path):
        raise UsageError("--sign-key needs --record FILE or --attestation FILE to sign")
    signing_key = load_private_key(Path(sign_key) if sign_key else None) if record_path or attestation_path else None
    if attestation_path and signing_key is None:
        raise UsageError("--attestation needs a signing key: --sign-key FILE or $HARDGATE_SIGNING_KEY")
    only_files = changed_files(root, changed_since) if changed_since else None
    # Before the scan and before any output lands in the tree.
    git = git_state(root) if record_path or attestation_path else None
    if verbose:
        click.echo(f"hardgate: policy {policy.source} ({policy.digest}), environment {environment}", err=True)
    own = {"jobs": jobs, "waivers": waivers, "baseline": baseline, "only_files": only_files}
    report = scan_with_progress(scanners.request(root, environment, policy, **own), quiet)
    record = None
    if git is not None:
        record = decision_for_scan(
            report,
            git=git,
            policy_digest=policy.digest,
            waivers_digest=waivers.digest if waivers else None,
            baseline_digest=baseline.digest if baseline else None,
            target_digest=report.extra.get("target_digest", ""),
            signing_key=signing_key,
            changed_since=changed_since,
        )
        if record_path:
            write_record(record, Path(record_path))
    if verbose:
        for result in report.scanners:
            click.echo(f"hardgate: {scanner_line(result)}", err=True)
    for fmt, output in pairs:
        to_stdout = output is None or output == "-"
        if to_stdout and fmt.lower() == "text" and sys.stdout.isatty():
            render_rich(report, Console())  # colour on a terminal; the same content as plain text
            continue
        rendered = get_reporter(fmt).render(report)
        if output is None or output == "-":
            click.echo(rendered, nl=not rendered.endswith("\n"))
        else:
            Path(output).write_text(rendered, encoding="utf-8")
    if attestation_path and record is not None and signing_key is not None:
        written = [Path(output) for _, output in pairs if output not in (None, "-")]
        effective = policy.for_environment(environment)
        attest_scan(report, record, effective, root, written, signing_key, Path(attestation_path))
    return report.verdict.exit_code
