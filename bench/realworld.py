"""Run the gate on real source trees: five large projects' source distributions and a monorepo.

Usage: bench/realworld.py [--cache-dir DIR] [--only NAME ...] [--timeout S] [--skip-large-file]

Each project's sdist is fetched once with `pip download --no-deps --no-binary :all:` into the cache
dir (outside the repository, never committed) and unpacked there. Every scan is `hardgate scan DIR
--env prod --policy bench/realworld-policy.yml --no-cache --advisories STORE --format json` in a
child process (the policy scopes each scan to what the project ships: test suites and docs out), against an offline
advisory store imported from examples/advisories. For each tree the script prints files, wall time,
peak memory (the child's and its scanners' largest resident set, from wait4's rusage), verdict and
every scanner's status. A failed scanner is a benchmark failure: the script exits 1.

The large-file case measures the size cap (docs/robustness.md): a generated 5 MB `.py` scanned with
the default cap (left out, reported as a finding) against the same tree with the cap raised above
it (handed to the scanners, which is what the gate did before the cap), in the same run; it prints
both and their ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HARDGATE = Path(sys.executable).parent / "hardgate"
PROJECTS = ("Django==5.1.4", "Flask==3.1.0", "SQLAlchemy==2.0.36", "ansible-core==2.18.1", "wagtail==6.3.1")
# The dependency work's monorepo fixture when it exists, else this benchmark's own.
MONOREPOS = (REPO / "tests" / "fixtures" / "monorepo", REPO / "bench" / "monorepo")
# What ships: test suites and docs excluded (see the file for why).
POLICY = REPO / "bench" / "realworld-policy.yml"


@dataclass(frozen=True)
class Run:
    name: str
    files: int
    wall_s: float
    peak_mib: float
    exit_code: int
    verdict: str
    scanners: dict[str, str]
    reasons: list[str]
    findings: int
    not_scanned: int

    @property
    def scanner_failed(self) -> bool:
        return any(state == "failed" for state in self.scanners.values()) or self.verdict not in ("pass", "block")


def fetch(spec: str, cache: Path) -> Path:
    """The unpacked source tree of `NAME==VERSION`, downloading the sdist on first use."""
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    name, version = spec.split("==")
    stem = f"{name.replace('-', '_').lower()}-{version}"
    archive = next((p for p in sdists.iterdir() if p.name.lower().startswith(stem) and p.suffix == ".gz"), None)
    if archive is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", spec,
             "-d", str(sdists)],
            check=True,
        )  # fmt: skip
        archive = next(p for p in sdists.iterdir() if p.name.lower().startswith(stem) and p.suffix == ".gz")
    tree = cache / "src" / stem
    if not tree.is_dir():
        with tempfile.TemporaryDirectory(dir=cache) as scratch, tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")
            (top,) = Path(scratch).iterdir()
            tree.parent.mkdir(parents=True, exist_ok=True)
            top.rename(tree)
    return tree


def count_files(tree: Path) -> int:
    """Files the scan considers: everything the policy's exclusions leave."""
    from gate.policy import load_policy
    from gate.targets import walk_files

    return len(walk_files(tree, load_policy(POLICY).for_environment("prod").exclude_paths))


def scan(name: str, tree: Path, store: Path, timeout_s: float, extra_env: dict[str, str] | None = None) -> Run:
    """One `hardgate scan` in a child process; wall time and the peak RSS of the child and its scanners."""
    with tempfile.TemporaryDirectory() as out:
        report_path = Path(out) / "report.json"
        argv = [str(HARDGATE), "scan", str(tree), "--env", "prod", "--policy", str(POLICY), "--no-cache",
                "--advisories", str(store),
                "--timeout", f"{timeout_s:g}", "--format", "json", "--output", str(report_path)]  # fmt: skip
        env = {**os.environ, **(extra_env or {})}
        started = time.monotonic()
        with open(Path(out) / "stderr", "wb") as stderr:
            process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
        if not report_path.is_file():
            message = (Path(out) / "stderr").read_text(errors="replace").strip().splitlines()
            return Run(name, count_files(tree), wall, usage.ru_maxrss / 1024, process.returncode, "no report",
                       {}, message[-1:], 0, 0)  # fmt: skip
        report = json.loads(report_path.read_text(encoding="utf-8"))
    findings = report.get("findings", [])
    return Run(
        name=name,
        files=count_files(tree),
        wall_s=wall,
        peak_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
        exit_code=process.returncode,
        verdict=str(report.get("verdict")),
        scanners={s["tool"]: s["status"] for s in report.get("scanners", [])},
        reasons=[str(r) for r in report.get("reasons", [])],
        findings=len(findings),
        not_scanned=sum(1 for f in findings if f.get("rule_id") == "hardgate-not-scanned"),
    )


