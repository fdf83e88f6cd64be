"""`hardgate scan --attestation`: a DSSE-wrapped in-toto SLSA verification summary, checked by securesystemslib.

The envelope is verified with securesystemslib's own DSSE and Ed25519 code, not the gate's; the gate's
`verify-decision` must accept the same file and refuse a tampered or foreign one.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

from gate.attestation import environment_policy_digest
from gate.decision import public_key_fingerprint, write_keypair
from gate.policy import load_policy

HARDGATE = Path(sys.executable).parent / "hardgate"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def hardgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HARDGATE), *args], capture_output=True, text=True, check=False)


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "gate.key", tmp_path / "gate.pub"
    write_keypair(private, public)
    return private, public


@pytest.fixture
def clean_app(tmp_path: Path, commit_all: Callable[[Path], str]) -> tuple[Path, str]:
    app = tmp_path / "app"
    app.mkdir()
    (app / "health.py").write_text("def ok() -> bool:\n    return True\n")
    return app, commit_all(app)


def independent_key(public_pem: Path) -> SSlibKey:
    """securesystemslib's key object from the PEM, with the keyid the gate names its signature by."""
    key = serialization.load_pem_public_key(public_pem.read_bytes())
    return SSlibKey.from_crypto(key, keyid=public_key_fingerprint(key))  # type: ignore[arg-type]


def verify_independently(path: Path, public_pem: Path) -> dict[str, Any]:
    envelope = Envelope.from_dict(json.loads(path.read_text()))
    key = independent_key(public_pem)
    accepted = envelope.verify([key], 1)
    assert list(accepted) == [key.keyid]
    assert envelope.payload_type == "application/vnd.in-toto+json"
    statement: dict[str, Any] = json.loads(envelope.pae()[envelope.pae().index(b"{") :])
    assert statement == json.loads(envelope.payload)
    return statement


def attest(app: Path, out: Path, private: Path, env: str) -> subprocess.CompletedProcess[str]:
    out.mkdir(exist_ok=True)
    return hardgate(
        "scan",
        str(app),
        "--env",
        env,
        "--no-cache",
        "-q",
        "--format",
        "json",
        "--output",
        str(out / "report.json"),
        "--format",
        "sarif",
        "--output",
        str(out / "report.sarif"),
        "--attestation",
        str(out / "attestation.json"),
        "--sign-key",
        str(private),
    )


def test_a_passing_scan_writes_an_attestation_securesystemslib_verifies(
    tmp_path: Path, keys: tuple[Path, Path], clean_app: tuple[Path, str]
) -> None:
    app, sha = clean_app
    out = tmp_path / "out"
    done = attest(app, out, keys[0], "prod")
    assert done.returncode == 0, done.stderr
    statement = verify_independently(out / "attestation.json", keys[1])
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
    [subject] = statement["subject"]
    predicate = statement["predicate"]
    decision = predicate["hardgateDecision"]
    assert subject["digest"] == {"sha256": decision["digests"]["target"].removeprefix("sha256:"), "gitCommit": sha}
    assert predicate["verificationResult"] == "PASSED"
    assert predicate["resourceUri"] == f"git+{app.resolve().as_uri()}@{sha}"
    assert predicate["verifier"]["id"] and predicate["timeVerified"].endswith("Z")
    prod = load_policy(None).for_environment("prod")
    assert predicate["policy"]["digest"] == {"sha256": environment_policy_digest(prod).removeprefix("sha256:")}
    inputs = {Path(i["uri"]).name: i["digest"]["sha256"] for i in predicate["inputAttestations"]}
    assert inputs == {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in ("report.json", "report.sarif")
    }
    assert (decision["environment"], decision["verdict"], decision["git"]["commit"]) == ("prod", "pass", sha)

    verified = hardgate(
        "verify-decision", str(out / "attestation.json"), "--pubkey", str(keys[1]), "--env", "prod", "--commit", sha
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"attestation valid: commit {sha} passed the gate for prod")
    staging = hardgate(
        "verify-decision", str(out / "attestation.json"), "--pubkey", str(keys[1]), "--env", "staging", "--commit", sha
    )
    assert staging.returncode == 1 and "wrong environment" in staging.stderr


