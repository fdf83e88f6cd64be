"""`hardgate envcheck INVENTORIES_DIR`: environment separation checks, reported like a scan."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import click

from gate import __version__
from gate.cli.options import check_outputs, environment_option, format_choice, policy_option
from gate.envcheck import EnvcheckOptions, check_inventories
from gate.envcheck.checker import VAULT_PASSWORDS_ENV, parse_password_files
from gate.errors import ConfigError, UsageError
from gate.findings import ScanResult, ScanStatus
from gate.policy import evaluate, find_policy, load_policy
from gate.report import Report, Verdict
from gate.reporters import get_reporter


@click.command()
@click.argument("inventories_dir", type=str)
@click.option(
    "--format",
    "fmt",
    type=format_choice(),
    default="text",
    show_default=True,
    help="Report format (as for `hardgate scan`).",
)
@click.option("--output", type=str, help="Write the report to FILE instead of stdout.")
@environment_option()
@policy_option("Gate policy to judge and decide with (default: found in the target).")
@click.option(
    "--vault-password-file",
    "password_specs",
    multiple=True,
    metavar="ENV=FILE",
    help=f"Vault password file of an environment, to compare secret values (keyed hash); or ${VAULT_PASSWORDS_ENV}.",
)
def envcheck(
    inventories_dir: str,
    fmt: str,
    output: str | None,
    environment: str,
    policy_file: str | None,
    password_specs: tuple[str, ...],
) -> int:
    """Check that dev, staging and prod in INVENTORIES_DIR stay apart (ENV001...; docs/environments.md).

    Exit codes: 0 pass, 1 blocked by policy, 2 malformed inventory or bad option.
    """
    directory = Path(inventories_dir)
    if not directory.is_dir():
        raise UsageError(f"not a directory: {inventories_dir}")
    reporter = get_reporter(fmt)
    check_outputs([("--output", output)])
    specs = list(password_specs) or [s for s in os.environ.get(VAULT_PASSWORDS_ENV, "").split(",") if s.strip()]
    source = "--vault-password-file" if password_specs else VAULT_PASSWORDS_ENV
    options = EnvcheckOptions(
        vault_password_files=parse_password_files(specs, source),
        policy_file=Path(policy_file) if policy_file else None,
    )
    # The same policy `hardgate scan` would use: --policy, else the one kept at the target root.
    policy_path = Path(policy_file) if policy_file else find_policy(directory.resolve().parent)
    policy = load_policy(policy_path if policy_path and _valid_policy(policy_path) else None)
    env_policy = policy.for_environment(environment)
    started_at = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    result = check_inventories(directory, options)
    duration = time.monotonic() - started
    evaluation = evaluate(result.findings, env_policy)
    report = Report(
        target=str(directory),
        environment=environment,
        verdict=Verdict.BLOCK if evaluation.reasons else Verdict.PASS,
        reasons=evaluation.reasons,
        scanners=(
            ScanResult(
                "envcheck",
                ScanStatus.OK,
                findings=result.findings,
                tool_version=f"hardgate-envcheck {__version__}",
                duration_s=duration,
            ),
        ),
        findings=evaluation.findings,
        started_at=started_at.isoformat(timespec="seconds"),
        duration_s=duration,
        hardgate_version=__version__,
        policy_source=policy.source,
        extra={"environments": ",".join(result.environments)},
    )
    rendered = reporter.render(report)
    if output and output != "-":
        Path(output).write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=not rendered.endswith("\n"))
    return report.verdict.exit_code


def _valid_policy(path: Path) -> bool:
    """Whether the policy loads; a looser-than-before policy is reported as ENV014 and decided with defaults."""
    try:
        load_policy(path)
    except ConfigError:  # the envcheck run reports it (ENV014) or raises the ConfigError itself
        return False
    return True
