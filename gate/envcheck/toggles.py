"""ENV007-ENV012: prod sets no insecure toggle (weak hba methods, TLS off/old, audit off,
non-strict sql_mode, listening everywhere, general query log)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gate.envcheck.context import Context, as_bool, as_list
from gate.envcheck.model import Inventory, Setting
from gate.envcheck.rules import finding
from gate.findings import Finding

WEAK_METHODS = ("trust", "password", "md5", "ident")
OLD_TLS = ("SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1")
WILDCARDS = ("*", "0.0.0.0", "::")  # noqa: S104 - what prod must not listen on
REQUIRED_PGAUDIT = ("ddl", "write")
REQUIRED_MARIADB_EVENTS = ("CONNECT", "QUERY_DDL", "QUERY_DCL")
TLS_SWITCH = re.compile(r"_hardening_(ssl|tls)(_enabled)?$|_require_secure_transport$")
AUDIT_SWITCH = re.compile(r"_hardening_(audit|pgaudit)(_enabled)?$")


def _each(ctx: Context, inventory: Inventory, name: str) -> Iterator[tuple[Any, Setting]]:
    for value, setting, _host in ctx.values(inventory, name):
        yield value, setting


def _hba(ctx: Context, prod: Inventory) -> list[Finding]:
    findings = []
    for value, setting in _each(ctx, prod, "postgresql_hardening_hba_entries"):
        for entry in value if isinstance(value, list) else []:
            if not isinstance(entry, dict):
                continue
            method = str(entry.get("method", "")).strip().lower()
            if method in WEAK_METHODS:
                findings.append(
                    finding(
                        "ENV007",
                        f"prod pg_hba entry for {entry.get('user', '?')}@{entry.get('address', '?')} uses "
                        f"'{method}'; prod allows scram-sha-256 (and client certificates) only",
                        setting.origin_of(method),
                        "prod",
                    )
                )
            kind = str(entry.get("type", "hostssl")).strip().lower()
            if kind in ("host", "hostnossl"):
                findings.append(
                    finding(
                        "ENV008",
                        f"prod pg_hba entry for {entry.get('user', '?')}@{entry.get('address', '?')} is '{kind}': "
                        "it accepts connections without TLS; prod uses hostssl only",
                        setting.origin_of(kind),
                        "prod",
                    )
                )
    return findings


def _tls(ctx: Context, prod: Inventory) -> list[Finding]:
    findings = []
    names = {s.name for host in prod.hosts for s in prod.settings_for(host).values()}
    for name in sorted(n for n in names if TLS_SWITCH.search(n)):
        for value, setting in _each(ctx, prod, name):
            if as_bool(value) is False:
                findings.append(finding("ENV008", f"prod sets {name}: {value!r}: TLS is off", setting.origin, "prod"))
    for value, setting in _each(ctx, prod, "postgresql_hardening_ssl_min_protocol_version"):
        if str(value) in OLD_TLS:
            findings.append(
                finding("ENV008", f"prod accepts {value} (ssl_min_protocol_version); minimum is TLSv1.2",
                        setting.origin, "prod")
            )
    for value, setting in _each(ctx, prod, "mariadb_hardening_tls_versions"):
        old = [v for v in as_list(value) if str(v) in OLD_TLS]
        if old:
            findings.append(
                finding("ENV008", f"prod MariaDB accepts {', '.join(map(str, old))} (tls_version); minimum is TLSv1.2",
                        setting.origin_of(str(old[0])), "prod")
            )
    return findings


def _audit(ctx: Context, prod: Inventory) -> list[Finding]:
    findings = []
    for value, setting in _each(ctx, prod, "postgresql_hardening_pgaudit_log"):
        classes = [c.lower() for c in as_list(value)]
        missing = [c for c in REQUIRED_PGAUDIT if c not in classes and "all" not in classes]
        if missing or "none" in classes or any(f"-{c}" in classes for c in REQUIRED_PGAUDIT):
            findings.append(
                finding("ENV009", f"prod pgaudit.log is {value!r}; it must log at least ddl and write",
                        setting.origin, "prod")
            )
    for value, setting in _each(ctx, prod, "postgresql_hardening_databases"):
        for database in value if isinstance(value, list) else []:
            if isinstance(database, dict) and as_bool(database.get("pgaudit", True)) is False:
                findings.append(
                    finding("ENV009", f"prod database {database.get('name', '?')!r} has pgaudit off",
                            setting.origin_of("pgaudit"), "prod")
                )
    for value, setting in _each(ctx, prod, "mariadb_hardening_audit_events"):
        events = {str(e).upper() for e in as_list(value)}
        missing = [e for e in REQUIRED_MARIADB_EVENTS if e not in events]
        if missing:
            findings.append(
                finding("ENV009", f"prod MariaDB audit misses {', '.join(missing)} (server_audit_events)",
                        setting.origin, "prod")
            )
    names = {s.name for host in prod.hosts for s in prod.settings_for(host).values()}
    for name in sorted(n for n in names if AUDIT_SWITCH.search(n)):
        for value, setting in _each(ctx, prod, name):
            if as_bool(value) is False:
                findings.append(finding("ENV009", f"prod sets {name}: {value!r}: auditing is off",
                                        setting.origin, "prod"))
    return findings


def strict_sql_mode(modes: list[str]) -> bool:
    upper = {m.upper() for m in modes}
    return "STRICT_ALL_TABLES" in upper or "TRADITIONAL" in upper


def _sql_mode(ctx: Context, prod: Inventory) -> list[Finding]:
    findings = []
    for value, setting in _each(ctx, prod, "mariadb_hardening_sql_mode"):
        if not strict_sql_mode([str(m) for m in as_list(value)]):
            findings.append(
                finding("ENV010", f"prod sql_mode {','.join(map(str, as_list(value))) or '(empty)'} lacks "
                        "STRICT_ALL_TABLES: invalid or truncated data is stored with a warning", setting.origin,
                        "prod")
            )
    return findings


def _listen(ctx: Context, prod: Inventory) -> list[Finding]:
    findings = []
    for name in ("postgresql_hardening_listen_addresses", "mariadb_hardening_bind_address"):
        for value, setting in _each(ctx, prod, name):
            wild = [v for v in as_list(value) if str(v).strip().strip("'\"") in WILDCARDS]
            if wild:
                findings.append(
                    finding("ENV011", f"prod {name} includes {wild[0]!r}: the server listens on every interface",
                            setting.origin_of(str(wild[0])), "prod")
                )
    return findings


def _general_log(ctx: Context, prod: Inventory) -> list[Finding]:
    return [
        finding("ENV012", "prod turns the MariaDB general query log on: every statement, passwords in "
                "CREATE/ALTER USER included, lands on disk", setting.origin, "prod")
        for value, setting in _each(ctx, prod, "mariadb_hardening_general_log")
        if as_bool(value) is True
    ]


def check(ctx: Context) -> list[Finding]:
    prod = ctx.by_name().get("prod")
    if prod is None:
        return []
    findings: list[Finding] = []
    for part in (_hba, _tls, _audit, _sql_mode, _listen, _general_log):
        findings.extend(part(ctx, prod))
    return findings
