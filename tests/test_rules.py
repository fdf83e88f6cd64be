"""The bundled semgrep rules: their own `semgrep --test` suite, their metadata, and what they find in the examples."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "gate" / "rules"
EXAMPLES = REPO / "examples"
OFFLINE = ("--metrics=off", "--disable-version-check")

# Each rule yaml is tested by a file of the same stem: `.py` for Python rules, `.test.yaml` for YAML rules
# (semgrep skips `*.test.yaml` when it loads a config folder, so the gate never mistakes a test target for a rule).
TEST_SUFFIX = {"python": ".py", "yaml": ".test.yaml"}

# What the bundled rules must report in examples/vulnerable-app (its README has the same table).
VULNERABLE_APP_EXPECTED = {
    "psycopg-sql-string-built",
    "db-connect-hardcoded-password",
    "db-url-hardcoded-password",
    "pg-sslmode-insecure",
    "django-debug-enabled",
    "yaml-load-unsafe",
    "password-fast-hash",
    "weak-hash-md5-sha1",
    "subprocess-shell-formatted",
    "tls-verify-disabled",
    "pickle-load",
    "flask-debug-enabled",
    # The request-to-sink flows in app.py (taint rules in gate/rules/python/taint/).
    "taint-sql-injection",
    "taint-command-injection",
    "taint-insecure-deserialization",
    "taint-path-traversal",
    "taint-open-redirect",
    "taint-ssrf",
}


def tool(name: str) -> str:
    """The venv's copy of a scanner, else the one on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed in the project virtualenv")
    return found


def rule_files() -> list[Path]:
    return sorted(p for p in RULES.rglob("*.yaml") if not p.name.endswith(".test.yaml"))


def rules_in(path: Path) -> Iterator[dict[str, Any]]:
    yield from yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]


def all_rules() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, rule) for path in rule_files() for rule in rules_in(path)]


def target_for(path: Path, rule: dict[str, Any]) -> Path:
    language = rule["languages"][0]
    return path.with_name(path.stem + TEST_SUFFIX[language])


