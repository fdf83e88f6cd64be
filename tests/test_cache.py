"""The scan cache: exact round trips, what invalidates an entry, and that failures are never replayed."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from gate.cache import (
    CachingScanner,
    ScanCache,
    cache_key,
    default_cache_dir,
    result_from_dict,
    result_to_dict,
    with_cache,
)
from gate.engine import ScanRequest, run_scan
from gate.findings import Finding, FindingState, Location, ScanResult, ScanStatus, ScanTarget, Severity
from gate.policy import load_policy
from gate.report import Report
from gate.scanners.base import ScanConfig, Scanner
from gate.scanners.capabilities import CacheMode, CachePolicy, Capabilities, Reads
from gate.scanners.envcheck import EnvcheckScanner
from gate.scanners.registry import default_scanners
from gate.targets import discover

REPO = Path(__file__).resolve().parents[1]


def rich_finding() -> Finding:
    return Finding(
        tool="semgrep",
        rule_id="python.sql.fstring",
        title="SQL built with an f-string",
        message="use parameters",
        severity=Severity.CRITICAL,
        confidence="high",
        cwe=("CWE-89",),
        owasp=("A03:2021",),
        location=Location("app/db.py", 7, 8, 9, 60),
        snippet='cur.execute(f"...")',
        package=None,
        aliases=("X-1", "X-2"),
        fingerprint="v1:" + "c" * 64,
        sources=("bandit", "semgrep"),
        state=FindingState.WAIVED,
        waiver_id="W-001",
        waiver_justification="accepted for the migration window",
        blocking=True,
        help_uri="https://example.com/rule",
        extra=(("bandit_equivalent", "B608"), ("k", "v"), ("k", "v2")),
    )


def ok_result() -> ScanResult:
    dependency = Finding(
        "pip-audit", "PYSEC-1", "pyyaml", "rce", Severity.HIGH, package="pyyaml", version="5.3", fix_versions=("5.4",)
    )
    return ScanResult(
        "semgrep",
        ScanStatus.OK,
        findings=(rich_finding(), dependency),
        tool_version="1.80.0",
        duration_s=1.5,
        suppressed_inline=(rich_finding().replace(state=FindingState.OPEN),),
    )


class CountingScanner(Scanner):
    """A scanner that reads the files of one suffix and reports how often it really ran."""

    capabilities = Capabilities(cache=CachePolicy(CacheMode.WHOLE), reads=Reads.PYTHON)

    def __init__(self, name: str, suffix: str, status: ScanStatus = ScanStatus.OK) -> None:
        self.name = name
        self.suffix = suffix
        self.status = status
        self.runs = 0

    def inputs(self, target: ScanTarget) -> tuple[str, ...]:
        return tuple(f for f in target.files if f.endswith(self.suffix))

    def version(self) -> str:
        return f"{self.name} 1.0"

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        self.runs += 1
        finding = Finding(self.name, "R1", "t", "m", Severity.LOW, location=Location(f"x{self.suffix}", 1, 1))
        return ScanResult(self.name, self.status, findings=(finding,), tool_version=self.version())


class PerFileScanner(CountingScanner):
    """Reports one finding per `.py` file it is given, and remembers which files each run got."""

    capabilities = Capabilities(cache=CachePolicy(CacheMode.PER_FILE), reads=Reads.PYTHON)

    def __init__(self, stray_path: str | None = None) -> None:
        super().__init__("bandit", ".py")
        self.given: list[tuple[str, ...]] = []
        self.stray_path = stray_path

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        self.runs += 1
        self.given.append(target.python_files)
        findings = tuple(
            Finding("bandit", "B608", "t", (target.root / f).read_text(), Severity.HIGH, location=Location(f, 1, 1))
            for f in target.python_files
        )
        if self.stray_path:
            findings += (Finding("bandit", "B1", "t", "m", Severity.LOW, location=Location(self.stray_path, 1, 1)),)
        return ScanResult("bandit", ScanStatus.OK, findings=findings, tool_version="bandit 1.0")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("x = 1\n")
    (root / "requirements.txt").write_text("pyyaml==5.3\n")
    return root


def run_twice(scanner: CountingScanner, cache: ScanCache, root: Path) -> tuple[ScanResult, ScanResult]:
    config = ScanConfig(rules_dir=root / "no-rules")
    wrapped = CachingScanner(scanner, cache)
    first = wrapped.run(discover(root, []), config)
    second = wrapped.run(discover(root, []), config)
    return first, second


def test_result_round_trips_exactly_through_json() -> None:
    result = ok_result()
    assert result_from_dict(json.loads(json.dumps(result_to_dict(result)))) == result


def test_put_then_get_returns_the_same_findings_marked_cached(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path / "cache")
    assert cache.put("k" * 64, ok_result())
    hit = cache.get("k" * 64)
    assert hit is not None
    assert hit.cached
    assert hit.findings == ok_result().findings
    assert hit.suppressed_inline == ok_result().suppressed_inline


def test_failed_result_is_never_cached(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path / "cache")
    assert not cache.put("f" * 64, ScanResult("bandit", ScanStatus.FAILED, reason="crashed"))
    assert cache.get("f" * 64) is None


def test_failed_scan_runs_again_next_time(tmp_path: Path, project: Path) -> None:
    scanner = CountingScanner("bandit", ".py", ScanStatus.FAILED)
    _first, second = run_twice(scanner, ScanCache(tmp_path / "cache"), project)
    assert scanner.runs == 2
    assert not second.cached


def test_unchanged_inputs_are_answered_from_the_cache(tmp_path: Path, project: Path) -> None:
    scanner = CountingScanner("bandit", ".py")
    first, second = run_twice(scanner, ScanCache(tmp_path / "cache"), project)
    assert scanner.runs == 1
    assert second.cached
    assert second.findings == first.findings


def test_changed_python_file_reruns_code_scanners_but_not_the_dependency_scanner(tmp_path: Path, project: Path) -> None:
    cache = ScanCache(tmp_path / "cache")
    code, deps = CountingScanner("bandit", ".py"), CountingScanner("pip-audit", ".txt")
    run_twice(code, cache, project)
    run_twice(deps, cache, project)
    (project / "app.py").write_text("x = 2\n")
    run_twice(code, cache, project)
    run_twice(deps, cache, project)
    assert code.runs == 2
    assert deps.runs == 1


def test_real_adapters_are_keyed_only_on_the_files_they_read(tmp_path: Path, project: Path) -> None:
    from gate.scanners.bandit import BanditScanner
    from gate.scanners.pip_audit import PipAuditScanner

    cache, config = ScanCache(tmp_path / "cache"), ScanConfig(rules_dir=project / "no-rules")
    code, deps = CachingScanner(BanditScanner(), cache), CachingScanner(PipAuditScanner(), cache)

    def keys() -> tuple[str, str]:
        target = discover(project, [])
        return code.key(target, config, "v"), deps.key(target, config, "v")

    before = keys()
    (project / "app.py").write_text("x = 2\n")
    after_code_edit = keys()
    (project / "requirements.txt").write_text("pyyaml==6.0.1\n")
    after_pin_edit = keys()
    assert after_code_edit[0] != before[0] and after_code_edit[1] == before[1]
    assert after_pin_edit[0] == after_code_edit[0] and after_pin_edit[1] != after_code_edit[1]


def test_per_file_cache_reruns_only_the_changed_file(tmp_path: Path, project: Path) -> None:
    for name in ("b.py", "c.py"):
        (project / name).write_text(f"{name} = 1\n")
    scanner = PerFileScanner()
    wrapped, config = CachingScanner(scanner, ScanCache(tmp_path / "cache")), ScanConfig(rules_dir=project / "none")
    cold = wrapped.run(discover(project, []), config)
    (project / "b.py").write_text("b = 2\n")
    warm = wrapped.run(discover(project, []), config)
    unchanged = wrapped.run(discover(project, []), config)
    assert scanner.given == [("app.py", "b.py", "c.py"), ("b.py",)]
    assert not warm.cached and unchanged.cached
    assert [f.message for f in warm.findings] == ["x = 1\n", "b = 2\n", "c.py = 1\n"]
    assert unchanged.findings == warm.findings
    assert len(cold.findings) == 3


def test_per_file_cache_falls_back_to_a_full_run_when_findings_leave_their_file(tmp_path: Path, project: Path) -> None:
    scanner = PerFileScanner(stray_path="elsewhere.py")
    wrapped = CachingScanner(scanner, ScanCache(tmp_path / "cache"))
    result = wrapped.run(discover(project, []), ScanConfig(rules_dir=project / "none"))
    assert scanner.runs == 2  # the split was refused, so the whole target ran again
    assert "elsewhere.py" in {f.location.path for f in result.findings if f.location}
    assert not list((tmp_path / "cache").rglob("bandit/*/*.json"))


class NeverCachedScanner(CountingScanner):
    capabilities = Capabilities(cache=CachePolicy(CacheMode.NEVER), reads=Reads.PYTHON)


def test_a_scanner_declared_never_cached_runs_every_time_and_stores_nothing(tmp_path: Path, project: Path) -> None:
    scanner = NeverCachedScanner("never", ".py")  # it knows its version: only the declaration keeps it out
    _first, second = run_twice(scanner, ScanCache(tmp_path / "cache"), project)
    assert scanner.runs == 2
    assert not second.cached
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_envcheck_is_never_answered_from_the_cache(tmp_path: Path) -> None:
    assert EnvcheckScanner.capabilities.cache.mode is CacheMode.NEVER  # vault passwords are outside the target
    root = tmp_path / "project"
    shutil.copytree(REPO / "inventories", root / "inventories")
    wrapped, config = CachingScanner(EnvcheckScanner(), ScanCache(tmp_path / "cache")), ScanConfig(rules_dir=root)
    first, second = (wrapped.run(discover(root, []), config) for _ in range(2))
    assert first.status is ScanStatus.OK, first.reason
    assert not first.cached and not second.cached
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_a_declared_max_age_expires_the_entry(tmp_path: Path, project: Path) -> None:
    class HourlyScanner(CountingScanner):
        capabilities = Capabilities(
            cache=CachePolicy(CacheMode.WHOLE, max_age=dt.timedelta(hours=1)), reads=Reads.MANIFESTS
        )

    scanner = HourlyScanner("hourly", ".txt")
    wrapped, config = CachingScanner(scanner, ScanCache(tmp_path / "cache")), ScanConfig(rules_dir=project / "none")
    wrapped.run(discover(project, []), config)
    entry = next((tmp_path / "cache").rglob("hourly/*/*.json"))
    old = entry.stat().st_mtime - 7200
    os.utime(entry, (old, old))
    assert not wrapped.run(discover(project, []), config).cached
    assert scanner.runs == 2
    assert wrapped.run(discover(project, []), config).cached


def test_key_changes_with_tool_version_rules_options_and_file_content() -> None:
    base = cache_key("bandit", "1.7.9", "r", {"osv_url": ""}, {"a.py": "h1"})
    assert base != cache_key("bandit", "1.8.0", "r", {"osv_url": ""}, {"a.py": "h1"})
    assert base != cache_key("bandit", "1.7.9", "r2", {"osv_url": ""}, {"a.py": "h1"})
    assert base != cache_key("bandit", "1.7.9", "r", {"osv_url": "http://127.0.0.1:1"}, {"a.py": "h1"})
    assert base != cache_key("bandit", "1.7.9", "r", {"osv_url": ""}, {"a.py": "h2"})
    assert base != cache_key("bandit", "1.7.9", "r", {"osv_url": ""}, {"b.py": "h1"})
    assert base == cache_key("bandit", "1.7.9", "r", {"osv_url": ""}, {"a.py": "h1"})


def test_corrupt_entry_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path / "cache")
    cache.put("e" * 64, ok_result(), "semgrep")
    entry = next((tmp_path / "cache").rglob("*.json"))
    entry.write_text("{truncated")
    assert cache.get("e" * 64, "semgrep") is None
    assert not entry.exists()


def test_cache_writable_by_others_is_never_read(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path / "cache")
    cache.put("d" * 64, ok_result(), "bandit")
    (tmp_path / "cache").chmod(0o777)
    assert cache.get("d" * 64, "bandit") is None
    assert not cache.put("e" * 64, ok_result(), "bandit")
    (tmp_path / "cache").chmod(0o700)
    assert cache.get("d" * 64, "bandit") is not None


def test_entry_older_than_max_age_is_a_miss(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path / "cache")
    cache.put("a" * 64, ok_result(), "pip-audit")
    entry = next((tmp_path / "cache").rglob("*.json"))
    old = entry.stat().st_mtime - 7200
    os.utime(entry, (old, old))
    assert cache.get("a" * 64, "pip-audit", max_age=dt.timedelta(hours=1)) is None
    assert cache.get("a" * 64, "pip-audit") is not None


def test_default_cache_dir_is_outside_the_target() -> None:
    assert default_cache_dir({"HARDGATE_CACHE_DIR": "/c"}) == Path("/c")
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/hardgate")


@pytest.mark.slow
def test_cached_rescan_returns_the_same_findings_as_a_cold_one(tmp_path: Path, sqli_app: Path) -> None:
    cache = ScanCache(tmp_path / "cache")
    policy = load_policy()

    def scan() -> Report:
        scanners = with_cache(default_scanners(), cache)
        return run_scan(ScanRequest(root=sqli_app, environment="prod", policy=policy, scanners=scanners))

    cold, warm = scan(), scan()
    assert any("CWE-89" in f.cwe for f in cold.findings)  # the SQL injection was found
    assert warm.findings == cold.findings
    ran_ok = [s.tool for s in cold.scanners if s.status is ScanStatus.OK]
    assert "bandit" in ran_ok
    assert [s.tool for s in warm.scanners if s.cached] == ran_ok


@pytest.mark.slow
def test_rescan_after_editing_one_file_matches_an_uncached_scan(tmp_path: Path, sqli_app: Path) -> None:
    (sqli_app / "reports.py").write_text(
        "def total(cur, day):\n    cur.execute(f\"SELECT sum(x) FROM t WHERE d = '{day}'\")\n"
    )
    cache, policy = ScanCache(tmp_path / "cache"), load_policy()

    def scan(use_cache: bool) -> Report:
        scanners = with_cache(default_scanners(), cache if use_cache else None)
        return run_scan(ScanRequest(root=sqli_app, environment="prod", policy=policy, scanners=scanners))

    scan(True)
    with (sqli_app / "reports.py").open("a") as handle:
        handle.write("\n\ndef again(cur, d):\n    cur.execute(f\"DELETE FROM t WHERE d = '{d}'\")\n")
    incremental, uncached = scan(True), scan(False)
    assert not incremental.failed_scanners
    assert incremental.findings == uncached.findings
    assert sum(1 for f in incremental.findings if "CWE-89" in f.cwe) == 3


# --- end to end through `hardgate scan` ---


@pytest.mark.slow
def test_cli_rescan_is_answered_from_the_cache_with_the_same_verdict(tmp_path: Path, sqli_app: Path) -> None:
    from click.testing import CliRunner

    from gate.cli import main

    def scan(name: str) -> tuple[int, dict[str, object]]:
        record = tmp_path / f"{name}.json"
        args = [
            "scan",
            str(sqli_app),
            "--env",
            "prod",
            "--cache-dir",
            str(tmp_path / "c"),
            "--record",
            str(record),
        ]
        done = CliRunner().invoke(main, args)
        return done.exit_code, json.loads(record.read_text())

    cold_code, cold = scan("cold")
    warm_code, warm = scan("warm")
    assert cold_code == warm_code == 1
    assert warm["summary"] == cold["summary"]
    assert [s["cached"] for s in warm["scanners"] if s["status"] == "ok"] == [True, True]