def tamper(path: Path, change: Any) -> Path:
    document = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(document["payload"]))
    change(statement)
    document["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    tampered = path.with_name("tampered.json")
    tampered.write_text(json.dumps(document))
    return tampered


def test_a_tampered_or_foreign_attestation_is_refused_by_both_verifiers(
    tmp_path: Path, keys: tuple[Path, Path], clean_app: tuple[Path, str]
) -> None:
    app, sha = clean_app
    out = tmp_path / "out"
    assert attest(app, out, keys[0], "prod").returncode == 0

    def flip(statement: dict[str, Any]) -> None:
        statement["predicate"]["hardgateDecision"]["environment"] = "staging"

    tampered = tamper(out / "attestation.json", flip)
    with pytest.raises(VerificationError):
        Envelope.from_dict(json.loads(tampered.read_text())).verify([independent_key(keys[1])], 1)
    refused = hardgate("verify-decision", str(tampered), "--pubkey", str(keys[1]), "--env", "staging", "--commit", sha)
    assert refused.returncode == 1
    assert (
        refused.stderr.strip() == "hardgate: error: signature invalid: the attestation was modified after it was signed"
    )

    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    write_keypair(other_private, other_public)
    with pytest.raises(VerificationError):
        Envelope.from_dict(json.loads((out / "attestation.json").read_text())).verify(
            [independent_key(other_public)], 1
        )
    foreign = hardgate(
        "verify-decision",
        str(out / "attestation.json"),
        "--pubkey",
        str(other_public),
        "--env",
        "prod",
        "--commit",
        sha,
    )
    assert foreign.returncode == 1 and "no signature by the given key" in foreign.stderr


@pytest.mark.slow
def test_a_blocked_scan_attests_failed_and_verify_decision_refuses_it(
    tmp_path: Path, keys: tuple[Path, Path], commit_all: Callable[[Path], str]
) -> None:
    app = tmp_path / "blocked-app"
    app.mkdir()
    # Flask's debugger switched on: an exact finding, which blocks in prod under the default policy.
    (app / "app.py").write_text(
        'from flask import Flask\n\napp = Flask(__name__)\nDATABASE_URL = "postgresql://app:Kx8vTq2LmZ@db/orders"\n\n'
        'if __name__ == "__main__":\n    app.run(debug=True)\n'
    )
    sha = commit_all(app)
    out = tmp_path / "out"
    done = attest(app, out, keys[0], "prod")
    assert done.returncode == 1, done.stderr
    statement = verify_independently(out / "attestation.json", keys[1])
    assert statement["predicate"]["verificationResult"] == "FAILED"
    assert statement["predicate"]["verifiedLevels"] == []
    assert (
        "Kx8vTq2LmZ"
        not in (out / "attestation.json").read_text()
        + base64.b64decode(json.loads((out / "attestation.json").read_text())["payload"]).decode()
    )
    refused = hardgate(
        "verify-decision", str(out / "attestation.json"), "--pubkey", str(keys[1]), "--env", "prod", "--commit", sha
    )
    assert refused.returncode == 1 and "verdict not pass" in refused.stderr


def test_attestation_without_a_signing_key_is_a_usage_error(
    tmp_path: Path, clean_app: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARDGATE_SIGNING_KEY", raising=False)
    done = hardgate("scan", str(clean_app[0]), "--attestation", str(tmp_path / "a.json"))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "hardgate: error: --attestation needs a signing key: --sign-key FILE or $HARDGATE_SIGNING_KEY"
    )
    assert not (tmp_path / "a.json").exists()


def test_the_policy_digest_changes_with_the_environment_and_with_any_setting() -> None:
    policy = load_policy(None)
    digests = {environment_policy_digest(policy.for_environment(env)) for env in ("dev", "staging", "prod")}
    assert len(digests) == 3
    prod = policy.for_environment("prod")
    assert environment_policy_digest(prod) == environment_policy_digest(dataclasses.replace(prod))
    assert environment_policy_digest(prod) != environment_policy_digest(dataclasses.replace(prod, on_stale="warn"))
