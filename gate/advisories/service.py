"""What a scan needs from the offline store: a loopback OSV URL for pip-audit, severities, staleness."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from gate.advisories.server import running_server
from gate.advisories.store import AdvisoryStore, default_store_path
from gate.errors import ConfigError
from gate.findings import Finding, ScanResult, ScanStatus
from gate.scanners.pip_audit import UNKNOWN_SEVERITY_MARK


def choose_store(flag: Path | None, policy_store: str | None, osv_url: str | None) -> Path | None:
    """--advisories, else the policy's store, else the default store if it exists and no OSV URL is set."""
    if flag is not None:
        return flag
    if policy_store:
        return Path(policy_store)
    if osv_url is None and default_store_path().is_file():
        return default_store_path()
    return None


@contextlib.contextmanager
def advisory_service(store_path: Path | None, osv_url: str | None) -> Iterator[tuple[str | None, AdvisoryStore | None]]:
    """(the OSV URL pip-audit should use, the store for severity lookups); serves the store meanwhile."""
    if store_path is None:
        yield osv_url, None
        return
    store = AdvisoryStore(store_path)
    if store.count() == 0:
        # An empty store answers "no vulnerability" for every pin: that would pass without checking anything.
        store.close()
        raise ConfigError(
            f"advisory store {store_path} holds no records; import some with `hardgate advisories import`"
        )
    try:
        if osv_url is not None:
            yield osv_url, store
            return
        with running_server(store_path) as url:
            yield url, store
    finally:
        store.close()


def _enrich(finding: Finding, store: AdvisoryStore) -> Finding:
    ids = (finding.rule_id, *finding.aliases)
    aliases = set(finding.aliases)
    for vuln_id in ids:
        aliases.update(store.aliases_for(vuln_id))
    aliases.discard(finding.rule_id)
    changes: dict[str, object] = {"aliases": tuple(sorted(aliases))}
    severity = next((s for s in (store.severity_for(i) for i in ids) if s is not None), None)
    if severity is not None:
        changes["severity"] = severity
        changes["extra"] = tuple(e for e in finding.extra if e != UNKNOWN_SEVERITY_MARK)
    return finding.replace(**changes)


def enrich_result(result: ScanResult, store: AdvisoryStore | None) -> ScanResult:
    """Dependency findings take their severity and every alias from the stored OSV records."""
    if store is None or result.status is not ScanStatus.OK:
        return result
    return dataclasses.replace(
        result, findings=tuple(_enrich(f, store) if f.is_dependency else f for f in result.findings)
    )


def stale_reason(store: AdvisoryStore | None, max_age_days: int | None, now: dt.datetime) -> str | None:
    if store is None or max_age_days is None:
        return None
    age = store.age_days(now)
    if age is None:
        return f"advisory store {store.path} holds no dated records"
    if age > max_age_days:
        return (
            f"advisory store {store.path} is stale: newest record is {age:.0f} days old (policy allows {max_age_days})"
        )
    return None
