"""The real pip-audit over a monorepo, offline: every manifest and lock audited, each finding at its own
file and line, and every way of checking nothing fails closed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from gate.advisories.importer import import_records
from gate.engine import ScanRequest, run_scan
from gate.errors import ConfigError
from gate.findings import ScanStatus
from gate.policy import load_policy
from gate.report import Report, Verdict
from gate.scanners.pip_audit import UNAUDITABLE_RULE, UNPINNED_RULE, PipAuditScanner, batches, failure_reason, pin_of

REPO = Path(__file__).resolve().parents[1]
MONOREPO = REPO / "tests" / "fixtures" / "monorepo"
EXAMPLE_SET = REPO / "examples" / "advisories"
ADVISORY_FIXTURES = REPO / "tests" / "fixtures" / "advisories"
HARDGATE = REPO / ".venv" / "bin" / "hardgate"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("advisories") / "advisories.db"
    assert import_records(EXAMPLE_SET, path).added == 17
    return path


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    target = tmp_path / "monorepo"
    shutil.copytree(MONOREPO, target)
    return target


def scan(root: Path, store: Path, environment: str = "prod") -> Report:
    return run_scan(
        ScanRequest(
            root=root,
            environment=environment,
            policy=load_policy(),
            scanners=[PipAuditScanner()],
            advisories_store=store,
        )
    )


def placed(report: Report) -> set[tuple[str, int, str]]:
    """(file, line, rule id) of every finding."""
    return {(f.location.path, f.location.start_line, f.rule_id) for f in report.findings if f.location is not None}


@pytest.fixture(scope="module")
def monorepo_report(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """One real scan of the whole monorepo fixture, shared by the tests that read its findings."""
    target = tmp_path_factory.mktemp("mono") / "monorepo"
    shutil.copytree(MONOREPO, target)
    return scan(target, store)


def test_monorepo_naming_one_package_at_two_versions_is_audited(monorepo_report: Report) -> None:
    # apps/shop pins flask==0.12.2, apps/billing Flask==3.0.3: one pip-audit run over both refuses.
    result = monorepo_report.scanners[0]
    assert result.status is ScanStatus.OK, result.reason
    found = placed(monorepo_report)
    assert ("apps/shop/requirements.txt", 2, "PYSEC-2018-66") in found
    assert not any(path == "apps/billing/requirements.txt" and line == 1 for path, line, _ in found)  # 3.0.3 is clean


def test_the_same_pin_in_two_manifests_is_a_finding_in_each(monorepo_report: Report) -> None:
    found = placed(monorepo_report)
    assert ("apps/shop/requirements.txt", 3, "PYSEC-2019-217") in found
    assert ("apps/billing/requirements.txt", 2, "PYSEC-2019-217") in found


def test_a_pin_from_an_included_file_points_at_that_file_and_line(monorepo_report: Report) -> None:
    finding = next(
        f
        for f in monorepo_report.findings
        if f.rule_id == "PYSEC-2018-28" and f.location.path == "libs/common.txt"  # type: ignore[union-attr]
    )
    assert finding.location is not None and finding.location.start_line == 2
    assert ("included_by", "apps/legacy/requirements.txt") in finding.extra


def test_hashed_pip_compile_output_is_audited_offline(monorepo_report: Report) -> None:
    found = placed(monorepo_report)
    assert ("apps/worker/requirements.txt", 7, "PYSEC-2020-96") in found


def test_triple_equals_pin_is_audited(monorepo_report: Report) -> None:
    assert ("apps/legacy/requirements.txt", 2, "PYSEC-2015-11") in placed(monorepo_report)


@pytest.mark.parametrize(
    ("path", "line", "rule"),
    [
        ("apps/api/uv.lock", 38, "PYSEC-2019-217"),  # jinja2, only reachable through flask
        ("apps/reports/poetry.lock", 4, "PYSEC-2020-96"),
        ("apps/admin/Pipfile.lock", 13, "PYSEC-2018-28"),
        ("apps/batch/pylock.toml", 6, "PYSEC-2016-15"),
    ],
)
def test_lock_files_pins_are_audited_transitive_ones_too(
    monorepo_report: Report, path: str, line: int, rule: str
) -> None:
    assert (path, line, rule) in placed(monorepo_report)


def test_transitive_finding_says_where_it_is_locked(monorepo_report: Report) -> None:
    finding = next(
        f
        for f in monorepo_report.findings
        if f.location and f.location.path == "apps/api/uv.lock" and f.package == "jinja2"
    )
    assert ("dependency", "transitive") in finding.extra and "locked in apps/api/uv.lock" in finding.message


def test_unpinned_requirements_are_findings_and_locked_ranges_are_not(monorepo_report: Report) -> None:
    unpinned = {
        (f.location.path, f.location.start_line)
        for f in monorepo_report.findings
        if f.rule_id == UNPINNED_RULE and f.location
    }
    assert unpinned == {("apps/scratch/requirements.txt", 1), ("apps/scratch/requirements.txt", 2)}
    assert monorepo_report.verdict is Verdict.BLOCK


def test_an_unpinned_requirement_is_never_resolved(tmp_path: Path, store: Path) -> None:
    # Without network, resolving `requests` would fail the scan; it must be a finding instead.
    (tmp_path / "requirements.txt").write_text("requests\npsycopg==3.2.1\n", encoding="utf-8")
    report = scan(tmp_path, store, environment="dev")
    assert report.scanners[0].status is ScanStatus.OK, report.scanners[0].reason
    assert [(f.rule_id, f.severity.name) for f in report.findings] == [(UNPINNED_RULE, "MEDIUM")]


def test_setup_cfg_pins_are_audited_at_their_line_and_its_ranges_are_unpinned(tmp_path: Path, store: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[options]\ninstall_requires =\n    requests>=2\n    pyyaml==5.1\n", encoding="utf-8"
    )
    report = scan(tmp_path, store, environment="dev")
    assert report.scanners[0].status is ScanStatus.OK, report.scanners[0].reason
    found = {(f.location.path, f.location.start_line, f.rule_id) for f in report.findings if f.location}
    assert ("setup.cfg", 3, UNPINNED_RULE) in found
    assert any(path == "setup.cfg" and line == 4 and rule != UNPINNED_RULE for path, line, rule in found), found


def test_a_triple_equals_pin_to_a_non_pep440_version_is_a_finding_not_a_crash(tmp_path: Path, store: Path) -> None:
    (tmp_path / "requirements.txt").write_text("jinja2===2.10\nlegacy===2.0-custom\n", encoding="utf-8")
    report = scan(tmp_path, store)
    assert report.scanners[0].status is ScanStatus.OK, report.scanners[0].reason
    assert {(f.rule_id, f.location.start_line) for f in report.findings if f.location} >= {
        ("PYSEC-2019-217", 1),
        (UNAUDITABLE_RULE, 2),
    }


def test_a_missing_include_fails_closed_with_its_line(tmp_path: Path, store: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n-r base.txt\n", encoding="utf-8")
    report = scan(tmp_path, store)
    assert report.verdict is Verdict.ERROR
    assert "requirements.txt:2: base.txt: file not found" in report.scanners[0].reason


def test_pip_audit_output_that_omits_a_given_pin_fails_closed(tmp_path: Path, store: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin(
        "pip-audit",
        # Reports flask but not jinja2, though it was given both.
        'case "$1" in --version) echo "pip-audit 2.10.1";; *) '
        """echo '{"dependencies": [{"name": "flask", "version": "3.0.3", "vulns": []}], "fixes": []}';; esac""",
    )
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\njinja2==3.1.4\n", encoding="utf-8")
    report = scan(tmp_path, store)
    assert report.verdict is Verdict.ERROR
    assert "did not report 1 of the 2 pin(s)" in report.scanners[0].reason
    assert "jinja2==3.1.4" in report.scanners[0].reason


def test_the_failure_reason_is_the_real_error_not_a_warning(tmp_path: Path, store: Path, fake_bin) -> None:  # type: ignore[no-untyped-def]
    fake_bin(
        "pip-audit",
        """case "$1" in --version) echo "pip-audit 2.10.1";; *)
