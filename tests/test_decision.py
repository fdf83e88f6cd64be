"""Decision records: build, sign, verify (and each way verification fails), and key handling."""

from __future__ import annotations

import datetime as dt
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gate.decision import (
    PartialScan,
    RecordTooOld,
    SignatureInvalid,
    VerdictNotPass,
    WrongCommit,
    WrongEnvironment,
    build_record,
    canonical_json,
    decision_for_scan,
    git_state,
    load_private_key,
    load_public_key,
    load_record,
    parse_duration,
    sign_record,
    verify_record,
    write_keypair,
    write_record,
)
from gate.errors import ConfigError, UsageError
from gate.findings import Finding, FindingState, ScanResult, ScanStatus, Severity
from gate.report import Report, Verdict

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
COMMIT = "0123456789abcdef0123456789abcdef01234567"
DAY = dt.timedelta(hours=24)


def report(verdict: Verdict = Verdict.PASS, environment: str = "prod") -> Report:
    waived = Finding("bandit", "B608", "SQL", "sql", Severity.HIGH, state=FindingState.WAIVED, waiver_id="W-1")
    return Report(
        target="app",
        environment=environment,
        verdict=verdict,
        reasons=() if verdict is Verdict.PASS else ("1 finding(s) at or above medium",),
        scanners=(ScanResult("bandit", ScanStatus.OK, tool_version="bandit 1.7.9", duration_s=0.25),),
        findings=(waived,),
        hardgate_version="0.1.0",
    )


def record(verdict: Verdict = Verdict.PASS, tree: str = "clean", when: dt.datetime = NOW) -> dict[str, object]:
    return build_record(
        report(verdict),
        policy_digest="sha256:p",
        waivers_digest="sha256:w",
        baseline_digest=None,
        target_digest="sha256:t",
        commit=COMMIT,
        tree_state=tree,
        now=when,
    )


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def verify(signed: dict[str, object], key: Ed25519PrivateKey, **overrides: object) -> None:
    arguments: dict[str, object] = {"environment": "prod", "commit": COMMIT, "max_age": DAY, "now": NOW}
    arguments.update(overrides)
    verify_record(signed, key.public_key(), **arguments)


def test_record_carries_verdict_digests_git_and_scanners() -> None:
    built = record()
    assert built["verdict"] == "pass"
    assert built["exit_code"] == 0
    assert built["environment"] == "prod"
    assert built["git"] == {"commit": COMMIT, "tree_state": "clean"}
    assert built["digests"] == {"target": "sha256:t", "policy": "sha256:p", "waivers": "sha256:w", "baseline": None}
    assert built["scanners"] == [
        {"tool": "bandit", "status": "ok", "version": "bandit 1.7.9", "reason": "", "cached": False}
    ]
    assert built["summary"]["waived"] == 1  # type: ignore[index]
    assert built["created_at"] == "2026-06-01T12:00:00+00:00"


def test_canonical_json_ignores_key_order() -> None:
    assert canonical_json({"b": 1, "a": [1, "é"]}) == canonical_json({"a": [1, "é"], "b": 1})


def test_signed_passing_record_verifies(key: Ed25519PrivateKey) -> None:
    verify(sign_record(record(), key), key)


def test_record_edited_after_signing_fails_signature(key: Ed25519PrivateKey) -> None:
    signed = sign_record(record(Verdict.BLOCK), key)
    signed["verdict"] = "pass"
    with pytest.raises(SignatureInvalid, match="modified after it was signed"):
        verify(signed, key)


def test_record_signed_by_another_key_fails_signature(key: Ed25519PrivateKey) -> None:
    signed = sign_record(record(), Ed25519PrivateKey.generate())
    with pytest.raises(SignatureInvalid, match="not by the given key"):
        verify(signed, key)


def test_unsigned_record_fails_signature(key: Ed25519PrivateKey) -> None:
    with pytest.raises(SignatureInvalid, match="not signed"):
        verify(record(), key)


