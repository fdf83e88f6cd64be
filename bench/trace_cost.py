"""What reading data-flow traces costs: semgrep with the gate's argv, against the same argv without them.

Usage: bench/trace_cost.py PATH [--rounds N]

The gate runs semgrep with `--dataflow-traces` and a `--text-output` copy of the text report, which
is where it reads the traces from (docs/reports.md). The reference run is the same argv without
those two options. Rounds alternate, so both see the same machine load; the script prints the
median wall time of each and their ratio, then how long parsing the text report took.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gate.engine import rules_dir
from gate.scanners.base import ScanConfig, run_process
from gate.scanners.dataflow import parse_text_traces
from gate.scanners.semgrep import TEXT_REPORT, SemgrepScanner
from gate.targets import discover

TRACE_OPTIONS = ("--dataflow-traces",)


def without_traces(argv: list[str]) -> list[str]:
    return [a for a in argv if a not in TRACE_OPTIONS and not a.startswith("--text-output=")]


def timed(argv: list[str], root: Path) -> float:
    started = time.monotonic()
    done = run_process(argv, cwd=root, timeout_s=3600, env=SemgrepScanner().environment())
    if done.exit_code not in (0, 1):
        sys.exit(f"semgrep exited {done.exit_code}: {done.stderr.strip()[:200]}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = args.path.resolve()
    target = discover(root, ())
    scanner = SemgrepScanner()
    exe = scanner.executable()
    if exe is None:
        sys.exit("semgrep not found")
    with tempfile.TemporaryDirectory() as work:
        config = ScanConfig(rules_dir=rules_dir(), timeout_s=3600, work_dir=Path(work))
        traced = scanner.command(target, config)
        traced[0] = exe
        plain = without_traces(traced)
        times: dict[str, list[float]] = {"with traces": [], "without": []}
        for _ in range(args.rounds):
            times["without"].append(timed(plain, root))
            times["with traces"].append(timed(traced, root))
        report = Path(work) / TEXT_REPORT
        text = report.read_text(encoding="utf-8", errors="replace")
        started = time.monotonic()
        traces = parse_text_traces(text)
        parse_s = time.monotonic() - started
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"target {root}: {len(scanner.targets(target))} files, {args.rounds} rounds")
    for name, value in medians.items():
        print(f"  semgrep {name}: median {value:.2f}s")
    print(f"  ratio with/without traces: {medians['with traces'] / medians['without']:.2f}")
    print(f"  text report: {len(text)} bytes, {sum(len(v) for v in traces.values())} traces parsed in {parse_s:.3f}s")


if __name__ == "__main__":
    main()
