"""Time `hardgate scan` against the same three scanners run one after another, in the same process.

Usage: bench/scan_speed.py PATH [--rounds N] [--advisories STORE | --osv-url URL]

The reference is what a pipeline without Hardgate would run: bandit, then semgrep with the same
bundled rules, then pip-audit on the same manifests, each as a subprocess with the same argv the
gate builds. The gate runs them concurrently and then normalises, dedups, decides and renders every
report format. Both are timed in alternating rounds; the script prints the median of each and the
ratios the issue asks for (gate / sequential sum, and normalise+report / gate wall time).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gate.advisories.server import running_server
from gate.engine import ScanRequest, default_scanners, rules_dir, run_scan
from gate.findings import ScanTarget
from gate.policy import load_policy
from gate.reporters import REPORTERS, get_reporter
from gate.scanners.base import ScanConfig, run_process
from gate.targets import discover


def sequential(root: Path, osv_url: str | None, timeout_s: float) -> dict[str, float]:
    """Each scanner's own wall time, run one after another with the gate's argv."""
    target = discover(root.resolve(), ())
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as work_dir:
        config = ScanConfig(rules_dir=rules_dir(), timeout_s=timeout_s, osv_url=osv_url, work_dir=Path(work_dir))
        for scanner in default_scanners():
            if not scanner.applies(target):
                continue
            argv = scanner.command(target, config)
            started = time.monotonic()
            run_process(argv, cwd=target.root, timeout_s=timeout_s, env=scanner.environment())
            times[scanner.name] = time.monotonic() - started
    return times


def gate(root: Path, osv_url: str | None, timeout_s: float) -> tuple[float, float, int, str]:
    """(wall seconds, normalise+report seconds, findings, verdict) for one full gate run."""
    policy = load_policy()
    started = time.monotonic()
    report = run_scan(ScanRequest(root=root, environment="prod", policy=policy, timeout_s=timeout_s, osv_url=osv_url))
    render_started = time.monotonic()
    for name in REPORTERS:
        get_reporter(name).render(report)
    finished = time.monotonic()
    post = float(report.extra.get("normalise_s", "0")) + (finished - render_started)
    return finished - started, post, len(report.findings), report.verdict.value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--osv-url")
    parser.add_argument("--advisories", type=Path, help="serve this OSV store on loopback for pip-audit")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    target = discover(args.path.resolve(), ())
    print(
        f"target: {args.path} ({len(target.files)} files, {len(target.python_files)} Python, "
        f"{len(target.manifests)} manifests)"
    )
    with contextlib.ExitStack() as stack:
        if args.advisories is not None:
            args.osv_url = stack.enter_context(running_server(args.advisories))
        return measure(args, target)


def measure(args: argparse.Namespace, target: ScanTarget) -> int:
    sums, walls, posts = [], [], []
    for round_number in range(1, args.rounds + 1):
        # Alternate which goes first so neither always gets the warm file cache.
        order = ("sequential", "gate") if round_number % 2 else ("gate", "sequential")
        for which in order:
            if which == "sequential":
                per_tool = sequential(args.path, args.osv_url, args.timeout)
                sums.append(sum(per_tool.values()))
                detail = ", ".join(f"{k} {v:.1f}s" for k, v in per_tool.items())
                print(f"round {round_number}: sequential {sums[-1]:.2f}s ({detail})")
            else:
                wall, post, count, verdict = gate(args.path, args.osv_url, args.timeout)
                walls.append(wall)
                posts.append(post)
                print(f"round {round_number}: gate {wall:.2f}s ({count} findings, {verdict}; post {post:.3f}s)")
    sequential_median, gate_median = statistics.median(sums), statistics.median(walls)
    post_median = statistics.median(posts)
    print(f"median sequential sum: {sequential_median:.2f}s")
    print(f"median gate wall time: {gate_median:.2f}s")
    print(f"gate / sequential sum: {gate_median / sequential_median:.2f}x (target <= 0.75x)")
    print(f"normalise+report share of gate wall time: {100 * post_median / gate_median:.1f}% (target < 5%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
