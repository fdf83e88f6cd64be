"""`--format cyclonedx`: a CycloneDX 1.6 SBOM with vulnerabilities and VEX, validated by cyclonedx-python-lib."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from test_reporters import BLOCKED, JINJA, PASSED, SECRET

from gate.report import Report
from gate.reporters import get_reporter

REPO = Path(__file__).resolve().parents[1]
HARDGATE = Path(sys.executable).parent / "hardgate"
WAIVERS = REPO / "tests" / "fixtures" / "waivers" / "vulnerable-app-cve-2018-18074.yml"


def render(report: Report) -> str:
    return get_reporter("cyclonedx").render(report)


def valid(text: str) -> dict[str, Any]:
    """Checked by the library's own strict validator against the published CycloneDX 1.6 JSON schema."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    document: dict[str, Any] = json.loads(text)
    assert (document["bomFormat"], document["specVersion"]) == ("CycloneDX", "1.6")
    return document


def props(entry: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in entry.get("properties", [])}


@pytest.fixture(scope="module")
def scanned_bom(tmp_path_factory: pytest.TempPathFactory, example_advisories: Path) -> dict[str, Any]:
    """examples/vulnerable-app scanned for prod, offline, with a waiver on one advisory, as CycloneDX."""
    work = tmp_path_factory.mktemp("cyclonedx")
    app = work / "app"
    shutil.copytree(REPO / "examples" / "vulnerable-app", app)
    env = {"PATH": f"{HARDGATE.parent}:/usr/bin:/bin", "HARDGATE_CACHE_DIR": str(work / "cache"), "HOME": str(work)}
    store = example_advisories
    out = work / "bom.json"
    result = subprocess.run(
        [
            *(str(HARDGATE), "scan", str(app), "--env", "prod", "--advisories", str(store), "--no-cache", "-q"),
            *("--waivers", str(WAIVERS), "--format", "cyclonedx", "--output", str(out)),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    return valid(out.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_pinned_requirement_is_a_component_with_its_purl(scanned_bom: dict[str, Any]) -> None:
    pinned = [
        line.split("==")
        for line in (REPO / "examples/vulnerable-app/requirements.txt").read_text().split()
        if "==" in line
    ]
    components = {c["name"]: c for c in scanned_bom["components"]}
    assert set(components) == {name for name, _ in pinned}
    for number, (name, version) in enumerate(pinned, start=1):
        assert components[name]["purl"] == f"pkg:pypi/{name.lower()}@{version}"
        assert props(components[name])["hardgate:manifest"] == f"requirements.txt:{number}"
    root = scanned_bom["metadata"]["component"]["bom-ref"]
    [graph] = [d for d in scanned_bom["dependencies"] if d["ref"] == root]
    assert set(graph["dependsOn"]) == {c["bom-ref"] for c in components.values()}


@pytest.mark.slow
def test_vulnerabilities_carry_ids_aliases_ratings_affected_and_fixed_versions(scanned_bom: dict[str, Any]) -> None:
    refs = {c["bom-ref"]: c for c in scanned_bom["components"]}
    vulns = {v["id"]: v for v in scanned_bom["vulnerabilities"]}
    assert len(vulns) >= 5
    pyyaml = vulns["PYSEC-2020-96"]
    assert {r["id"] for r in pyyaml["references"]} == {"CVE-2020-1747", "GHSA-6757-jp84-gxfx"}
    assert pyyaml["ratings"][0]["severity"] == "critical"
    assert pyyaml["recommendation"] == "Upgrade pyyaml to 5.3.1."
    [target] = pyyaml["affects"]
    assert refs[target["ref"]]["name"] == "pyyaml"
    assert {(v["version"], v["status"]) for v in target["versions"]} == {("5.1", "affected"), ("5.3.1", "unaffected")}
    assert pyyaml["advisories"][-1]["url"].endswith("/PYSEC-2020-96")
    for vuln in vulns.values():
        assert vuln["affects"][0]["ref"] in refs


@pytest.mark.slow
def test_a_waived_advisory_is_vex_not_affected_with_owner_and_expiry(scanned_bom: dict[str, Any]) -> None:
    [waived] = [v for v in scanned_bom["vulnerabilities"] if "analysis" in v]
    assert "CVE-2018-18074" in {r["id"] for r in waived["references"]} | {waived["id"]}
    assert waived["analysis"]["state"] == "not_affected"
    assert waived["analysis"]["detail"].startswith("Redirects are never followed to plain HTTP")
    assert props(waived)["hardgate:state"] == "waived"
    assert props(waived)["hardgate:waiver:id"] == "W-101"
    assert props(waived)["hardgate:waiver:owner"] == "app-team@example.com"
    assert props(waived)["hardgate:waiver:expires"] == "2099-01-31"
    others = [v for v in scanned_bom["vulnerabilities"] if v is not waived]
    assert all(props(v)["hardgate:state"] == "open" for v in others)


def test_lock_files_and_includes_become_components_direct_or_not(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r base.txt\n-c constraints.txt\nflask==3.0.0\n")
    (tmp_path / "base.txt").write_text("psycopg==3.1.18\n")
    (tmp_path / "constraints.txt").write_text("werkzeug==3.0.1\n")
    document = valid(render(dataclasses.replace(PASSED, target=str(tmp_path), findings=())))
    components = {c["name"].lower(): c for c in document["components"]}
    assert set(components) == {"flask", "psycopg", "werkzeug"}
    assert props(components["psycopg"])["hardgate:manifest"] == "base.txt:1"
    assert props(components["werkzeug"])["hardgate:direct"] == "false"
    assert props(components["flask"])["hardgate:direct"] == "true"
    assert document.get("vulnerabilities", []) == []


def test_a_report_whose_target_is_gone_still_lists_its_vulnerable_packages() -> None:
    document = valid(render(BLOCKED))
    [component] = document["components"]
    assert component["purl"] == "pkg:pypi/jinja2@2.11.2"
    [vuln] = document["vulnerabilities"]
    assert vuln["id"] == JINJA.rule_id
    assert {r["id"] for r in vuln["references"]} == set(JINJA.aliases)
    assert SECRET not in render(BLOCKED)


def test_the_sbom_is_stable_across_renders_of_one_report() -> None:
    assert render(BLOCKED) == render(BLOCKED)
