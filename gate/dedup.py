"""Merge findings that several tools reported for the same issue, keeping every source.

Two passes: findings on the same lines with a shared CWE merge (bandit B608 and a semgrep rule on
one query); then a shape or exact finding on any line a data-flow trace passes through, with a
compatible CWE, folds into that flow finding, so one flaw is one finding with its trace.
"""

from __future__ import annotations

from collections.abc import Sequence

from gate.findings import Evidence, Finding

#: CWEs that name the same flaw at different precision (bandit files `eval` under CWE-78, a taint
#: rule under CWE-95), compared when a finding folds into a flow finding.
CWE_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"CWE-89", "CWE-564"}),  # SQL injection
    frozenset({"CWE-77", "CWE-78", "CWE-88", "CWE-94", "CWE-95"}),  # command and code injection
    frozenset({"CWE-22", "CWE-23", "CWE-36", "CWE-73"}),  # path traversal
    frozenset({"CWE-79", "CWE-80"}),  # cross-site scripting
    frozenset({"CWE-502"}),  # deserialisation
    frozenset({"CWE-611", "CWE-776"}),  # XML external entities
    frozenset({"CWE-918"}),  # SSRF
    frozenset({"CWE-601"}),  # open redirect
    frozenset({"CWE-90"}),  # LDAP injection
    frozenset({"CWE-643"}),  # XPath injection
)
_STRENGTH = {Evidence.SHAPE: 0, Evidence.EXACT: 1, Evidence.FLOW: 2}


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


def _family(cwe: str) -> frozenset[str]:
    return next((family for family in CWE_FAMILIES if cwe.upper() in family), frozenset({cwe.upper()}))


def compatible_cwe(a: Finding, b: Finding) -> bool:
    """A shared CWE, or two CWEs of one family in CWE_FAMILIES."""
    return any(_family(x) & _family(y) for x in a.cwe for y in b.cwe)


def on_trace(finding: Finding, flow: Finding) -> bool:
    """Whether `finding` sits on a line `flow`'s trace passes through and describes the same kind of flaw."""
    if finding is flow or not flow.trace or finding.location is None or finding.is_dependency:
        return False
    if finding.tool == "hardgate":  # the gate's own findings (inline suppressions) stay separate
        return False
    if len(finding.trace) > len(flow.trace):
        return False  # the longer trace hosts the shorter one, never the reverse
    where = finding.location
    lines = {(where.path, line) for line in range(where.start_line, max(where.end_line, where.start_line) + 1)}
    if not lines & flow.trace_lines:
        return False
    equivalent = finding.rule_id in _equivalent_rules(flow) or flow.rule_id in _equivalent_rules(finding)
    return equivalent or compatible_cwe(finding, flow)


def _merge(primary: Finding, other: Finding) -> Finding:
    """A traced flow wins, else the worse severity; sources, CWEs, OWASP tags, aliases and fixes are unioned."""

    def union(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*x, *y)))

    def rank(finding: Finding) -> tuple[bool, int]:
        return bool(finding.trace), finding.severity

    best = primary if rank(primary) >= rank(other) else other
    aliases = tuple(sorted(set(primary.vuln_ids | other.vuln_ids) - {best.rule_id}))
    # Remember the rule ids folded in, so a waiver on either tool's rule matches the merged finding.
    merged_rules = {primary.rule_id, other.rule_id}
    merged_rules |= {value for f in (primary, other) for key, value in f.extra if key == "merged_rule_id"}
    return best.replace(
        severity=max(primary.severity, other.severity),
        evidence=max(primary.evidence, other.evidence, key=_STRENGTH.__getitem__),
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
    """Fold each finding into the first earlier one describing the same issue, then into the flow it lies on."""
    merged: list[Finding] = []
    for finding in findings:
        for index, existing in enumerate(merged):
            if same_code_issue(existing, finding) or same_dependency_issue(existing, finding):
                merged[index] = _merge(existing, finding)
                break
        else:
            merged.append(finding)
    return fold_into_flows(merged)


def fold_into_flows(findings: Sequence[Finding]) -> list[Finding]:
    """Each finding on a flow finding's trace (compatible CWE) merges into it; longer traces host shorter ones."""
    hosts = sorted((f for f in findings if f.trace), key=lambda f: -len(f.trace))
    kept: list[Finding] = []
    for finding in [*hosts, *(f for f in findings if not f.trace)]:
        for index, host in enumerate(kept):
            if on_trace(finding, host):
                kept[index] = _merge(host, finding)
                break
        else:
            kept.append(finding)
    return kept
