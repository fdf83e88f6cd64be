"""The scanner registry: what each scanner declares, and that the engine, cache and doctor take it from there."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import gate.engine
from gate.cache import ScanCache
from gate.doctor import run_checks
from gate.engine import ScanRequest, run_scan
from gate.findings import Finding, Location, ScanResult, ScanStatus, ScanTarget, Severity
from gate.policy import load_policy
from gate.scanners import registry
from gate.scanners.base import RawOutput, ScanConfig, Scanner, SubprocessScanner
from gate.scanners.capabilities import CacheMode, CachePolicy, Capabilities, Reads
from gate.scanners.source import has_marker, read_lines

BUILT_IN = ("bandit", "semgrep", "pip-audit", "envcheck")


class HardcodedPasswordScanner(Scanner):
    """An in-process scanner added from outside gate/: flags `password = "..."` literals in Python files."""

    name = "password-literal"
    capabilities = Capabilities(cache=CachePolicy(CacheMode.WHOLE), reads=Reads.PYTHON, suppression_marker="nopw")
    pattern = re.compile(r"""\bpassword\s*=\s*["'][^"']+["']""", re.IGNORECASE)

    def version(self) -> str:
        return "password-literal 1"

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        if not self.applies(target):
            return ScanResult(self.name, ScanStatus.SKIPPED, reason="no Python files")
        marker = self.capabilities.suppression_marker
        flagged = [
            (path, number, line)
            for path in self.inputs(target)
            for number, line in enumerate(read_lines(target.root, path), start=1)
            if self.pattern.search(line) and not has_marker([line], 1, 1, marker)
        ]
        findings = tuple(self.finding(path, number, line) for path, number, line in flagged)
        return ScanResult(self.name, ScanStatus.OK, findings=findings, tool_version=self.version())

    def finding(self, path: str, number: int, line: str) -> Finding:
        where = Location(path, number, number)
        return Finding(
            self.name,
            "PW001",
            "Hard-coded password",
            "a password literal",
            Severity.HIGH,
            cwe=("CWE-798",),
            confidence="high",
            location=where,
            snippet=line.strip(),
            sources=(self.name,),
        )


class MissingToolScanner(SubprocessScanner):
    name = "missing-tool"
    binary = "hardgate-test-no-such-tool"
    capabilities = Capabilities(cache=CachePolicy(CacheMode.WHOLE), reads=Reads.PYTHON)

    def command(self, target: ScanTarget, config: ScanConfig) -> list[str]:
        return [self.binary, *target.python_files]

    def parse(self, raw: RawOutput, target: ScanTarget, config: ScanConfig) -> ScanResult:
        return ScanResult(self.name, ScanStatus.FAILED, reason="never reached: the tool is missing")


@pytest.fixture
def registered() -> Iterator[type[Scanner]]:
    registry.register(HardcodedPasswordScanner)
    try:
        yield HardcodedPasswordScanner
    finally:
        registry.unregister(HardcodedPasswordScanner.name)


def test_the_default_scanners_are_the_registered_ones_in_order() -> None:
    assert tuple(s.name for s in registry.default_scanners()) == BUILT_IN
    assert tuple(s.name for s in registry.registered()) == BUILT_IN


@pytest.mark.parametrize(
    ("name", "cache", "max_age", "marker", "reads"),
    [
        ("bandit", CacheMode.PER_FILE, None, "nosec", Reads.PYTHON),
        ("semgrep", CacheMode.PER_FILE, None, "nosemgrep", Reads.SOURCES),
        ("pip-audit", CacheMode.WHOLE, dt.timedelta(hours=1), None, Reads.MANIFESTS),
        ("envcheck", CacheMode.NEVER, None, None, Reads.INVENTORIES),
    ],
)
def test_each_default_scanner_declares_its_capabilities(
    name: str, cache: CacheMode, max_age: dt.timedelta | None, marker: str | None, reads: Reads
) -> None:
    scanner = {s.name: s for s in registry.default_scanners()}[name]
    assert scanner.capabilities.cache == CachePolicy(cache, max_age)
    assert scanner.capabilities.cache.cacheable is (cache is not CacheMode.NEVER)
    assert scanner.capabilities.suppression_marker == marker
    assert scanner.capabilities.reads is reads


def test_only_the_tools_run_as_subprocesses_are_subprocess_scanners() -> None:
    kinds = {s.name: isinstance(s, SubprocessScanner) for s in registry.default_scanners()}
    assert kinds == {"bandit": True, "semgrep": True, "pip-audit": True, "envcheck": False}


def test_the_declared_files_are_what_each_scanner_reads(tmp_path: Path) -> None:
    files = ("app.py", "deploy.yml", "requirements.txt", "inventories/prod/hosts.yml", "roles/db/tasks/main.yml")
    target = ScanTarget(tmp_path, files, python_files=("app.py",), manifests=("requirements.txt",))
    assert Reads.PYTHON.select(target) == ("app.py",)
    assert Reads.SOURCES.select(target) == (
        "app.py",
        "deploy.yml",
        "inventories/prod/hosts.yml",
        "roles/db/tasks/main.yml",
    )
    assert Reads.MANIFESTS.select(target) == ("requirements.txt",)
    assert Reads.INVENTORIES.select(target) == ("inventories/prod/hosts.yml", "roles/db/tasks/main.yml")


def test_the_suppression_marker_comes_from_the_declaration() -> None:
    lines = ["run(cmd, shell=True)  # nosec B602", "run(cmd, shell=True)  # NOSEMGREP", "nosec_count = 1"]
    assert has_marker(lines, 1, 1, "nosec") and not has_marker(lines, 1, 1, "nosemgrep")
    assert has_marker(lines, 2, 2, "nosemgrep") and not has_marker(lines, 2, 2, "nosec")
    assert not has_marker(lines, 3, 3, "nosec")  # a word, not a comment
    assert not has_marker(lines, 1, 2, None)  # a scanner without a marker suppresses nothing inline


def test_the_engine_names_no_scanner() -> None:
    tree = ast.parse(Path(gate.engine.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "gate.scanners.registry" in imported
    assert not imported & {f"gate.scanners.{m}" for m in ("bandit", "semgrep", "pip_audit", "envcheck")}


def test_register_refuses_a_second_scanner_under_a_taken_name() -> None:
    class Impostor(HardcodedPasswordScanner):
        name = "bandit"

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Impostor)
    assert tuple(s.name for s in registry.registered()) == BUILT_IN


def test_a_registered_scanner_is_run_by_run_scan(registered: type[Scanner], sqli_app: Path) -> None:
    (sqli_app / "settings.py").write_text('PASSWORD = "hunter2"\nADMIN_PASSWORD = "x"  # nopw\n', encoding="utf-8")
    report = run_scan(ScanRequest(root=sqli_app, environment="prod", policy=load_policy()))
    assert [s.tool for s in report.scanners] == [*BUILT_IN, registered.name]
    ours = [f for f in report.findings if f.tool == registered.name]
    assert [
        (f.rule_id, f.location.path if f.location else "", f.location.start_line if f.location else 0) for f in ours
    ] == [("PW001", "settings.py", 1)]
    assert ours[0].fingerprint.startswith("v1:")  # normalised like every other scanner's findings


def test_a_registered_scanner_is_cached_as_it_declares(registered: type[Scanner], tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "settings.py").write_text('password = "hunter2"\n', encoding="utf-8")
    cache = ScanCache(tmp_path / "cache")

    def ours() -> ScanResult:
        request = ScanRequest(root=root, environment="dev", policy=load_policy(), scanners=[registered()], cache=cache)
        return run_scan(request).scanners[0]

    cold, warm = ours(), ours()
    assert cold.status is ScanStatus.OK and not cold.cached
    assert warm.cached and warm.findings == cold.findings


def test_the_doctor_checks_every_registered_subprocess_scanner() -> None:
    registry.register(MissingToolScanner)
    try:
        checks = {check.item: check for check in run_checks(timeout_s=60)}
    finally:
        registry.unregister(MissingToolScanner.name)
    assert {"bandit", "semgrep", "pip-audit"} <= checks.keys()
    assert "envcheck" not in checks  # in-process: nothing to find
    assert not checks["missing-tool"].ok
    assert "hardgate-test-no-such-tool not found" in checks["missing-tool"].detail
