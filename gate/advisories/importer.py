"""Import OSV records from a folder (JSON/YAML) or a zip of JSON into the store, all or nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gate.advisories.store import STORE_FORMAT, AdvisoryStore, create_schema, insert_record
from gate.errors import ConfigError

RECORD_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class ImportSummary:
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    invalid: list[str] = field(default_factory=list)  # "origin: reason"
    total: int = 0


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("gate.advisories").joinpath("osv-schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def iter_source(source: Path) -> Iterator[tuple[str, bytes]]:
    """(origin, bytes) for every record file; a damaged zip is an error before anything is stored."""
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix in RECORD_SUFFIXES and not path.name.startswith("."):
                yield str(path.relative_to(source)), path.read_bytes()
        return
    if not source.exists():
        raise ConfigError(f"{source}: advisory source not found")
    try:
        with zipfile.ZipFile(source) as archive:
            damaged = archive.testzip()
            if damaged is not None:
                raise ConfigError(f"{source}: damaged zip entry {damaged}; nothing imported")
            for name in sorted(archive.namelist()):
                if name.endswith(".json") and not name.endswith("/"):
                    yield name, archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ConfigError(f"{source}: not a readable zip of OSV JSON ({exc}); nothing imported") from None


def _parse(origin: str, raw: bytes) -> Any:
    text = raw.decode("utf-8")
    return json.loads(text) if origin.endswith(".json") else yaml.safe_load(text)


def _normalised(record: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe: YAML may have parsed timestamps into datetime objects."""
    normalised: dict[str, Any] = json.loads(json.dumps(record, default=lambda v: v.isoformat().replace("+00:00", "Z")))
    return normalised


def _copy_existing(store_path: Path, into: sqlite3.Connection) -> dict[str, str]:
    """Carry the current store's records over, so an import adds to it; returns id -> stored JSON."""
    existing: dict[str, str] = {}
    if not store_path.exists():
        return existing
    AdvisoryStore(store_path).close()  # refuses anything that is not a store
    with contextlib.closing(sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)) as old:
        for vuln_id, record in old.execute("SELECT id, record FROM vulns"):
            existing[vuln_id] = record
            insert_record(into, json.loads(record))
    return existing


def import_records(source: Path, store_path: Path, now: dt.datetime | None = None) -> ImportSummary:
    """Validate every record, then atomically replace the store; on any error the old store is untouched."""
    summary = ImportSummary(source=str(source))
    validator = _validator()
    store_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".import-", suffix=".db", dir=store_path.parent)
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        with contextlib.closing(sqlite3.connect(temp_path)) as connection:
            create_schema(connection)
            existing = _copy_existing(store_path, connection)
            for origin, raw in iter_source(source):
                summary.total += 1
                try:
                    record = _parse(origin, raw)
                except (ValueError, UnicodeDecodeError, yaml.YAMLError) as exc:
                    summary.invalid.append(f"{origin}: not JSON/YAML ({type(exc).__name__})")
                    continue
                if not isinstance(record, dict):
                    summary.invalid.append(f"{origin}: not an OSV record object")
                    continue
                record = _normalised(record)
                error = jsonschema.exceptions.best_match(validator.iter_errors(record))
                if error is not None:
                    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
                    summary.invalid.append(f"{origin}: {where}: {error.message[:160]}")
                    continue
                if record.get("withdrawn"):
                    summary.withdrawn += 1
                    continue
                stored = existing.get(record["id"])
                if stored is None:
                    summary.added += 1
                elif json.loads(stored) == record:
                    summary.unchanged += 1
                    continue
                else:
                    summary.updated += 1
                insert_record(connection, record)
                existing[record["id"]] = json.dumps(record, sort_keys=True)
            stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
            connection.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("format", STORE_FORMAT), ("source", str(source)), ("imported_at", stamp)],
            )
            connection.commit()
        os.replace(temp_path, store_path)  # atomic: readers see the old store or the new one, never half
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp_path.unlink()
    return summary
