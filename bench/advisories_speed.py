"""Time the offline advisory store: an import of a whole snapshot, and querybatch over 200 pins.

Usage: .venv/bin/python bench/advisories_speed.py [SNAPSHOT]
SNAPSHOT is the PyPA advisory database (its root or its vulns/ folder); default ../shared/data/pypa-advisory-db.

Each figure is printed with a reference measured in the same process, so the ratio, not the
absolute time, is what carries over to another machine:
- import (parse + OSV schema validation + SQLite + atomic swap) vs only parsing the same files;
- re-import of the unchanged snapshot vs the first import;
- one querybatch of 200 pins vs the same 200 queries sent one by one to /v1/query;
- the real pip-audit over the same 200 pins (it sends one /v1/query per package).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from gate.advisories.importer import import_records, load_yaml
from gate.advisories.server import running_server
from gate.advisories.store import AdvisoryStore

DEFAULT_SNAPSHOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "pypa-advisory-db"
PINS = 200


def post(url: str, payload: object) -> Any:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def pins(snapshot: Path, count: int) -> list[tuple[str, str]]:
    """`count` real (package, version) pairs: the first listed affected version of each package's first record."""
    found: list[tuple[str, str]] = []
    for folder in sorted(p for p in snapshot.iterdir() if p.is_dir()):
        for record_file in sorted(folder.glob("*.yaml"))[:1]:
            record = load_yaml(record_file.read_text())
            versions = (record.get("affected") or [{}])[0].get("versions") or []
            if versions and "-" not in str(versions[0]) and " " not in str(versions[0]):
                found.append((folder.name, str(versions[0])))
        if len(found) == count:
            break
    return found


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def parse_all(files: list[Path]) -> int:
    for path in files:
        load_yaml(path.read_text(encoding="utf-8"))
    return len(files)


def main() -> int:
    snapshot = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SNAPSHOT
    if (snapshot / "vulns").is_dir():
        snapshot = snapshot / "vulns"
    if not snapshot.is_dir():
        print(f"snapshot not found: {snapshot}", file=sys.stderr)
        return 2
    files = sorted(snapshot.rglob("*.yaml"))
    with tempfile.TemporaryDirectory() as work:
        store = Path(work) / "advisories.db"
        parse_s, _ = timed(lambda: parse_all(files))
        import_s, summary = timed(lambda: import_records(snapshot, store))
        again_s, again = timed(lambda: import_records(snapshot, store))
        print(f"import:   {summary.total} files -> {summary.added} stored, {summary.withdrawn} withdrawn, "
              f"{len(summary.invalid)} invalid in {import_s:.2f} s; parse only {parse_s:.2f} s; "
              f"import/parse {import_s / parse_s:.2f}x")
        print(f"reimport: {again.unchanged} unchanged in {again_s:.2f} s; reimport/import {again_s / import_s:.2f}x")
        with AdvisoryStore(store) as opened:
            print(f"store:    {opened.count()} records, {store.stat().st_size / 1e6:.1f} MB")

        pairs = pins(snapshot, PINS)
        queries = [{"package": {"name": n, "ecosystem": "PyPI"}, "version": v} for n, v in pairs]
        requirements = Path(work) / "requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pairs))
        with running_server(store) as url:
            base = url.removesuffix("/v1/query")
            post(f"{base}/v1/querybatch", {"queries": queries[:5]})  # warm up
            batch_s, batch = timed(lambda: post(f"{base}/v1/querybatch", {"queries": queries}))
            single_s, singles = timed(lambda: [post(url, q) for q in queries])
            audit_s, audit = timed(lambda: subprocess.run(
                [str(Path(sys.executable).parent / "pip-audit"), "-r", str(requirements), "--no-deps",
                 "--disable-pip", "--vulnerability-service", "osv", "--osv-url", url, "--format", "json",
                 "--progress-spinner", "off", "--cache-dir", str(Path(work) / "pip-audit-cache")],
                capture_output=True, text=True, check=False,
            ))
        batch_hits = sum(bool(r["vulns"]) for r in batch["results"])
        single_hits = sum(bool(r["vulns"]) for r in singles)
        print(f"query:    {len(queries)} pins; querybatch {batch_s * 1000:.0f} ms ({batch_hits} affected); "
              f"one by one {single_s * 1000:.0f} ms ({single_hits} affected); batch/single {batch_s / single_s:.2f}x")
        audited = json.loads(audit.stdout)["dependencies"] if audit.stdout else []
        audit_hits = sum(bool(d.get("vulns")) for d in audited)
        print(f"pip-audit: {len(audited)} pins in {audit_s:.2f} s ({audit_hits} affected, exit {audit.returncode}); "
              f"pip-audit/one-by-one {audit_s / single_s:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
