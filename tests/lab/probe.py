"""One database login attempt, made from inside a lab namespace (ip netns exec NS python probe.py).

The connection settings arrive as JSON on stdin, so a password never appears on a command line;
the outcome leaves as one JSON line on stdout: {"ok": true} or {"ok": false, "code": N, "error": "..."}.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def postgresql(settings: dict[str, Any]) -> None:
    import psycopg

    with psycopg.connect(**settings, connect_timeout=10, autocommit=True) as connection:
        connection.execute("SELECT 1")


def mariadb(settings: dict[str, Any]) -> None:
    import pymysql

    connection = pymysql.connect(**settings, connect_timeout=10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def main() -> int:
    request = json.load(sys.stdin)
    kind, settings = request["kind"], request["settings"]
    try:
        (postgresql if kind == "postgresql" else mariadb)(settings)
    except Exception as exc:  # any refusal is the answer, reported as data
        code = exc.args[0] if kind == "mariadb" and exc.args and isinstance(exc.args[0], int) else None
        print(json.dumps({"ok": False, "code": code, "error": str(exc).strip()}))
        return 0
    print(json.dumps({"ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
