"""Detection benchmark: TPR, FPR and Youden (TPR - FPR) per CWE on the labelled detection corpus.

The corpus is data (bench/detection/cases.yml), rendered into a temporary folder as real files by
bench/detection_corpus.py, which also gives each file's label (cwe, vulnerable, line). Three detectors are
scored on the same cases:

- bandit alone (`bandit -r CASES -f json`, CASES being the rendered folder); a bandit result's CWE is
  bandit's own `issue_cwe.id`;
- semgrep with the rules as they were before the taint pack (commit e7e1495's `gate/rules`, extracted to a
  temporary folder with `git archive`);
- the gate's *blocking* findings in prod (`hardgate scan CASES --env prod --format json --no-cache`), i.e.
  findings whose `blocking` is true after policy, whatever tool reported them.

A case counts as *flagged* by a detector when at least one of its findings (blocking ones, for the gate)
lies in that case's file and carries the case's CWE. CWE-94 and CWE-95 count as one class (code injection),
as do CWE-330 and CWE-338 (weak randomness). For a vulnerable case a flag is a true positive; for a safe
look-alike a flag is a false positive. Each tool runs once over the whole corpus, not per file.

Usage: .venv/bin/python bench/detection_score.py
It is a benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from detection_corpus import Case, render
from semgrep_rules import BIN, rules_before_taint, semgrep_scan

SAME_CLASS = {"CWE-95": "CWE-94", "CWE-338": "CWE-330"}


def canonical(cwe: str) -> str:
    return SAME_CLASS.get(cwe, cwe)


Flags = dict[str, set[str]]  # file name -> CWEs flagged in it


def bandit_flags(cases: Path) -> Flags:
    done = subprocess.run(
        [str(BIN / "bandit"), "-q", "-r", str(cases), "-f", "json"], capture_output=True, text=True, check=False
    )
    flags: Flags = defaultdict(set)
    for item in json.loads(done.stdout)["results"]:
        cwe = item.get("issue_cwe", {}).get("id")
        if cwe:
            flags[Path(item["filename"]).name].add(canonical(f"CWE-{cwe}"))
    return flags


def semgrep_flags(rules: Path, cases: Path) -> Flags:
    done = subprocess.run(semgrep_scan(rules, cases), capture_output=True, text=True, check=False)
    flags: Flags = defaultdict(set)
    for item in json.loads(done.stdout)["results"]:
        for cwe in item["extra"].get("metadata", {}).get("cwe", []):
            flags[Path(item["path"]).name].add(canonical(str(cwe).split(":")[0]))
    return flags


def gate_flags(cases: Path) -> Flags:
    done = subprocess.run(
        [str(BIN / "hardgate"), "scan", str(cases), "--env", "prod", "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    flags: Flags = defaultdict(set)
    for finding in report["findings"]:
        if finding.get("blocking"):
            for cwe in finding.get("cwe", []):
                flags[Path(finding["location"]["path"]).name].add(canonical(cwe))
    return flags


def score(labels: dict[str, Case], flags: Flags) -> dict[str, tuple[float, float]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp, vulnerable, fp, safe
    for name, label in labels.items():
        cwe = canonical(label.cwe)
        hit = cwe in flags.get(name, set())
        row = counts[cwe]
        if label.vulnerable:
            row[0] += hit
            row[1] += 1
        else:
            row[2] += hit
            row[3] += 1
    return {cwe: (tp / vuln, fp / safe) for cwe, (tp, vuln, fp, safe) in sorted(counts.items())}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases, old = Path(tmp) / "cases", Path(tmp) / "old"
        cases.mkdir()
        labels = render(cases)
        detectors = {
            "bandit": bandit_flags(cases),
            "semgrep (rules before taint)": semgrep_flags(rules_before_taint(old), cases),
            "gate blocking (prod)": gate_flags(cases),
        }
    results = {name: score(labels, flags) for name, flags in detectors.items()}
    cwes = sorted({c for r in results.values() for c in r}, key=lambda c: int(c.split("-")[1]))
    print(f"{len(labels)} cases")
    header = "| CWE | " + " | ".join(f"{n} TPR / FPR / Youden" for n in results) + " |"
    print(header)
    print("|---" * (len(results) + 1) + "|")
    for cwe in cwes:
        cells = []
        for r in results.values():
            tpr, fpr = r[cwe]
            cells.append(f"{tpr:.0%} / {fpr:.0%} / {tpr - fpr:+.0%}")
        print(f"| {cwe} | " + " | ".join(cells) + " |")
    means = []
    for r in results.values():
        tpr = sum(t for t, _ in r.values()) / len(r)
        fpr = sum(f for _, f in r.values()) / len(r)
        means.append(f"{tpr:.0%} / {fpr:.0%} / {tpr - fpr:+.0%}")
    print("| mean | " + " | ".join(means) + " |")


if __name__ == "__main__":
    main()
