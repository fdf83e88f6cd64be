"""Waiver file validation and how waivers suppress, expire and warn."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from gate.errors import ConfigError, UsageError
from gate.findings import Finding, FindingState, Location, Severity
from gate.waivers import apply_waivers, load_waivers

TODAY = dt.date(2026, 6, 1)
JUSTIFICATION = "Input is an internal enum, never user controlled."
FP = "v1:" + "a" * 64


Sqli = Callable[..., Finding]


@pytest.fixture
def sqli(make_finding: Callable[..., Finding]) -> Sqli:
    """sqli(path, fingerprint): the B608 finding of tests/conftest.py's make_finding, at line 7 of path."""

    def make(path: str = "app/db.py", fingerprint: str = FP) -> Finding:
        return make_finding(location=Location(path, 7, 7), fingerprint=fingerprint)

    return make


@pytest.fixture
def vulnerable_dependency(make_dependency: Callable[..., Finding]) -> Finding:
    aliases = ("CVE-2020-14343", "GHSA-8q59-q68h-6hv4")
    found = make_dependency("pyyaml", "5.3.1", "PYSEC-2021-142", aliases=aliases, fingerprint="v1:" + "b" * 64)
    return found.replace(title="pyyaml 5.3.1", message="arbitrary code execution", severity=Severity.CRITICAL)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "waivers.yml"
    path.write_text(body, encoding="utf-8")
    return path


def entry(match: str, environments: str = "[staging, prod]", expires: str | None = "2026-12-31", **extra: str) -> str:
    lines = [
        "  - id: " + extra.pop("id", "W-001"),
        f"    match: {match}",
        f"    environments: {environments}",
        "    owner: " + extra.pop("owner", "dba-team@example.com"),
        f"    justification: {extra.pop('justification', JUSTIFICATION)}",
    ]
    if expires is not None:
        lines.append(f"    expires: {expires}")
    lines.extend(f"    {key}: {value}" for key, value in extra.items())
    return "\n".join(lines) + "\n"


def test_valid_file_loads_every_waiver_with_its_digest(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry(f'{{fingerprint: "{FP}"}}', ticket="SEC-123"))
    waivers = load_waivers(path)
    assert [w.id for w in waivers.waivers] == ["W-001"]
    assert waivers.waivers[0].expires == dt.date(2026, 12, 31)
    assert waivers.waivers[0].ticket == "SEC-123"
    assert waivers.digest.startswith("sha256:")


def test_prod_waiver_without_expires_is_rejected_naming_entry_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", environments="[prod]", expires=None))
    with pytest.raises(ConfigError) as caught:
        load_waivers(path)
    message = str(caught.value)
    assert str(path) in message
    assert "waivers[0] (id W-001)" in message
    assert "expires: missing" in message
    assert "required when environments include staging or prod" in message


def test_dev_waiver_may_omit_expires(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", environments="[dev]", expires=None))
    assert load_waivers(path).waivers[0].expires is None


def test_short_justification_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", justification="because"))
    with pytest.raises(ConfigError, match=r"justification: expected a string of at least 20 characters"):
        load_waivers(path)


def test_match_with_two_kinds_is_rejected_with_the_expected_shapes(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry(f'{{rule: B608, fingerprint: "{FP}"}}'))
    with pytest.raises(ConfigError, match=r"waivers\[0\] \(id W-001\): match: expected exactly one of"):
        load_waivers(path)


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", approved_by="me"))
    with pytest.raises(ConfigError, match=r"approved_by: unknown key"):
        load_waivers(path)


def test_impossible_date_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", expires='"2026-02-30"'))
    with pytest.raises(ConfigError, match=r"expires: expected a date"):
        load_waivers(path)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}") + entry("{rule: B602}"))
    with pytest.raises(ConfigError, match=r"waivers\[1\] \(id W-001\): id: duplicate of waivers\[0\]"):
        load_waivers(path)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n  - id: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML at line"):
        load_waivers(path)


def test_fingerprint_waiver_marks_finding_waived_and_keeps_it(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry(f'{{fingerprint: "{FP}"}}')))
    outcome = apply_waivers([sqli()], waivers, "prod", TODAY)
    (finding,) = outcome.findings
    assert finding.state is FindingState.WAIVED
    assert finding.waiver_id == "W-001"
    assert finding.waiver_justification == JUSTIFICATION
    assert outcome.used == ("W-001",)


def test_expired_waiver_no_longer_suppresses(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry(f'{{fingerprint: "{FP}"}}', expires="2026-05-31")))
    outcome = apply_waivers([sqli()], waivers, "prod", TODAY)
    assert outcome.findings[0].state is FindingState.OPEN
    assert outcome.expired == ("W-001",)
    assert any("W-001 expired on 2026-05-31" in w for w in outcome.warnings)


