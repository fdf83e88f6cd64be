"""One database login attempt, made from inside a lab namespace (ip netns exec NS python probe.py).

The connection settings arrive as JSON on stdin, so a password never appears on a command line;
the outcome leaves as one JSON line on stdout: {"ok": true} or {"ok": false, "code": N, "error": "..."}.
An optional "statements" list is run after the login, one by one; the errors they raise are
counted, not fatal ({"ok": true, "errors": N}).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any


def count_errors(execute: Callable[[str], object], error: type[Exception], statements: list[str]) -> int:
    """SELECT 1 (a refusal there is the login's answer and propagates), then each statement; how
    many of them raised `error`."""
    execute("SELECT 1")
    errors = 0
    for statement in statements:
        try:
            execute(statement)
        except error:
            errors += 1
    return errors


def postgresql(settings: dict[str, Any], statements: list[str]) -> int:
    import psycopg

    with psycopg.connect(**settings, connect_timeout=10, autocommit=True) as connection:
        return count_errors(connection.execute, psycopg.Error, statements)


def mariadb(settings: dict[str, Any], statements: list[str]) -> int:
    import pymysql

    connection = pymysql.connect(**settings, connect_timeout=10)
    try:
        with connection.cursor() as cursor:
            return count_errors(cursor.execute, pymysql.Error, statements)
    finally:
        connection.close()


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
