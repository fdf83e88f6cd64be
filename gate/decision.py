"""The decision record: what the gate decided, for which commit and environment, signed with Ed25519.

A deploy step verifies the record to know that *this* commit passed the gate for *this* environment.
The signature covers a canonical JSON encoding (sorted keys, no whitespace, UTF-8) of the record
without its `signature` member, so any edit after signing invalidates it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gate.configfile import load_json, read_bytes
from gate.errors import ConfigError, HardgateError, UsageError
from gate.findings import FindingState
from gate.gitinfo import head_commit, tree_state
from gate.report import Report

RECORD_TYPE = "hardgate-decision"
RECORD_VERSION = 1
SIGNING_KEY_ENV = "HARDGATE_SIGNING_KEY"
ALGORITHM = "ed25519"
#: Records dated this far in the future are still accepted, for clock skew between CI and deploy hosts.
CLOCK_SKEW = dt.timedelta(minutes=5)


class VerificationError(HardgateError):
    """The record does not vouch for this deploy: exit 1."""

    exit_code = 1


class SignatureInvalid(VerificationError):
    pass


class WrongEnvironment(VerificationError):
    pass


class WrongCommit(VerificationError):
    pass


class RecordTooOld(VerificationError):
    pass


class VerdictNotPass(VerificationError):
    pass


class PartialScan(VerificationError):
    pass


def canonical_json(value: Any) -> bytes:
    """The exact bytes that are signed: sorted keys, no insignificant whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def target_digest(file_hashes: Mapping[str, str]) -> str:
    """One digest over every scanned file's path and content hash."""
    return "sha256:" + hashlib.sha256(canonical_json(dict(sorted(file_hashes.items())))).hexdigest()


def _summary(report: Report) -> dict[str, Any]:
    by_state = {state.value: sum(1 for f in report.findings if f.state is state) for state in FindingState}
    return {
        "findings": len(report.findings),
        "blocking": len(report.blocking),
        **by_state,
        "open_by_severity": {severity.label: count for severity, count in report.count_by_severity().items()},
    }


def build_record(
    report: Report,
    *,
    policy_digest: str,
    waivers_digest: str | None,
    baseline_digest: str | None,
    target_digest: str,
    commit: str | None,
    tree_state: str,
    now: dt.datetime,
    changed_since: str | None = None,
) -> dict[str, Any]:
    """The unsigned record. No floats, so the canonical encoding is the same on every platform."""
    return {
        "type": RECORD_TYPE,
        "version": RECORD_VERSION,
        "hardgate_version": report.hardgate_version,
        "environment": report.environment,
        "verdict": report.verdict.value,
        "exit_code": report.verdict.exit_code,
        "reasons": list(report.reasons),
        "created_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "git": {"commit": commit, "tree_state": tree_state},
        # A diff-aware scan looked at part of the tree only; verify-decision rejects it unless told otherwise.
        "scope": {"full": changed_since is None, "changed_since": changed_since},
        "digests": {
            "target": target_digest,
            "policy": policy_digest,
            "waivers": waivers_digest,
            "baseline": baseline_digest,
        },
        "scanners": [
            {
                "tool": s.tool,
                "status": s.status.value,
                "version": s.tool_version,
                "reason": s.reason,
                "cached": s.cached,
            }
            for s in report.scanners
        ],
        "summary": _summary(report),
    }


@dataclass(frozen=True)
class GitState:
    commit: str | None
    tree_state: str


def git_state(root: Path) -> GitState:
    """Capture before the scan and before any report is written, so outputs inside the tree don't count."""
    return GitState(head_commit(root), tree_state(root))


def decision_for_scan(
    report: Report,
    *,
    git: GitState,
    policy_digest: str,
    waivers_digest: str | None,
    baseline_digest: str | None,
    target_digest: str,
    signing_key: Ed25519PrivateKey | None,
    now: dt.datetime | None = None,
    changed_since: str | None = None,
) -> dict[str, Any]:
    """The record for one scan, signed when a key is given."""
    record = build_record(
        report,
        policy_digest=policy_digest,
        waivers_digest=waivers_digest,
        baseline_digest=baseline_digest,
        target_digest=target_digest,
        commit=git.commit,
        tree_state=git.tree_state,
        now=now or dt.datetime.now(dt.UTC),
        changed_since=changed_since,
    )
    return sign_record(record, signing_key) if signing_key is not None else record


