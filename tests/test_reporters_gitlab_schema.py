"""gl-sast-report.json from real scans (bandit, semgrep, pip-audit), held to GitLab's SAST schema 15.x rules.

GitLab's published schema is not vendored here (see docs/reports.md, gitlab): CONTRACT below is this
project's own Draft-07 statement of the rules of sast-report-format.json 15.1.4 that the reporter
must meet — required fields, enums, patterns, length bounds — plus the vulnerability fields the
15.0.0 schemas removed, which must not come back.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_reporters import PASSED, SQLI

from gate.reporters import get_reporter
from gate.reporters.gitlab import SCHEMA_URL, SCHEMA_VERSION

REPO = Path(__file__).resolve().parents[1]
HARDGATE = Path(sys.executable).parent / "hardgate"

_TEXT = {"type": "string", "minLength": 1}
_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"}  # UTC, no zone suffix
_LINK = {"type": "string", "pattern": "^(https?|ftp)://.+"}
_TOOL = {
    "type": "object",
    "required": ["id", "name", "version", "vendor"],
    "properties": {
        "id": _TEXT,
        "name": _TEXT,
        "version": _TEXT,
        "vendor": {"type": "object", "required": ["name"], "properties": {"name": _TEXT}},
    },
}
# Vulnerability fields of the 14.x schemas (deprecated there) that 15.0.0 removed.
REMOVED_IN_15 = ("category", "confidence", "cve", "message", "scanner")
_VULNERABILITY = {
    "type": "object",
    "required": ["id", "identifiers", "location", "name", "description", "severity"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
        "name": {"type": "string", "maxLength": 255},
        "description": {"type": "string", "maxLength": 1_048_576},
        "solution": {"type": "string", "maxLength": 7_000},
        "severity": {"enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]},
        "identifiers": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["type", "name", "value"],
                "properties": {"type": _TEXT, "name": _TEXT, "value": _TEXT, "url": _LINK},
            },
        },
        "links": {"type": "array", "items": {"type": "object", "required": ["url"], "properties": {"url": _LINK}}},
        "location": {
            "type": "object",
            "required": ["file", "start_line", "end_line"],
            "properties": {
                "file": _TEXT,
                "start_line": {"type": "integer", "minimum": 1},
                "end_line": {"type": "integer", "minimum": 1},
            },
        },
    },
    "not": {"anyOf": [{"required": [field]} for field in REMOVED_IN_15]},
}
CONTRACT: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["version", "schema", "scan", "vulnerabilities"],
    "properties": {
        "version": {"type": "string", "pattern": r"^15\.[0-9]+\.[0-9]+$"},
        "schema": {"type": "string", "format": "uri", "pattern": "^https?://.+"},
        "scan": {
            "type": "object",
            "required": ["analyzer", "scanner", "type", "start_time", "end_time", "status"],
            "properties": {
                "analyzer": _TOOL,
                "scanner": _TOOL,
                "type": {"const": "sast"},
                "start_time": _TIME,
                "end_time": _TIME,
                "status": {"enum": ["success", "failure"]},
                "messages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["level", "value"],
                        "properties": {"level": {"enum": ["info", "warn", "fatal"]}, "value": _TEXT},
                    },
                },
            },
        },
        "vulnerabilities": {"type": "array", "items": _VULNERABILITY},
    },
}
VALIDATOR = jsonschema.Draft7Validator(CONTRACT, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def valid(document: dict[str, Any]) -> dict[str, Any]:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert errors == [], errors
    return document


def scan(target: Path, work: Path, store: Path) -> tuple[int, dict[str, Any]]:
    """`hardgate scan TARGET --env prod --format gitlab`, offline against the example advisories."""
    out = work / f"{target.name}.gl-sast-report.json"
    env = {"PATH": f"{HARDGATE.parent}:/usr/bin:/bin", "HARDGATE_CACHE_DIR": str(work / "cache"), "HOME": str(work)}
    args = [str(target), "--env", "prod", "--advisories", str(store), "--no-cache", "-q", "--format", "gitlab"]
    result = subprocess.run(
        [str(HARDGATE), "scan", *args, "--output", str(out)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gitlab_scan(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], tuple[int, dict[str, Any]]]:
    work = tmp_path_factory.mktemp("gitlab")
    store = work / "advisories.db"
    importing = [str(HARDGATE), "advisories", "import", str(REPO / "examples" / "advisories"), "--store", str(store)]
    subprocess.run(importing, check=True, capture_output=True)
    return lambda target: scan(target, work, store)


@pytest.fixture(scope="module")
def vulnerable_app(gitlab_scan: Callable[[Path], tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    code, document = gitlab_scan(REPO / "examples" / "vulnerable-app")
    assert code == 1
    return document


# --- the contract itself --------------------------------------------------------------------------------


def test_the_contract_is_a_valid_draft7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(CONTRACT)


def breaks_severity(d: dict[str, Any]) -> None:
    d["vulnerabilities"][0]["severity"] = "Severe"


def drops_identifiers(d: dict[str, Any]) -> None:
    del d["vulnerabilities"][0]["identifiers"]


def empties_identifiers(d: dict[str, Any]) -> None:
    d["vulnerabilities"][0]["identifiers"] = []


def zones_the_start_time(d: dict[str, Any]) -> None:
    d["scan"]["start_time"] += "Z"


def links_a_script(d: dict[str, Any]) -> None:
    d["vulnerabilities"][0]["links"] = [{"url": "javascript:alert(1)"}]


def brings_back_confidence(d: dict[str, Any]) -> None:
    d["vulnerabilities"][0]["confidence"] = "High"


def drops_the_scan_status(d: dict[str, Any]) -> None:
    del d["scan"]["status"]


def names_another_scan_type(d: dict[str, Any]) -> None:
    d["scan"]["type"] = "dast"


MUTATIONS = [
    breaks_severity,
    drops_identifiers,
    empties_identifiers,
    zones_the_start_time,
    links_a_script,
    brings_back_confidence,
    drops_the_scan_status,
    names_another_scan_type,
]


@pytest.mark.slow
@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__)
def test_the_contract_rejects_a_broken_report(vulnerable_app: dict[str, Any], mutate: Callable[..., None]) -> None:
    """Negative control: the real report, broken in one place, must fail validation."""
    broken = copy.deepcopy(vulnerable_app)
    mutate(broken)
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(broken)


# --- real scans -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_vulnerable_app_report_meets_the_schema_with_code_and_dependency_findings(
    vulnerable_app: dict[str, Any],
) -> None:
    valid(vulnerable_app)
    assert vulnerable_app["scan"]["status"] == "success"
    primary = {v["identifiers"][0]["type"] for v in vulnerable_app["vulnerabilities"]}
    assert {"bandit_id", "semgrep_id", "pysec"} <= primary
    assert any(i["type"] == "cwe" for v in vulnerable_app["vulnerabilities"] for i in v["identifiers"])


@pytest.mark.slow
def test_version_and_schema_url_name_the_same_schema(vulnerable_app: dict[str, Any]) -> None:
    assert vulnerable_app["version"] == SCHEMA_VERSION
    assert vulnerable_app["schema"] == SCHEMA_URL
    assert re.search(rf"/v{re.escape(SCHEMA_VERSION)}/dist/sast-report-format\.json$", SCHEMA_URL)


@pytest.mark.slow
def test_a_dependency_pinned_in_an_included_requirements_file_is_reported_there(
    gitlab_scan: Callable[[Path], tuple[int, dict[str, Any]]], tmp_path: Path
) -> None:
    app = tmp_path / "deps-app"
    (app / "requirements").mkdir(parents=True)
    (app / "requirements.txt").write_text("-r requirements/base.txt\nrequests==2.32.3\n", encoding="utf-8")
    (app / "requirements" / "base.txt").write_text("# shared pins\npyyaml==5.1\n", encoding="utf-8")
    code, document = gitlab_scan(app)
    assert code == 1
    dependencies = [v for v in valid(document)["vulnerabilities"] if "dependency" in v["location"]]
    assert {v["identifiers"][0]["value"] for v in dependencies} >= {"PYSEC-2020-96"}
    for vulnerability in dependencies:
        location = vulnerability["location"]
        assert (location["file"], location["start_line"]) == ("requirements/base.txt", 2)
        assert location["dependency"] == {"package": {"name": "pyyaml"}, "version": "5.1"}
        assert vulnerability["solution"].startswith("Upgrade pyyaml to ")


@pytest.mark.slow
def test_a_clean_tree_passes_with_an_empty_valid_report(
    gitlab_scan: Callable[[Path], tuple[int, dict[str, Any]]], tmp_path: Path
) -> None:
    app = tmp_path / "clean"
    app.mkdir()
    (app / "calc.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n", encoding="utf-8")
    (app / "requirements.txt").write_text("requests==2.32.3\n", encoding="utf-8")
    code, document = gitlab_scan(app)
    assert code == 0
    assert valid(document)["vulnerabilities"] == []
    assert document["scan"]["status"] == "success"


# --- values the schema would reject, from one rendered finding ------------------------------------------


def test_values_the_schema_rejects_are_clipped_or_left_out() -> None:
    odd = SQLI.replace(help_uri="see the bandit docs", cwe=("CWE-", "CWE-89"), snippet="x" * 1_100_000)
    document = valid(json.loads(get_reporter("gitlab").render(dataclasses.replace(PASSED, findings=(odd,)))))
    [vulnerability] = document["vulnerabilities"]
    assert "links" not in vulnerability
    assert [i["value"] for i in vulnerability["identifiers"] if i["type"] == "cwe"] == ["89"]
    assert len(vulnerability["description"]) == 1_048_576
    assert vulnerability["description"].endswith("[… truncated]")
