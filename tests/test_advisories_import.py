"""Importing OSV records into the store: validation, withdrawn records, idempotence, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gate.advisories.importer import import_records
from gate.advisories.store import AdvisoryStore, default_store_path
from gate.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SET = REPO / "examples" / "advisories"
FIXTURES = REPO / "tests" / "fixtures" / "advisories"
HARDGATE = Path(sys.executable).parent / "hardgate"


def fixture_source(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "source"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def zip_of(folder: Path, archive: Path) -> Path:
    """A zip shaped like OSV's bulk export: one JSON record per entry at the archive's root."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for record in sorted(folder.glob("*.json")):
            bundle.write(record, record.name)
    return archive


def hardgate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HARDGATE), *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def example_store(tmp_path: Path) -> Path:
    store = tmp_path / "advisories.db"
    summary = import_records(EXAMPLE_SET, store)
    assert summary.invalid == [] and summary.added == len(list(EXAMPLE_SET.glob("*.json")))
    return store


def test_example_set_imports_every_record_with_its_aliases(example_store: Path) -> None:
    with AdvisoryStore(example_store) as store:
        assert store.count() == 17
        assert store.lookup("PYSEC-2019-217") is not None
        assert store.aliases_for("PYSEC-2019-217") == ("CVE-2019-10906", "GHSA-462w-v97r-4m45")
        # Both directions: the CVE is listed by two records, neither of which has it as its id.
        assert store.aliases_for("CVE-2019-10906") == ("GHSA-462w-v97r-4m45", "PYSEC-2019-217")


def test_second_import_of_the_same_source_leaves_the_store_byte_for_byte(example_store: Path) -> None:
    before = example_store.read_bytes()
    second = import_records(EXAMPLE_SET, example_store)
    assert second.unchanged == 17
    assert (second.added, second.updated, second.removed, second.changed) == (0, 0, 0, False)
    assert example_store.read_bytes() == before


def edited_copy(record_file: Path, folder: Path, **changes: str) -> Path:
    """`folder`, a new source holding record_file's record with `changes` made to it."""
    folder.mkdir()
    record = {**json.loads(record_file.read_text()), **changes}
    (folder / record_file.name).write_text(json.dumps(record))
    return folder


def test_changed_record_is_updated_in_place(tmp_path: Path, example_store: Path) -> None:
    source = edited_copy(EXAMPLE_SET / "PYSEC-2019-217.json", tmp_path / "changed", modified="2030-01-01T00:00:00Z")
    summary = import_records(source, example_store)
    assert (summary.added, summary.updated) == (0, 1)
    with AdvisoryStore(example_store) as store:
        assert store.count() == 17
        assert store.newest_modified() == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def test_withdrawn_record_is_skipped_and_counted(tmp_path: Path) -> None:
    summary = import_records(fixture_source(tmp_path, "withdrawn.json", "ranges.json"), tmp_path / "s.db")
    assert (summary.added, summary.withdrawn) == (1, 1)
    with AdvisoryStore(tmp_path / "s.db") as store:
        assert store.lookup("PYSEC-2099-4") is None


def test_record_withdrawn_after_an_earlier_import_is_removed_from_the_store(tmp_path: Path) -> None:
    store_path = tmp_path / "s.db"
    import_records(fixture_source(tmp_path, "ranges.json"), store_path)
    later = edited_copy(FIXTURES / "ranges.json", tmp_path / "later", withdrawn="2024-06-01T00:00:00Z")
    summary = import_records(later, store_path)
    assert (summary.withdrawn, summary.removed) == (1, 1)
    with AdvisoryStore(store_path) as store:
        assert store.lookup("PYSEC-2099-3") is None
        assert store.count() == 0


def test_invalid_records_are_counted_with_file_and_reason_and_never_stored(tmp_path: Path) -> None:
    source = fixture_source(tmp_path, "invalid.json", "garbage.yaml", "ranges.json")
    summary = import_records(source, tmp_path / "s.db")
    assert summary.added == 1
    assert sorted(summary.invalid) == [
        "garbage.yaml: not valid YAML at line 2: did not find expected ',' or ']'",
        "invalid.json (PYSEC-0000-invalid): modified: 12 is not of type 'string'",
    ]
    with AdvisoryStore(tmp_path / "s.db") as store:
        assert store.lookup("PYSEC-0000-invalid") is None
        assert store.count() == 1


