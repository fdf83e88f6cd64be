"""What the taint pack costs: semgrep CPU time with the rules before it (commit e7e1495) vs all bundled rules.

Usage: .venv/bin/python bench/taint_cost.py [TREE ...]
(default: the detection corpus, bench/detection/cases.yml, rendered into a temporary folder)
For a large real tree: `pip download --no-deps --no-binary :all: Django==5.1.4` into a temp dir, unpack,
and pass its `django/` folder. Each configuration runs once, in its own semgrep process with `-j 1`, and
the CPU time of that process (user + system) is compared, so other load on the machine matters less than
wall time would. Prints both and the ratio; asserts nothing.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from detection_corpus import render
from semgrep_rules import CURRENT_RULES, rules_before_taint, semgrep_scan


def cpu_and_wall(rules: Path, target: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(semgrep_scan(rules, target, "--timeout", "30", "-j", "1"), capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), wall


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old = rules_before_taint(Path(tmp) / "old")
        targets = {arg: Path(arg) for arg in sys.argv[1:]}
        if not targets:
            corpus = Path(tmp) / "cases"
            corpus.mkdir()
            count = len(render(corpus))
            targets = {f"detection corpus ({count} files)": corpus}
        for label, target in targets.items():
            base_cpu, base_wall = cpu_and_wall(old, target)
            cpu, wall = cpu_and_wall(CURRENT_RULES, target)
            print(
                f"{label}: before the taint pack {base_cpu:.1f}s CPU ({base_wall:.1f}s wall); "
                f"with it {cpu:.1f}s CPU ({wall:.1f}s wall); CPU ratio {cpu / base_cpu:.2f}x"
            )


if __name__ == "__main__":
    main()