def test_record_for_staging_does_not_let_prod_deploy(key: Ed25519PrivateKey) -> None:
    with pytest.raises(WrongEnvironment, match="record is for 'prod', the deploy is to 'staging'"):
        verify(sign_record(record(), key), key, environment="staging")


def test_record_for_another_commit_fails(key: Ed25519PrivateKey) -> None:
    with pytest.raises(WrongCommit, match="wrong commit: the record is for 0123"):
        verify(sign_record(record(), key), key, commit="f" * 40)


def test_record_from_dirty_tree_fails_unless_allowed(key: Ed25519PrivateKey) -> None:
    signed = sign_record(record(tree="dirty"), key)
    with pytest.raises(WrongCommit, match="dirty work tree"):
        verify(signed, key)
    verify(signed, key, allow_dirty=True)


def test_record_older_than_max_age_fails(key: Ed25519PrivateKey) -> None:
    signed = sign_record(record(when=NOW - dt.timedelta(hours=25)), key)
    with pytest.raises(RecordTooOld, match="too old: made 25h ago"):
        verify(signed, key)


def test_record_from_the_future_fails(key: Ed25519PrivateKey) -> None:
    signed = sign_record(record(when=NOW + dt.timedelta(hours=1)), key)
    with pytest.raises(RecordTooOld, match="in the future"):
        verify(signed, key)


def test_blocked_verdict_fails_even_when_validly_signed(key: Ed25519PrivateKey) -> None:
    with pytest.raises(VerdictNotPass, match="verdict not pass: the gate said 'block'"):
        verify(sign_record(record(Verdict.BLOCK), key), key)


def test_record_from_a_diff_aware_scan_fails_unless_partial_is_allowed(key: Ed25519PrivateKey) -> None:
    partial = build_record(
        report(),
        policy_digest="sha256:p",
        waivers_digest=None,
        baseline_digest=None,
        target_digest="sha256:t",
        commit=COMMIT,
        tree_state="clean",
        now=NOW,
        changed_since="origin/main",
    )
    assert partial["scope"] == {"full": False, "changed_since": "origin/main"}
    signed = sign_record(partial, key)
    with pytest.raises(PartialScan, match="partial scan: the record covers only files changed since 'origin/main'"):
        verify(signed, key)
    verify(signed, key, allow_partial=True)


def test_keygen_writes_private_key_0600_and_refuses_to_overwrite(tmp_path: Path) -> None:
    private, public = tmp_path / "gate.key", tmp_path / "gate.pub"
    fingerprint = write_keypair(private, public)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert fingerprint.startswith("sha256:")
    signing_key = load_private_key(private)
    assert signing_key is not None
    verify(sign_record(record(), signing_key), signing_key)
    load_public_key(public).verify(signing_key.sign(b"x"), b"x")
    before = private.read_bytes()
    with pytest.raises(UsageError, match="refusing to overwrite"):
        write_keypair(private, tmp_path / "other.pub")
    assert private.read_bytes() == before
    assert not (tmp_path / "other.pub").exists()


def test_signing_key_from_environment_holds_pem_text(tmp_path: Path) -> None:
    write_keypair(tmp_path / "k", tmp_path / "k.pub")
    pem = (tmp_path / "k").read_text()
    assert load_private_key(None, {"HARDGATE_SIGNING_KEY": pem}) is not None
    assert load_private_key(None, {}) is None


def test_bad_signing_key_environment_never_echoes_the_value() -> None:
    secret = "not-a-key-but-maybe-a-secret-1234"
    with pytest.raises(ConfigError) as caught:
        load_private_key(None, {"HARDGATE_SIGNING_KEY": secret})
    assert secret not in str(caught.value)
    garbled = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldA==\n-----END PRIVATE KEY-----\n"
    with pytest.raises(ConfigError) as caught:
        load_private_key(None, {"HARDGATE_SIGNING_KEY": garbled})
    assert "c2VjcmV0" not in str(caught.value)


