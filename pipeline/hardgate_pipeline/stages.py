"""The stages, in order. Each takes the RunConfig and returns a StageResult; none prints or exits."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardgate_pipeline.commands import run
from hardgate_pipeline.model import RunConfig, StageResult, Status

Stage = Callable[[RunConfig], StageResult]

SCAN_VERDICTS = {0: "pass", 1: "blocked by policy", 2: "usage or configuration error", 3: "a scanner failed"}
REPORTS = (("json", "report.json"), ("markdown", "report.md"), ("junit", "junit-gate.xml"), ("sarif", "report.sarif"))


def scan_argv(cfg: RunConfig, key: Path) -> list[str]:
    """The gate for the pipeline's environment; it writes the decision record and signs it in the same run."""
    argv = [cfg.tool("hardgate"), "scan", str(cfg.target), "--env", cfg.env]
    if cfg.policy:
        argv += ["--policy", str(cfg.policy)]
    if cfg.waivers:
        argv += ["--waivers", str(cfg.waivers)]
    if cfg.advisories:
        argv += ["--advisories", cfg.advisories]
    for fmt, name in REPORTS:
        argv += ["--format", fmt, "--output", str(cfg.out_dir / name)]
    argv += ["--format", "text", "--output", str(cfg.out_dir / "report.txt")]
    argv += ["--record", str(cfg.record_path), "--attestation", str(cfg.attestation_path), "--sign-key", str(key)]
    if cfg.env == "prod":
        argv.append("--no-cache")  # the record that lets prod deploy comes from a fresh scan
    return argv


def ensure_keys(cfg: RunConfig) -> str:
    """Use the given key pair, or create a local one on first use (outside the repository)."""
    if cfg.sign_key.exists() and cfg.pubkey.exists():
        return f"key pair {cfg.sign_key.parent}"
    cfg.sign_key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    outcome = run(
        [cfg.tool("hardgate"), "keygen", "--private-key", str(cfg.sign_key), "--public-key", str(cfg.pubkey)],
        cwd=cfg.repo,
    )
    if outcome.exit_code != 0:
        raise RuntimeError(f"keygen: {outcome.last_line()}")
    return f"new local key pair {cfg.sign_key.parent}"


def scan(cfg: RunConfig) -> StageResult:
    if cfg.decision is not None:
        return StageResult("scan", Status.SKIPPED, f"decision record given: {cfg.decision}")
    try:
        keys = ensure_keys(cfg)
    except RuntimeError as exc:
        return StageResult("scan", Status.FAILED, str(exc))
    outcome = run(scan_argv(cfg, cfg.sign_key), cwd=cfg.repo, log=cfg.out_dir / "scan.log")
    headline = _headline(cfg.out_dir / "report.json") or outcome.last_line()
    artifacts = tuple(name for _, name in REPORTS)
    if outcome.exit_code == 0:
        return StageResult("scan", Status.OK, f"{headline}; {keys}", artifacts=artifacts)
    meaning = SCAN_VERDICTS.get(outcome.exit_code, f"exit code {outcome.exit_code}")
    return StageResult("scan", Status.FAILED, f"{meaning}: {headline}", artifacts=artifacts)


