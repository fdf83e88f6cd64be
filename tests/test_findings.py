"""Fingerprint v1 and deduplication across tools."""

from __future__ import annotations

from collections.abc import Callable

from gate.dedup import deduplicate
from gate.findings import (
    Finding,
    Location,
    Severity,
    assign_code_fingerprints,
    dependency_fingerprint,
)

SOURCE = ["import sqlite3", "def q(c, n):", "    c.execute(f'SELECT * FROM t WHERE n = {n}')"]


def code_finding(tool: str, rule: str, line: int, **changes: object) -> Finding:
    base = Finding(
        tool=tool,
        rule_id=rule,
        title=rule,
        message="sql",
        severity=Severity.MEDIUM,
        cwe=("CWE-89",),
        location=Location("app/db.py", line, line),
        sources=(tool,),
    )
    return base.replace(**changes)


def fingerprints(lines: list[str], line: int) -> list[str]:
    found = assign_code_fingerprints([code_finding("bandit", "B608", line)], lambda _path: lines)
    return [f.fingerprint for f in found]


def test_fingerprint_survives_ten_lines_inserted_above() -> None:
    moved = SOURCE[:1] + [""] * 10 + SOURCE[1:]
    assert fingerprints(SOURCE, 3) == fingerprints(moved, 13)


def test_fingerprint_ignores_indentation_and_trailing_whitespace() -> None:
    folded = [*SOURCE[:2], "  c.execute(f'SELECT * FROM t WHERE n = {n}')   "]
    assert fingerprints(SOURCE, 3) == fingerprints(folded, 3)


def test_fingerprint_changes_when_flagged_code_changes() -> None:
    edited = [*SOURCE[:2], "    c.execute(f'SELECT id FROM t WHERE n = {n}')"]
    assert fingerprints(SOURCE, 3) != fingerprints(edited, 3)


def test_identical_matches_in_one_file_get_distinct_fingerprints() -> None:
    lines = [*SOURCE, SOURCE[2]]
    found = assign_code_fingerprints(
        [code_finding("bandit", "B608", 3), code_finding("bandit", "B608", 4)], lambda _path: lines
    )
    assert len({f.fingerprint for f in found}) == 2


def test_bandit_and_semgrep_on_same_line_merge_with_both_sources() -> None:
    bandit = code_finding("bandit", "B608", 3)
    semgrep = code_finding("semgrep", "sqli-fstring", 3, severity=Severity.HIGH, owasp=("A03:2021",))
    merged = deduplicate([bandit, semgrep])
    assert len(merged) == 1
    assert merged[0].sources == ("bandit", "semgrep")
    assert merged[0].severity is Severity.HIGH
    assert merged[0].owasp == ("A03:2021",)


def test_equivalent_rule_mapping_merges_without_shared_cwe() -> None:
    bandit = code_finding("bandit", "B608", 3, cwe=())
    semgrep = code_finding("semgrep", "sqli", 3, cwe=(), extra=(("bandit_equivalent", "B608"),))
    assert len(deduplicate([bandit, semgrep])) == 1


def test_findings_on_different_lines_stay_apart() -> None:
    assert len(deduplicate([code_finding("bandit", "B608", 3), code_finding("semgrep", "sqli", 9)])) == 2


def test_dependency_findings_merge_when_aliases_intersect(make_dependency: Callable[..., Finding]) -> None:
    first = make_dependency("Jinja2", "2.10", "PYSEC-2019-217", aliases=("CVE-2019-10906",), sources=("pip-audit",))
    second = first.replace(rule_id="GHSA-462w-v97r-4m45", aliases=("CVE-2019-10906",), tool="osv")
    merged = deduplicate([first, second])
    assert len(merged) == 1
    assert {"CVE-2019-10906", "GHSA-462w-v97r-4m45"} <= set(merged[0].vuln_ids)


def test_dependency_fingerprint_uses_canonical_name_and_smallest_id() -> None:
    assert dependency_fingerprint("PyPI", "PyYAML", "5.1", ["PYSEC-1", "CVE-2"]) == dependency_fingerprint(
        "pypi", "pyyaml", "5.1", ["CVE-2", "PYSEC-1"]
    )
