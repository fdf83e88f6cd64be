"""PostgreSQL logs an investigator and fail2ban can use (roles/postgresql_hardening, docs/monitoring.md):
the inventory's formats (stderr and jsonlog here) and retention (a week for local: one file per
weekday, every one present from the start, 0600 postgres), a failed login in the jsonlog file with
user and address and never the attempted password, and the jsonlog fail2ban filter taking the
address PostgreSQL saw, never one forged inside a client-chosen user name."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import PG_LOG_DIR, TCP_HOST, run_role_tasks

pytestmark = pytest.mark.infra

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
JSON_AUTH_FILTER = "/etc/fail2ban/filter.d/hardgate-postgresql-auth-json.conf"
FORGED = "203.0.113.9"


def current_json_log(sql: Callable[..., str]) -> Path:
    return Path(sql("SELECT pg_current_logfile('jsonlog')"))


def json_events(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_collector_writes_stderr_and_jsonlog_one_file_per_weekday(sql: Callable[..., str]) -> None:
    assert sql("SHOW log_destination") == "stderr,jsonlog"
    assert sql("SHOW log_filename") == "postgresql-15-main-%a.log"
    assert sql("SHOW log_truncate_on_rotation") == "on"
    assert sql("SHOW log_rotation_age") == "1d"
    assert current_json_log(sql).name.removesuffix(".json").rsplit("-", 1)[1] in WEEKDAYS


def test_every_file_of_the_week_exists_and_is_postgres_only(host: Any) -> None:
    """fail2ban resolves its log glob once, at start: all seven names exist before the collector
    opens them, so no day's file goes unwatched."""
    for day in WEEKDAYS:
        for ext in ("log", "json"):
            log = host.file(f"{PG_LOG_DIR}/postgresql-15-main-{day}.{ext}")
            assert log.exists, log.path
            assert (log.user, log.group, log.mode) == ("postgres", "postgres", 0o600), log.path


def test_failed_login_in_jsonlog_names_user_and_address_never_the_password(
    connect: Callable[..., psycopg.Connection[Any]], sql: Callable[..., str]
) -> None:
    attempted = f"hgpw_{uuid.uuid4().hex}"
    with pytest.raises(psycopg.OperationalError):
        connect("orders_app", password=attempted)
    path = current_json_log(sql)
    failed = [
        e
        for e in json_events(path)
        if e.get("error_severity") == "FATAL" and 'password authentication failed for user "orders_app"' in e["message"]
    ]
    assert failed, path
    assert (failed[-1]["user"], failed[-1]["dbname"], failed[-1]["remote_host"]) == ("orders_app", "orders", TCP_HOST)
    assert failed[-1]["state_code"] == "28P01"
    for log in Path(PG_LOG_DIR).glob("postgresql-15-main*"):
        assert attempted not in log.read_text(encoding="utf-8", errors="replace"), log


def test_jsonlog_filter_bans_the_address_postgresql_saw_not_one_in_the_user_name(
    connect: Callable[..., psycopg.Connection[Any]], sql: Callable[..., str]
) -> None:
    """A user name carrying JSON (`x","remote_host":"203.0.113.9`) stays inside its escaped string:
    fail2ban-regex with the installed filter, over the real jsonlog file, finds the loopback address."""
    forger = f'hg{uuid.uuid4().hex[:6]}","remote_host":"{FORGED}'
    with pytest.raises(psycopg.OperationalError):
        connect(forger, password="wrong")
    done = subprocess.run(
        ["fail2ban-regex", "-o", "<ip> <F-USER>", str(current_json_log(sql)), JSON_AUTH_FILTER],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    matched = [line for line in done.stdout.splitlines() if forger[:8] in line]
    assert matched, done.stdout[-2000:]
    assert all(line.split(" ", 1)[0] == TCP_HOST for line in matched), matched
    assert FORGED not in {line.split(" ", 1)[0] for line in done.stdout.splitlines()}


def test_prod_refuses_a_week_of_logs(tmp_path: Path) -> None:
    done = run_role_tasks(
        tmp_path, "postgresql_hardening", "assert.yml",
        "-e", "postgresql_hardening_environment=prod", "-e", "postgresql_hardening_log_retention=week",
        "-e", "postgresql_hardening_pgbackrest_unreadable_repo=fail",  # local's move_aside is refused first
    )  # fmt: skip
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2, output
    assert "prod refuses (PostgreSQL)" in output  # the engine profile's refusal (roles/db_contract)
    assert "log retention: week is weaker than month (postgresql_hardening_log_retention)" in output
