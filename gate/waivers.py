"""Waivers: reviewed, owned, expiring exceptions that accept specific findings in specific environments."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from gate.configfile import bundled_schema, load_yaml
from gate.environments import ALIASES, canonical_environment
from gate.errors import ConfigError
from gate.findings import Finding, FindingState, normalise_path
from gate.targets import matches_any

#: `local` is an alias of `dev` (gate/environments.py): a waiver for one applies to the other.
ENVIRONMENT_ALIASES = ALIASES
EXPIRY_WARNING_DAYS = 14

_EXPECTED = {
    "id": "a string of letters, digits, '.', '_' or '-', such as W-001",
    "match": (
        "exactly one of {fingerprint: 'v1:<64 hex digits>'}, {rule: RULE_ID, paths: [GLOB, ...]} "
        "or {vuln: CVE-/GHSA-/PYSEC-id}"
    ),
    "environments": "a non-empty list of distinct environments from dev, local, staging, prod",
    "owner": "a team or person to contact, at least 3 characters",
    "justification": "a string of at least 20 characters saying why the risk is accepted",
    "expires": "a date YYYY-MM-DD (required when environments include staging or prod)",
    "ticket": "a string such as SEC-123",
}


@dataclass(frozen=True)
class WaiverMatch:
    """Exactly one of: a fingerprint, a rule id (optionally limited to path globs), or a vulnerability id."""

    fingerprint: str | None = None
    rule: str | None = None
    paths: tuple[str, ...] = ()
    vuln: str | None = None

    def matches(self, finding: Finding) -> bool:
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        if self.vuln is not None:
            return self.vuln.upper() in {vuln_id.upper() for vuln_id in finding.vuln_ids}
        if self.rule is not None and self.rule in _rule_ids(finding):
            if not self.paths:
                return True
            return finding.location is not None and matches_any(normalise_path(finding.location.path), self.paths)
        return False

    def describe(self) -> str:
        if self.fingerprint is not None:
            return f"fingerprint {self.fingerprint}"
        if self.vuln is not None:
            return f"vulnerability {self.vuln}"
        where = f" in {', '.join(self.paths)}" if self.paths else ""
        return f"rule {self.rule}{where}"


def _rule_ids(finding: Finding) -> frozenset[str]:
    """The finding's rule id plus any rule ids dedup recorded as merged into it."""
    merged = {value for key, value in finding.extra if key == "merged_rule_id"}
    return frozenset({finding.rule_id, *merged})


@dataclass(frozen=True)
class Waiver:
    id: str
    match: WaiverMatch
    environments: frozenset[str]  # canonical names: aliases already resolved
    owner: str
    justification: str
    expires: dt.date | None = None
    ticket: str | None = None

    def applies_to(self, environment: str) -> bool:
        return canonical_environment(environment) in self.environments

    def expired(self, today: dt.date) -> bool:
        """A waiver is valid through its `expires` day and suppresses nothing after it."""
        return self.expires is not None and self.expires < today

    def days_left(self, today: dt.date) -> int | None:
        return None if self.expires is None else (self.expires - today).days


@dataclass(frozen=True)
class WaiverSet:
    source: str
    digest: str  # sha256 of the file's bytes, for the decision record
    waivers: tuple[Waiver, ...]


@dataclass(frozen=True)
class WaiverOutcome:
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...]
    used: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()


def _entry_label(document: Any, index: int) -> str:
    entry = document["waivers"][index]
    waiver_id = entry.get("id") if isinstance(entry, dict) else None
    return f"waivers[{index}] (id {waiver_id})" if isinstance(waiver_id, str) else f"waivers[{index}]"


def _describe_error(document: Any, error: jsonschema.ValidationError) -> str:
    """`waivers[2] (id W-003): expires: missing; expected a date ...`: where, which key, what was expected."""
    path = list(error.absolute_path)
    if len(path) < 2 or path[0] != "waivers" or not isinstance(path[1], int):
        if error.validator == "additionalProperties" and not path:
            return f"(top level): {error.message}; expected only 'version' and 'waivers'"
        where = ".".join(str(p) for p in path) or "(top level)"
        return f"{where}: expected a mapping with a 'waivers' list of entries ({error.message})"
    label = _entry_label(document, path[1])
    rest = [str(p) for p in path[2:]]
    instance: Any = error.instance
    if not rest:
        if error.validator == "required":
            required: Any = error.validator_value
            missing = [key for key in required if key not in instance]
            key = missing[0] if missing else "?"
            return f"{label}: {key}: missing; expected {_EXPECTED.get(key, 'a value')}"
        if error.validator == "additionalProperties":
            unknown = sorted(set(instance) - set(_EXPECTED))
            return f"{label}: {', '.join(map(str, unknown))}: unknown key; expected only {', '.join(_EXPECTED)}"
        return f"{label}: expected a mapping with {', '.join(_EXPECTED)}"
    key = rest[0]
    return f"{label}: {'.'.join(rest)}: expected {_EXPECTED.get(key, 'a valid value')} (got {instance!r})"


