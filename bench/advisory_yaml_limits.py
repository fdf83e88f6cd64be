"""What the importer pays for reading advisory YAML through gate.configfile's limits.

Usage: .venv/bin/python bench/advisory_yaml_limits.py [SNAPSHOT]
SNAPSHOT is the PyPA advisory database (its root or its vulns/ folder); default ../shared/data/pypa-advisory-db.

Prints the median of 3 rounds of parsing every record with the importer's load_yaml (libyaml, plus
the alias, nesting and recursion checks) against plain yaml.load with the same libyaml loader, in
the same process, and the ratio between them.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from gate.advisories.importer import load_yaml

DEFAULT_SNAPSHOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "pypa-advisory-db"
ROUNDS = 3


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    snapshot = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SNAPSHOT
    if (snapshot / "vulns").is_dir():
        snapshot = snapshot / "vulns"
    texts = [path.read_text(encoding="utf-8") for path in sorted(snapshot.rglob("*.yaml"))]
    if not texts:
        print(f"no YAML records under {snapshot}", file=sys.stderr)
        return 2
    loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    plain = median_seconds(lambda: [yaml.load(text, Loader=loader) for text in texts])
    checked = median_seconds(lambda: [load_yaml(text) for text in texts])
    print(f"{len(texts)} records: plain {plain:.2f} s, with the limits {checked:.2f} s, {checked / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