def test_a_yaml_alias_bomb_is_an_invalid_record_not_a_memory_blowup(tmp_path: Path) -> None:
    source = fixture_source(tmp_path, "ranges.json")
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"{name}: &{name} [{', '.join([f'*{chr(ord(name) - 1)}'] * 10)}]" for name in "bcdefgh"]
    (source / "bomb.yaml").write_text("\n".join(levels) + "\n", encoding="utf-8")
    summary = import_records(source, tmp_path / "s.db")
    assert summary.added == 1
    assert summary.invalid == ["bomb.yaml: more than 200000 values once aliases are expanded"]


def test_strict_import_with_an_invalid_record_stores_nothing(tmp_path: Path, example_store: Path) -> None:
    before = example_store.read_bytes()
    source = fixture_source(tmp_path, "invalid.json", "ranges.json")
    with pytest.raises(ConfigError, match=r"1 invalid record\(s\), first: invalid.json"):
        import_records(source, example_store, strict=True)
    assert example_store.read_bytes() == before


def test_yaml_records_import_like_the_pypa_database(tmp_path: Path) -> None:
    summary = import_records(fixture_source(tmp_path, "cvss3-over-label.yaml"), tmp_path / "y.db")
    assert summary.added == 1
    with AdvisoryStore(tmp_path / "y.db") as store:
        record = store.lookup("PYSEC-2099-5")
    assert record is not None
    assert record["modified"] == "2024-05-01T00:00:00Z"  # YAML's timestamp is stored as OSV's string


def test_zip_of_json_like_the_osv_bulk_export_imports(tmp_path: Path) -> None:
    archive = zip_of(EXAMPLE_SET, tmp_path / "all.zip")
    summary = import_records(archive, tmp_path / "z.db")
    assert (summary.total, summary.added, summary.invalid) == (17, 17, [])


def test_truncated_zip_is_an_error_and_the_store_is_untouched(tmp_path: Path, example_store: Path) -> None:
    archive = zip_of(EXAMPLE_SET, tmp_path / "all.zip")
    archive.write_bytes(archive.read_bytes()[:-200])
    before = example_store.read_bytes()
    with pytest.raises(ConfigError, match=r"not a readable zip of OSV records.*nothing imported"):
        import_records(archive, example_store)
    assert example_store.read_bytes() == before
    assert not list(example_store.parent.glob(".import-*"))


