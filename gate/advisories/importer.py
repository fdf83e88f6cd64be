"""Import OSV records from a folder (JSON/YAML) or a zip of them into the store, all or nothing."""

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

from gate.advisories.store import (
    STORE_FORMAT,
    AdvisoryStore,
    create_schema,
    delete_record,
    insert_record,
    read_only_uri,
)
from gate.configfile import parse_yaml_text
from gate.errors import ConfigError

RECORD_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class ImportSummary:
    """What one import did. `invalid` lists "origin: reason" for every record that was not stored."""

    source: str
    store: str = ""
    total: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    removed: int = 0  # stored records that the source now marks withdrawn
    invalid: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("gate.advisories").joinpath("osv-schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _is_record_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(RECORD_SUFFIXES) and not base.startswith(".")


def iter_source(source: Path) -> Iterator[tuple[str, bytes]]:
    """(origin, bytes) for every record file; a damaged zip is an error before anything is stored."""
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and _is_record_name(path.name):
                yield path.relative_to(source).as_posix(), path.read_bytes()
        return
    if not source.exists():
        raise ConfigError(f"{source}: advisory source not found (expected a folder of OSV records or a zip)")
    try:
        with zipfile.ZipFile(source) as archive:
            damaged = archive.testzip()  # reads every entry and checks its CRC
            if damaged is not None:
                raise ConfigError(f"{source}: damaged zip entry {damaged}; nothing imported")
            for name in sorted(archive.namelist()):
                if _is_record_name(name):
                    yield name, archive.read(name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise ConfigError(f"{source}: not a readable zip of OSV records ({exc}); nothing imported") from None


def load_yaml(text: str, origin: str = "advisory record") -> Any:
    """Plain data only, with configfile's limits on aliases and nesting. libyaml's safe loader parses the
    PyPA database ~4x faster than the pure-Python one; it keeps timestamps, which _normalised turns back."""
    return parse_yaml_text(text, origin, yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


def _parse(origin: str, raw: bytes) -> Any:
    text = raw.decode("utf-8")
    return json.loads(text) if origin.endswith(".json") else load_yaml(text, origin)


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
    with contextlib.closing(sqlite3.connect(read_only_uri(store_path), uri=True)) as old:
        for vuln_id, record in old.execute("SELECT id, record FROM vulns"):
            existing[vuln_id] = record
            insert_record(into, json.loads(record))
    return existing


class _Loader:
    """Parses and validates one record file at a time, keeping the tally in the summary."""

    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.validator = _validator()

    def load(self, origin: str, raw: bytes, existing: dict[str, str]) -> dict[str, Any] | None:
        """The record, or None after noting why it is invalid.

        A record identical to the stored copy was validated when it was stored, so a re-import only
        parses and compares it: validation is most of an import's cost.
        """
        try:
            parsed = _parse(origin, raw)
        except ConfigError as exc:  # YAML: configfile names the line and the problem
            self.summary.invalid.append(str(exc))
            return None
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            self.summary.invalid.append(f"{origin}: not JSON/YAML ({type(exc).__name__})")
            return None
        if not isinstance(parsed, dict):
            self.summary.invalid.append(f"{origin}: not an OSV record object")
            return None
        record = _normalised(parsed)
        stored = existing.get(str(record.get("id")))
        if stored is not None and stored == json.dumps(record, sort_keys=True):
            return record
        error = jsonschema.exceptions.best_match(self.validator.iter_errors(record))
        if error is not None:
            where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
            self.summary.invalid.append(f"{origin} ({record.get('id', 'no id')}): {where}: {error.message[:160]}")
            return None
        return record


def _apply(connection: sqlite3.Connection, existing: dict[str, str], record: dict[str, Any], s: ImportSummary) -> None:
    vuln_id = str(record["id"])
    stored = existing.get(vuln_id)
    if record.get("withdrawn"):
        s.withdrawn += 1
        if stored is not None:  # withdrawn upstream since the last import: it must stop matching
            delete_record(connection, vuln_id)
            del existing[vuln_id]
            s.removed += 1
        return
    serialised = json.dumps(record, sort_keys=True)
    if stored == serialised:
        s.unchanged += 1
        return
    if stored is None:
        s.added += 1
    else:
        s.updated += 1
    insert_record(connection, record)
    existing[vuln_id] = serialised


def import_records(
    source: Path, store_path: Path, now: dt.datetime | None = None, *, strict: bool = False
) -> ImportSummary:
    """Validate every record, then atomically replace the store; on any error the old store is untouched.

    Invalid records are skipped and listed in the summary; with `strict`, any invalid record aborts
    the whole import (ConfigError) instead. When nothing changes, the store file is not rewritten.
    """
    summary = ImportSummary(source=str(source), store=str(store_path))
    loader = _Loader(summary)
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
                record = loader.load(origin, raw, existing)
                if record is not None:
                    _apply(connection, existing, record, summary)
            if summary.total == 0:
                raise ConfigError(f"{source}: no OSV record files (*.json, *.yaml) found; nothing imported")
            if len(summary.invalid) == summary.total:
                # Exit 0 with nothing stored would let a broken download feed an empty store to every scan.
                raise ConfigError(
                    f"{source}: all {summary.total} record file(s) are invalid, first: {summary.invalid[0]}; "
                    "nothing imported"
                )
            if strict and summary.invalid:
                raise ConfigError(
                    f"{source}: {len(summary.invalid)} invalid record(s), first: {summary.invalid[0]}; "
                    "nothing imported (--strict)"
                )
            if not summary.changed and store_path.exists():
                return summary  # idempotent: the same records again leave the store byte for byte as it was
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
