"""advisory_evidence: shape-only findings are reported, never blocking; a traced flow blocks in staging and prod."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import ConfigError
from gate.findings import Evidence, Finding, FindingState, Location, Severity, TraceStep
from gate.policy import evaluate, load_policy

TRACE = (
    TraceStep("source", Location("app.py", 3, 3), "name = request.args['n']"),
    TraceStep("sink", Location("app.py", 4, 4), "query_db(q)"),
)


def finding(evidence: Evidence, severity: Severity = Severity.HIGH, **changes: object) -> Finding:
    base = Finding(
        tool="semgrep",
        rule_id=f"rule-{evidence.value}",
        title="t",
        message="m",
        severity=severity,
        cwe=("CWE-89",),
        location=Location("app.py", 4, 4),
        evidence=evidence,
        trace=TRACE if evidence is Evidence.FLOW else (),
    )
    return base.replace(**changes)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_the_embedded_defaults_report_shape_findings_as_advisory(environment: str) -> None:
    policy = load_policy().for_environment(environment)
    assert policy.advisory_evidence == frozenset({Evidence.SHAPE})


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_a_flow_blocks_and_a_shape_at_the_same_severity_is_advisory(environment: str) -> None:
    policy = load_policy().for_environment(environment)
    result = evaluate([finding(Evidence.FLOW), finding(Evidence.SHAPE), finding(Evidence.EXACT)], policy)
    by_evidence = {f.evidence: f for f in result.findings}
    assert by_evidence[Evidence.FLOW].blocking and not by_evidence[Evidence.FLOW].advisory
    assert by_evidence[Evidence.EXACT].blocking
    assert not by_evidence[Evidence.SHAPE].blocking and by_evidence[Evidence.SHAPE].advisory
    assert result.reasons[0].startswith("2 finding(s) at or above")


def test_only_shape_findings_pass_prod() -> None:
    result = evaluate([finding(Evidence.SHAPE, Severity.CRITICAL)], load_policy().for_environment("prod"))
    assert result.reasons == ()


def test_advisory_findings_do_not_count_against_max_counts(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nenvironments:\n  prod:\n    max_counts: {low: 0}\n")
    policy = load_policy(path).for_environment("prod")
    result = evaluate([finding(Evidence.SHAPE, Severity.LOW)], policy)
    assert result.reasons == ()
    assert not result.findings[0].blocking


def test_a_rule_override_that_blocks_outranks_advisory_evidence(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nenvironments:\n  prod:\n    rules: {rule-shape: {block: true}}\n")
    result = evaluate([finding(Evidence.SHAPE, Severity.LOW)], load_policy(path).for_environment("prod"))
    assert result.findings[0].blocking and not result.findings[0].advisory


def test_dependency_and_gate_findings_are_never_advisory(tmp_path: Path) -> None:
    text = (
        "version: 1\nenvironments:\n"
        "  dev: {advisory_evidence: [shape, exact]}\n"
        "  staging: {advisory_evidence: [shape, exact]}\n"
        "  prod: {advisory_evidence: [shape, exact]}\n"
    )
    policy = load_policy(write(tmp_path, text)).for_environment("prod")
    dependency = finding(Evidence.EXACT, tool="pip-audit", package="flask", version="0.12.2")
    own = finding(Evidence.EXACT, tool="hardgate", rule_id="hardgate-not-scanned")
    code = finding(Evidence.EXACT)
    marked = {f.tool: f for f in evaluate([dependency, own, code], policy).findings}
    assert marked["pip-audit"].blocking and marked["hardgate"].blocking
    assert marked["semgrep"].advisory and not marked["semgrep"].blocking


def test_waived_findings_are_not_marked_advisory() -> None:
    waived = finding(Evidence.SHAPE, state=FindingState.WAIVED)
    assert not evaluate([waived], load_policy().for_environment("prod")).findings[0].advisory


# A later environment may not report more evidence as advisory: tests/test_policy.py's strictness cases.


def test_a_later_environment_may_report_less_as_advisory(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nenvironments:\n  prod:\n    advisory_evidence: []\n")
    policy = load_policy(path).for_environment("prod")
    assert policy.advisory_evidence == frozenset()
    assert evaluate([finding(Evidence.SHAPE)], policy).findings[0].blocking


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_staging_and_prod_may_never_treat_a_traced_flow_as_advisory(tmp_path: Path, environment: str) -> None:
    envs = {"dev": "[shape, flow]", "staging": "[shape, flow]", "prod": "[shape, flow]"}
    envs["prod" if environment == "staging" else "staging"] = "[shape]"
    text = "version: 1\nenvironments:\n" + "".join(f"  {e}: {{advisory_evidence: {v}}}\n" for e, v in envs.items())
    with pytest.raises(ConfigError, match=rf"environments\.{environment}\.advisory_evidence: must not list 'flow'"):
        load_policy(write(tmp_path, text))


def test_dev_may_treat_flows_as_advisory(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nenvironments:\n  dev:\n    advisory_evidence: [shape, exact, flow]\n")
    assert Evidence.FLOW in load_policy(path).for_environment("dev").advisory_evidence


@pytest.mark.parametrize("value", ["[certain]", "shape", "[shape, shape]"])
def test_the_schema_rejects_unknown_or_malformed_evidence_lists(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"version: 1\nenvironments:\n  dev:\n    advisory_evidence: {value}\n")
    with pytest.raises(ConfigError, match="advisory_evidence"):
        load_policy(path)