def test_zip_with_a_corrupted_entry_is_an_error_and_the_store_is_untouched(tmp_path: Path, example_store: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as bundle:
        bundle.write(FIXTURES / "ranges.json", "ranges.json")
    data = bytearray(archive.read_bytes())
    offset = data.index(b"PYSEC-2099-3")
    data[offset : offset + 5] = b"XXXXX"  # the entry's bytes no longer match its CRC
    archive.write_bytes(bytes(data))
    before = example_store.read_bytes()
    with pytest.raises(ConfigError, match=r"damaged zip entry ranges\.json"):
        import_records(archive, example_store)
    assert example_store.read_bytes() == before


def test_garbage_source_file_is_one_line_error_exit_2_and_the_store_is_untouched(
    tmp_path: Path, example_store: Path
) -> None:
    garbage = tmp_path / "advisories.zip"
    garbage.write_bytes(b"\x00\x01 this is not a zip \xff" * 50)
    before = example_store.read_bytes()
    done = hardgate("advisories", "import", str(garbage), "--store", str(example_store))
    assert done.returncode == 2
    assert done.stderr.startswith("hardgate: error: ") and done.stderr.count("\n") == 1
    assert "not a readable zip" in done.stderr and "Traceback" not in done.stderr
    assert example_store.read_bytes() == before


def test_folder_without_records_is_an_error_not_an_empty_store(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no OSV record files"):
        import_records(tmp_path / "empty", tmp_path / "s.db")
    assert not (tmp_path / "s.db").exists()


def test_failure_midway_leaves_the_old_store_intact(
    tmp_path: Path, example_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gate.advisories import importer

    calls = {"n": 0}
    real_insert = importer.insert_record

    def insert_then_fail(connection: sqlite3.Connection, record: dict[str, object]) -> None:
        calls["n"] += 1
        if calls["n"] > 20:  # after the 17 carried-over records and a few new ones
            raise KeyboardInterrupt
        real_insert(connection, record)

    monkeypatch.setattr(importer, "insert_record", insert_then_fail)
    before = example_store.read_bytes()
    source = fixture_source(tmp_path, "ranges.json", "labelled.json", "unlabelled.json", "cvss3-over-label.yaml")
    with pytest.raises(KeyboardInterrupt):
        import_records(source, example_store)
    assert example_store.read_bytes() == before
    assert not list(example_store.parent.glob(".import-*"))


def test_importing_into_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE users (name TEXT)")
    before = other.read_bytes()
    with pytest.raises(ConfigError, match="not a Hardgate advisory store"):
        import_records(EXAMPLE_SET, other)
    assert other.read_bytes() == before


@pytest.mark.parametrize("content", [b"not sqlite at all", b""])
def test_opening_something_that_is_not_a_store_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(content)
    with pytest.raises(ConfigError, match="not a Hardgate advisory store"):
        AdvisoryStore(bogus)


def test_opening_a_missing_store_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"advisory store not found.*hardgate advisories import"):
        AdvisoryStore(tmp_path / "missing.db")


def test_store_path_with_uri_characters_opens(tmp_path: Path) -> None:
    odd = tmp_path / "a?b#c%20d" / "advisories.db"
    import_records(EXAMPLE_SET, odd)
    with AdvisoryStore(odd) as store:
        assert store.count() == 17


def test_default_store_follows_hardgate_advisories_then_xdg_data_home() -> None:
    assert default_store_path({"HARDGATE_ADVISORIES": "/x/a.db", "XDG_DATA_HOME": "/d"}) == Path("/x/a.db")
    assert default_store_path({"XDG_DATA_HOME": "/d"}) == Path("/d/hardgate/advisories.db")
    assert default_store_path({}) == Path.home() / ".local" / "share" / "hardgate" / "advisories.db"


def test_age_days_counts_from_the_newest_modified_record(example_store: Path) -> None:
    with AdvisoryStore(example_store) as store:
        newest = store.newest_modified()
        assert newest is not None and newest.tzinfo is not None
        assert store.age_days(newest + dt.timedelta(days=10)) == pytest.approx(10.0)


def test_cli_import_without_store_uses_the_environment_and_status_reports_it(tmp_path: Path) -> None:
    store = tmp_path / "env-store" / "advisories.db"
    env = {"PATH": str(HARDGATE.parent), "HOME": str(tmp_path), "HARDGATE_ADVISORIES": str(store)}
    source = fixture_source(tmp_path, "ranges.json", "withdrawn.json", "invalid.json")
    done = hardgate("advisories", "import", str(source), env=env)
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout and "1 withdrawn" in done.stdout and "1 invalid" in done.stdout
    assert "invalid (skipped): invalid.json (PYSEC-0000-invalid): modified" in done.stderr
    status = hardgate("advisories", "status", env=env)
    assert status.returncode == 0, status.stderr
    lines = dict(line.split(":", 1) for line in status.stdout.splitlines())
    assert lines["records"].strip() == "1"
    assert lines["newest record"].strip().startswith("2024-05-01T00:00:00+00:00")
    assert lines["source"].strip() == str(source)
    assert dt.datetime.fromisoformat(lines["imported at"].strip()).tzinfo is not None


def test_cli_strict_import_exits_2_and_status_of_a_missing_store_exits_2(tmp_path: Path) -> None:
    source = fixture_source(tmp_path, "invalid.json", "ranges.json")
    done = hardgate("advisories", "import", str(source), "--store", str(tmp_path / "s.db"), "--strict")
    assert done.returncode == 2 and "nothing imported (--strict)" in done.stderr
    status = hardgate("advisories", "status", "--store", str(tmp_path / "s.db"))
    assert status.returncode == 2 and "advisory store not found" in status.stderr
