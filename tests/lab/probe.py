"""One database login attempt, made from inside a lab namespace (ip netns exec NS python probe.py).

The connection settings arrive as JSON on stdin, so a password never appears on a command line;
the outcome leaves as one JSON line on stdout: {"ok": true} or {"ok": false, "code": N, "error": "..."}.
An optional "statements" list is run after the login, one by one; the errors they raise are
counted, not fatal ({"ok": true, "errors": N}).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def postgresql(settings: dict[str, Any], statements: list[str]) -> int:
    import psycopg

    errors = 0
    with psycopg.connect(**settings, connect_timeout=10, autocommit=True) as connection:
        connection.execute("SELECT 1")
        for statement in statements:
            try:
                connection.execute(statement)
            except psycopg.Error:
                errors += 1
    return errors


def mariadb(settings: dict[str, Any], statements: list[str]) -> int:
    import pymysql

    errors = 0
    connection = pymysql.connect(**settings, connect_timeout=10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            for statement in statements:
                try:
                    cursor.execute(statement)
                except pymysql.Error:
                    errors += 1
    finally:
        connection.close()
    return errors


def main() -> int:
    request = json.load(sys.stdin)
    kind, settings = request["kind"], request["settings"]
    statements = settings.pop("statements", [])
    try:
        errors = (postgresql if kind == "postgresql" else mariadb)(settings, statements)
    except Exception as exc:  # any refusal is the answer, reported as data
        code = exc.args[0] if kind == "mariadb" and exc.args and isinstance(exc.args[0], int) else None
        print(json.dumps({"ok": False, "code": code, "error": str(exc).strip()}))
        return 0
    print(json.dumps({"ok": True, "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
