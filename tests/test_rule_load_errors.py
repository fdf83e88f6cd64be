"""A rule that fails to load fails the scan closed (exit 3), and the reason names the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

import gate.engine
from gate.engine import ScanRequest, run_scan
from gate.findings import ScanStatus, ScanTarget
from gate.policy import load_policy
from gate.report import Verdict
from gate.scanners.base import ScanConfig
from gate.scanners.semgrep import SemgrepScanner

GOOD = """rules:
  - id: good-rule
    languages: [python]
    severity: WARNING
    message: eval
    metadata: {cwe: ["CWE-95"], hardgate-evidence: shape}
    pattern: eval(...)
"""

BROKEN = {
    # semgrep reports these with the rule id
    "pattern-does-not-parse": (
        "rules:\n  - id: unparsable-pattern\n    languages: [python]\n    severity: ERROR\n"
        "    message: x\n    pattern: foo(\n",
        "rule unparsable-pattern failed to load",
    ),
    # ... this one only with the file and line of the rule
    "schema-violation": (
        "rules:\n  - id: wrong-schema\n    languages: [python]\n    severity: ERROR\n    message: x\n    patterns: 3\n",
        "rule wrong-schema (",
    ),
    # ... and this one with the file
    "not-yaml": ("rules: [\n", "bad.yaml"),
}


def rules_with(tmp_path: Path, broken: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "good.yaml").write_text(GOOD, encoding="utf-8")
    (rules / "bad.yaml").write_text(broken, encoding="utf-8")
    return rules


def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.py").write_text("def run(text):\n    return eval(text)\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_semgrep_fails_closed_naming_the_rule_that_did_not_load(tmp_path: Path, case: str) -> None:
    text, named = BROKEN[case]
    root = app(tmp_path)
    target = ScanTarget(root=root, files=("app.py",), python_files=("app.py",), manifests=())
    result = SemgrepScanner().run(target, ScanConfig(rules_dir=rules_with(tmp_path, text), work_dir=tmp_path))
    assert result.status is ScanStatus.FAILED
    assert named in result.reason
    assert "\n" not in result.reason


def test_a_broken_rule_makes_the_gate_exit_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate loads its rules from gate.engine.rules_dir(); point it at a folder holding a broken rule."""
    text, named = BROKEN["pattern-does-not-parse"]
    rules = rules_with(tmp_path, text)
    monkeypatch.setattr(gate.engine, "rules_dir", lambda: rules)
    report = run_scan(ScanRequest(root=app(tmp_path), environment="prod", policy=load_policy()))
    assert report.verdict is Verdict.ERROR
    assert report.verdict.exit_code == 3
    assert any(named in reason for reason in report.reasons), report.reasons
