"""Baselines: multiset semantics, stability under moved code, and malformed files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from gate.baseline import apply_baseline, create_baseline, load_baseline, write_baseline
from gate.errors import ConfigError
from gate.findings import Finding, FindingState, Location, assign_code_fingerprints

SQL_LINE = "    cur.execute(f\"SELECT * FROM t WHERE name = '{name}'\")"


Fingerprinted = Callable[[list[str]], list[Finding]]


@pytest.fixture
def fingerprinted(make_finding: Callable[..., Finding]) -> Fingerprinted:
    """fingerprinted(lines): one B608 finding (tests/conftest.py) per line holding the SQL line,
    fingerprinted against these lines."""

    def make(lines: list[str]) -> list[Finding]:
        raw = [
            make_finding(location=Location("app/db.py", number, number))
            for number, line in enumerate(lines, start=1)
            if line == SQL_LINE
        ]
        return assign_code_fingerprints(raw, lambda path: lines)

    return make


def roundtrip(tmp_path: Path, findings: list[Finding]) -> Path:
    path = tmp_path / "baseline.json"
    write_baseline(create_baseline(findings), path)
    return path


def states(findings: tuple[Finding, ...]) -> list[FindingState]:
    return [f.state for f in findings]


def test_baselined_findings_are_marked_and_not_open(tmp_path: Path, fingerprinted: Fingerprinted) -> None:
    lines = ["def f(cur, name):", SQL_LINE]
    baseline = load_baseline(roundtrip(tmp_path, fingerprinted(lines)))
    outcome = apply_baseline(fingerprinted(lines), baseline)
    assert states(outcome.findings) == [FindingState.BASELINED]
    assert outcome.resolved == ()


def test_blank_lines_above_keep_findings_baselined(tmp_path: Path, fingerprinted: Fingerprinted) -> None:
    lines = ["def f(cur, name):", SQL_LINE]
    baseline = load_baseline(roundtrip(tmp_path, fingerprinted(lines)))
    moved = ["", "", "# a new comment", *lines]
    outcome = apply_baseline(fingerprinted(moved), baseline)
    assert states(outcome.findings) == [FindingState.BASELINED]


def test_second_identical_copy_of_a_baselined_line_stays_open(tmp_path: Path, fingerprinted: Fingerprinted) -> None:
    lines = ["def f(cur, name):", SQL_LINE]
    baseline = load_baseline(roundtrip(tmp_path, fingerprinted(lines)))
    outcome = apply_baseline(fingerprinted([*lines, SQL_LINE]), baseline)
    assert sorted(s.value for s in states(outcome.findings)) == ["baselined", "open"]


def test_multiset_count_hides_at_most_that_many_findings(tmp_path: Path, fingerprinted: Fingerprinted) -> None:
    finding = fingerprinted(["x", SQL_LINE])[0]
    path = tmp_path / "baseline.json"
    write_baseline(create_baseline([finding, finding]), path)
    baseline = load_baseline(path)
    assert baseline.counts == {finding.fingerprint: 2}
    outcome = apply_baseline([finding, finding, finding], baseline)
    assert states(outcome.findings) == [FindingState.BASELINED, FindingState.BASELINED, FindingState.OPEN]


def test_fixed_findings_are_reported_resolved(tmp_path: Path, fingerprinted: Fingerprinted) -> None:
    lines = ["def f(cur, name):", SQL_LINE]
    findings = fingerprinted(lines)
    baseline = load_baseline(roundtrip(tmp_path, findings))
    outcome = apply_baseline([], baseline)
    assert outcome.resolved == (findings[0].fingerprint,)


def test_waived_finding_is_not_rebaselined_nor_resolved(tmp_path: Path, fingerprinted: Fingerprinted) -> None:
    finding = fingerprinted(["x", SQL_LINE])[0]
    baseline = load_baseline(roundtrip(tmp_path, [finding]))
    waived = finding.replace(state=FindingState.WAIVED, waiver_id="W-001")
    outcome = apply_baseline([waived], baseline)
    assert states(outcome.findings) == [FindingState.WAIVED]
    assert outcome.resolved == ()


def test_baseline_file_records_labels_and_counts(tmp_path: Path, fingerprinted: Fingerprinted) -> None:
    finding = fingerprinted(["x", SQL_LINE])[0]
    document = json.loads(roundtrip(tmp_path, [finding]).read_text())
    assert document["schema"] == "hardgate-baseline"
    assert document["fingerprints"][finding.fingerprint] == {"count": 1, "label": "B608 app/db.py:2"}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not JSON"),
        ('{"schema": "something-else"}', 'expected "schema"'),
        (
            '{"schema": "hardgate-baseline", "version": 1, "fingerprint_version": "v1", "fingerprints": []}',
            "fingerprints",
        ),
        (
            '{"schema": "hardgate-baseline", "version": 1, "fingerprint_version": "v1",'
            ' "fingerprints": {"x": {"count": 0}}}',
            "count: expected a positive integer",
        ),
    ],
)
def test_malformed_baseline_is_a_config_error(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_baseline(path)


# --- through `hardgate baseline create` and `hardgate scan --baseline` ----------------------------------


def hardgate(*args: str) -> Result:
    from gate.cli import main

    return CliRunner().invoke(main, list(args))


def test_baseline_create_with_a_failed_scanner_writes_nothing(sqli_app: Path, tmp_path: Path, path_without) -> None:  # type: ignore[no-untyped-def]
    path_without("bandit")
    baseline = tmp_path / "baseline.json"
    done = hardgate("baseline", "create", str(sqli_app), "-o", str(baseline))
    assert done.exit_code == 3
    assert "scanner bandit failed" in done.stderr
    assert not baseline.exists()


def test_scan_with_malformed_baseline_exits_2(sqli_app: Path, tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("{}")
    done = hardgate("scan", str(sqli_app), "--env", "prod", "--baseline", str(bad))
    assert done.exit_code == 2
    assert "not a hardgate baseline" in done.stderr


# --- end to end through `hardgate scan` ---


def gate_scan(app: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """Scan in prod; (exit code, the decision record's summary)."""
    record = tmp_path / "decision.json"
    done = hardgate("scan", str(app), "--env", "prod", "--no-cache", "--record", str(record), *extra)
    assert done.exit_code in (0, 1), done.stderr
    summary: dict[str, Any] = json.loads(record.read_text())["summary"]
    return done.exit_code, summary


@pytest.fixture
def baselined_app(sqli_app: Path, tmp_path: Path) -> tuple[Path, Path]:
    baseline = tmp_path / "baseline.json"
    done = hardgate("baseline", "create", str(sqli_app), "-o", str(baseline))
    assert done.exit_code == 0, done.stderr
    assert "baseline written" in done.stdout
    return sqli_app, baseline


def insert_after(path: Path, anchor: str, new_lines: list[str]) -> None:
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if anchor in line)
    path.write_text("\n".join([*lines[: index + 1], *new_lines, *lines[index + 1 :]]) + "\n")


