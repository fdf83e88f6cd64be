"""ENV013: the hardening variables get no looser from dev to staging to prod.

Compared per environment, each at its loosest host: TLS minimum (PostgreSQL, MariaDB), sql_mode
strictness, audit coverage (pgaudit classes, server_audit events) and pg_hba methods. Read
auditing (pgaudit `read`, MariaDB SELECT) is a volume choice, not a control, and is not compared.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gate.envcheck.context import CHAIN, Context, as_bool, as_list
from gate.envcheck.model import Inventory, Setting
from gate.envcheck.render import UNRESOLVED
from gate.envcheck.rules import finding
from gate.findings import Finding

TLS_RANK = {"SSLv3": 0, "TLSv1": 10, "TLSv1.0": 10, "TLSv1.1": 11, "TLSv1.2": 12, "TLSv1.3": 13}
METHOD_RANK = {"trust": 0, "password": 1, "ident": 1, "md5": 2, "scram-sha-256": 3, "cert": 4, "reject": 5}
SQL_MODES = frozenset(
    {"STRICT_ALL_TABLES", "STRICT_TRANS_TABLES", "NO_ZERO_DATE", "NO_ZERO_IN_DATE", "ERROR_FOR_DIVISION_BY_ZERO",
     "NO_ENGINE_SUBSTITUTION", "ONLY_FULL_GROUP_BY", "NO_AUTO_CREATE_USER"}
)
PGAUDIT_ALL = frozenset({"write", "function", "role", "ddl", "misc", "misc_set"})
MARIADB_QUERY = frozenset({"QUERY_DDL", "QUERY_DCL", "QUERY_DML_NO_SELECT"})


@dataclass(frozen=True)
class Measure:
    """One environment's value of a metric: a rank (higher = stricter) or a set (superset = stricter)."""

    value: Any
    setting: Setting
    shown: str


def _tls_pg(values: dict[str, tuple[Any, Setting]]) -> Measure | None:
    version, setting = values.get("postgresql_hardening_ssl_min_protocol_version", (None, None))
    if setting is None:
        return None
    switch = values.get("postgresql_hardening_ssl")
    if switch is not None and as_bool(switch[0]) is False:
        return Measure(-1, switch[1], "ssl off")
    return Measure(TLS_RANK.get(str(version), -1), setting, str(version))


def _tls_maria(values: dict[str, tuple[Any, Setting]]) -> Measure | None:
    versions, setting = values.get("mariadb_hardening_tls_versions", (None, None))
    if setting is None:
        return None
    switch = values.get("mariadb_hardening_require_secure_transport")
    if switch is not None and as_bool(switch[0]) is False:
        return Measure(-1, switch[1], "require_secure_transport off")
    ranks = [TLS_RANK.get(str(v), -1) for v in as_list(versions)]
    return Measure(min(ranks, default=-1), setting, ",".join(map(str, as_list(versions))))


def _sql_mode(values: dict[str, tuple[Any, Setting]]) -> Measure | None:
    modes, setting = values.get("mariadb_hardening_sql_mode", (None, None))
    if setting is None:
        return None
    chosen = {str(m).upper() for m in as_list(modes)}
    if "TRADITIONAL" in chosen:
        chosen |= {"STRICT_ALL_TABLES", "STRICT_TRANS_TABLES", "NO_ZERO_DATE", "NO_ZERO_IN_DATE",
                   "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION"}
    return Measure(frozenset(chosen & SQL_MODES), setting, ",".join(sorted(chosen & SQL_MODES)))


def _pgaudit(values: dict[str, tuple[Any, Setting]]) -> Measure | None:
    classes, setting = values.get("postgresql_hardening_pgaudit_log", (None, None))
    if setting is None:
        return None
    chosen: set[str] = set()
    for item in (str(c).strip().lower() for c in as_list(classes)):
        if item == "all":
            chosen |= PGAUDIT_ALL
        elif item.startswith("-"):
            chosen.discard(item[1:])
        elif item in PGAUDIT_ALL:
            chosen.add(item)
    return Measure(frozenset(chosen), setting, ",".join(sorted(chosen)) or "none")