def write_record(record: Mapping[str, Any], path: Path) -> None:
    path.write_text(json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


# --- keys -------------------------------------------------------------------------------------------


def public_key_fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def write_keypair(private_path: Path, public_path: Path) -> str:
    """Create an Ed25519 key pair (private key mode 0600), refusing to overwrite; returns the key's fingerprint."""
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise UsageError(f"{path} already exists; refusing to overwrite a key")
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    os.chmod(private_path, 0o600)  # whatever the umask
    try:
        with public_path.open("xb") as handle:
            handle.write(public_pem)
    except OSError:
        private_path.unlink()
        raise
    return public_key_fingerprint(private_key.public_key())


def _parse_private_pem(data: bytes, origin: str) -> Ed25519PrivateKey:
    # The messages name where the key came from, never any of its content.
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigError(
            f"{origin}: encrypted private keys are not supported; use an unencrypted PKCS#8 key"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(f"{origin}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{origin}: not an Ed25519 private key (create one with `hardgate keygen`)")
    return key


def load_private_key(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Ed25519PrivateKey | None:
    """The signing key from a file, else from $HARDGATE_SIGNING_KEY (which holds the PEM text itself), else None."""
    if path is not None:
        return _parse_private_pem(read_bytes(path, "signing key"), str(path))
    value = (os.environ if environ is None else environ).get(SIGNING_KEY_ENV, "")
    if not value.strip():
        return None
    if not value.lstrip().startswith("-----BEGIN"):
        raise ConfigError(
            f"${SIGNING_KEY_ENV} must hold the PEM text of an Ed25519 private key; for a key file use --sign-key FILE"
        )
    return _parse_private_pem(value.encode(), f"${SIGNING_KEY_ENV}")


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(read_bytes(path, "public key"))
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(f"{path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path}: not an Ed25519 public key")
    return key


# --- sign and verify --------------------------------------------------------------------------------


def _unsigned(record: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "signature"}


def sign_record(record: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The record plus a `signature` member: algorithm, public key fingerprint and base64 signature."""
    unsigned = _unsigned(record)
    signature = private_key.sign(canonical_json(unsigned))
    return {
        **unsigned,
        "signature": {
            "algorithm": ALGORITHM,
            "public_key_fingerprint": public_key_fingerprint(private_key.public_key()),
            "value": base64.b64encode(signature).decode("ascii"),
        },
    }


def load_record(path: Path) -> dict[str, Any]:
    """A decision record or attestation file; missing, unreadable or not JSON is one ConfigError line."""
    _, record = load_json(path, "decision record")
    if not isinstance(record, dict):
        raise ConfigError(f"{path}: decision record is not a JSON object")
    return record


def _check_signature(record: Mapping[str, Any], public_key: Ed25519PublicKey) -> None:
    signature = record.get("signature")
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        raise SignatureInvalid("signature invalid: the record is not signed")
    if signature.get("algorithm") != ALGORITHM:
        raise SignatureInvalid(f"signature invalid: unsupported algorithm {signature.get('algorithm')!r}")
    expected = public_key_fingerprint(public_key)
    if signature.get("public_key_fingerprint") != expected:
        raise SignatureInvalid(
            f"signature invalid: signed by key {signature.get('public_key_fingerprint')}, "
            f"not by the given key {expected}"
        )
    try:
        public_key.verify(base64.b64decode(signature["value"], validate=True), canonical_json(_unsigned(record)))
    except (InvalidSignature, ValueError):
        raise SignatureInvalid("signature invalid: the record was modified after it was signed") from None


def verify_record(record: Mapping[str, Any], public_key: Ed25519PublicKey, **checks: Any) -> None:
    """Raise the VerificationError that says why this record does not let this commit deploy to this environment.

    Checks, in order: signature, then check_decision's (whose keyword arguments `checks` are): environment,
    commit (and a clean tree), age, verdict, full scan.
    """
    _check_signature(record, public_key)
    check_decision(record, **checks)


def check_decision(
    record: Mapping[str, Any],
    *,
    environment: str,
    commit: str,
    max_age: dt.timedelta,
    now: dt.datetime,
    allow_dirty: bool = False,
    allow_partial: bool = False,
) -> None:
    """Every check but the signature: for a record whose signature was verified already (a DSSE attestation)."""
    if record.get("environment") != environment:
        raise WrongEnvironment(
            f"wrong environment: the record is for {record.get('environment')!r}, the deploy is to {environment!r}"
        )
    recorded_git = record.get("git")
    git: dict[str, Any] = recorded_git if isinstance(recorded_git, dict) else {}
    recorded_commit = git.get("commit")
    if not isinstance(recorded_commit, str) or recorded_commit.lower() != commit.strip().lower():
        raise WrongCommit(f"wrong commit: the record is for {recorded_commit}, the deploy is of {commit}")
    if git.get("tree_state") != "clean" and not allow_dirty:
        raise WrongCommit(
            f"wrong commit: the record was made from a {git.get('tree_state')} work tree, "
            f"so it does not vouch for commit {commit} as committed"
        )
    try:
        created = dt.datetime.fromisoformat(str(record.get("created_at")))
    except ValueError:
        raise RecordTooOld(f"too old: unreadable created_at {record.get('created_at')!r}") from None
    if created.tzinfo is None:
        raise RecordTooOld("too old: created_at has no time zone")
    age = now - created
    if age > max_age:
        raise RecordTooOld(
            f"too old: made {_human(age)} ago at {record.get('created_at')}; the limit is {_human(max_age)}"
        )
    if age < -CLOCK_SKEW:
        raise RecordTooOld(f"too old: created_at {record.get('created_at')} is in the future")
    if record.get("verdict") != "pass":
        reasons = "; ".join(str(r) for r in record.get("reasons") or []) or "no reason recorded"
        raise VerdictNotPass(f"verdict not pass: the gate said {record.get('verdict')!r} ({reasons})")
    scope = record.get("scope")
    if not (isinstance(scope, dict) and scope.get("full") is True) and not allow_partial:
        since = scope.get("changed_since") if isinstance(scope, dict) else None
        raise PartialScan(f"partial scan: the record covers only files changed since {since!r}, not the whole tree")


_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> dt.timedelta:
    """`90s`, `30m`, `24h`, `7d`, `2w`."""
    match = _DURATION.match(text)
    if match is None:
        raise UsageError(f"invalid duration {text!r}; expected a number and a unit (s, m, h, d, w), such as 24h")
    value = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if value <= dt.timedelta(0):
        raise UsageError(f"invalid duration {text!r}; it must be positive")
    return value


def _human(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h".replace(".0h", "h")
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"
