"""`hardgate rules list`: bundled semgrep rules read from gate/rules, bandit's from its own registry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.errors import ConfigError
from gate.rulecatalog import bundled_rules

HARDGATE = Path(sys.executable).parent / "hardgate"
BANDIT = Path(sys.executable).parent / "bandit"
RULES = Path(__file__).resolve().parents[1] / "gate" / "rules"


def hardgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HARDGATE), *args], capture_output=True, text=True, check=False)


def listed(*args: str) -> dict[str, dict[str, Any]]:
    done = hardgate("rules", "list", "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return {rule["id"]: rule for rule in json.loads(done.stdout)["rules"]}


def test_every_bundled_rule_file_is_listed_with_its_metadata() -> None:
    expected = set()
    for path in RULES.rglob("*.y*ml"):
        if ".test." not in path.name:
            expected |= {rule["id"] for rule in yaml.safe_load(path.read_text())["rules"]}
    rules = listed("--source", "bundled")
    assert set(rules) == expected and len(expected) >= 30
    sqli = rules["psycopg-sql-string-built"]
    assert sqli["source"] == "bundled" and "CWE-89" in sqli["cwe"] and sqli["languages"] == ["python"]
    assert sqli["severity"] in {"critical", "high", "medium", "low", "info"}
    assert all(rule["cwe"] for rule in rules.values())  # every bundled rule carries CWE metadata


def test_bandit_rules_are_the_tests_bandit_itself_reports_loading() -> None:
    help_text = subprocess.run([str(BANDIT), "--help"], capture_output=True, text=True, check=True).stdout
    loaded = set(re.findall(r"^\s+(B\d{3})\s", help_text.split("discovered and loaded:")[1], re.MULTILINE))
    rules = listed("--source", "bandit")
    assert set(rules) == loaded
    assert rules["B608"]["cwe"] == ["CWE-89"] and rules["B608"]["source"] == "bandit"
    assert rules["B301"]["cwe"] == ["CWE-502"] and rules["B301"]["severity"] == "medium"
    assert rules["B602"]["severity"] in {"high", "high|medium|low", "high|low", "high|medium"}


def test_a_new_rule_file_is_picked_up_without_registration(tmp_path: Path) -> None:
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "new-rule.yaml").write_text(
        "rules:\n  - id: new-rule\n    message: Something risky. More words.\n    severity: WARNING\n"
        "    languages: [python]\n    pattern: risky()\n    metadata:\n"
        "      cwe: ['CWE-676: Use of Potentially Dangerous Function']\n"
        "      confidence: LOW\n"
    )
    (tmp_path / "python" / "new-rule.test.yaml").write_text("rules: []\n")
    [rule] = bundled_rules(tmp_path)
    assert (rule.id, rule.severity, rule.confidence, rule.cwe) == ("new-rule", "medium", "low", ("CWE-676",))
    assert rule.title == "Something risky" and rule.path == "python/new-rule.yaml"


def test_an_unreadable_rule_file_is_one_config_error_line(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        bundled_rules(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'broken.yaml'}: not valid YAML at line ")
    assert "\n" not in str(caught.value)


def test_text_output_is_a_table_of_both_sources() -> None:
    done = hardgate("rules", "list")
    assert done.returncode == 0, done.stderr
    assert re.search(r"\d+ rules", done.stdout)
    for needle in ("psycopg-sql-string-built", "B608", "bundled", "bandit", "CWE-89", "confidence"):
        assert needle in done.stdout


def test_an_unknown_format_is_one_line_and_exit_2() -> None:
    done = hardgate("rules", "list", "--format", "yaml")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "yaml" in done.stderr