def _maria_audit(values: dict[str, tuple[Any, Setting]]) -> Measure | None:
    events, setting = values.get("mariadb_hardening_audit_events", (None, None))
    if setting is None:
        return None
    chosen: set[str] = set()
    for event in (str(e).upper() for e in as_list(events)):
        if event == "QUERY":
            chosen |= MARIADB_QUERY
        else:
            chosen.add("QUERY_DML_NO_SELECT" if event == "QUERY_DML" else event)
    dml = values.get("mariadb_hardening_audit_log_dml")
    if dml is not None and as_bool(dml[0]):
        chosen.add("QUERY_DML_NO_SELECT")
    return Measure(frozenset(chosen), setting, ",".join(sorted(chosen)))


def _hba(values: dict[str, tuple[Any, Setting]]) -> Measure | None:
    entries, setting = values.get("postgresql_hardening_hba_entries", (None, None))
    if setting is None or not isinstance(entries, list):
        return None
    ranks = []
    for entry in entries:
        if isinstance(entry, dict):
            method = str(entry.get("method", "scram-sha-256")).lower()
            rank = METHOD_RANK.get(method, 3)
            if entry.get("clientcert") and rank >= 3:
                rank = 4
            ranks.append((rank, method))
    if not ranks:
        return None
    weakest = min(ranks)
    return Measure(weakest[0], setting, weakest[1])


#: (metric name, inventory group it applies to, how to measure it)
METRICS: tuple[tuple[str, str, Callable[[dict[str, tuple[Any, Setting]]], Measure | None]], ...] = (
    ("PostgreSQL TLS minimum", "postgresql", _tls_pg),
    ("PostgreSQL pg_hba weakest method", "postgresql", _hba),
    ("pgaudit coverage", "postgresql", _pgaudit),
    ("MariaDB TLS minimum", "mariadb", _tls_maria),
    ("MariaDB sql_mode", "mariadb", _sql_mode),
    ("MariaDB audit coverage", "mariadb", _maria_audit),
)
NAMES = (
    "postgresql_hardening_ssl_min_protocol_version", "postgresql_hardening_ssl", "postgresql_hardening_hba_entries",
    "postgresql_hardening_pgaudit_log", "mariadb_hardening_tls_versions", "mariadb_hardening_require_secure_transport",
    "mariadb_hardening_sql_mode", "mariadb_hardening_audit_events", "mariadb_hardening_audit_log_dml",
)


def _looser(a: Any, b: Any) -> bool:
    """Whether a is looser than b (ranks: smaller; sets: not a superset)."""
    if isinstance(a, frozenset):
        return not a >= b
    return bool(a < b)


def _measure(ctx: Context, inventory: Inventory, group: str, how: Callable[..., Measure | None]) -> Measure | None:
    """The loosest measure over the group's hosts."""
    loosest: Measure | None = None
    for host in inventory.hosts_in(group):
        resolver = ctx.resolver(inventory, host)
        values = {
            n: (resolver.get(n), resolver.settings[n])
            for n in NAMES
            if n in resolver.settings and resolver.get(n) is not UNRESOLVED
        }
        measure = how(values)
        if measure is not None and (loosest is None or _looser(measure.value, loosest.value)):
            loosest = measure
    return loosest


def check(ctx: Context) -> list[Finding]:
    present = [inventory for name in CHAIN for inventory in ctx.inventories if inventory.name == name]
    findings: list[Finding] = []
    for metric, group, how in METRICS:
        measures = [(inventory, _measure(ctx, inventory, group, how)) for inventory in present]
        known = [(inventory, measure) for inventory, measure in measures if measure is not None]
        for (earlier, before), (later, after) in itertools.pairwise(known):
            if not _looser(after.value, before.value):
                continue
            detail = (
                f"drops {', '.join(sorted(before.value - after.value))}"
                if isinstance(after.value, frozenset)
                else f"{after.shown} vs {before.shown}"
            )
            findings.append(
                finding(
                    "ENV013",
                    f"{metric} in {later.name} is looser than in {earlier.name} ({detail}; "
                    f"{earlier.name} at {before.setting.origin}); strictness must not decrease",
                    after.setting.origin,
                    later.name,
                )
            )
    return findings
