"""What the taint benchmarks share: the rules before the taint pack, and the semgrep command line."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BEFORE_TAINT = "e7e1495"  # the last commit before the taint pack
CURRENT_RULES = REPO / "gate" / "rules"


def rules_before_taint(into: Path) -> Path:
    """Extract `gate/rules` as it was at BEFORE_TAINT into the folder `into`; returns the rules' folder."""
    archive = subprocess.run(
        ["git", "archive", BEFORE_TAINT, "gate/rules"], cwd=REPO, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "gate" / "rules"


def semgrep_scan(rules: Path, target: Path, *options: str) -> list[str]:
    """`semgrep scan` of target with rules, JSON out, offline and quiet; options go before the target."""
    return [
        str(BIN / "semgrep"),
        "scan",
        "--config",
        str(rules),
        "--json",
        "--quiet",
        "--metrics=off",
        "--disable-version-check",
        *options,
        str(target),
    ]
