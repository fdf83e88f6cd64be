"""Fail closed: a scanner that is missing, crashes, hangs or prints garbage is `failed`, never a pass."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gate.engine import ScanRequest, run_scan
from gate.findings import ScanStatus
from gate.policy import load_policy
from gate.report import Verdict
from gate.scanners.bandit import BanditScanner
from gate.scanners.pip_audit import PipAuditScanner
from gate.scanners.semgrep import SemgrepScanner

VENV_BIN = Path(sys.executable).parent


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
    assert "bandit not found in $HARDGATE_SCANNER_PATH" in report.scanners[0].reason
    assert "pip install bandit" in report.scanners[0].reason  # the reason says how to fix it


@pytest.mark.parametrize(
    ("body", "timeout_s", "reason"),
    [
        ('echo "Traceback (most recent call last): boom" >&2; exit 2', 120.0, "exit 2"),
        ("sleep 60", 1.0, "timed out after 1s"),
        ('echo "this is not json {"; exit 0', 120.0, "not bandit JSON"),
    ],
    ids=["crashes", "hangs", "prints-garbage"],
)
def test_a_broken_scanner_fails_closed(sqli_app: Path, fake_bin, body: str, timeout_s: float, reason: str) -> None:  # type: ignore[no-untyped-def]
    fake_bin("bandit", body)
    report = scan(sqli_app, timeout_s=timeout_s)
    assert report.verdict is Verdict.ERROR
    assert report.scanners[0].status is ScanStatus.FAILED
    assert reason in report.scanners[0].reason


def test_a_scanner_that_cannot_be_started_fails_closed(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    tool = fake_bin("bandit", "")
    tool.write_text("#!/nonexistent/interpreter\n", encoding="utf-8")  # execve fails: an OSError, not an exit code
    report = scan(sqli_app)
    assert report.verdict is Verdict.ERROR
    assert report.scanners[0].status is ScanStatus.FAILED
    assert report.scanners[0].reason.startswith("could not start bandit:")


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


def _alive(pid: int) -> bool:
    """Whether pid is a live process (a zombie awaiting its reaper counts as gone).

    SIGKILL is delivered asynchronously: on a loaded machine a killed process can still be running
    for a moment after kill() returns, so a process is alive only if it is still there a while later.
    """
    deadline = time.monotonic() + 10
    while True:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return False
        if fields[0] == "Z" or time.monotonic() > deadline:
            return fields[0] != "Z"
        time.sleep(0.05)


def _pid(path: Path) -> int:
    return int(path.read_text(encoding="utf-8").split()[0])


def test_a_hanging_version_probe_honours_the_timeout_and_leaves_no_child(  # type: ignore[no-untyped-def]
    sqli_app: Path, fake_bin, tmp_path: Path
) -> None:
    pidfile = tmp_path / "probe-child.pid"
    fake_bin(
        "bandit",
        f'if [ "$1" = "--version" ]; then sleep 300 & echo $! > {pidfile}; wait; fi\nexec {VENV_BIN / "bandit"} "$@"',
    )
    report = scan(sqli_app, timeout_s=2)
    assert report.scanners[0].status is ScanStatus.OK  # the version is metadata; the scan itself ran
    assert report.scanners[0].tool_version == ""
    assert not _alive(_pid(pidfile)), "the probe's child survived the gate"


def test_a_timeout_kills_the_scanners_whole_process_group(sqli_app: Path, fake_bin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pidfile = tmp_path / "group.pid"
    fake_bin("bandit", f"sleep 300 & echo $$ $! > {pidfile}; wait")
    report = scan(sqli_app, timeout_s=1)
    assert "timed out after 1s" in report.scanners[0].reason
    leader, child = (int(p) for p in pidfile.read_text(encoding="utf-8").split())
    survivors = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _in_group(int(p.name), leader)]
    assert not survivors and not _alive(child)


def _in_group(pid: int, pgid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z" and int(fields[2]) == pgid


def test_children_a_scanner_leaves_behind_do_not_survive_it(sqli_app: Path, fake_bin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pidfile = tmp_path / "daemon.pid"
    fake_bin("bandit", f'sleep 300 >/dev/null 2>&1 & echo $! > {pidfile}\n"{VENV_BIN / "bandit"}" "$@"')
    report = scan(sqli_app)
    assert report.scanners[0].status is ScanStatus.OK
    assert not _alive(_pid(pidfile)), "a scanner's background child outlived the gate"


def test_bandit_output_without_metrics_for_a_given_file_fails_closed(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    (sqli_app / "other.py").write_text("x = 1\n", encoding="utf-8")
    fake_bin("bandit", """echo '{"results": [], "errors": [], "metrics": {"./db.py": {"loc": 5}, "_totals": {}}}'""")
    report = scan(sqli_app)
    assert report.verdict is Verdict.ERROR
    assert "have no results or metrics, e.g. other.py" in report.scanners[0].reason


def test_bandit_output_with_no_results_at_all_fails_closed(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin("bandit", """echo '{"results": [], "errors": []}'""")
    assert scan(sqli_app).verdict is Verdict.ERROR


def test_semgrep_output_missing_a_given_file_from_paths_scanned_fails_closed(sqli_app: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin("semgrep", """echo '{"version": "1.0", "results": [], "errors": [], "paths": {"scanned": []}}'""")
    report = run_scan(ScanRequest(root=sqli_app, environment="prod", policy=load_policy(), scanners=[SemgrepScanner()]))
    assert report.verdict is Verdict.ERROR
    assert "missing from paths.scanned, e.g. db.py" in report.scanners[0].reason


def test_a_terminated_gate_takes_its_scanners_with_it(sqli_app: Path, fake_bin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pidfile = tmp_path / "scanner.pid"
    fake_bin(
        "bandit", f'if [ "$1" = "--version" ]; then echo "bandit 0"; exit 0; fi\nsleep 300 & echo $! > {pidfile}; wait'
    )
    gate = subprocess.Popen(
        [str(VENV_BIN / "hardgate"), "scan", str(sqli_app), "--no-cache", "--timeout", "600", "--format", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        pause = threading.Event()
        for _ in range(1200):  # bandit starts within seconds; this only bounds the wait
            if pidfile.exists() and pidfile.read_text().strip():
                break
            pause.wait(0.1)
        child = _pid(pidfile)
        gate.send_signal(signal.SIGTERM)
        assert gate.wait(timeout=120) == 128 + signal.SIGTERM
    finally:
        gate.kill()
    assert not _alive(child), "a scanner outlived the terminated gate"
