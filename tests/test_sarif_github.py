"""SARIF details GitHub code scanning needs: advisory helpUri, encoded URIs, %SRCROOT%, manifest locations."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
from test_reporters import BLOCKED, DEBUG, JINJA, PASSED, SQLI, sarif_schema

from gate.findings import Location
from gate.report import Report
from gate.reporters import get_reporter


def sarif(report: Report) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(get_reporter("sarif").render(report))
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    return document


def test_a_dependency_rule_links_its_advisory_and_a_code_rule_keeps_its_own_help() -> None:
    rules = {r["id"]: r for r in sarif(BLOCKED)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["PYSEC-2021-66"]["helpUri"] == "https://osv.dev/vulnerability/PYSEC-2021-66"
    assert rules["B608"]["helpUri"] == SQLI.help_uri
    assert "helpUri" not in rules["hardgate.python.debug-enabled"]


def test_artifact_uris_are_percent_encoded_relative_references() -> None:
    odd = DEBUG.replace(location=Location("app/my file#1%.py", 3, 3))
    [result] = sarif(dataclasses.replace(PASSED, findings=(odd,)))["runs"][0]["results"]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "app/my%20file%231%25.py", "uriBaseId": "%SRCROOT%"}


def test_srcroot_is_declared_as_the_scanned_tree(tmp_path: Path) -> None:
    run = sarif(dataclasses.replace(PASSED, target=str(tmp_path)))["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]
    assert base["uri"] == tmp_path.resolve().as_uri() + "/"
    gone = sarif(PASSED)["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    assert "uri" not in gone and gone["description"]["text"]


def test_a_dependency_pinned_in_an_included_requirements_file_is_located_there(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r requirements/base.txt\nflask==3.0.0\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("# shared pins\njinja2==2.11.2\n")
    unlocated = JINJA.replace(location=None)
    [result] = sarif(dataclasses.replace(BLOCKED, target=str(tmp_path), findings=(unlocated,)))["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "requirements/base.txt"
    assert location["region"]["startLine"] == 2
