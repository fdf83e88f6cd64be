"""The engine on hostile targets: nothing hangs, nothing too large is read, and "nothing was checked" fails closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from gate.engine import NOT_SCANNED_RULE, ScanRequest, run_scan, watchdog_bound
from gate.findings import ScanResult, ScanStatus, ScanTarget
from gate.policy import load_policy
from gate.report import Verdict
from gate.scanners.bandit import BanditScanner
from gate.scanners.base import ScanConfig, Scanner
from gate.scanners.capabilities import CacheMode, CachePolicy, Capabilities, Reads
from gate.scanners.semgrep import SemgrepScanner

HARDGATE = Path(sys.executable).parent / "hardgate"


def hardgate(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HARDGATE), *args], capture_output=True, text=True, check=False, timeout=timeout, env=env)


def test_a_fifo_named_b_py_does_not_block_the_gate(sqli_app: Path) -> None:
    os.mkfifo(sqli_app / "b.py")
    # Before: both scanners blocked opening the FIFO, timed out, then the gate blocked reading it forever.
    done = hardgate("scan", str(sqli_app), "--no-cache", "--format", "json", "--timeout", "60", timeout=240)
    report = json.loads(done.stdout)
    assert {s["tool"]: s["status"] for s in report["scanners"]}["bandit"] == "ok"
    not_scanned = [f for f in report["findings"] if f["rule_id"] == NOT_SCANNED_RULE]
    assert [f["location"]["path"] for f in not_scanned] == ["b.py"]
    assert "not a regular file" in not_scanned[0]["message"]


def test_a_file_over_the_size_cap_is_a_blocking_finding_and_reaches_no_scanner(sqli_app: Path) -> None:
    generated = sqli_app / "generated.py"
    generated.write_text('import subprocess\nsubprocess.call("ls " + NAME, shell=True)\n' + "x = 1\n" * 500)
    report = run_scan(
        ScanRequest(
            root=sqli_app,
            environment="prod",
            policy=load_policy(),
            scanners=[BanditScanner(), SemgrepScanner()],
            max_file_bytes=2_000,
        )
    )
    assert all(s.status is ScanStatus.OK for s in report.scanners)
    by_path = {(f.rule_id, f.location.path if f.location else "") for f in report.findings}
    assert (NOT_SCANNED_RULE, "generated.py") in by_path
    assert not [f for f in report.findings if f.tool != "hardgate" and f.location and f.location.path == "generated.py"]
    not_scanned = next(f for f in report.findings if f.rule_id == NOT_SCANNED_RULE)
    assert not_scanned.blocking and "too large" in not_scanned.message
    assert report.verdict is Verdict.BLOCK


def test_the_size_cap_is_read_from_the_environment(sqli_app: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HARDGATE_MAX_FILE_BYTES", "10")
    report = run_scan(ScanRequest(root=sqli_app, environment="prod", policy=load_policy(), scanners=[BanditScanner()]))
    assert report.verdict is Verdict.ERROR  # db.py is over 10 bytes: nothing was left to check
    assert any(f.rule_id == NOT_SCANNED_RULE and f.location and f.location.path == "db.py" for f in report.findings)


def test_an_empty_target_fails_closed_with_a_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.md").write_text("nothing to scan\n", encoding="utf-8")
    done = hardgate("scan", str(empty), "--no-cache", "--format", "json")
    assert done.returncode == 3
    report = json.loads(done.stdout)
    assert report["verdict"] == "error"
    assert any("nothing was checked" in reason for reason in report["reasons"])


def test_a_policy_that_excludes_everything_fails_closed(sqli_app: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "version: 1\nenvironments:\n"
        + "".join(f"  {env}:\n    exclude_paths: ['*.py']\n" for env in ("dev", "staging", "prod")),
        encoding="utf-8",
    )
    report = run_scan(ScanRequest(root=sqli_app, environment="prod", policy=load_policy(policy)))
    assert report.verdict is Verdict.ERROR
    assert any("exclude_paths" in reason and "nothing was checked" in reason for reason in report.reasons)


def test_a_diff_scan_with_no_changed_file_is_not_a_gap(sqli_app: Path) -> None:
    report = run_scan(ScanRequest(root=sqli_app, environment="prod", policy=load_policy(), only_files=()))
    assert report.verdict is Verdict.PASS


class StuckScanner(Scanner):
    """An adapter stuck in Python (not in a subprocess the timeout could kill)."""

    name = "stuck"
    capabilities = Capabilities(cache=CachePolicy(CacheMode.NEVER), reads=Reads.PYTHON)

    def __init__(self) -> None:
        self.release = threading.Event()

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        self.release.wait()
        return ScanResult(self.name, ScanStatus.OK)


def test_the_watchdog_bounds_the_whole_run(sqli_app: Path) -> None:
    stuck = StuckScanner()
    try:
        report = run_scan(
            ScanRequest(
                root=sqli_app,
                environment="prod",
                policy=load_policy(),
                scanners=[BanditScanner(), stuck],
                watchdog_s=20,
            )
        )
    finally:
        stuck.release.set()
    states = {s.tool: s for s in report.scanners}
    assert states["bandit"].status is ScanStatus.OK
    assert states["stuck"].status is ScanStatus.FAILED and "watchdog" in states["stuck"].reason
    assert report.verdict is Verdict.ERROR


def test_the_watchdog_bound_covers_every_scanner_run_and_probe() -> None:
    # Four scanners, three at a time: two waves of (timeout + two probes of at most 60 s) plus the grace.
    assert watchdog_bound(4, 3, 300) == 2 * (300 + 120) + 30
    assert watchdog_bound(4, 3, 5) == 2 * (5 + 10) + 30  # a probe never outlives --timeout


def test_scanners_are_found_beside_the_gates_interpreter_without_path(sqli_app: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HARDGATE_SCANNER_PATH"}
    env["PATH"] = "/usr/bin:/bin"  # no virtualenv on PATH: hardgate is called by its full path
    done = hardgate("scan", str(sqli_app), "--no-cache", "--format", "json", env=env)
    report = json.loads(done.stdout)
    states = {s["tool"]: (s["status"], s["reason"]) for s in report["scanners"]}
    assert states["bandit"][0] == "ok", states
    assert states["semgrep"][0] == "ok", states
    assert any("bandit" in f["sources"] for f in report["findings"])  # the fixture's SQL injection: bandit ran