def test_public_key_file_is_not_a_signing_key(tmp_path: Path) -> None:
    write_keypair(tmp_path / "k", tmp_path / "k.pub")
    with pytest.raises(ConfigError, match="not a PEM private key"):
        load_private_key(tmp_path / "k.pub")


@pytest.mark.parametrize(("text", "seconds"), [("24h", 86400), ("30m", 1800), ("7d", 604800), ("90s", 90)])
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_bad_duration_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="invalid duration"):
        parse_duration("soon")


def test_decision_for_scan_records_the_repo_commit_and_signs(
    tmp_path: Path, key: Ed25519PrivateKey, commit_all: Callable[[Path], str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("x = 1\n")
    sha = commit_all(repo)
    state = git_state(repo)
    signed = decision_for_scan(
        report(),
        git=state,
        policy_digest="sha256:p",
        waivers_digest=None,
        baseline_digest=None,
        target_digest="sha256:t",
        signing_key=key,
        now=NOW,
    )
    write_record(signed, repo / "decision.json")  # written after the state was captured: still "clean"
    loaded = load_record(repo / "decision.json")
    assert loaded["git"] == {"commit": sha, "tree_state": "clean"}
    verify_record(loaded, key.public_key(), environment="prod", commit=sha, max_age=DAY, now=NOW)


# --- CLI ----------------------------------------------------------------------------------------------


def hardgate(*args: str) -> Result:
    from gate.cli import main

    return CliRunner().invoke(main, list(args))


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "gate.key", tmp_path / "gate.pub"
    done = hardgate("keygen", "--private-key", str(private), "--public-key", str(public))
    assert done.exit_code == 0, done.stderr
    return private, public


def signed_file(tmp_path: Path, private: Path, verdict: Verdict = Verdict.PASS, age: dt.timedelta = DAY / 24) -> Path:
    signing_key = load_private_key(private)
    assert signing_key is not None
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(sign_record(record(verdict, when=dt.datetime.now(dt.UTC) - age), signing_key)))
    return path


def test_cli_keygen_refuses_to_overwrite_and_never_prints_the_key(keys: tuple[Path, Path]) -> None:
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    done = hardgate("keygen", "--private-key", str(private), "--public-key", str(public) + ".new")
    assert done.exit_code == 2
    assert "refusing to overwrite" in done.stderr
    assert "PRIVATE KEY" not in done.stdout + done.stderr


def test_cli_verify_decision_accepts_a_fresh_signed_pass(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    path = signed_file(tmp_path, keys[0])
    done = hardgate("verify-decision", str(path), "--pubkey", str(keys[1]), "--env", "prod", "--commit", COMMIT)
    assert done.exit_code == 0, done.stderr
    assert "decision record valid" in done.stdout


def edit_verdict(path: Path) -> None:
    data = json.loads(path.read_text())
    data["verdict"] = "pass"
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("edited", "signature invalid: the record was modified after it was signed"),
        ("environment", "wrong environment: the record is for 'prod', the deploy is to 'staging'"),
        ("commit", "wrong commit: the record is for 0123"),
        ("old", "too old: made 2d ago"),
        ("blocked", "verdict not pass: the gate said 'block'"),
    ],
)
def test_cli_verify_decision_fails_with_a_distinct_message_per_case(
    tmp_path: Path, keys: tuple[Path, Path], case: str, expected: str
) -> None:
    verdict = Verdict.BLOCK if case in ("edited", "blocked") else Verdict.PASS
    path = signed_file(tmp_path, keys[0], verdict, age=dt.timedelta(days=2) if case == "old" else DAY / 24)
    if case == "edited":
        edit_verdict(path)
    args = ["verify-decision", str(path), "--pubkey", str(keys[1]), "--env", "prod", "--commit", COMMIT]
    if case == "environment":
        args[args.index("prod")] = "staging"
    if case == "commit":
        args[-1] = "f" * 40
    done = hardgate(*args)
    assert done.exit_code == 1
    assert done.stderr.strip().splitlines()[0].startswith(f"hardgate: error: {expected}")


