"""The loopback OSV API: query, querybatch, vulns/{id}, 400s, and the real pip-audit against it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from gate.advisories.importer import import_records
from gate.advisories.server import running_server
from gate.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SET = REPO / "examples" / "advisories"
FIXTURES = REPO / "tests" / "fixtures" / "advisories"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example set plus the odd-fixed fixture, imported once for the module."""
    path = tmp_path_factory.mktemp("server") / "advisories.db"
    assert import_records(EXAMPLE_SET, path).added == 17
    extra = tmp_path_factory.mktemp("extra")
    shutil.copy(FIXTURES / "odd-fixed.json", extra / "odd-fixed.json")
    assert import_records(extra, path).added == 1
    return path


@pytest.fixture(scope="module")
def url(store: Path) -> Iterator[str]:
    with running_server(store) as query_url:
        yield query_url


def request(url: str, payload: Any = None, *, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (None if payload is None else json.dumps(payload).encode())
    req = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        assert error.headers["Content-Type"] == "application/json"
        return error.code, json.loads(error.read())


def pypi(name: str, version: str) -> dict[str, Any]:
    return {"package": {"name": name, "ecosystem": "PyPI"}, "version": version}


def test_query_by_name_returns_full_records_with_canonical_names(url: str) -> None:
    status, body = request(url, pypi("Jinja2", "2.10"))
    assert status == 200
    assert [v["id"] for v in body["vulns"]] == ["GHSA-462w-v97r-4m45", "PYSEC-2019-217", "PYSEC-2021-66"]
    assert all(v["affected"][0]["package"]["name"] == "jinja2" for v in body["vulns"])
    assert body["vulns"][1]["aliases"] == ["CVE-2019-10906", "GHSA-462w-v97r-4m45"]


def test_query_by_purl_with_and_without_a_match(url: str) -> None:
    status, body = request(url, {"package": {"purl": "pkg:pypi/pyyaml@5.1"}})
    assert status == 200 and {v["id"] for v in body["vulns"]} >= {"PYSEC-2020-96", "PYSEC-2021-142"}
    assert request(url, {"package": {"purl": "pkg:pypi/jinja2@3.1.4"}}) == (200, {"vulns": []})
    assert request(url, {"package": {"purl": "pkg:pypi/jinja2"}, "version": "3.1.4"}) == (200, {"vulns": []})


def test_querybatch_answers_each_query_in_order_with_ids_only(url: str) -> None:
    base = url.removesuffix("/v1/query")
    queries = [pypi("pyyaml", "5.1"), pypi("pyyaml", "6.0.2"), pypi("django", "1.8.3"), pypi("unknown-pkg", "1")]
    status, body = request(f"{base}/v1/querybatch", {"queries": queries})
    assert status == 200
    ids = [[v["id"] for v in result["vulns"]] for result in body["results"]]
    assert ids == [
        ["GHSA-6757-jp84-gxfx", "PYSEC-2020-176", "PYSEC-2020-96", "PYSEC-2021-142"],
        [],
        ["PYSEC-2015-11", "PYSEC-2015-22", "PYSEC-2016-15"],
        [],
    ]
    assert set(body["results"][0]["vulns"][0]) == {"id", "modified"}


def test_querybatch_names_the_bad_query(url: str) -> None:
    base = url.removesuffix("/v1/query")
    status, body = request(f"{base}/v1/querybatch", {"queries": [pypi("pyyaml", "5.1"), pypi("pyyaml", "x y")]})
    assert status == 400 and body["message"].startswith("queries[1]: invalid PEP 440 version")


def test_vulns_endpoint_returns_the_stored_record_or_404(url: str) -> None:
    base = url.removesuffix("/v1/query")
    status, record = request(f"{base}/v1/vulns/PYSEC-2019-217")
    assert status == 200 and record["id"] == "PYSEC-2019-217"
    assert record == json.loads((EXAMPLE_SET / "PYSEC-2019-217.json").read_text())
    status, body = request(f"{base}/v1/vulns/CVE-2019-10906")  # an alias is not a record
    assert status == 404 and body["code"] == 5


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (pypi("jinja2", "not a version!"), "invalid PEP 440 version 'not a version!'"),
        ({"package": {"name": "jinja2", "ecosystem": "npm"}, "version": "1.0"}, "ecosystem 'npm' is not served"),
        ({"version": "1.0"}, "query.package must be an object"),
        ({"package": {"ecosystem": "PyPI"}, "version": "1.0"}, "query.package.name is required"),
        ({"package": {"name": "jinja2", "ecosystem": "PyPI"}}, "query.version is required"),
        ({"package": {"purl": "pkg:npm/left-pad@1.0"}}, "only PyPI is served"),
        ({"package": {"purl": "pkg:pypi/jinja2@2.10"}, "version": "2.10"}, "not both"),
        (["not", "an", "object"], "a query must be a JSON object"),
    ],
)
def test_malformed_query_gets_400_with_a_json_error(url: str, payload: Any, message: str) -> None:
    status, body = request(url, payload)
    assert status == 400 and body["code"] == 3 and message in body["message"]


