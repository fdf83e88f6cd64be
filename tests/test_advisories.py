"""The offline OSV store: import, matching, severities, the loopback API, and the real pip-audit against it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from gate.advisories.importer import import_records
from gate.advisories.server import running_server
from gate.advisories.store import AdvisoryStore
from gate.errors import ConfigError
from gate.findings import Severity

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SET = REPO / "examples" / "advisories"
FIXTURES = REPO / "tests" / "fixtures" / "advisories"
SHARED_SNAPSHOT = REPO.parent / "shared" / "data" / "pypa-advisory-db" / "vulns"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def example_store(tmp_path: Path) -> Path:
    store = tmp_path / "advisories.db"
    summary = import_records(EXAMPLE_SET, store)
    assert summary.invalid == [] and summary.added > 0
    return store


def fixture_source(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "source"
    folder.mkdir()
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def post(url: str, payload: object) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_second_import_of_the_same_source_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "a.db"
    first = import_records(EXAMPLE_SET, store)
    second = import_records(EXAMPLE_SET, store)
    assert first.added == second.unchanged > 0
    assert second.added == second.updated == 0
    assert AdvisoryStore(store).count() == first.added


def test_withdrawn_records_are_skipped_and_invalid_ones_reported(tmp_path: Path) -> None:
    source = fixture_source(tmp_path, "withdrawn.json", "invalid.json", "garbage.yaml", "ranges.json")
    summary = import_records(source, tmp_path / "s.db")
    assert summary.withdrawn == 1
    assert summary.added == 1
    assert len(summary.invalid) == 2
    assert any(p.startswith("garbage.yaml: not JSON/YAML") for p in summary.invalid)
    assert any(p.startswith("invalid.json: ") for p in summary.invalid)
    store = AdvisoryStore(tmp_path / "s.db")
    assert store.lookup("PYSEC-2099-4") is None
    assert store.lookup("PYSEC-0000-invalid") is None


def test_garbage_only_import_leaves_the_store_unchanged(tmp_path: Path, example_store: Path) -> None:
    before = example_store.read_bytes()
    summary = import_records(fixture_source(tmp_path, "garbage.yaml"), example_store)
    assert summary.added == 0 and len(summary.invalid) == 1
    assert AdvisoryStore(example_store).count() == import_records(EXAMPLE_SET, tmp_path / "fresh.db").added
    assert before[:16] == example_store.read_bytes()[:16]


def test_truncated_zip_is_an_error_and_the_store_is_untouched(tmp_path: Path, example_store: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for record in sorted(EXAMPLE_SET.glob("*.json")):
            bundle.write(record, record.name)
    archive.write_bytes(archive.read_bytes()[:-200])
    before = example_store.read_bytes()
    with pytest.raises(ConfigError, match="nothing imported"):
        import_records(archive, example_store)
    assert example_store.read_bytes() == before


def test_zip_of_json_like_the_osv_bulk_export_imports(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for record in sorted(EXAMPLE_SET.glob("*.json")):
            bundle.write(record, record.name)
    summary = import_records(archive, tmp_path / "z.db")
    assert summary.added == len(list(EXAMPLE_SET.glob("*.json")))


def test_opening_something_that_is_not_a_store_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not sqlite")
    with pytest.raises(ConfigError, match="not a Hardgate advisory store"):
        AdvisoryStore(bogus)


@pytest.mark.parametrize(
    ("version", "affected"),
    [("0.9.1", True), ("0.9.2", False), ("1.0", True), ("1.3.9", True), ("1.4", False), ("1.9", False),
     ("2.0", True), ("2.2", True), ("2.2.1", False)],
)
def test_ecosystem_ranges_and_versions_list_follow_pep440(tmp_path: Path, version: str, affected: bool) -> None:
    import_records(fixture_source(tmp_path, "ranges.json"), tmp_path / "r.db")
    found = AdvisoryStore(tmp_path / "r.db").query("example-pkg", Version(version))
    assert bool(found) is affected


def test_severity_from_cvss4_vector(tmp_path: Path) -> None:
    import_records(fixture_source(tmp_path, "ranges.json"), tmp_path / "r.db")
    assert AdvisoryStore(tmp_path / "r.db").severity_for("PYSEC-2099-3") is Severity.CRITICAL


def test_severity_from_cvss3_vector_beats_the_label(example_store: Path) -> None:
    assert AdvisoryStore(example_store).severity_for("GHSA-6757-jp84-gxfx") is Severity.CRITICAL


def test_severity_from_ghsa_label_and_through_an_alias(tmp_path: Path) -> None:
    import_records(fixture_source(tmp_path, "labelled.json", "unlabelled.json"), tmp_path / "l.db")
    store = AdvisoryStore(tmp_path / "l.db")
    assert store.severity_for("GHSA-2222-3333-4444") is Severity.MEDIUM
    assert store.severity_for("PYSEC-2099-1") is Severity.MEDIUM  # none of its own: its alias's


def test_severity_unknown_when_no_record_has_one(example_store: Path) -> None:
    assert AdvisoryStore(example_store).severity_for("PYSEC-2015-11") is None


def test_server_answers_query_purl_batch_and_vulns(example_store: Path) -> None:
    with running_server(example_store) as url:
        base = url.removesuffix("/v1/query")
        status, body = post(url, {"package": {"name": "Jinja2", "ecosystem": "PyPI"}, "version": "2.10"})
        assert status == 200
        ids = {v["id"] for v in body["vulns"]}  # type: ignore[union-attr, index]
        assert {"PYSEC-2019-217", "GHSA-462w-v97r-4m45"} <= ids
        status, body = post(url, {"package": {"purl": "pkg:pypi/jinja2@3.1.4"}})
        assert (status, body) == (200, {"vulns": []})
        status, body = post(f"{base}/v1/querybatch", {"queries": [
            {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.1"},
            {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "6.0.2"},
        ]})
        results = body["results"]
        assert status == 200 and len(results[0]["vulns"]) >= 3 and results[1]["vulns"] == []  # type: ignore[index]
        with urllib.request.urlopen(f"{base}/v1/vulns/PYSEC-2019-217", timeout=10) as response:
            assert json.loads(response.read())["aliases"] == ["CVE-2019-10906", "GHSA-462w-v97r-4m45"]


@pytest.mark.parametrize(
    "payload",
    [
        {"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "not a version!"},
        {"package": {"name": "jinja2", "ecosystem": "npm"}, "version": "1.0"},
        {"version": "1.0"},
        ["not", "an", "object"],
    ],
)
def test_malformed_request_gets_400_json_and_the_server_survives(example_store: Path, payload: object) -> None:
    with running_server(example_store) as url:
        status, body = post(url, payload)
        assert status == 400 and body["message"]
        status, _ = post(url, {"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "2.10"})
        assert status == 200


def run_pip_audit(requirements: Path, url: str) -> dict[str, object]:
    done = subprocess.run(
        [str(VENV_BIN / "pip-audit"), "-r", str(requirements), "--no-deps", "--disable-pip", "-s", "osv",
         "--osv-url", url, "-f", "json", "--progress-spinner", "off"],
        capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )
    assert done.returncode in (0, 1), done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_real_pip_audit_finds_known_advisories_and_none_for_fixed_pins(example_store: Path, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("jinja2==2.10\npyyaml==5.1\ndjango==1.8.3\njinja2-time==0.2.0\n")
    fixed = tmp_path / "requirements-fixed.txt"
    fixed.write_text("jinja2==3.1.4\npyyaml==6.0.2\ndjango==4.2.16\n")
    with running_server(example_store) as url:
        vulnerable = run_pip_audit(requirements, url)
        clean = run_pip_audit(fixed, url)
    found = {d["name"]: {v["id"] for v in d["vulns"]} for d in vulnerable["dependencies"]}  # type: ignore[attr-defined]
    assert "PYSEC-2019-217" in found["jinja2"]
    assert "PYSEC-2020-96" in found["pyyaml"]
    assert found["django"]
    assert all(not d["vulns"] for d in clean["dependencies"])  # type: ignore[attr-defined]


@pytest.mark.skipif(not SHARED_SNAPSHOT.is_dir(), reason="the shared PyPA advisory snapshot is not beside the checkout")
def test_whole_shared_snapshot_imports_minus_withdrawn_and_invalid(tmp_path: Path) -> None:
    store = tmp_path / "all.db"
    first = import_records(SHARED_SNAPSHOT, store)
    assert first.total == 2661
    assert first.added == first.total - first.withdrawn - len(first.invalid)
    assert first.withdrawn == 10
    second = import_records(SHARED_SNAPSHOT, store)
    assert second.unchanged == first.added and second.added == second.updated == 0
