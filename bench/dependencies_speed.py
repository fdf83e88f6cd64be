"""Time the pip-audit stage over a monorepo: one audit per distinct pin vs one pip-audit run per manifest.

Usage: .venv/bin/python bench/dependencies_speed.py [TARGET] [--runs N]
TARGET defaults to tests/fixtures/monorepo (nine sub-apps); the store is examples/advisories, served
on loopback as in a scan.

Both sides run the real pip-audit with the same flags against the same store, in the same process:
- the gate: `PipAuditScanner.run` (reading every manifest, pins split into as few runs as name each
  package once, findings placed at every manifest line);
- the reference: one pip-audit run per top-level manifest or lock, over that file's own pins.
The ratio is what carries over to another machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from gate.advisories.importer import import_records
from gate.advisories.server import running_server
from gate.dependencies import discover
from gate.engine import rules_dir
from gate.scanners.base import ScanConfig, find_executable
from gate.scanners.pip_audit import PipAuditScanner, batches, pin_of
from gate.targets import discover as discover_target

REPO = Path(__file__).resolve().parents[1]


def per_manifest(root: Path, url: str, work: Path) -> int:
    """The reference: one pip-audit process per top-level manifest; returns how many ran."""
    inventory = discover(root)
    by_manifest: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for dependency in inventory.auditable():
        by_manifest[dependency.via or dependency.manifest].add((dependency.canonical_name, dependency.version or ""))
    exe = find_executable("pip-audit")
    assert exe is not None, "pip-audit not installed"
    for index, pins in enumerate(by_manifest.values()):
        requirements = work / f"ref-{index}.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in sorted(pins)), encoding="utf-8")
        argv = [exe, "--format", "json", "--progress-spinner", "off", "--no-deps", "--disable-pip"]
        argv += ["-r", str(requirements), "--vulnerability-service", "osv", "--osv-url", url]
        subprocess.run(argv, capture_output=True, check=False, timeout=600)
    return len(by_manifest)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", nargs="?", default=str(REPO / "tests" / "fixtures" / "monorepo"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(args.target).resolve()
    with tempfile.TemporaryDirectory(prefix="hardgate-bench-") as name:
        work = Path(name)
        store = work / "advisories.db"
        import_records(REPO / "examples" / "advisories", store)
        inventory = discover(root)
        pins = [p for d in inventory.auditable() if (p := pin_of(d.name, d.version or ""))]
        print(
            f"{len(inventory.manifests)} manifests/locks, {len(inventory.auditable())} pinned places, "
            f"{len(set(pins))} distinct pins, {len(batches(pins))} pip-audit run(s) for the gate"
        )
        gate_times: list[float] = []
        reference_times: list[float] = []
        with running_server(store) as url:
            config = ScanConfig(rules_dir=rules_dir(), osv_url=url, work_dir=work, timeout_s=600)
            target = discover_target(root, ())
            for _ in range(args.runs):
                started = time.monotonic()
                result = PipAuditScanner().run(target, config)
                gate_times.append(time.monotonic() - started)
                assert not result.failed, result.reason
                started = time.monotonic()
                runs = per_manifest(root, url, work)
                reference_times.append(time.monotonic() - started)
        gate, reference = statistics.median(gate_times), statistics.median(reference_times)
        print(f"gate (batched):       {gate:6.2f} s median of {args.runs}, {len(result.findings)} findings")
        print(f"reference ({runs} runs): {reference:6.2f} s median of {args.runs}")
        print(f"ratio gate/reference: {gate / reference:.2f}")


if __name__ == "__main__":
    main()
