"""`pipeline/run ENV`: parse options, run the stages with progress on the console, summarise, exit 0/1/2."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from gate.environments import ENVIRONMENTS  # defined once, for the gate and this runner
from hardgate_pipeline.model import STAGES, RunConfig, StageResult, Status
from hardgate_pipeline.runner import RunOutcome, execute
from hardgate_pipeline.stages import head_commit

REPO = Path(__file__).resolve().parents[2]
PATH = click.Path(path_type=Path)
EXISTING = click.Path(exists=True, path_type=Path)
MARKS = {Status.OK: "[green]✔[/]", Status.FAILED: "[red]✘[/]", Status.SKIPPED: "[dim]-[/]"}


def default_key_dir() -> Path:
    """Local signing keys live outside the repository, so they can never be committed or scanned."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "hardgate" / "pipeline-keys"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("env", type=click.Choice(ENVIRONMENTS))
@click.option("--target", type=EXISTING, help="What the gate scans [default: this repo].")
@click.option("--policy", type=EXISTING, help="[default: pipeline/self-policy.yml when scanning this repo]")
@click.option("--waivers", type=EXISTING, help="[default: pipeline/self-waivers.yml when scanning this repo]")
@click.option("--advisories", help="Offline OSV store for pip-audit (hardgate scan --advisories).")
@click.option("--sign-key", type=PATH, help="Ed25519 private key [default: a local pair, made on first use].")
@click.option("--pubkey", type=PATH, help="The matching public key.")
@click.option("--decision", type=PATH, help="Verify this record (a CI artifact) instead of scanning.")
@click.option("--attestation", type=PATH, help="With --decision: the in-toto attestation made with it (prod needs it).")
@click.option("--max-age", default="24h", show_default=True, help="Oldest decision record the deploy accepts.")
@click.option(
    "--stop-after", type=click.Choice(STAGES[:-1]), help="Stop after this stage (the summary is still written)."
)
@click.option("--out", "out_dir", type=PATH, help="Run folder [default: out/pipeline/ENV-SHA-TIME].")
@click.option(
    "--inventory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Converge this inventory (e.g. inventories/lab/prod) [default: inventories/local via make harden-local].",
)
@click.option("--vault-password-file", type=EXISTING, help="Password file of ENV's vault id (with --inventory).")
@click.option(
    "--testinfra-suite",
    "testinfra_suites",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Run this testinfra file or folder (repeatable) [default: tests/infra; the baseline with --inventory].",
)
def main(
    env: str,
    target: Path | None,
    policy: Path | None,
    waivers: Path | None,
    advisories: str | None,
    sign_key: Path | None,
    pubkey: Path | None,
    decision: Path | None,
    attestation: Path | None,
    max_age: str,
    stop_after: str | None,
    out_dir: Path | None,
    inventory: Path | None,
    vault_password_file: Path | None,
    testinfra_suites: tuple[Path, ...],
) -> None:
    """Run scan → sign → verify → converge → testinfra → record for ENV on this machine (inventories/local,
    or --inventory)."""
    if (sign_key is None) != (pubkey is None) and decision is None:
        raise click.UsageError("give --sign-key and --pubkey together, or neither")
    if decision is not None and pubkey is None:
        raise click.UsageError("--decision needs --pubkey, the key the record must be signed with")
    if attestation is not None and decision is None:
        raise click.UsageError("--attestation goes with --decision; a scan here writes its own")
    if (inventory is None) != (vault_password_file is None):
        raise click.UsageError("--inventory and --vault-password-file go together")
    self_scan = target is None
    key_dir = default_key_dir()
    cfg = RunConfig(
        env=env,
        repo=REPO,
        target=(target or REPO).resolve(),
        out_dir=(out_dir or _default_out(env)).resolve(),
        bin_dir=Path(sys.executable).parent,
        sign_key=(sign_key or key_dir / "gate.key").resolve(),
        pubkey=(pubkey or key_dir / "gate.pub").resolve(),
        policy=(policy or (REPO / "pipeline/self-policy.yml" if self_scan else None)),
        waivers=(waivers or (REPO / "pipeline/self-waivers.yml" if self_scan else None)),
        advisories=advisories,
        decision=decision.resolve() if decision else None,
        attestation=attestation.resolve() if attestation else None,
        max_age=max_age,
        stop_after=stop_after or "record",
        inventory=inventory.resolve() if inventory else None,
        vault_password_file=vault_password_file.resolve() if vault_password_file else None,
        testinfra_suites=tuple(str(suite.resolve()) for suite in testinfra_suites),
    )
    console = Console()
    console.print(f"[bold]hardgate pipeline[/] {env}: target {cfg.target}, run folder {cfg.out_dir}")
    status = console.status("")

    def started(name: str) -> None:
        status.update(f"{name} …")
        status.start()

    def done(result: StageResult) -> None:
        status.stop()
        took = f" [dim]({result.duration_s:.1f}s)[/]" if result.status is not Status.SKIPPED else ""
        console.print(f"{MARKS[result.status]} {result.name:<10} {result.detail}{took}", highlight=False)

    outcome = execute(cfg, started, done)
    _summary(console, outcome)
    line = outcome.failure_line(env)
    if line is not None:
        click.echo(f"pipeline: {line}", err=True)
        sys.exit(1)


def _default_out(env: str) -> Path:
    sha = (head_commit(REPO) or "nogit")[:12]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return REPO / "out" / "pipeline" / f"{env}-{sha}-{stamp}"


def _summary(console: Console, outcome: RunOutcome) -> None:
    table = Table(title="pipeline summary", show_lines=False)
    for column in ("stage", "status", "detail"):
        table.add_column(column)
    for result in outcome.results:
        table.add_row(result.name, MARKS[result.status] + " " + str(result.status), result.detail)
    console.print(table)
