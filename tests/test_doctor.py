"""`hardgate doctor`: each item is ok or names its fix; exit 0 only when every item is ok."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gate.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDGATE_ADVISORIES", str(tmp_path / "no-store.db"))


def doctor(*args: str) -> subprocess.CompletedProcess[str]:
    # A child process: the real scanners are probed, and exit codes come from the real entry point.
    return subprocess.run(
        [str(Path(sys.executable).parent / "hardgate"), "doctor", *args], capture_output=True, text=True, check=False
    )


def lines(output: str) -> dict[str, str]:
    """item -> its line, for the `ok`/`FIX` lines of the report."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("ok", "FIX"):
            found[parts[1]] = line
    return found


def test_a_healthy_machine_is_all_ok() -> None:
    done = doctor()
    assert done.returncode == 0, done.stdout + done.stderr
    report = lines(done.stdout)
    for item in ("interpreter", "bandit", "semgrep", "pip-audit", "advisories", "cache", "size"):
        assert report[item].startswith("ok"), report
    assert f"Python {sys.version_info[0]}.{sys.version_info[1]}" in report["interpreter"]
    assert "parses syntax up to" in report["bandit"]
    assert "1,000,000 bytes" in report["size"]


def test_a_missing_scanner_names_where_it_looked_and_the_fix(path_without) -> None:  # type: ignore[no-untyped-def]
    path_without("semgrep")
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 2
    report = lines(result.output)
    assert report["semgrep"].startswith("FIX") and "not found" in report["semgrep"]
    assert "pip install semgrep" in result.output
    assert report["bandit"].startswith("ok")


def test_a_hanging_version_probe_is_bounded_by_the_timeout(fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin("pip-audit", "sleep 300")
    result = CliRunner().invoke(main, ["doctor", "--timeout", "1"])
    assert result.exit_code == 2
    assert "took longer than 1s" in lines(result.output)["pip-audit"]


def test_a_stale_advisory_store_needs_a_refresh(example_advisories: Path) -> None:
    store = example_advisories
    done = doctor("--advisories", str(store), "--max-age-days", "7")
    assert done.returncode == 2
    report = lines(done.stdout)
    assert report["advisories"].startswith("FIX") and "older than 7 days" in report["advisories"]
    assert f"hardgate advisories import SNAPSHOT --store {store}" in done.stdout


def test_a_bad_size_cap_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDGATE_MAX_FILE_BYTES", "huge")
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 2
    assert lines(result.output)["size"].startswith("FIX")
