"""Optional: the whole shared PyPA advisory snapshot (beside the checkout) imports, twice, unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from gate.advisories.importer import import_records
from gate.advisories.store import AdvisoryStore

SNAPSHOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "pypa-advisory-db" / "vulns"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SNAPSHOT.is_dir(), reason=f"the shared PyPA advisory snapshot is absent ({SNAPSHOT})"),
]


def test_whole_snapshot_imports_all_but_withdrawn_and_schema_invalid_and_reimport_changes_nothing(
    tmp_path: Path,
) -> None:
    store_path = tmp_path / "all.db"
    first = import_records(SNAPSHOT, store_path)
    assert first.total == 2661
    assert first.withdrawn == 10
    # Seven records carry abbreviated commit ids or .patch names as GIT events, which the schema forbids.
    assert len(first.invalid) == 7
    assert all("does not match '^(0|[a-f0-9]{40}|[a-f0-9]{64})$'" in problem for problem in first.invalid)
    assert first.added == 2661 - 10 - 7
    before = store_path.read_bytes()
    second = import_records(SNAPSHOT, store_path)
    assert (second.unchanged, second.added, second.updated, second.changed) == (first.added, 0, 0, False)
    assert store_path.read_bytes() == before
    with AdvisoryStore(store_path) as store:
        assert store.count() == first.added
        assert {r["id"] for r in store.query("Django", Version("1.8.3"))} >= {"PYSEC-2015-11", "PYSEC-2016-15"}
        assert store.query("jinja2", Version("3.1.4")) == []