def test_waiver_still_suppresses_on_its_expiry_day(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry(f'{{fingerprint: "{FP}"}}', expires="2026-06-01")))
    outcome = apply_waivers([sqli()], waivers, "prod", TODAY)
    assert outcome.findings[0].state is FindingState.WAIVED
    assert any("expires in 0 day(s)" in w for w in outcome.warnings)


def test_waiver_expiring_within_14_days_warns(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry(f'{{fingerprint: "{FP}"}}', expires="2026-06-15")))
    outcome = apply_waivers([sqli()], waivers, "prod", TODAY)
    assert outcome.warnings == ("waiver W-001 expires in 14 day(s), on 2026-06-15 (owner dba-team@example.com)",)


def test_vuln_waiver_on_cve_alias_suppresses_pysec_finding(tmp_path: Path, vulnerable_dependency: Finding) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry("{vuln: CVE-2020-14343}")))
    outcome = apply_waivers([vulnerable_dependency], waivers, "prod", TODAY)
    assert outcome.findings[0].state is FindingState.WAIVED
    assert outcome.findings[0].rule_id == "PYSEC-2021-142"


def test_rule_waiver_only_covers_its_path_globs(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry('{rule: B608, paths: ["legacy/**"]}')))
    outcome = apply_waivers([sqli("legacy/report.py"), sqli("app/db.py")], waivers, "prod", TODAY)
    assert [f.state for f in outcome.findings] == [FindingState.WAIVED, FindingState.OPEN]


def test_waiver_for_other_environment_does_not_suppress(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry("{rule: B608}", environments="[staging]")))
    outcome = apply_waivers([sqli()], waivers, "prod", TODAY)
    assert outcome.findings[0].state is FindingState.OPEN
    assert outcome.unused == ()


def test_local_is_an_alias_of_dev(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry("{rule: B608}", environments="[local]", expires=None)))
    outcome = apply_waivers([sqli()], waivers, "dev", TODAY)
    assert outcome.findings[0].state is FindingState.WAIVED


def test_unused_waiver_is_reported(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry("{rule: B602}")))
    outcome = apply_waivers([sqli()], waivers, "prod", TODAY)
    assert outcome.unused == ("W-001",)
    assert any("W-001 (rule B602) matched no finding in prod" in w for w in outcome.warnings)


def test_unknown_environment_is_a_usage_error(tmp_path: Path, sqli: Sqli) -> None:
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry("{rule: B608}")))
    with pytest.raises(UsageError, match="unknown environment 'qa'"):
        apply_waivers([sqli()], waivers, "qa", TODAY)


def test_missing_waiver_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="waiver file not found"):
        load_waivers(tmp_path / "nope.yml")


# --- CLI ----------------------------------------------------------------------------------------------


def hardgate(*args: str) -> Result:
    from gate.cli import main

    return CliRunner().invoke(main, list(args))


