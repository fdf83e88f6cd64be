"""Merge findings that several tools reported for the same issue, keeping every source."""

from __future__ import annotations

from collections.abc import Sequence

from gate.findings import Finding


def _equivalent_rules(finding: Finding) -> frozenset[str]:
    """Bandit test ids a semgrep rule declares as the same check (rule metadata `hardgate_equivalent_bandit`)."""
    for key, value in finding.extra:
        if key == "bandit_equivalent":
            return frozenset(v.strip() for v in value.split(",") if v.strip())
    return frozenset()


def same_code_issue(a: Finding, b: Finding) -> bool:
    """Same file, overlapping lines, and a shared CWE or rules mapped as equivalent; never the same tool."""
    if a.tool == b.tool or a.location is None or b.location is None:
        return False
    if not a.location.overlaps(b.location):
        return False
    if set(a.cwe) & set(b.cwe):
        return True
    return b.rule_id in _equivalent_rules(a) or a.rule_id in _equivalent_rules(b)


def same_dependency_issue(a: Finding, b: Finding) -> bool:
    """Same pin, overlapping advisory ids, and the same place: a pin written in two manifests is two findings."""
    return (
        a.is_dependency
        and b.is_dependency
        and (a.location.path if a.location else None) == (b.location.path if b.location else None)
        and (a.package or "").lower() == (b.package or "").lower()
        and a.version == b.version
        and bool(a.vuln_ids & b.vuln_ids)
    )


def _merge(primary: Finding, other: Finding) -> Finding:
    """The worse severity wins; sources, CWEs, OWASP tags, aliases and fixes are unioned."""

    def union(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*x, *y)))

    best = primary if primary.severity >= other.severity else other
    aliases = tuple(sorted(set(primary.vuln_ids | other.vuln_ids) - {best.rule_id}))
    # Remember the rule ids folded in, so a waiver on either tool's rule matches the merged finding.
    merged_rules = {primary.rule_id, other.rule_id}
    merged_rules |= {value for f in (primary, other) for key, value in f.extra if key == "merged_rule_id"}
    return best.replace(
        sources=tuple(sorted(set(primary.sources) | set(other.sources))),
        cwe=union(primary.cwe, other.cwe),
        owasp=union(primary.owasp, other.owasp),
        aliases=aliases if best.is_dependency else best.aliases,
        fix_versions=union(primary.fix_versions, other.fix_versions),
        fingerprint=best.fingerprint or primary.fingerprint or other.fingerprint,
        extra=tuple(
            dict.fromkeys(
                (
                    *best.extra,
                    *(e for e in other.extra if e[0] != "bandit_equivalent"),
                    *(("merged_rule_id", rule) for rule in sorted(merged_rules - {best.rule_id})),
                )
            )
        ),
    )


def deduplicate(findings: Sequence[Finding]) -> list[Finding]:
    """Fold each finding into the first earlier one describing the same issue."""
    merged: list[Finding] = []
    for finding in findings:
        for index, existing in enumerate(merged):
            if same_code_issue(existing, finding) or same_dependency_issue(existing, finding):
                merged[index] = _merge(existing, finding)
                break
        else:
            merged.append(finding)
    return merged