def test_body_that_is_not_json_gets_400_and_the_server_keeps_serving(url: str) -> None:
    status, body = request(url, raw=b"{not json")
    assert (status, body["message"]) == (400, "the body is not valid JSON")
    assert request(url, pypi("jinja2", "2.10"))[0] == 200


def test_unknown_endpoint_is_404_json(url: str) -> None:
    base = url.removesuffix("/v1/query")
    assert request(f"{base}/v2/query", pypi("jinja2", "2.10"))[0] == 404
    assert request(f"{base}/v1/vulns/")[0] == 404


def test_concurrent_queries_all_get_their_own_answer(url: str) -> None:
    queries = [pypi("jinja2", "2.10"), pypi("jinja2", "3.1.4"), pypi("django", "1.8.3")] * 20
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda q: request(url, q), queries))
    counts = [(status, len(body["vulns"])) for status, body in answers]
    assert counts == [(200, 3), (200, 0), (200, 3)] * 20


def test_served_record_drops_non_pep440_events_that_would_crash_pip_audit(url: str) -> None:
    status, body = request(url, pypi("odd-fixed-pkg", "1.2"))
    assert status == 200
    ranges = body["vulns"][0]["affected"][0]["ranges"]
    assert ranges[0]["events"] == [{"introduced": "0"}]
    assert ranges[1]["events"] == [{"introduced": "1.0"}, {"fixed": "1.5"}]


def test_running_server_refuses_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "x.db").write_text("nope")
    with pytest.raises(ConfigError), running_server(tmp_path / "x.db"):
        pass


def pip_audit(requirements: Path, url: str, cache: Path) -> dict[str, list[str]]:
    """The real pip-audit against the loopback server: package -> every id and alias it reported."""
    done = subprocess.run(
        [str(VENV_BIN / "pip-audit"), "-r", str(requirements), "--no-deps", "--disable-pip",
         "--vulnerability-service", "osv", "--osv-url", url, "--format", "json", "--progress-spinner", "off",
         "--cache-dir", str(cache)],
        capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )
    report = json.loads(done.stdout)  # a crash would leave no JSON here
    found = {
        d["name"]: sorted({i for v in d["vulns"] for i in (v["id"], *v["aliases"])}) for d in report["dependencies"]
    }
    assert done.returncode == (1 if any(found.values()) else 0), done.stderr
    return found


def test_real_pip_audit_finds_the_known_advisories_of_the_vulnerable_pins(url: str, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    pins = (REPO / "examples" / "vulnerable-app" / "requirements.txt").read_text()
    requirements.write_text(pins + "django==1.8.3\nodd-fixed-pkg==1.2\n")
    found = pip_audit(requirements, url, tmp_path / "cache")
    assert {"PYSEC-2019-217", "CVE-2019-10906", "GHSA-462w-v97r-4m45", "PYSEC-2021-66"} <= set(found["jinja2"])
    assert {"PYSEC-2020-96", "PYSEC-2020-176", "PYSEC-2021-142", "CVE-2020-1747"} <= set(found["pyyaml"])
    assert {"PYSEC-2015-11", "PYSEC-2015-22", "PYSEC-2016-15"} <= set(found["django"])
    assert {"PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62"} <= set(found["flask"])
    assert {"PYSEC-2018-28", "PYSEC-2023-74"} <= set(found["requests"])
    assert found["psycopg"] == []  # no advisory for psycopg 3.1.18 exists in the snapshot; none is invented
    assert found["odd-fixed-pkg"] == ["PYSEC-2099-6"]


def test_real_pip_audit_finds_nothing_for_the_clean_apps_pins(url: str, tmp_path: Path) -> None:
    found = pip_audit(REPO / "examples" / "clean-app" / "requirements.txt", url, tmp_path / "cache")
    assert found == {"flask": [], "jinja2": [], "pyyaml": [], "requests": [], "psycopg": []}


def test_cli_serve_answers_on_loopback_until_interrupted(store: Path) -> None:
    server = subprocess.Popen(
        [str(VENV_BIN / "hardgate"), "advisories", "serve", "--store", str(store), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert banner.startswith("serving 18 advisories on http://127.0.0.1:"), server.stderr
        query_url = banner.split(" on ", 1)[1].strip()
        status, body = request(query_url, pypi("django", "1.8.3"))
        assert status == 200 and len(body["vulns"]) == 3
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert server.returncode == 0


def test_cli_serve_on_a_missing_store_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(VENV_BIN / "hardgate"), "advisories", "serve", "--store", str(tmp_path / "none.db"), "--port", "0"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "advisory store not found" in done.stderr
