"""What the taint pack costs: semgrep CPU time with the rules before it (commit e7e1495) vs all bundled rules.

Usage: .venv/bin/python bench/taint_cost.py [TREE ...]   (default: bench/detection/cases)
For a large real tree: `pip download --no-deps --no-binary :all: Django==5.1.4` into a temp dir, unpack,
and pass its `django/` folder. Each configuration runs once, in its own semgrep process with `-j 1`, and
the CPU time of that process (user + system) is compared, so other load on the machine matters less than
wall time would. Prints both and the ratio; asserts nothing.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BEFORE_TAINT = "e7e1495"


def cpu_and_wall(rules: Path, target: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "semgrep"),
            "scan",
            "--config",
            str(rules),
            "--json",
            "--quiet",
            "--metrics=off",
            "--disable-version-check",
            "--timeout",
            "30",
            "-j",
            "1",
            str(target),
        ],
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), wall


def main() -> None:
    targets = [Path(a) for a in sys.argv[1:]] or [REPO / "bench" / "detection" / "cases"]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", BEFORE_TAINT, "gate/rules"], cwd=REPO, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        old = Path(tmp) / "gate" / "rules"
        for target in targets:
            base_cpu, base_wall = cpu_and_wall(old, target)
            cpu, wall = cpu_and_wall(REPO / "gate" / "rules", target)
            print(
                f"{target}: before the taint pack {base_cpu:.1f}s CPU ({base_wall:.1f}s wall); "
                f"with it {cpu:.1f}s CPU ({wall:.1f}s wall); CPU ratio {cpu / base_cpu:.2f}x"
            )


if __name__ == "__main__":
    main()
