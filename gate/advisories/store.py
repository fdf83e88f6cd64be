"""The local OSV store: one SQLite file, read by the loopback server and the scan's severity lookup."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

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


def insert_record(connection: sqlite3.Connection, record: dict[str, Any]) -> None:
    vuln_id = str(record["id"])
    connection.execute(
        "INSERT OR REPLACE INTO vulns VALUES (?, ?, ?)",
        (vuln_id, str(record.get("modified", "")), json.dumps(record, sort_keys=True)),
    )
    connection.execute("DELETE FROM affected WHERE vuln_id = ?", (vuln_id,))
    connection.execute("DELETE FROM aliases WHERE vuln_id = ?", (vuln_id,))
    connection.executemany("INSERT INTO affected VALUES (?, ?)", [(vuln_id, n) for n in affected_names(record)])
    aliases = sorted({str(a) for a in record.get("aliases") or []})
    connection.executemany("INSERT INTO aliases VALUES (?, ?)", [(vuln_id, a) for a in aliases])


class AdvisoryStore:
    """Read access to an imported store; opening anything else is a configuration error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise ConfigError(f"{path}: advisory store not found; create it with `hardgate advisories import`")
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError:
            raise ConfigError(f"{path}: not a Hardgate advisory store") from None
        if row is None or row[0] != STORE_FORMAT:
            raise ConfigError(f"{path}: not a Hardgate advisory store (format {row[0] if row else 'unknown'})")

    def close(self) -> None:
        self._db.close()

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM vulns").fetchone()[0])

    def lookup(self, vuln_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM vulns WHERE id = ?", (vuln_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def query(self, name: str, version: Any) -> list[dict[str, Any]]:
        """Every record affecting PyPI package `name` at the parsed `version`, ordered by id."""
        rows = self._db.execute(
            "SELECT v.record FROM vulns v JOIN affected a ON a.vuln_id = v.id WHERE a.name = ? ORDER BY v.id",
            (name,),
        ).fetchall()
        records = [json.loads(row[0]) for row in rows]
        return [r for r in records if record_affects(r, name, version)]

    def aliases_for(self, vuln_id: str) -> tuple[str, ...]:
        """Aliases in both directions: those the record lists, and records that list this id."""
        rows = self._db.execute(
            "SELECT alias FROM aliases WHERE vuln_id = ? UNION SELECT vuln_id FROM aliases WHERE alias = ?",
            (vuln_id, vuln_id),
        ).fetchall()
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
        rows = self._db.execute("SELECT modified FROM vulns").fetchall()
        stamps = [parsed for (text,) in rows if (parsed := parse_timestamp(str(text))) is not None]
        return max(stamps, default=None)

    def age_days(self, now: dt.datetime) -> float | None:
        newest = self.newest_modified()
        return None if newest is None else (now - newest).total_seconds() / 86400