def advisory_store(cache: Path) -> Path:
    store = cache / "advisories.db"
    subprocess.run(
        [str(HARDGATE), "advisories", "import", str(REPO / "examples" / "advisories"), "--store", str(store)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return store


def large_file_case(cache: Path, store: Path, timeout_s: float) -> tuple[Run, Run]:
    """(capped, uncapped) scans of a tree holding a generated 5 MB module next to a small real one."""
    tree = cache / "src" / "large-generated"
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    (tree / "app.py").write_text("import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n")
    with (tree / "generated_table.py").open("w", encoding="utf-8") as handle:
        number = 0
        while handle.tell() < 5_000_000:
            weight = number * 7 % 101
            handle.write(f"ENTRY_{number} = {{'id': {number}, 'name': 'entry-{number}', 'weight': {weight}}}\n")
            number += 1
    capped = scan("5 MB .py, default cap", tree, store, timeout_s)
    raised = {"HARDGATE_MAX_FILE_BYTES": "10000000"}
    uncapped = scan("5 MB .py, cap raised (old behaviour)", tree, store, timeout_s, raised)
    return capped, uncapped


def show(run: Run) -> None:
    states = ", ".join(f"{tool} {state}" for tool, state in run.scanners.items())
    print(
        f"| {run.name} | {run.files} | {run.wall_s:.1f} s | {run.peak_mib:.0f} MiB "
        f"| {run.verdict} (exit {run.exit_code}) | {run.findings} ({run.not_scanned} not scanned) | {states} |",
        flush=True,
    )
    if run.scanner_failed:
        print(f"|   ! scanner failure: {'; '.join(run.reasons)[:400]} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "hardgate-bench")
    parser.add_argument("--only", nargs="*", help="project names (Django, monorepo, large-file) to run")
    parser.add_argument("--timeout", type=float, default=1800.0, help="hardgate scan --timeout per scanner")
    parser.add_argument("--skip-large-file", action="store_true")
    args = parser.parse_args()
    cache: Path = args.cache_dir.expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {n.lower() for n in args.only} if args.only else None
    store = advisory_store(cache)
    print("| tree | files | wall | peak memory | verdict | findings | scanners |")
    print("|---|---|---|---|---|---|---|", flush=True)
    runs: list[Run] = []
    for spec in PROJECTS:
        name = spec.split("==")[0]
        if wanted is None or name.lower() in wanted:
            runs.append(scan(spec, fetch(spec, cache), store, args.timeout))
            show(runs[-1])
    monorepo = next((m for m in MONOREPOS if m.is_dir()), None)
    if monorepo is not None and (wanted is None or "monorepo" in wanted):
        runs.append(scan(f"monorepo ({monorepo.relative_to(REPO)})", monorepo, store, args.timeout))
        show(runs[-1])
    if not args.skip_large_file and (wanted is None or "large-file" in wanted):
        capped, uncapped = large_file_case(cache, store, args.timeout)
        runs.append(capped)
        show(capped)
        show(uncapped)  # the old behaviour is a reference, not a gate run that must succeed
        print(
            f"size cap: wall {capped.wall_s:.1f} s vs {uncapped.wall_s:.1f} s "
            f"(ratio {capped.wall_s / uncapped.wall_s:.3f}), peak {capped.peak_mib:.0f} MiB vs "
            f"{uncapped.peak_mib:.0f} MiB (ratio {capped.peak_mib / uncapped.peak_mib:.3f})"
        )
    failed = [run.name for run in runs if run.scanner_failed]
    if failed:
        print(f"scanner failures in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
