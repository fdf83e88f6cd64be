"""Reporters: each format renders one realistic Report, validates against its schema, and never leaks secrets."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import jsonschema
import pytest

from gate.errors import UsageError
from gate.findings import (
    Finding,
    FindingState,
    Location,
    Severity,
    code_fingerprint,
    dependency_fingerprint,
)
from gate.report import Report, Verdict
from gate.reporters import REPORTERS, get_reporter
from gate.scanners.base import ScanResult, ScanStatus

# A secret the fixtures quote in a snippet, a message and a scanner's failure reason; no format may print it.
SECRET = "Hunter2Secret9"

SQLI_LINE = "    cur.execute(f\"SELECT * FROM orders WHERE customer = '{customer}'\")"
SQLI = Finding(
    tool="bandit",
    rule_id="B608",
    title="B608 hardcoded_sql_expressions",
    message="Possible SQL injection vector through string-based query construction.",
    severity=Severity.HIGH,
    confidence="medium",
    cwe=("CWE-89",),
    owasp=("A03:2021 - Injection",),
    location=Location("app/db.py", 14, 14, 5, 72),
    snippet=SQLI_LINE,
    fingerprint=code_fingerprint("bandit", "B608", "app/db.py", SQLI_LINE, 0),
    sources=("bandit", "semgrep"),
    blocking=True,
    help_uri="https://bandit.readthedocs.io/en/latest/plugins/b608_hardcoded_sql_expressions.html",
)
DSN_LINE = f'conn = psycopg.connect("postgresql://app:{SECRET}@db.internal:5432/shop")'
HARDCODED_DSN = Finding(
    tool="semgrep",
    rule_id="hardgate.python.hardcoded-dsn-password",
    title="hardgate.python.hardcoded-dsn-password",
    message=f"Password in a hard-coded DSN: postgresql://app:{SECRET}@db.internal:5432/shop",
    severity=Severity.CRITICAL,
    confidence="high",
    cwe=("CWE-798",),
    location=Location("app/settings.py", 3, 3, 1, 70),
    snippet=DSN_LINE,
    fingerprint=code_fingerprint("semgrep", "hardgate.python.hardcoded-dsn-password", "app/settings.py", DSN_LINE, 0),
    sources=("semgrep",),
    blocking=True,
)
JINJA = Finding(
    tool="pip-audit",
    rule_id="PYSEC-2021-66",
    title="jinja2 2.11.2: PYSEC-2021-66",
    message="ReDoS in the urlize filter via crafted input; fixed in 2.11.3",
    severity=Severity.MEDIUM,
    confidence="high",
    location=Location("requirements.txt", 3, 3),
    snippet="jinja2==2.11.2",
    package="jinja2",
    version="2.11.2",
    fix_versions=("2.11.3",),
    aliases=("CVE-2020-28493", "GHSA-g3rq-g295-4j3m"),
    fingerprint=dependency_fingerprint("PyPI", "jinja2", "2.11.2", ("PYSEC-2021-66", "CVE-2020-28493")),
    sources=("pip-audit",),
    blocking=True,
)
SSLMODE_LINE = 'DSN = "host=127.0.0.1 dbname=test sslmode=disable"'
WAIVED = Finding(
    tool="semgrep",
    rule_id="hardgate.python.sslmode-disable",
    title="hardgate.python.sslmode-disable",
    message="libpq connection with sslmode=disable sends credentials in clear text.",
    severity=Severity.HIGH,
    cwe=("CWE-319",),
    location=Location("tests/conftest.py", 8, 8),
    snippet=SSLMODE_LINE,
    fingerprint=code_fingerprint("semgrep", "hardgate.python.sslmode-disable", "tests/conftest.py", SSLMODE_LINE, 0),
    sources=("semgrep",),
    state=FindingState.WAIVED,
    waiver_id="W-7",
    waiver_justification="Loopback test database only; ticket SEC-142",
)
RANDOM_LINE = "token = random.choice(ALPHABET)"
BASELINED = Finding(
    tool="bandit",
    rule_id="B311",
    title="B311 blacklist",
    message="Standard pseudo-random generators are not suitable for security/cryptographic purposes.",
    severity=Severity.LOW,
    cwe=("CWE-330",),
    location=Location("app/ids.py", 22, 22),
    snippet=RANDOM_LINE,
    fingerprint=code_fingerprint("bandit", "B311", "app/ids.py", RANDOM_LINE, 0),
    sources=("bandit",),
    state=FindingState.BASELINED,
)
DEBUG = Finding(
    tool="semgrep",
    rule_id="hardgate.python.debug-enabled",
    title="hardgate.python.debug-enabled",
    message="Debug mode enabled: line 1, col 2 shows 100% of tracebacks",
    severity=Severity.LOW,
    cwe=("CWE-489",),
    location=Location("app/main.py", 40, 41),
    snippet="app.run(\n    debug=True)",
    fingerprint=code_fingerprint("semgrep", "hardgate.python.debug-enabled", "app/main.py", "app.run(", 0),
    sources=("semgrep",),
)

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


def test_text_lists_every_scanner_with_status_version_duration_and_cache() -> None:
    output = render("text", ERRORED)
    assert "bandit ok (bandit 1.7.9, 1.42s)" in output
    assert "semgrep ok (1.90.0, 7.90s, cached)" in output
    assert "pip-audit failed (pip-audit 2.7.3, 0.52s): could not query" in output


def test_text_reports_warnings_and_resolved_baseline_count() -> None:
    output = render("text", BLOCKED)
    assert "waiver W-3 expired on 2024-05-01" in output
    assert "waiver W-9 matched no finding" in output
    assert "baseline: 1 finding resolved since the baseline" in output


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
