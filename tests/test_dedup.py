"""Deduplication: one flaw is one finding, whichever tools and rules saw it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gate.dedup import compatible_cwe, deduplicate
from gate.findings import Evidence, Finding, Location, ScanResult, ScanStatus, ScanTarget, Severity, TraceStep
from gate.scanners.bandit import BanditScanner
from gate.scanners.base import ScanConfig
from gate.scanners.semgrep import SemgrepScanner

# The tests' own taint rule: request data reaching a `query_db()` helper or `execute`.
TAINT_RULE = Path(__file__).resolve().parent / "fixtures" / "rules" / "sql-flow.yaml"

APP = """from flask import Flask, request

app = Flask(__name__)


def query_db(query, args=()):
    return [query, args]


@app.route("/orders", methods=["POST"])
def orders():
    status = request.form["status"]
    query = "SELECT id FROM orders WHERE status = '%s'" % status
    return query_db(query)


def report(kind):
    query = "SELECT count(*) FROM orders WHERE kind = '%s'" % kind
    return query_db(query)
"""


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScanResult, ScanResult]:
    """Real bandit and semgrep output for the app above."""
    base = tmp_path_factory.mktemp("dedup")
    root, rules, work = base / "app", base / "rules", base / "work"
    for folder in (root, rules, work):
        folder.mkdir()
    (root / "app.py").write_text(APP, encoding="utf-8")
    shutil.copy(TAINT_RULE, rules / "rules.yaml")
    target = ScanTarget(root=root, files=("app.py",), python_files=("app.py",), manifests=())
    config = ScanConfig(rules_dir=rules, work_dir=work)
    bandit, semgrep = BanditScanner().run(target, config), SemgrepScanner().run(target, config)
    assert bandit.status is ScanStatus.OK, bandit.reason
    assert semgrep.status is ScanStatus.OK, semgrep.reason
    return bandit, semgrep


def test_bandit_b608_on_the_traced_build_line_merges_into_the_flow(scanned: tuple[ScanResult, ScanResult]) -> None:
    bandit, semgrep = scanned
    b608_lines = sorted(f.location.start_line for f in bandit.findings if f.rule_id == "B608" and f.location)
    assert b608_lines == [13, 18]  # both queries look alike to bandit
    flows = [f for f in semgrep.findings if f.trace]
    assert [f.location.start_line for f in flows if f.location] == [14]  # only one is fed by the request
    assert 13 in {step.location.start_line for step in flows[0].trace}

    merged = deduplicate([*bandit.findings, *semgrep.findings])
    at_flow = [f for f in merged if f.location and f.location.start_line in (13, 14)]
    assert len(at_flow) == 1
    finding = at_flow[0]
    assert finding.rule_id == "test-sql-flow"
    assert finding.sources == ("bandit", "semgrep")
    assert finding.evidence is Evidence.FLOW
    assert finding.trace == flows[0].trace
    assert ("merged_rule_id", "B608") in finding.extra
    # The look-alike nothing feeds stays a shape finding of its own.
    shape = [f for f in merged if f.location and f.location.start_line == 18]
    assert [(f.rule_id, f.evidence) for f in shape] == [("B608", Evidence.SHAPE)]


def code(
    rule: str,
    line: int,
    *,
    tool: str = "semgrep",
    cwe: tuple[str, ...] = ("CWE-89",),
    evidence: Evidence = Evidence.SHAPE,
    trace_lines: tuple[int, ...] = (),
    severity: Severity = Severity.MEDIUM,
) -> Finding:
    kinds = ["source", *["step"] * max(len(trace_lines) - 2, 0), "sink"][: len(trace_lines)]
    trace = tuple(TraceStep(kind, Location("app.py", n, n), f"line {n}") for kind, n in zip(kinds, trace_lines))
    found = Finding(tool, rule, rule, rule, severity, cwe=cwe, location=Location("app.py", line, line), trace=trace)
    return found.replace(sources=(tool,), evidence=Evidence.FLOW if trace_lines else evidence)


FLOW = code("taint-sql", 14, trace_lines=(12, 13, 14), severity=Severity.HIGH)


def test_a_shape_finding_on_any_trace_line_merges_keeping_the_flow_and_the_worse_severity() -> None:
    loud = code("B608", 12, tool="bandit", severity=Severity.CRITICAL)
    [merged] = deduplicate([loud, FLOW])
    assert merged.rule_id == "taint-sql"
    assert merged.severity is Severity.CRITICAL
    assert merged.trace == FLOW.trace
    assert merged.sources == ("bandit", "semgrep")


def test_a_shape_semgrep_rule_merges_too_even_from_the_same_tool() -> None:
    assert len(deduplicate([FLOW, code("sql-string-built", 13)])) == 1


def test_an_exact_finding_with_a_compatible_cwe_on_the_trace_merges() -> None:
    [merged] = deduplicate([FLOW, code("exact-sql", 14, evidence=Evidence.EXACT)])
    assert merged.evidence is Evidence.FLOW


def test_findings_off_the_trace_or_of_another_kind_stay_separate() -> None:
    off_trace = code("B608", 20, tool="bandit")
    other_kind = code("B105", 13, tool="bandit", cwe=("CWE-259",), evidence=Evidence.EXACT)
    other_file = code("B608", 13, tool="bandit").replace(location=Location("other.py", 13, 13))
    assert len(deduplicate([FLOW, off_trace, other_kind, other_file])) == 4


def test_the_gates_own_inline_suppression_finding_is_never_folded_away() -> None:
    suppression = code("hardgate-inline-suppression", 13, tool="hardgate")
    assert len(deduplicate([FLOW, suppression])) == 2


def test_two_flows_to_one_sink_are_one_finding_with_the_longer_trace() -> None:
    short = code("taint-sql-execute", 14, trace_lines=(13, 14))
    [merged] = deduplicate([short, FLOW])
    assert merged.trace == FLOW.trace
    assert ("merged_rule_id", "taint-sql-execute") in merged.extra


def test_cwe_families_link_the_same_flaw_named_at_different_precision() -> None:
    assert compatible_cwe(code("a", 1, cwe=("CWE-78",)), code("b", 1, cwe=("CWE-95",)))
    assert compatible_cwe(code("a", 1, cwe=("CWE-22",)), code("b", 1, cwe=("CWE-22",)))
    assert not compatible_cwe(code("a", 1, cwe=("CWE-89",)), code("b", 1, cwe=("CWE-78",)))
    assert not compatible_cwe(code("a", 1, cwe=()), code("b", 1, cwe=("CWE-89",)))


def test_same_line_merge_of_two_tools_keeps_the_strongest_evidence() -> None:
    shape = code("sql-string-built", 30)
    exact = code("B999", 30, tool="bandit", evidence=Evidence.EXACT)
    [merged] = deduplicate([shape, exact])
    assert merged.evidence is Evidence.EXACT


def test_dependency_findings_are_untouched_by_traces(make_dependency: Callable[..., Finding]) -> None:
    on_a_trace_line = {"location": Location("app.py", 13, 13), "cwe": ("CWE-89",)}
    dependency = make_dependency("flask", "0.12.2", "PYSEC-1", title="t", message="m", **on_a_trace_line)
    assert len(deduplicate([FLOW, dependency])) == 2