echo "WARNING:pip_audit._cli:--no-deps is supported, but users are encouraged to fully hash" >&2
echo "Traceback (most recent call last):" >&2
echo '  File "x.py", line 1, in <module>' >&2
echo "packaging.version.InvalidVersion: Invalid version: '=2.10'" >&2
exit 1;; esac""",
    )
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n", encoding="utf-8")
    reason = scan(tmp_path, store).scanners[0].reason
    assert reason == "exit 1: packaging.version.InvalidVersion: Invalid version: '=2.10'"


def test_failure_reason_prefers_an_error_line_over_warnings() -> None:
    stderr = "WARNING:pip_audit._cli:a warning\nERROR:pip_audit._cli:package flask has duplicate requirements\n"
    assert failure_reason(stderr) == "ERROR:pip_audit._cli:package flask has duplicate requirements"
    assert failure_reason("WARNING:only a warning\n") == "WARNING:only a warning"


def test_batches_never_name_a_package_twice_in_one_run() -> None:
    pins = [
        p
        for p in (
            pin_of(n, v) for n, v in [("Flask", "3.0.3"), ("flask", "0.12.2"), ("jinja2", "2.10"), ("flask", "3.0.3")]
        )
        if p
    ]
    runs = batches(pins)
    assert len(runs) == 2
    for run in runs:
        names = [name for name, _ in run]
        assert len(names) == len(set(names))
    assert sorted(p for run in runs for p in run) == sorted(set(pins))


def test_an_advisory_import_of_only_invalid_files_exits_2_and_stores_nothing(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("invalid.json", "garbage.yaml"):
        shutil.copy(ADVISORY_FIXTURES / name, source / name)
    store_path = tmp_path / "store.db"
    done = subprocess.run(
        [str(HARDGATE), "advisories", "import", str(source), "--store", str(store_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "all 2 record file(s) are invalid" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not store_path.exists()


def test_a_scan_against_an_empty_store_is_a_configuration_error(tmp_path: Path, store: Path) -> None:
    empty = tmp_path / "empty.db"
    shutil.copy(store, empty)
    with sqlite3.connect(empty) as connection:
        connection.execute("DELETE FROM vulns")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "requirements.txt").write_text("flask==0.12.2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="holds no records"):
        scan(tmp_path / "app", empty)