@pytest.mark.parametrize(
    ("record_bytes", "pubkey_bytes", "expected"),
    [
        (None, b"", "decision record file not found"),
        (b"{not json", b"", "decision record file is not JSON"),
        (b"\xff\xfe{}", b"", "decision record file is not UTF-8 text"),
        (b"[]", b"", "decision record is not a JSON object"),
        (b"{}", None, "public key file not found"),
        (b"{}", b"not pem", "not a PEM public key"),
    ],
)
def test_cli_verify_decision_unreadable_file_exits_2_in_one_line(
    tmp_path: Path, keys: tuple[Path, Path], record_bytes: bytes | None, pubkey_bytes: bytes | None, expected: str
) -> None:
    record_path, pubkey = tmp_path / "decision.json", keys[1]
    if record_bytes is not None:
        record_path.write_bytes(record_bytes)
    if pubkey_bytes is None:
        pubkey.unlink()
    elif pubkey_bytes:
        pubkey.write_bytes(pubkey_bytes)
    done = hardgate("verify-decision", str(record_path), "--pubkey", str(pubkey), "--env", "prod", "--commit", COMMIT)
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [done.stderr.splitlines()[0]]
    assert expected in done.stderr and "Traceback" not in done.stderr


def test_cli_verify_decision_refuses_a_folder_as_the_record(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    done = hardgate("verify-decision", str(tmp_path), "--pubkey", str(keys[1]), "--env", "prod", "--commit", COMMIT)
    assert done.exit_code == 2
    assert done.stderr.strip() == f"hardgate: error: {tmp_path}: decision record file is not a regular file"


def test_scan_with_a_missing_signing_key_file_exits_2(tmp_path: Path, sqli_app: Path) -> None:
    record = tmp_path / "decision.json"
    done = hardgate("scan", str(sqli_app), "--record", str(record), "--sign-key", str(tmp_path / "gone.key"))
    assert done.exit_code == 2
    assert done.stderr.strip() == f"hardgate: error: {tmp_path / 'gone.key'}: signing key file not found"


def test_cli_verify_decision_bad_max_age_exits_2(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    path = signed_file(tmp_path, keys[0])
    done = hardgate(
        "verify-decision", str(path), "--pubkey", str(keys[1]), "--env", "prod", "--commit", COMMIT, "--max-age", "soon"
    )
    assert done.exit_code == 2
    assert "invalid duration" in done.stderr


# --- through `hardgate scan --record --sign-key` ------------------------------------------------


def test_sign_key_without_record_path_exits_2(tmp_path: Path, keys: tuple[Path, Path], sqli_app: Path) -> None:
    done = hardgate("scan", str(sqli_app), "--sign-key", str(keys[0]))
    assert done.exit_code == 2
    assert "--record" in done.stderr


# --- end to end through `hardgate scan` ---


def test_signed_record_from_a_clean_scan_verifies_for_its_commit(
    tmp_path: Path, keys: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, commit_all: Callable[[Path], str]
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "health.py").write_text("def ok() -> bool:\n    return True\n")
    (app / ".gitignore").write_text("decision.json\n")
    sha = commit_all(app)
    monkeypatch.setenv("HARDGATE_SIGNING_KEY", keys[0].read_text())
    record = app / "decision.json"
    done = hardgate("scan", str(app), "--env", "prod", "--no-cache", "--record", str(record))
    assert done.exit_code == 0, done.stderr
    assert "PRIVATE KEY" not in done.stdout + done.stderr
    verified = hardgate("verify-decision", str(record), "--pubkey", str(keys[1]), "--env", "prod", "--commit", sha)
    assert verified.exit_code == 0, verified.stderr
    wrong_env = hardgate("verify-decision", str(record), "--pubkey", str(keys[1]), "--env", "staging", "--commit", sha)
    assert wrong_env.exit_code == 1
