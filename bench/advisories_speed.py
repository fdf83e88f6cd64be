"""Time the offline advisory store: querybatch over 200 pins, and an import of a whole snapshot.

Usage: bench/advisories_speed.py [SNAPSHOT_DIR]   (default: ../shared/data/pypa-advisory-db/vulns)

Each figure is printed with a reference measured in the same process:
- querybatch of 200 queries vs the same 200 queries sent one by one to /v1/query;
- importing the snapshot (parse + OSV schema validation + SQLite + atomic swap) vs only parsing
  the same files, so the ratio shows what validation and storage add.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from gate.advisories.importer import import_records
from gate.advisories.server import running_server
from gate.advisories.store import AdvisoryStore

DEFAULT_SNAPSHOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "pypa-advisory-db" / "vulns"


def post(url: str, payload: object) -> object:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def pins(snapshot: Path, count: int) -> list[dict[str, object]]:
    """200 real (package, version) pairs: the first listed affected version of each package."""
    queries: list[dict[str, object]] = []
    for folder in sorted(p for p in snapshot.iterdir() if p.is_dir()):
        for record_file in sorted(folder.glob("*.yaml"))[:1]:
            record = yaml.safe_load(record_file.read_text())
            versions = (record.get("affected") or [{}])[0].get("versions") or ["1.0"]
            queries.append({"package": {"name": folder.name, "ecosystem": "PyPI"}, "version": str(versions[0])})
        if len(queries) == count:
            break
    return queries


def main() -> int:
    snapshot = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SNAPSHOT
    if not snapshot.is_dir():
        print(f"snapshot not found: {snapshot}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        store = Path(work) / "advisories.db"
        started = time.monotonic()
        files = [p for p in snapshot.rglob("*.yaml")]
        for path in files:
            yaml.safe_load(path.read_text())
        parse_only = time.monotonic() - started
        started = time.monotonic()
        summary = import_records(snapshot, store)
        import_s = time.monotonic() - started
        print(f"import: {summary.total} files, {summary.added} stored, {summary.withdrawn} withdrawn, "
              f"{len(summary.invalid)} invalid in {import_s:.1f}s; parse only {parse_only:.1f}s; "
              f"ratio import/parse {import_s / parse_only:.2f}x")
        print(f"records in store: {AdvisoryStore(store).count()}")
        queries = pins(snapshot, 200)
        with running_server(store) as url:
            base = url.removesuffix("/v1/query")
            post(f"{base}/v1/querybatch", {"queries": queries[:5]})  # warm up
            started = time.monotonic()
            batch = post(f"{base}/v1/querybatch", {"queries": queries})
            batch_s = time.monotonic() - started
            started = time.monotonic()
            single_hits = sum(bool(post(url, q)["vulns"]) for q in queries)  # type: ignore[index]
            single_s = time.monotonic() - started
        batch_hits = sum(bool(r["vulns"]) for r in batch["results"])  # type: ignore[index]
        print(f"querybatch: {len(queries)} queries in {batch_s * 1000:.0f} ms ({batch_hits} affected); "
              f"one by one {single_s * 1000:.0f} ms ({single_hits} affected); "
              f"ratio batch/single {batch_s / single_s:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
