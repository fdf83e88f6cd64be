"""Fail closed: a scanner that is missing, crashes, hangs or prints garbage is `failed`, never a pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.engine import ScanRequest, run_scan
from gate.policy import load_policy
from gate.report import Verdict
from gate.scanners.bandit import BanditScanner
from gate.scanners.base import ScanStatus
from gate.scanners.pip_audit import PipAuditScanner
from gate.scanners.semgrep import SemgrepScanner


def scan(root: Path, environment: str = "prod", timeout_s: float = 120.0, policy_path: Path | None = None):  # type: ignore[no-untyped-def]
    return run_scan(
        ScanRequest(
            root=root,
            environment=environment,
            policy=load_policy(policy_path),
            timeout_s=timeout_s,
            scanners=[BanditScanner()],
        )
    )


def test_missing_scanner_fails_closed(sqli_app: Path, path_without) -> None:  # type: ignore[no-untyped-def]
    path_without("bandit")
    report = scan(sqli_app)
    assert report.verdict is Verdict.ERROR
    assert report.scanners[0].status is ScanStatus.FAILED
    assert "bandit not found on PATH" in report.scanners[0].reason


def test_crashing_scanner_fails_closed(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin("bandit", 'echo "Traceback (most recent call last): boom" >&2; exit 2')
    report = scan(sqli_app)
    assert report.verdict is Verdict.ERROR
    assert "exit 2" in report.scanners[0].reason


def test_hanging_scanner_times_out_and_fails_closed(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin("bandit", "sleep 60")
    report = scan(sqli_app, timeout_s=1)
    assert report.verdict is Verdict.ERROR
    assert "timed out after 1s" in report.scanners[0].reason


def test_garbage_output_fails_closed(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin("bandit", 'echo "this is not json {"; exit 0')
    report = scan(sqli_app)
    assert report.verdict is Verdict.ERROR
    assert "not bandit JSON" in report.scanners[0].reason


def test_bandit_parse_errors_fail_even_with_exit_zero(sqli_app: Path) -> None:
    (sqli_app / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    report = scan(sqli_app)
    assert report.scanners[0].status is ScanStatus.FAILED
    assert "broken.py" in report.scanners[0].reason


def test_semgrep_errors_array_fails_the_scan(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin(
        "semgrep",
        """echo '{"version": "1.0", "results": [], "errors": [{"type": "Timeout", "level": "error",'\
' "message": "rule timed out", "path": "db.py"}]}'; exit 0""",
    )
    report = run_scan(ScanRequest(root=sqli_app, environment="prod", policy=load_policy(), scanners=[SemgrepScanner()]))
    assert report.verdict is Verdict.ERROR
    assert "Timeout" in report.scanners[0].reason


def test_pip_audit_without_a_reachable_service_fails_closed(sqli_app: Path) -> None:
    (sqli_app / "requirements.txt").write_text("jinja2==2.10\n", encoding="utf-8")
    # A loopback port nobody listens on: pip-audit cannot reach its vulnerability service.
    report = run_scan(
        ScanRequest(
            root=sqli_app,
            environment="prod",
            policy=load_policy(),
            osv_url="http://127.0.0.1:9/v1/query",
            scanners=[PipAuditScanner()],
        )
    )
    assert report.verdict is Verdict.ERROR
    assert report.scanners[0].status is ScanStatus.FAILED
    assert "Connection refused" in report.scanners[0].reason


def test_dev_can_warn_instead_of_failing(sqli_app: Path, fake_bin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake_bin("bandit", "exit 2")
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nenvironments:\n  dev:\n    fail_on_scanner_error: false\n", encoding="utf-8")
    report = scan(sqli_app, environment="dev", policy_path=policy)
    assert report.verdict is Verdict.PASS
    assert any("warns instead of failing" in w for w in report.warnings)


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_staging_and_prod_always_fail_closed(sqli_app: Path, fake_bin, environment: str) -> None:  # type: ignore[no-untyped-def]
    fake_bin("bandit", "exit 2")
    assert scan(sqli_app, environment=environment).verdict is Verdict.ERROR