def _read(path: Path) -> tuple[bytes, Any]:
    # Dates stay ISO text (configfile's loader has no timestamp resolver): the schema checks their
    # shape and _build their calendar, so `expires: 2026-02-30` is a one-line error.
    return load_yaml(path, "waiver")


def _build(entry: dict[str, Any], label: str, source: Path) -> Waiver:
    match = entry["match"]
    expires: dt.date | None = None
    if "expires" in entry:
        try:
            expires = dt.date.fromisoformat(entry["expires"])
        except ValueError:
            raise ConfigError(
                f"{source}: {label}: expires: expected {_EXPECTED['expires']} (got {entry['expires']!r})"
            ) from None
    return Waiver(
        id=entry["id"],
        match=WaiverMatch(
            fingerprint=match.get("fingerprint"),
            rule=match.get("rule"),
            paths=tuple(match.get("paths", ())),
            vuln=match.get("vuln"),
        ),
        environments=frozenset(canonical_environment(env) for env in entry["environments"]),
        owner=entry["owner"],
        justification=entry["justification"].strip(),
        expires=expires,
        ticket=entry.get("ticket"),
    )


def load_waivers(path: Path) -> WaiverSet:
    """Read and validate a waiver file; ConfigError names the file, the entry, the key and what was expected."""
    raw, document = _read(path)
    if document is None:
        document = {"waivers": []}
    errors = sorted(
        jsonschema.Draft202012Validator(bundled_schema("waivers.schema.json")).iter_errors(document),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(f"{path}: {_describe_error(document, errors[0])}{more}")
    waivers: list[Waiver] = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(document["waivers"]):
        label = _entry_label(document, index)
        if entry["id"] in first_index:
            raise ConfigError(
                f"{path}: {label}: id: duplicate of waivers[{first_index[entry['id']]}]; ids must be unique"
            )
        first_index[entry["id"]] = index
        if len(entry["justification"].strip()) < 20:
            raise ConfigError(f"{path}: {label}: justification: expected {_EXPECTED['justification']}")
        waivers.append(_build(entry, label, path))
    return WaiverSet(source=str(path), digest="sha256:" + hashlib.sha256(raw).hexdigest(), waivers=tuple(waivers))


def expiry_warnings(waivers: Sequence[Waiver], environment: str | None, today: dt.date) -> list[str]:
    """Expired and soon-expiring waivers (for one environment, or all when environment is None)."""
    warnings: list[str] = []
    for waiver in waivers:
        if environment is not None and not waiver.applies_to(environment):
            continue
        days = waiver.days_left(today)
        if days is None:
            continue
        if days < 0:
            warnings.append(
                f"waiver {waiver.id} expired on {waiver.expires} and suppresses nothing (owner {waiver.owner})"
            )
        elif days <= EXPIRY_WARNING_DAYS:
            warnings.append(f"waiver {waiver.id} expires in {days} day(s), on {waiver.expires} (owner {waiver.owner})")
    return warnings


def apply_waivers(findings: Sequence[Finding], waivers: WaiverSet, environment: str, today: dt.date) -> WaiverOutcome:
    """Mark open findings that a live waiver for this environment matches as WAIVED; the first match wins.

    Waived findings stay in the list so every report shows what was accepted, by whom and why.
    """
    canonical_environment(environment)
    applicable = [w for w in waivers.waivers if w.applies_to(environment)]
    live = [w for w in applicable if not w.expired(today)]
    used: dict[str, int] = {}
    result: list[Finding] = []
    for finding in findings:
        waiver = next((w for w in live if finding.state is FindingState.OPEN and w.match.matches(finding)), None)
        if waiver is None:
            result.append(finding)
            continue
        used[waiver.id] = used.get(waiver.id, 0) + 1
        # Owner and expiry ride along in `extra` so reports (HTML, CycloneDX VEX) can name who accepted it until when.
        accepted_by = (
            ("waiver_owner", waiver.owner),
            ("waiver_expires", waiver.expires.isoformat() if waiver.expires else ""),
        )
        result.append(
            finding.replace(
                state=FindingState.WAIVED,
                waiver_id=waiver.id,
                waiver_justification=waiver.justification,
                extra=(*finding.extra, *accepted_by),
            )
        )
    expired = [w for w in applicable if w.expired(today)]
    unused = [w for w in live if w.id not in used]
    warnings = expiry_warnings(applicable, environment, today)
    warnings.extend(
        f"waiver {w.id} ({w.match.describe()}) matched no finding in {canonical_environment(environment)}; "
        "remove it if the issue is fixed"
        for w in unused
    )
    return WaiverOutcome(
        findings=tuple(result),
        warnings=tuple(warnings),
        used=tuple(w.id for w in live if w.id in used),
        expired=tuple(w.id for w in expired),
        unused=tuple(w.id for w in unused),
    )
