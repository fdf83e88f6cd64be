"""The local OSV store: one SQLite file, read by the loopback server and the scan's severity lookup."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from gate.advisories.matching import affected_names, record_affects
from gate.advisories.severity import record_severity
from gate.errors import ConfigError
from gate.findings import Severity

STORE_FORMAT = "hardgate-osv-store/1"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE vulns (id TEXT PRIMARY KEY, modified TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE affected (vuln_id TEXT NOT NULL, name TEXT NOT NULL);
CREATE INDEX affected_by_name ON affected (name);
CREATE TABLE aliases (vuln_id TEXT NOT NULL, alias TEXT NOT NULL);
CREATE INDEX aliases_by_alias ON aliases (alias);
CREATE INDEX aliases_by_vuln ON aliases (vuln_id);
"""


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    """$HARDGATE_ADVISORIES, else $XDG_DATA_HOME/hardgate/advisories.db (~/.local/share by default)."""
    env = os.environ if environ is None else environ
    if env.get("HARDGATE_ADVISORIES"):
        return Path(env["HARDGATE_ADVISORIES"])
    data_home = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "hardgate" / "advisories.db"


def parse_timestamp(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def create_schema(connection: sqlite3.Connection) -> None:
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO meta VALUES ('format', ?)", (STORE_FORMAT,))


def read_only_uri(path: Path) -> str:
    """A SQLite URI that opens `path` read-only, whatever characters (`?`, `#`, `%`) its name holds."""
    return f"file:{urllib.parse.quote(str(path.absolute()))}?mode=ro"


def delete_record(connection: sqlite3.Connection, vuln_id: str) -> None:
    connection.execute("DELETE FROM vulns WHERE id = ?", (vuln_id,))
    connection.execute("DELETE FROM affected WHERE vuln_id = ?", (vuln_id,))
    connection.execute("DELETE FROM aliases WHERE vuln_id = ?", (vuln_id,))


def insert_record(connection: sqlite3.Connection, record: dict[str, Any]) -> None:
    vuln_id = str(record["id"])
    delete_record(connection, vuln_id)
    connection.execute(
        "INSERT INTO vulns VALUES (?, ?, ?)",
        (vuln_id, str(record.get("modified", "")), json.dumps(record, sort_keys=True)),
    )
    connection.executemany("INSERT INTO affected VALUES (?, ?)", [(vuln_id, n) for n in affected_names(record)])
    aliases = sorted({str(a) for a in record.get("aliases") or []})
    connection.executemany("INSERT INTO aliases VALUES (?, ?)", [(vuln_id, a) for a in aliases])


class AdvisoryStore:
    """Read access to an imported store; opening anything else is a configuration error.

    One instance may be shared by the server's request threads: every statement runs under a lock,
    because a single sqlite3 connection must not run two statements at once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise ConfigError(f"{path}: advisory store not found; create it with `hardgate advisories import`")
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError:
            raise ConfigError(f"{path}: not a Hardgate advisory store") from None
        if row is None or row[0] != STORE_FORMAT:
            self._db.close()
            raise ConfigError(f"{path}: not a Hardgate advisory store (format {row[0] if row else 'unknown'})")

    def __enter__(self) -> AdvisoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, *params: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", key)
        return str(rows[0][0]) if rows else None

    def count(self) -> int:
        return int(self._rows("SELECT count(*) FROM vulns")[0][0])

    def lookup(self, vuln_id: str) -> dict[str, Any] | None:
        """The stored OSV record with this id (not its aliases), or None."""
        rows = self._rows("SELECT record FROM vulns WHERE id = ?", vuln_id)
        return json.loads(rows[0][0]) if rows else None

    def query(self, name: str, version: Version) -> list[dict[str, Any]]:
        """Every record affecting PyPI package `name` at the parsed `version`, ordered by id."""
        canonical = canonicalize_name(name)
        rows = self._rows(
            "SELECT v.record FROM vulns v JOIN affected a ON a.vuln_id = v.id WHERE a.name = ? ORDER BY v.id",
            canonical,
        )
        records = [json.loads(row[0]) for row in rows]
        return [r for r in records if record_affects(r, canonical, version)]

    def aliases_for(self, vuln_id: str) -> tuple[str, ...]:
        """Aliases in both directions: those the record lists, and records that list this id."""
        rows = self._rows(
            "SELECT alias FROM aliases WHERE vuln_id = ? UNION SELECT vuln_id FROM aliases WHERE alias = ?",
            vuln_id,
            vuln_id,
        )
        return tuple(sorted({str(r[0]) for r in rows} - {vuln_id}))

    def severity_for(self, vuln_id: str) -> Severity | None:
        """From the record itself, else from the first alias record that has one."""
        record = self.lookup(vuln_id)
        if record is not None:
            severity = record_severity(record)
            if severity is not None:
                return severity
        for alias in self.aliases_for(vuln_id):
            aliased = self.lookup(alias)
            if aliased is not None and (severity := record_severity(aliased)) is not None:
                return severity
        return None

    def newest_modified(self) -> dt.datetime | None:
        """The newest `modified` time of any stored record (timezone-aware), or None for an empty store."""
        rows = self._rows("SELECT modified FROM vulns")
        stamps = [parsed for (text,) in rows if (parsed := parse_timestamp(str(text))) is not None]
        return max(stamps, default=None)

    def age_days(self, now: dt.datetime) -> float | None:
        """Days from the newest record to `now` (aware): the policy's `advisories.max_age_days` input."""
        newest = self.newest_modified()
        return None if newest is None else (now - newest).total_seconds() / 86400
