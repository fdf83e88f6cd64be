"""Policy loading, schema errors that name file and key, and monotonic strictness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate.errors import ConfigError, UsageError
from gate.findings import Finding, FindingState, Location, Severity
from gate.policy import evaluate, load_policy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    return path


def finding(severity: Severity, **changes: object) -> Finding:
    base = Finding(
        tool="semgrep",
        rule_id="rule",
        title="t",
        message="m",
        severity=severity,
        location=Location("app.py", 3, 3),
        fingerprint=f"fp-{severity.label}",
    )
    return base.replace(**changes)


def test_embedded_defaults_block_critical_high_medium_by_environment() -> None:
    policy = load_policy()
    assert policy.for_environment("dev").block_on is Severity.CRITICAL
    assert policy.for_environment("staging").block_on is Severity.HIGH
    assert policy.for_environment("prod").block_on is Severity.MEDIUM
    assert policy.for_environment("prod").block_fixable_dependencies


def test_unknown_environment_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown environment 'qa'"):
        load_policy().for_environment("qa")


PROD = "version: 1\nenvironments:\n  prod:\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            PROD + "    block_on: severe\n",
            [r"environments\.prod\.block_on", "'severe' is not one of"],
            id="schema error names file, key and expectation",
        ),
        pytest.param("version: 1\nenvironments: [unclosed\n", [r"not valid YAML at line \d"], id="malformed YAML"),
        pytest.param(
            PROD + "    block_on: critical\n",
            [r"environments\.prod\.block_on: looser than staging"],
            id="prod looser than staging",
        ),
        pytest.param(
            PROD + "    fail_on_scanner_error: false\n",
            ["prod always fails closed"],
            id="prod cannot turn off fail-closed",
        ),
        pytest.param(
            PROD + "    exclude_paths: ['app/**']\n",
            ["exclude_paths: looser than staging"],
            id="prod may not exclude more paths than staging",
        ),
        pytest.param(
            PROD + "    advisory_evidence: [shape, exact]\n",
            [r"environments\.prod\.advisory_evidence: looser than staging"],
            id="prod may not report more evidence as advisory than staging",
        ),
    ],
)
def test_a_policy_that_breaks_a_rule_is_a_config_error_naming_the_file(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert all(re.search(pattern, message) for pattern in expected), message


def test_missing_policy_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="policy file not found"):
        load_policy(tmp_path / "absent.yml")


def test_dev_may_warn_on_scanner_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nenvironments:\n  dev:\n    fail_on_scanner_error: false\n")
    assert load_policy(path).for_environment("dev").fail_on_scanner_error is False


def test_evaluate_blocks_at_threshold_and_not_below() -> None:
    prod = load_policy().for_environment("prod")
    result = evaluate([finding(Severity.MEDIUM), finding(Severity.LOW)], prod)
    assert [f.blocking for f in result.findings] == [True, False]
    assert result.reasons


def test_evaluate_blocks_fixable_dependency_in_prod_only() -> None:
    dependency = finding(Severity.LOW, package="jinja2", version="2.10", fix_versions=("2.10.1",), location=None)
    assert evaluate([dependency], load_policy().for_environment("prod")).findings[0].blocking
    assert not evaluate([dependency], load_policy().for_environment("staging")).findings[0].blocking


def test_waived_finding_never_blocks() -> None:
    waived = finding(Severity.CRITICAL, state=FindingState.WAIVED)
    result = evaluate([waived], load_policy().for_environment("prod"))
    assert not result.findings[0].blocking
    assert result.reasons == ()


def test_max_counts_block_beyond_the_limit(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\nenvironments:\n  dev: {max_counts: {low: 1}}\n  staging: {max_counts: {low: 1}}\n"
        "  prod: {max_counts: {low: 1}}\n",
    )
    dev = load_policy(path).for_environment("dev")
    lows = [finding(Severity.LOW, fingerprint="a"), finding(Severity.LOW, fingerprint="b")]
    result = evaluate(lows, dev)
    assert all(f.blocking for f in result.findings)
    assert "more than the maximum of 1" in result.reasons[0]


# --- bad input is one ConfigError line, never a traceback (issue 14) ---------------------------------


def test_unquoted_impossible_date_is_a_config_error(tmp_path: Path) -> None:
    # YAML's timestamp resolver would raise ValueError on 2026-02-30 while parsing.
    path = write(tmp_path, "version: 1\nenvironments:\n  prod:\n    advisories:\n      max_age_days: 2026-02-30\n")
    with pytest.raises(ConfigError, match=r"environments\.prod\.advisories\.max_age_days"):
        load_policy(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nenvironments: &e\n  prod: *e\n", "recursive YAML anchor"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
            "aliases are expanded",
        ),
        ("version: 1\nx: " + "[" * 200 + "]" * 200 + "\n", "nested more than"),
    ],
)
def test_hostile_yaml_shapes_are_config_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_policy(write(tmp_path, text))


def test_local_is_an_alias_of_dev_and_qa_is_refused() -> None:
    policy = load_policy()
    assert policy.for_environment("local") is policy.for_environment("dev")
    with pytest.raises(UsageError, match="dev \\(or local\\), staging or prod"):
        policy.for_environment("qa")


def test_command_line_excludes_loosen_dev_only() -> None:
    policy = load_policy()
    loosened = policy.with_excludes("dev", ("vendor/**",))
    assert "vendor/**" in loosened.for_environment("dev").exclude_paths
    assert loosened.digest != policy.digest  # the decision record shows the policy was changed
    for environment in ("staging", "prod"):
        with pytest.raises(UsageError, match=f"--exclude is refused in {environment}"):
            policy.with_excludes(environment, ("vendor/**",))
    assert policy.with_excludes("prod", ()) is policy
