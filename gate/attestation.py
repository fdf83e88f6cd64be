"""The decision as an in-toto attestation: a DSSE envelope holding a SLSA verification summary.

Anyone with the gate's public key can check it with any DSSE implementation: the Ed25519 signature
covers the DSSE pre-authentication encoding (PAE) of the payload, never our own JSON encoding.
The statement's subject is the scanned tree (the same digest as the decision record's `digests.target`,
plus the git commit when there is one); the predicate is https://slsa.dev/verification_summary/v1
with the digest of the effective per-environment policy and the reports written as input attestations.
The full decision record rides along under `hardgateDecision` (consumers ignore unknown fields), so
`hardgate verify-decision` applies exactly the same checks to an attestation as to a record.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gate.cache import hash_file
from gate.decision import SignatureInvalid, canonical_json, public_key_fingerprint
from gate.errors import ConfigError
from gate.policy import EnvironmentPolicy
from gate.report import Report, Verdict

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
VERIFIER_ID = "urn:hardgate:gate"
DECISION_KEY = "hardgateDecision"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the signature covers."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _plain(value: Any) -> Any:
    """JSON-ready copy of a policy dataclass: enums by name, dict keys as strings, tuples as lists."""
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(_plain(kv[0])))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    return value


def environment_policy_digest(policy: EnvironmentPolicy) -> str:
    """Digest of the settings that decided this environment (defaults, file and overrides merged)."""
    return "sha256:" + hashlib.sha256(canonical_json(_plain(policy))).hexdigest()


def _hex(prefixed: str) -> str:
    return prefixed.split(":", 1)[1] if ":" in prefixed else prefixed


def resource_uri(target: Path, commit: str | None) -> str:
    """`git+file:///abs/path@<sha>` for a committed tree, else the tree's `file://` URI."""
    uri = target.resolve().as_uri()
    return f"git+{uri}@{commit}" if commit else uri


def build_statement(
    report: Report,
    record: Mapping[str, Any],
    *,
    policy: EnvironmentPolicy,
    target: Path,
    reports: Sequence[Path],
    now: dt.datetime,
) -> dict[str, Any]:
    """The in-toto Statement v1 for one scan; `record` is the (unsigned) decision record of the same scan."""
    git = record.get("git") or {}
    commit = git.get("commit") if isinstance(git, dict) else None
    subject_digest = {"sha256": _hex(str(record["digests"]["target"]))}
    if commit:
        subject_digest["gitCommit"] = str(commit)
    passed = report.verdict is Verdict.PASS
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": target.resolve().name or str(target), "digest": subject_digest}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"hardgate": report.hardgate_version or "0"}},
            "timeVerified": now.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "resourceUri": resource_uri(target, commit),
            "policy": {
                "uri": f"hardgate:policy/{policy.name}",
                "digest": {"sha256": environment_policy_digest(policy).split(":", 1)[1]},
            },
            "inputAttestations": [{"uri": path.as_posix(), "digest": {"sha256": hash_file(path)}} for path in reports],
            "verificationResult": "PASSED" if passed else "FAILED",
            # Custom levels must not start with SLSA_; a failed verification verifies no level.
            "verifiedLevels": [f"HARDGATE_{policy.name.upper()}_POLICY"] if passed else [],
            # The record without its own signature: the envelope's signature covers it.
            DECISION_KEY: {key: value for key, value in record.items() if key != "signature"},
        },
    }


def envelope(statement: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The DSSE envelope: base64 payload, one Ed25519 signature over PAE, keyid = public key fingerprint."""
    payload = canonical_json(statement)
    signature = private_key.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {"keyid": public_key_fingerprint(private_key.public_key()), "sig": base64.b64encode(signature).decode()}
        ],
    }


def write_envelope(document: Mapping[str, Any], path: Path) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def is_envelope(document: Mapping[str, Any]) -> bool:
    return "payloadType" in document and "signatures" in document


def open_envelope(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The verified statement; SignatureInvalid unless some signature by this key covers the payload."""
    if document.get("payloadType") != PAYLOAD_TYPE:
        raise SignatureInvalid(f"signature invalid: payloadType {document.get('payloadType')!r}, not {PAYLOAD_TYPE}")
    try:
        payload = base64.b64decode(str(document.get("payload", "")), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("signature invalid: the payload is not base64") from None
    expected = public_key_fingerprint(public_key)
    signatures = document.get("signatures")
    mine = (
        [s for s in signatures if isinstance(s, dict) and s.get("keyid") == expected]
        if isinstance(signatures, list)
        else []
    )
    if not mine:
        raise SignatureInvalid(f"signature invalid: the attestation carries no signature by the given key {expected}")
    for entry in mine:
        try:
            public_key.verify(base64.b64decode(str(entry.get("sig", "")), validate=True), pae(PAYLOAD_TYPE, payload))
        except (InvalidSignature, binascii.Error, ValueError):
            continue
        break
    else:
        raise SignatureInvalid("signature invalid: the attestation was modified after it was signed")
    try:
        statement = json.loads(payload)
    except ValueError:
        raise ConfigError("attestation payload is not JSON") from None
    if not isinstance(statement, dict):
        raise ConfigError("attestation payload is not a JSON object")
    return statement


def decision_from_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    """The decision record inside a verified statement, after checking the statement agrees with it."""
    if statement.get("_type") != STATEMENT_TYPE or statement.get("predicateType") != PREDICATE_TYPE:
        raise SignatureInvalid(
            f"signature invalid: not a {PREDICATE_TYPE} statement ({statement.get('_type')}, "
            f"{statement.get('predicateType')})"
        )
    predicate = statement.get("predicate")
    record = predicate.get(DECISION_KEY) if isinstance(predicate, dict) else None
    if not isinstance(record, dict) or not isinstance(predicate, dict):
        raise SignatureInvalid("signature invalid: the statement holds no hardgate decision")
    result = "PASSED" if record.get("verdict") == Verdict.PASS.value else "FAILED"
    if predicate.get("verificationResult") != result:
        raise SignatureInvalid("signature invalid: verificationResult disagrees with the decision it holds")
    digests = record.get("digests")
    digests = digests if isinstance(digests, dict) else {}
    subjects = statement.get("subject")
    subjects = subjects if isinstance(subjects, list) else []
    wanted = _hex(str(digests.get("target", "")))
    if not any(isinstance(s, dict) and (s.get("digest") or {}).get("sha256") == wanted for s in subjects):
        raise SignatureInvalid("signature invalid: the subject's digest is not the scanned tree's")
    return record


def attest_scan(
    report: Report,
    record: Mapping[str, Any],
    policy: EnvironmentPolicy,
    target: Path,
    reports: Sequence[Path],
    private_key: Ed25519PrivateKey,
    path: Path,
    now: dt.datetime | None = None,
) -> None:
    """Write the signed attestation for one scan; `reports` are the report files already written."""
    statement = build_statement(
        report, record, policy=policy, target=target, reports=reports, now=now or dt.datetime.now(dt.UTC)
    )
    write_envelope(envelope(statement, private_key), path)