def sign(cfg: RunConfig) -> StageResult:
    """Check what the gate signed: a record exists, carries a signature, and names the commit and verdict."""
    if cfg.decision is not None:
        return StageResult("sign", Status.SKIPPED, "decision record given; signed elsewhere")
    try:
        record = json.loads(cfg.record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return StageResult("sign", Status.FAILED, f"no readable decision record at {cfg.record_path}: {exc}")
    signature = record.get("signature") or {}
    if not signature.get("value"):
        return StageResult("sign", Status.FAILED, "the decision record is not signed")
    git = record.get("git") or {}
    detail = (
        f"record {cfg.record_path.name}: verdict {record.get('verdict')}, commit {str(git.get('commit'))[:12]} "
        f"({git.get('tree_state')} tree), key {signature.get('public_key_fingerprint', '')[:19]}…"
    )
    if not cfg.attestation_path.is_file():
        return StageResult("sign", Status.FAILED, f"no attestation at {cfg.attestation_path}")
    return StageResult("sign", Status.OK, detail, artifacts=(cfg.record_path.name, cfg.attestation_path.name))


def verify(cfg: RunConfig) -> StageResult:
    """The deploy guard: the record (and in prod the in-toto attestation) must be a signed pass for this commit
    and environment."""
    commit = head_commit(cfg.target)
    if commit is None:
        return StageResult("verify", Status.FAILED, f"{cfg.target} is not in a git repository; nothing to vouch for")
    documents = [cfg.record_path, cfg.attestation_path] if cfg.requires_attestation else [cfg.record_path]
    lines = []
    for document in documents:
        if document == cfg.attestation_path and not document.is_file():
            missing = f"{cfg.env} requires the signed attestation (scan --attestation); none at {document}"
            return StageResult("verify", Status.FAILED, missing)
        argv = [cfg.tool("hardgate"), "verify-decision", str(document), "--pubkey", str(cfg.pubkey)]
        argv += ["--env", cfg.env, "--commit", commit, "--max-age", cfg.max_age]
        if cfg.allow_dirty:
            argv.append("--allow-dirty")
        outcome = run(argv, cwd=cfg.repo, log=cfg.out_dir / _verify_log(cfg, document))
        line = outcome.last_line(prefer_stderr=outcome.exit_code != 0).removeprefix("hardgate: error: ")
        if outcome.exit_code != 0:
            return StageResult("verify", Status.FAILED, line)
        lines.append(line)
    return StageResult("verify", Status.OK, "; ".join(lines))


def _verify_log(cfg: RunConfig, document: Path) -> str:
    return "verify.log" if document == cfg.record_path else "verify-attestation.log"


def converge(cfg: RunConfig) -> StageResult:
    """`make harden-local` (the Makefile's converge of inventories/local), or playbooks/site.yml on --inventory
    with -e env=ENV and the vault id ENV: the env guard refuses an inventory of another environment."""
    if cfg.inventory is None:
        argv = ["make", "--no-print-directory", "harden-local"]
    else:
        argv = [cfg.tool("ansible-playbook"), "-i", str(cfg.inventory), "playbooks/site.yml", "-e", f"env={cfg.env}"]
        argv += ["--vault-id", f"{cfg.env}@{cfg.vault_password_file}"]
    outcome = run(argv, cwd=cfg.repo, log=cfg.out_dir / "converge.log")
    recap = _play_recap(outcome.stdout)
    if outcome.exit_code == 0:
        return StageResult("converge", Status.OK, recap or "converged", artifacts=("converge.log",))
    reason = _ansible_failure(outcome.stdout) or outcome.last_line()
    return StageResult("converge", Status.FAILED, reason, artifacts=("converge.log",))


def testinfra(cfg: RunConfig) -> StageResult:
    """tests/infra through testinfra's ansible backend on the local inventory; JUnit next to the other reports.
    Another --inventory gets the host-side PostgreSQL baseline (its clients live in other networks)."""
    default = ["tests/infra"] if cfg.inventory is None else ["tests/infra/test_postgresql_baseline.py"]
    suites = list(cfg.testinfra_suites) or default
    hosts_file = cfg.inventory / "hosts.yml" if cfg.inventory else Path("inventories/local/hosts.yml")
    argv = [cfg.tool("pytest"), *suites, "-q", "-p", "no:cacheprovider", "--hosts=ansible://all"]
    argv += [f"--ansible-inventory={hosts_file}", f"--junitxml={cfg.out_dir / 'junit-infra.xml'}"]
    outcome = run(argv, cwd=cfg.repo, log=cfg.out_dir / "testinfra.log")
    status = Status.OK if outcome.exit_code == 0 else Status.FAILED
    detail = outcome.last_line(prefer_stderr=False)
    failed = [line.strip() for line in outcome.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    if failed:
        detail += f"; first: {failed[0][:200]}"
    return StageResult("testinfra", status, detail, artifacts=("junit-infra.xml",))


def head_commit(path: Path) -> str | None:
    folder = path if path.is_dir() else path.parent
    outcome = run(["git", "rev-parse", "HEAD"], cwd=folder)
    return outcome.stdout.strip() if outcome.exit_code == 0 else None


def _headline(report: Path) -> str | None:
    try:
        document: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    headline = document.get("headline")
    return str(headline) if headline else None


def _play_recap(stdout: str) -> str:
    hosts = [line.strip() for line in stdout.splitlines() if " : ok=" in line]
    return "; ".join(" ".join(line.split()) for line in hosts)


def _ansible_failure(stdout: str) -> str | None:
    for line in stdout.splitlines():
        if line.startswith(("fatal:", "ERROR!")) or "FAILED!" in line:
            return line.strip()[:300]
    return None


ORDER: tuple[tuple[str, Stage], ...] = (
    ("scan", scan),
    ("sign", sign),
    ("verify", verify),
    ("converge", converge),
    ("testinfra", testinfra),
)