def semgrep_json(target: Path) -> dict[str, Any]:
    done = subprocess.run(
        [tool("semgrep"), "scan", "--config", str(RULES), "--json", "--quiet", *OFFLINE, str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert done.returncode in (0, 1), done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def vulnerable_scan() -> dict[str, Any]:
    return semgrep_json(EXAMPLES / "vulnerable-app")


@pytest.fixture(scope="module")
def clean_scan() -> dict[str, Any]:
    return semgrep_json(EXAMPLES / "clean-app")


def test_at_least_25_rules_are_bundled() -> None:
    ids = [rule["id"] for _, rule in all_rules()]
    assert len(ids) >= 25
    assert len(ids) == len(set(ids)), "rule ids must be unique"


def test_one_rule_per_file_named_after_its_id() -> None:
    for path in rule_files():
        rules = list(rules_in(path))
        assert [r["id"] for r in rules] == [path.stem], path


@pytest.mark.parametrize("path", rule_files(), ids=lambda p: p.stem)
def test_rule_has_cwe_owasp_and_severity_metadata(path: Path) -> None:
    for rule in rules_in(path):
        metadata = rule["metadata"]
        assert rule["severity"] in {"ERROR", "WARNING", "INFO"}
        assert metadata["cwe"] and all(c.startswith("CWE-") and ": " in c for c in metadata["cwe"])
        assert metadata["owasp"] and all(o[:1] == "A" and ":2021 - " in o for o in metadata["owasp"])
        assert metadata["category"] == "security"
        assert metadata["confidence"] in {"HIGH", "MEDIUM", "LOW"}
        assert metadata["likelihood"] in {"HIGH", "MEDIUM", "LOW"}
        assert metadata["impact"] in {"HIGH", "MEDIUM", "LOW"}
        # The policy blocks on `flow` and `exact` evidence and reports `shape` as advisory (docs/rules.md).
        assert metadata["hardgate-evidence"] in {"flow", "exact", "shape"}
        if rule.get("mode") == "taint" and metadata["hardgate-evidence"] == "flow":
            assert rule["severity"] in {"ERROR", "WARNING"}
        if metadata["hardgate-evidence"] == "flow":
            assert rule.get("mode") == "taint", "only a taint rule can confirm a flow"
        assert metadata["references"]
        assert isinstance(metadata["hardgate_equivalent_bandit"], list)
        assert all(b[:1] == "B" and b[1:].isdigit() for b in metadata["hardgate_equivalent_bandit"])
        # The gate keeps the part after the last dot of semgrep's check_id as the rule id.
        assert "." not in rule["id"]


@pytest.mark.parametrize("path", rule_files(), ids=lambda p: p.stem)
def test_rule_has_a_test_file_with_ruleid_and_ok_cases(path: Path) -> None:
    for rule in rules_in(path):
        target = target_for(path, rule)
        assert target.is_file(), f"{rule['id']} has no test file {target.name}"
        text = target.read_text(encoding="utf-8")
        assert f"ruleid: {rule['id']}" in text
        assert f"ok: {rule['id']}" in text


@pytest.mark.slow
def test_semgrep_test_passes_for_every_bundled_rule() -> None:
    done = subprocess.run(
        [tool("semgrep"), "--test", "--json", *OFFLINE, str(RULES)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = json.loads(done.stdout)
    checked = report["results"]
    # Every rule file was paired with its test target and every annotation held.
    assert {(REPO / p).resolve() for p in checked} == {p.resolve() for p in rule_files()}
    for config, outcome in checked.items():
        for rule_id, check in outcome["checks"].items():
            assert check["passed"], f"{config}: {rule_id}"
    assert report["config_missing_tests"] == []
    assert report["config_with_errors"] == []


def test_rules_folder_loads_as_a_config_without_errors(vulnerable_scan: dict[str, Any]) -> None:
    assert vulnerable_scan["errors"] == []
    reported = {r["check_id"].rsplit(".", 1)[-1] for r in vulnerable_scan["results"]}
    assert reported
    assert reported <= {rule["id"] for _, rule in all_rules()}


def test_check_ids_are_the_folder_path_then_the_rule_id(vulnerable_scan: dict[str, Any]) -> None:
    check_ids = {r["check_id"] for r in vulnerable_scan["results"]}
    assert "gate.rules.python.psycopg-sql-string-built" in check_ids


def test_vulnerable_app_reports_every_documented_rule(vulnerable_scan: dict[str, Any]) -> None:
    found = {r["check_id"].rsplit(".", 1)[-1] for r in vulnerable_scan["results"]}
    assert found >= VULNERABLE_APP_EXPECTED


TAINT = RULES / "python" / "taint"


def taint_rules() -> list[dict[str, Any]]:
    return [
        rule for path, rule in all_rules() if path.parent == TAINT and rule["metadata"]["hardgate-evidence"] == "flow"
    ]


def test_taint_pack_covers_every_weakness_class_of_issue_13() -> None:
    cwes = {c.split(":")[0] for rule in taint_rules() for c in rule["metadata"]["cwe"]}
    assert cwes >= {f"CWE-{n}" for n in (89, 78, 94, 95, 22, 79, 601, 918, 90, 643, 611, 502, 501)}


def test_taint_rules_share_one_set_of_request_sources() -> None:
    # The sources are repeated in each rule file (semgrep has no include); they must not drift apart.
    def strip_labels(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in s.items() if k != "label"} for s in sources if s.get("label") in (None, "INPUT")]

    reference = strip_labels(taint_rules()[0]["pattern-sources"])
    assert len(reference) >= 7
    for rule in taint_rules():
        assert strip_labels(rule["pattern-sources"]) == reference, rule["id"]


def test_a_flow_in_the_vulnerable_app_is_reported_by_a_taint_rule(vulnerable_scan: dict[str, Any]) -> None:
    found = {r["check_id"].rsplit(".", 1)[-1] for r in vulnerable_scan["results"]}
    assert {"taint-sql-injection", "taint-command-injection"} <= found


def test_vulnerable_app_readme_lists_every_reported_rule() -> None:
    readme = (EXAMPLES / "vulnerable-app" / "README.md").read_text(encoding="utf-8")
    for rule_id in VULNERABLE_APP_EXPECTED:
        assert f"`{rule_id}`" in readme


def test_fstring_sql_injection_is_flagged_by_bandit_and_semgrep_on_the_same_line(
    vulnerable_scan: dict[str, Any],
) -> None:
    semgrep_lines = {
        r["start"]["line"]
        for r in vulnerable_scan["results"]
        if r["path"].endswith("db.py") and r["check_id"].endswith("psycopg-sql-string-built")
    }
    done = subprocess.run(
        [tool("bandit"), "-q", "-r", str(EXAMPLES / "vulnerable-app"), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    bandit_lines = {
        r["line_number"]
        for r in json.loads(done.stdout)["results"]
        if r["test_id"] == "B608" and r["filename"].endswith("db.py")
    }
    source = (EXAMPLES / "vulnerable-app" / "db.py").read_text(encoding="utf-8").splitlines()
    both = semgrep_lines & bandit_lines
    assert both, (semgrep_lines, bandit_lines)
    assert any('execute(f"' in source[line - 1] for line in both)


def test_clean_app_has_no_semgrep_finding_of_error_or_warning(clean_scan: dict[str, Any]) -> None:
    assert clean_scan["errors"] == []
    serious = [r for r in clean_scan["results"] if r["extra"]["severity"] in {"ERROR", "WARNING"}]
    assert serious == []


def test_clean_app_has_no_bandit_finding_of_medium_or_high_severity() -> None:
    done = subprocess.run(
        [tool("bandit"), "-q", "-r", str(EXAMPLES / "clean-app"), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stdout)
    assert report["errors"] == []
    serious = [r["test_id"] for r in report["results"] if r["issue_severity"] in {"MEDIUM", "HIGH"}]
    assert serious == []


@pytest.mark.parametrize(
    ("example", "pins"),
    [
        ("vulnerable-app", ["flask==0.12.2", "jinja2==2.10", "pyyaml==5.1", "requests==2.19.1", "psycopg==3.1.18"]),
        ("clean-app", ["flask==3.0.3", "jinja2==3.1.4", "pyyaml==6.0.2", "requests==2.32.3", "psycopg==3.2.1"]),
    ],
)
def test_example_requirements_pin_exactly_the_agreed_versions(example: str, pins: list[str]) -> None:
    lines = (EXAMPLES / example / "requirements.txt").read_text(encoding="utf-8").split()
    assert lines == pins


def test_docs_rules_table_lists_every_bundled_rule() -> None:
    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    missing = [rule["id"] for _, rule in all_rules() if f"| `{rule['id']}` |" not in doc]
    assert missing == []
    assert f"{len(all_rules())} rules" in doc
