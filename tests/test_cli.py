"""The CLI contract: exit codes, one-line errors without tracebacks, paired --format/--output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HARDGATE = Path(sys.executable).parent / "hardgate"


def hardgate(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HARDGATE), *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env or dict(os.environ)
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("hardgate: error: ")
    assert text in lines[0]
    assert "Traceback" not in done.stderr


def test_malformed_policy_exits_2_with_one_line(tmp_path: Path, sqli_app: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nenvironments:\n  prod:\n    block_on: [not, a, severity]\n", encoding="utf-8")
    assert_one_line_error(
        hardgate("scan", str(sqli_app), "--env", "prod", "--policy", str(policy)), 2, "environments.prod.block_on"
    )


def test_unknown_environment_exits_2_with_one_line(sqli_app: Path) -> None:
    assert_one_line_error(hardgate("scan", str(sqli_app), "--env", "qa"), 2, "unknown environment 'qa'")


def test_missing_path_exits_2_with_one_line(tmp_path: Path) -> None:
    assert_one_line_error(hardgate("scan", str(tmp_path / "nowhere"), "--env", "prod"), 2, "path does not exist")


def test_unknown_option_exits_2_with_one_line(sqli_app: Path) -> None:
    assert_one_line_error(hardgate("scan", str(sqli_app), "--no-such-flag"), 2, "--no-such-flag")


def test_unknown_format_exits_2_before_scanning(sqli_app: Path) -> None:
    assert_one_line_error(hardgate("scan", str(sqli_app), "--format", "pdf"), 2, "pdf")


def test_output_without_format_exits_2(sqli_app: Path, tmp_path: Path) -> None:
    assert_one_line_error(hardgate("scan", str(sqli_app), "--output", str(tmp_path / "r.json")), 2, "--output")


@pytest.mark.parametrize(
    ("fake", "expected"),
    [
        ("exit 2", "exit 2"),
        ("sleep 30", "timed out"),
        ("echo garbage; exit 0", "not semgrep JSON"),
    ],
)
def test_scanner_failure_exits_3(sqli_app: Path, fake_bin, fake: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    fake_bin("semgrep", fake)
    done = hardgate("scan", str(sqli_app), "--env", "prod", "--timeout", "2", "--format", "json")
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)
    failed = [s for s in report["scanners"] if s["status"] == "failed"]
    assert [s["tool"] for s in failed] == ["semgrep"]
    assert expected in failed[0]["reason"]


def test_missing_scanner_exits_3(sqli_app: Path, path_without) -> None:  # type: ignore[no-untyped-def]
    path_without("semgrep")
    done = hardgate("scan", str(sqli_app), "--env", "prod", "--format", "json")
    assert done.returncode == 3, done.stderr
    assert "semgrep not found on PATH" in done.stdout


def test_sql_injection_found_by_bandit_and_semgrep_is_reported_once(sqli_app: Path) -> None:
    done = hardgate("scan", str(sqli_app), "--env", "prod", "--format", "json")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    on_line = [f for f in findings if f["location"] and f["location"]["start_line"] == 8]
    assert len(on_line) == 1
    assert on_line[0]["sources"] == ["bandit", "semgrep"]
    assert "CWE-89" in on_line[0]["cwe"]


def test_formats_and_outputs_pair_in_order(sqli_app: Path, tmp_path: Path) -> None:
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    done = hardgate(
        "scan",
        str(sqli_app),
        "--env",
        "dev",
        "--format",
        "sarif",
        "--output",
        str(sarif),
        "--format",
        "junit",
        "--output",
        str(junit),
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().lstrip().startswith("<?xml")
    assert json.loads(done.stdout)["verdict"] == "pass"


def test_excluded_paths_are_never_scanned(sqli_app: Path) -> None:
    for folder in (".venv", "node_modules", "build"):
        (sqli_app / folder).mkdir()
        (sqli_app / folder / "evil.py").write_text("import os\nos.system('rm -rf ' + input())\n")
    done = hardgate("scan", str(sqli_app), "--env", "prod", "--format", "json")
    paths = {f["location"]["path"] for f in json.loads(done.stdout)["findings"] if f["location"]}
    assert paths == {"db.py"}


def test_policy_check_and_show(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nenvironments:\n  prod:\n    max_counts: {low: 5}\n", encoding="utf-8")
    checked = hardgate("policy", "check", str(policy))
    assert checked.returncode == 0 and "policy OK" in checked.stdout
    shown = hardgate("policy", "show", "--env", "prod", "--policy", str(policy))
    assert shown.returncode == 0 and "low: 5" in shown.stdout and "block_on: medium" in shown.stdout
