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
    assert "semgrep not found in $HARDGATE_SCANNER_PATH" in done.stdout  # where it looked, and the fix:
    assert "pip install semgrep" in done.stdout


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


# --- issue 14: bad input before any scanner runs, environments, options that may not loosen prod ------


def test_unwritable_output_exits_2_before_any_scanner_runs(sqli_app: Path, tmp_path: Path) -> None:
    # One stderr line and no progress line: the path is checked before the scan, not after it.
    missing = tmp_path / "no-such-dir" / "r.json"
    assert_one_line_error(
        hardgate("scan", str(sqli_app), "--format", "json", "--output", str(missing)), 2, "does not exist"
    )
    assert_one_line_error(
        hardgate("scan", str(sqli_app), "--format", "json", "--output", str(tmp_path)), 2, "is a directory"
    )
    assert_one_line_error(hardgate("scan", str(sqli_app), "--record", str(missing)), 2, "--record")
    assert_one_line_error(hardgate("baseline", "create", str(sqli_app), "-o", str(missing)), 2, "does not exist")


def test_verify_decision_with_unknown_environment_exits_2(tmp_path: Path) -> None:
    record, key = tmp_path / "d.json", tmp_path / "k.pub"
    record.write_text("{}")
    key.write_text("x")
    assert_one_line_error(
        hardgate("verify-decision", str(record), "--pubkey", str(key), "--env", "qa", "--commit", "0" * 40),
        2,
        "unknown environment 'qa'",
    )


def test_recursive_anchor_in_an_inventory_exits_2(tmp_path: Path) -> None:
    group_vars = tmp_path / "inventories" / "prod" / "group_vars"
    group_vars.mkdir(parents=True)
    (group_vars.parent / "hosts.yml").write_text("all:\n  hosts:\n    db1: {}\n", encoding="utf-8")
    (group_vars / "all.yml").write_text("a: &x\n  - b\n  - *x\n", encoding="utf-8")
    assert_one_line_error(hardgate("envcheck", str(tmp_path / "inventories")), 2, "recursive YAML anchor")


def test_local_is_dev_for_every_command(tmp_path: Path) -> None:
    shown = hardgate("policy", "show", "--env", "local", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("# effective policy for dev")
    assert_one_line_error(hardgate("policy", "show", "--env", "qa"), 2, "dev (or local), staging or prod")


def test_policy_at_the_target_root_is_found_by_every_command(tmp_path: Path) -> None:
    (tmp_path / "hardgate-policy.yml").write_text(
        "version: 1\nenvironments:\n  dev:\n    exclude_paths: [generated/**]\n", encoding="utf-8"
    )
    shown = hardgate("policy", "show", "--env", "dev", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert f"source: {tmp_path / 'hardgate-policy.yml'}" in shown.stdout
    assert "generated/**" in shown.stdout
    # scan and baseline create read the same file: a broken one stops both before any scanner runs.
    (tmp_path / "hardgate-policy.yml").write_text("version: 1\nenvironments: [\n", encoding="utf-8")
    assert_one_line_error(hardgate("scan", str(tmp_path)), 2, "hardgate-policy.yml: not valid YAML")
    assert_one_line_error(
        hardgate("baseline", "create", str(tmp_path), "-o", str(tmp_path / "b.json")),
        2,
        "hardgate-policy.yml: not valid YAML",
    )


def test_exclude_on_the_command_line_cannot_loosen_prod(sqli_app: Path) -> None:
    for environment in ("prod", "staging"):
        assert_one_line_error(
            hardgate("scan", str(sqli_app), "--env", environment, "--exclude", "db.py"),
            2,
            f"--exclude is refused in {environment}",
        )


def test_exclude_in_dev_hides_the_path(sqli_app: Path) -> None:
    (sqli_app / "generated").mkdir()
    (sqli_app / "db.py").rename(sqli_app / "generated" / "db.py")
    (sqli_app / "app.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n", encoding="utf-8")
    done = hardgate("scan", str(sqli_app), "--env", "dev", "--exclude", "generated/**", "--format", "json", "--quiet")
    assert done.returncode == 0, done.stdout
    assert done.stderr == ""  # --quiet: no progress lines
    report = json.loads(done.stdout)
    assert report["findings"] == []
    assert report["policy_source"].endswith("+ --exclude generated/**")


def test_help_lists_the_formats_and_quiet_verbose_contradict(sqli_app: Path) -> None:
    from gate.reporters import REPORTERS

    shown = hardgate("scan", "--help")
    for name in REPORTERS:
        assert name in shown.stdout
    assert_one_line_error(hardgate("scan", str(sqli_app), "-q", "-v"), 2, "--quiet and --verbose")
