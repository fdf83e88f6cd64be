"""`hardgate keygen` and `hardgate verify-decision`: the signing keys and the deploy-time check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from gate.attestation import decision_from_statement, is_envelope, open_envelope
from gate.cli.options import environment_option
from gate.decision import check_decision, load_public_key, load_record, parse_duration, verify_record, write_keypair


@click.command()
@click.option("--private-key", "private_key", required=True, help="File for the new private key (written 0600).")
@click.option("--public-key", "public_key", required=True, help="File for the new public key.")
def keygen(private_key: str, public_key: str) -> None:
    """Create an Ed25519 key pair for signing decision records. Never overwrites a file."""
    fingerprint = write_keypair(Path(private_key), Path(public_key))
    click.echo(f"wrote {private_key} (private, mode 0600) and {public_key} (public); key {fingerprint}")


@click.command("verify-decision")
@click.argument("record", type=str)
@click.option("--pubkey", required=True, help="The gate's Ed25519 public key (PEM).")
@environment_option(default_env=False)
@click.option("--commit", required=True, help="The full git commit sha being deployed.")
@click.option("--max-age", "max_age", default="24h", show_default=True, help="Oldest acceptable record: 30m, 24h, 7d.")
@click.option("--allow-dirty", is_flag=True, help="Accept a record made from a work tree with uncommitted changes.")
@click.option("--allow-partial", is_flag=True, help="Accept a record from a diff-aware (--changed-since) scan.")
def verify_decision(
    record: str, pubkey: str, environment: str, commit: str, max_age: str, allow_dirty: bool, allow_partial: bool
) -> None:
    """Check that RECORD (a decision record, or the in-toto attestation from `scan --attestation`) is a
    signed pass for this commit and environment.

    Exit codes: 0 valid, 1 verification failed, 2 unreadable file or bad usage.
    """
    limit = parse_duration(max_age)
    key = load_public_key(Path(pubkey))
    loaded = load_record(Path(record))
    now = dt.datetime.now(dt.UTC)
    checks = {"allow_dirty": allow_dirty, "allow_partial": allow_partial}
    if is_envelope(loaded):
        # The DSSE signature replaces the record's own; the record inside gets every other check.
        decision, kind = decision_from_statement(open_envelope(loaded, key)), "attestation"
        check_decision(decision, environment=environment, commit=commit, max_age=limit, now=now, **checks)
    else:
        decision, kind = loaded, "decision record"
        verify_record(loaded, key, environment=environment, commit=commit, max_age=limit, now=now, **checks)
    click.echo(f"{kind} valid: commit {commit} passed the gate for {environment} at {decision['created_at']}")