def test_scan_with_fresh_baseline_passes(baselined_app: tuple[Path, Path], tmp_path: Path) -> None:
    app, baseline = baselined_app
    assert gate_scan(app, tmp_path)[0] == 1  # without the baseline, prod blocks on the SQL injection
    code, summary = gate_scan(app, tmp_path, "--baseline", str(baseline))
    assert code == 0
    assert summary["baselined"] >= 1
    assert summary["open"] == 0


def test_one_new_sql_injection_blocks_on_exactly_that_one(baselined_app: tuple[Path, Path], tmp_path: Path) -> None:
    app, baseline = baselined_app
    with (app / "db.py").open("a") as handle:
        # Request data reaching the query: a traced flow. Built from a parameter alone it is only advisory.
        handle.write(
            "\n\ndef delete_customer(conn):\n"
            "    name = request.args['name']\n"
            "    with conn.cursor() as cur:\n"
            "        cur.execute(f\"DELETE FROM customers WHERE name = '{name}'\")\n"
        )
    code, summary = gate_scan(app, tmp_path, "--baseline", str(baseline))
    assert code == 1
    assert summary["blocking"] == 1
    assert summary["open"] == 1


def test_second_identical_copy_of_a_baselined_line_blocks(baselined_app: tuple[Path, Path], tmp_path: Path) -> None:
    app, baseline = baselined_app
    db = app / "db.py"
    flagged = next(line for line in db.read_text().splitlines() if "cur.execute(f" in line)
    insert_after(db, "cur.execute(f", [flagged])
    code, summary = gate_scan(app, tmp_path, "--baseline", str(baseline))
    assert code == 1
    assert summary["blocking"] == 1


def test_blank_lines_above_keep_baselined_findings_baselined(baselined_app: tuple[Path, Path], tmp_path: Path) -> None:
    app, baseline = baselined_app
    db = app / "db.py"
    db.write_text("\n\n\n# moved down by a new header\n\n" + db.read_text())
    code, summary = gate_scan(app, tmp_path, "--baseline", str(baseline))
    assert code == 0
    assert summary["open"] == 0


@pytest.mark.parametrize("count", [10**20, 10**9])
def test_absurd_baseline_count_is_a_config_error_not_an_overflow(tmp_path: Path, count: int) -> None:
    # 10**20 used to raise OverflowError and 10**9 MemoryError when the baseline was applied.
    path = tmp_path / "baseline.json"
    document = {
        "schema": "hardgate-baseline",
        "version": 1,
        "fingerprint_version": "v1",
        "fingerprints": {"v1:" + "a" * 64: {"count": count, "label": "B608 app/db.py:2"}},
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ConfigError, match="count: expected a positive integer up to"):
        load_baseline(path)
