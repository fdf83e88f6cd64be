"""pipeline/run: the local runner refuses to deploy without a signed passing decision for this commit."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from gate.attestation import PREDICATE_TYPE, STATEMENT_TYPE, envelope, write_envelope
from gate.decision import load_private_key, sign_record, write_keypair, write_record

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "pipeline" / "run"
REFUSAL = "pipeline: refusing to deploy to prod: no signed passing decision for commit "


def run_pipeline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RUN), *args], capture_output=True, text=True, check=False, cwd=REPO)


def head() -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=REPO, check=True
    ).stdout.strip()


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "keys" / "gate.key", tmp_path / "keys" / "gate.pub"
    private.parent.mkdir()
    write_keypair(private, public)
    return private, public


def passing_decision(commit: str) -> dict[str, object]:
    """A prod pass made now from a clean tree at `commit`, by a full scan."""
    return {
        "type": "hardgate-decision",
        "version": 1,
        "environment": "prod",
        "verdict": "pass",
        "reasons": [],
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": {"commit": commit, "tree_state": "clean"},
        "scope": {"full": True, "changed_since": None},
    }


def passing_record(private: Path, commit: str, path: Path) -> Path:
    record = {**passing_decision(commit), "exit_code": 0}
    key = load_private_key(private, environ={})
    assert key is not None
    write_record(sign_record(record, key), path)
    return path


def passing_attestation(private: Path, commit: str, path: Path) -> Path:
    """An attestation as `scan --attestation` writes it, for a passing prod decision about `commit`."""
    record = {**passing_decision(commit), "digests": {"target": "sha256:" + "ab" * 32}}
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": "hardgate", "digest": {"sha256": "ab" * 32, "gitCommit": commit}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {"verificationResult": "PASSED", "hardgateDecision": record},
    }
    key = load_private_key(private, environ={})
    assert key is not None
    write_envelope(envelope(statement, key), path)
    return path


def assert_one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(REFUSAL + head())
    return lines[0]


def summary(out: Path) -> dict[str, object]:
    document: dict[str, object] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return document


def test_prod_without_a_decision_record_refuses_in_one_line(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    out = tmp_path / "run"
    result = run_pipeline(
        "prod", "--decision", str(tmp_path / "missing.json"), "--pubkey", str(keys[1]), "--out", str(out)
    )
    line = assert_one_line_refusal(result)
    assert "decision record file not found" in line
    assert summary(out)["result"] == "refused"


def test_prod_refuses_a_passing_record_made_for_another_commit(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    record = passing_record(keys[0], "0" * 40, tmp_path / "decision.json")
    result = run_pipeline("prod", "--decision", str(record), "--pubkey", str(keys[1]), "--out", str(tmp_path / "run"))
    assert "wrong commit" in assert_one_line_refusal(result)


def test_prod_refuses_a_record_signed_by_another_key(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    write_keypair(other_private, other_public)
    record = passing_record(other_private, head(), tmp_path / "decision.json")
    result = run_pipeline("prod", "--decision", str(record), "--pubkey", str(keys[1]), "--out", str(tmp_path / "run"))
    assert "signature invalid" in assert_one_line_refusal(result)


def test_prod_refuses_a_passing_record_without_its_attestation(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    record = passing_record(keys[0], head(), tmp_path / "decision.json")
    out = tmp_path / "run"
    result = run_pipeline("prod", "--decision", str(record), "--pubkey", str(keys[1]), "--out", str(out))
    line = assert_one_line_refusal(result)
    assert "prod requires the signed attestation" in line
    stages = {stage["name"]: stage["status"] for stage in summary(out)["stages"]}  # type: ignore[attr-defined]
    assert stages["verify"] == "failed" and stages["converge"] == "skipped"


def test_prod_verifies_record_and_attestation_before_it_would_deploy(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    record = passing_record(keys[0], head(), tmp_path / "decision.json")
    attestation = passing_attestation(keys[0], head(), tmp_path / "attestation.json")
    out = tmp_path / "run"
    args = ["--decision", str(record), "--attestation", str(attestation), "--pubkey", str(keys[1])]
    result = run_pipeline("prod", *args, "--out", str(out), "--stop-after", "verify")
    assert result.returncode == 0, result.stderr
    [verify] = [stage for stage in summary(out)["stages"] if stage["name"] == "verify"]  # type: ignore[attr-defined]
    assert verify["status"] == "ok"
    assert "decision record valid" in verify["detail"] and "attestation valid" in verify["detail"]


def test_prod_refuses_an_attestation_signed_by_another_key(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    write_keypair(other_private, other_public)
    record = passing_record(keys[0], head(), tmp_path / "decision.json")
    attestation = passing_attestation(other_private, head(), tmp_path / "attestation.json")
    args = ["--decision", str(record), "--attestation", str(attestation), "--pubkey", str(keys[1])]
    result = run_pipeline("prod", *args, "--out", str(tmp_path / "run"), "--stop-after", "verify")
    assert "no signature by the given key" in assert_one_line_refusal(result)


@pytest.mark.slow
def test_prod_refuses_when_the_gate_blocks_and_never_converges(tmp_path: Path, sqli_app: Path) -> None:
    out = tmp_path / "run"
    key, pub = tmp_path / "gate.key", tmp_path / "gate.pub"
    result = run_pipeline(
        "prod", "--target", str(sqli_app), "--sign-key", str(key), "--pubkey", str(pub), "--out", str(out)
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("pipeline: refusing to deploy to prod: no signed passing decision for commit ")
    stages = {stage["name"]: stage["status"] for stage in summary(out)["stages"]}  # type: ignore[attr-defined]
    assert stages["scan"] == "failed"
    assert stages["converge"] == "skipped" and stages["testinfra"] == "skipped"
    assert stages["record"] == "ok"  # the summary names its own stage, even for a refused run


@pytest.mark.infra
@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("HARDGATE_PIPELINE_E2E") != "1",
    reason="end to end converge: run after make test-infra with HARDGATE_PIPELINE_E2E=1",
)
def test_dev_pipeline_runs_every_stage_end_to_end_on_this_machine(tmp_path: Path) -> None:
    out = tmp_path / "run"
    key, pub = tmp_path / "gate.key", tmp_path / "gate.pub"
    # make test has just run all of tests/infra on this host: the stage runs one suite of it here.
    suite = REPO / "tests" / "infra" / "test_postgresql_baseline.py"
    result = run_pipeline(
        "dev", "--sign-key", str(key), "--pubkey", str(pub), "--out", str(out), "--testinfra-suite", str(suite)
    )
    document = summary(out)
    assert result.returncode == 0, result.stderr + json.dumps(document, indent=2)
    assert document["result"] == "pass"
    stages = [(stage["name"], stage["status"]) for stage in document["stages"]]  # type: ignore[attr-defined]
    assert stages == [(name, "ok") for name in ("scan", "sign", "verify", "converge", "testinfra", "record")]
    assert (out / "junit-infra.xml").exists() and (out / "decision.json").exists()
    assert (out / "attestation.json").exists()
    assert "test_postgresql_baseline.py" in (out / "testinfra.log").read_text(encoding="utf-8")
