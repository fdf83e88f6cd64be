"""examples/vulnerable-app scanned for prod: every flaw in its README table is one finding, as the table says."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate.engine import ScanRequest, run_scan
from gate.findings import Evidence, Finding
from gate.policy import load_policy
from gate.report import Report, Verdict

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "examples" / "vulnerable-app"
HARDGATE = Path(sys.executable).parent / "hardgate"


@dataclass(frozen=True)
class Flaw:
    flaw: str
    path: str
    line: int
    evidence: str  # flow, exact or shape
    flow: tuple[int, int] | None  # (source line, sink line) for a flow
    rules: frozenset[str]
    blocks: bool


# A row of the README's flaw table, and a `path:line` in its evidence column.
_ROW = re.compile(
    r"^\| (?P<flaw>[^|]+) \| `(?P<where>[^`]+)` \| (?P<evidence>[^|]+) \| (?P<semgrep>[^|]+) "
    r"\| (?P<bandit>[^|]+) \| (?P<prod>blocks|advisory) \|$"
)
_LINE = re.compile(r"`[\w./-]+:(\d+)`")


def flaw_table() -> list[Flaw]:
    flaws = []
    for line in (APP / "README.md").read_text(encoding="utf-8").splitlines():
        row = _ROW.match(line)
        if row is None:
            continue
        path, number = row["where"].rsplit(":", 1)
        evidence = row["evidence"].split()[0]
        ends = [int(n) for n in _LINE.findall(row["evidence"])]
        semgrep = re.findall(r"`([\w-]+)`", row["semgrep"])
        bandit = re.findall(r"\bB\d{3}\b", row["bandit"])
        flaws.append(
            Flaw(
                flaw=row["flaw"].strip(),
                path=path,
                line=int(number),
                evidence=evidence,
                flow=(ends[0], ends[-1]) if evidence == "flow" else None,
                rules=frozenset(semgrep + bandit),
                blocks=row["prod"] == "blocks",
            )
        )
    return flaws


def rule_ids(finding: Finding) -> frozenset[str]:
    """The finding's rule plus every rule dedup merged into it."""
    return frozenset({finding.rule_id, *(value for key, value in finding.extra if key == "merged_rule_id")})


@pytest.fixture(scope="module")
def prod_report(example_advisories: Path) -> Report:
    return run_scan(
        ScanRequest(root=APP, environment="prod", policy=load_policy(), advisories_store=example_advisories)
    )


def code_findings(report: Report) -> list[Finding]:
    return [f for f in report.findings if not f.is_dependency]


def test_the_table_documents_flows_exact_matches_and_shapes() -> None:
    flaws = flaw_table()
    assert len(flaws) >= 15
    kinds = {f.evidence for f in flaws}
    assert kinds == {"flow", "exact", "shape"}
    assert {"taint-path-traversal", "taint-open-redirect", "taint-ssrf"} <= {r for f in flaws for r in f.rules}


def test_prod_blocks_and_no_scanner_failed(prod_report: Report) -> None:
    assert prod_report.verdict is Verdict.BLOCK, prod_report.reasons
    assert not prod_report.failed_scanners


@pytest.mark.parametrize("flaw", flaw_table(), ids=lambda f: f"{f.path}:{f.line}:{sorted(f.rules)[0]}")
def test_each_documented_flaw_is_exactly_one_finding_as_the_table_says(prod_report: Report, flaw: Flaw) -> None:
    matches = [
        f
        for f in code_findings(prod_report)
        if f.location is not None
        and f.location.path == flaw.path
        and f.location.start_line == flaw.line
        and rule_ids(f) & flaw.rules
    ]
    assert len(matches) == 1, [(f.rule_id, sorted(rule_ids(f))) for f in matches]
    finding = matches[0]
    assert flaw.rules <= rule_ids(finding), sorted(rule_ids(finding))
    assert finding.evidence is Evidence(flaw.evidence)
    assert finding.blocking is flaw.blocks
    assert finding.advisory is (not flaw.blocks)
    if flaw.flow is not None:
        assert (finding.trace[0].kind, finding.trace[-1].kind) == ("source", "sink")
        assert (finding.trace[0].location.start_line, finding.trace[-1].location.start_line) == flaw.flow
    else:
        assert finding.trace == ()


def test_every_code_finding_is_a_documented_flaw(prod_report: Report) -> None:
    documented = {(f.path, f.line, rule) for f in flaw_table() for rule in f.rules}
    undocumented = [
        (f.location.path, f.location.start_line, f.rule_id)
        for f in code_findings(prod_report)
        if f.location is not None
        and not any((f.location.path, f.location.start_line, rule) in documented for rule in rule_ids(f))
    ]
    assert undocumented == []


def test_the_pinned_dependencies_block_too(prod_report: Report) -> None:
    dependencies = [f for f in prod_report.findings if f.is_dependency]
    assert dependencies
    assert all(f.blocking for f in dependencies)