def test_cli_waivers_check_accepts_a_valid_file(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{vuln: CVE-2020-14343}", expires="2099-12-31"))
    done = hardgate("waivers", "check", str(path))
    assert done.exit_code == 0, done.stderr
    assert "waivers OK" in done.stdout


def test_cli_waivers_check_warns_about_expired_waivers_but_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{vuln: CVE-2020-14343}", expires="2020-01-01"))
    done = hardgate("waivers", "check", str(path))
    assert done.exit_code == 0
    assert "warning: waiver W-001 expired on 2020-01-01" in done.stderr


def test_cli_prod_waiver_without_expires_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", environments="[dev, prod]", expires=None))
    done = hardgate("waivers", "check", str(path))
    assert done.exit_code == 2
    assert done.stderr.strip().splitlines() == [
        f"hardgate: error: {path}: waivers[0] (id W-001): expires: missing; expected a date YYYY-MM-DD "
        "(required when environments include staging or prod)"
    ]


def test_cli_waivers_list_shows_only_the_environment_s_waivers(tmp_path: Path) -> None:
    body = entry("{rule: B608}", environments="[prod]", expires="2099-01-01", id="W-PROD")
    body += entry("{rule: B602}", environments="[dev]", expires=None, id="W-DEV")
    path = write(tmp_path, "waivers:\n" + body)
    done = hardgate("waivers", "list", "--env", "prod", "--file", str(path))
    assert done.exit_code == 0, done.stderr
    assert "W-PROD" in done.stdout
    assert "active until 2099-01-01" in done.stdout
    assert "W-DEV" not in done.stdout


# --- through `hardgate scan --waivers` ----------------------------------------------------------------


def test_scan_with_prod_waiver_missing_expires_exits_2(sqli_app: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", environments="[prod]", expires=None))
    done = hardgate("scan", str(sqli_app), "--env", "prod", "--waivers", str(path))
    assert done.exit_code == 2
    assert "waivers[0] (id W-001): expires: missing" in done.stderr


def test_rule_waiver_matches_a_finding_merged_from_both_tools(tmp_path: Path, sqli: Sqli) -> None:
    from gate.dedup import deduplicate

    semgrep = sqli().replace(tool="semgrep", rule_id="sqli-fstring", severity=Severity.CRITICAL, cwe=("CWE-89",))
    (merged,) = deduplicate([sqli().replace(cwe=("CWE-89",)), semgrep])
    assert merged.rule_id == "sqli-fstring"  # the worse severity won, yet bandit's rule id still matches
    waivers = load_waivers(write(tmp_path, "waivers:\n" + entry("{rule: B608}")))
    assert apply_waivers([merged], waivers, "prod", TODAY).findings[0].state is FindingState.WAIVED


# --- a CVE-alias waiver against the real pip-audit, fed by a loopback OSV endpoint ----------------------

OSV_PYYAML = {
    "id": "PYSEC-2021-142",
    "aliases": ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
    "summary": "Arbitrary code execution in full_load",
    "details": "PyYAML before 5.4 is susceptible to arbitrary code execution.",
    "modified": "2021-03-26T00:00:00Z",
    "affected": [
        {
            "package": {"name": "pyyaml", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.4"}]}],
        }
    ],
}


@pytest.fixture
def osv_url() -> Iterator[str]:
    """A loopback OSV `POST /v1/query` that knows one PyYAML advisory."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            hit = query.get("package", {}).get("name", "").lower() == "pyyaml" and query.get("version") == "5.3.1"
            body = json.dumps({"vulns": [OSV_PYYAML]} if hit else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def test_scan_cve_alias_waiver_suppresses_the_pysec_finding(tmp_path: Path, osv_url: str) -> None:
    app = tmp_path / "deps-app"
    app.mkdir()
    (app / "requirements.txt").write_text("pyyaml==5.3.1\n")
    args = ["scan", str(app), "--env", "prod", "--no-cache", "--osv-url", osv_url]
    record = tmp_path / "decision.json"
    blocked = hardgate(*args)
    assert blocked.exit_code == 1, blocked.stderr
    waivers = write(tmp_path, "waivers:\n" + entry("{vuln: CVE-2020-14343}", expires="2099-12-31"))
    waived = hardgate(*args, "--waivers", str(waivers), "--record", str(record))
    assert waived.exit_code == 0, waived.stderr
    summary = json.loads(record.read_text())["summary"]
    assert (summary["waived"], summary["open"]) == (1, 0)


# --- end to end through `hardgate scan` ---


def fingerprint_waivers(app: Path, tmp_path: Path, expires: dt.date) -> Path:
    """A prod waiver for every finding in the app, by fingerprint (taken from a baseline of it)."""
    baseline = tmp_path / "all.json"
    assert hardgate("baseline", "create", str(app), "-o", str(baseline)).exit_code == 0
    fingerprints = sorted(json.loads(baseline.read_text())["fingerprints"])
    assert fingerprints
    body = "".join(
        entry(f'{{fingerprint: "{fp}"}}', environments="[prod]", expires=expires.isoformat(), id=f"W-{i}")
        for i, fp in enumerate(fingerprints)
    )
    return write(tmp_path, "waivers:\n" + body)


def test_scan_waiver_suppresses_until_it_expires(sqli_app: Path, tmp_path: Path) -> None:
    today = dt.date.today()
    live = fingerprint_waivers(sqli_app, tmp_path, today + dt.timedelta(days=60))
    assert hardgate("scan", str(sqli_app), "--env", "prod", "--no-cache", "--waivers", str(live)).exit_code == 0


def test_scan_expired_waiver_no_longer_suppresses(sqli_app: Path, tmp_path: Path) -> None:
    expired = fingerprint_waivers(sqli_app, tmp_path, dt.date.today() - dt.timedelta(days=1))
    done = hardgate("scan", str(sqli_app), "--env", "prod", "--no-cache", "--waivers", str(expired))
    assert done.exit_code == 1


def test_unquoted_impossible_expiry_date_is_one_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + entry("{rule: B608}", "[prod]", "2026-02-30", id="W-1", owner="team-db"))
    with pytest.raises(ConfigError, match=r"waivers\[0\] \(id W-1\): expires: expected a date .*'2026-02-30'"):
        load_waivers(path)
    from gate.cli import main

    done = CliRunner().invoke(main, ["waivers", "check", str(path)])
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_unquoted_valid_expiry_date_still_loads(tmp_path: Path) -> None:
    unquoted = entry("{rule: B608}", "[local, prod]", "2026-12-31", id="W-1", owner="team-db")
    path = write(tmp_path, "waivers:\n" + unquoted)
    (waiver,) = load_waivers(path).waivers
    assert waiver.expires == dt.date(2026, 12, 31)
    assert waiver.environments == frozenset({"dev", "prod"})
