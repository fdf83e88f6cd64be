"""Load and validate the per-environment policy, check its monotonic strictness, and apply it."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from gate.configfile import bundled_schema, load_yaml, parse_yaml_text
from gate.environments import ENVIRONMENTS, canonical_environment
from gate.errors import ConfigError, UsageError
from gate.findings import Evidence, Finding, FindingState, Severity

EMBEDDED = "embedded defaults"
#: Where a target keeps its gate policy, first match wins; every command (scan, baseline create,
#: policy show, envcheck) looks here when no --policy is given. A bare `policy.yml` is not among
#: them: too common a name for a file that silently changes what blocks a release.
POLICY_FILES = ("hardgate-policy.yml", ".hardgate/policy.yml")


@dataclass(frozen=True)
class RuleOverride:
    severity: Severity | None = None
    block: bool | None = None


@dataclass(frozen=True)
class EnvironmentPolicy:
    """The settings that decide one environment's verdict."""

    name: str
    block_on: Severity
    fail_on_scanner_error: bool
    unknown_severity: Severity
    max_counts: dict[Severity, int] = field(default_factory=dict)
    block_fixable_dependencies: bool = False
    inline_suppressions: str = "finding"
    inline_suppression_severity: Severity = Severity.MEDIUM
    exclude_paths: tuple[str, ...] = ()
    rules: dict[str, RuleOverride] = field(default_factory=dict)
    timeout_s: float | None = None
    advisories_store: str | None = None
    osv_url: str | None = None
    max_age_days: int | None = None
    on_stale: str = "fail"
    # Code findings with this evidence are reported as advisory and never block (docs/policy.md).
    advisory_evidence: frozenset[Evidence] = frozenset()


@dataclass(frozen=True)
class Policy:
    source: str
    digest: str
    document: dict[str, Any]
    environments: dict[str, EnvironmentPolicy]

    def with_excludes(self, name: str, paths: Sequence[str]) -> Policy:
        """This policy with command-line `--exclude` globs added to one environment's exclude_paths.

        Only dev may be loosened from the command line: in staging and prod an exclusion that
        hides a blocking finding must be in the reviewed, strictness-checked policy file.
        """
        if not paths:
            return self
        section = canonical_environment(name)
        if section != "dev":
            raise UsageError(
                f"--exclude is refused in {section}: a command-line option may not loosen its policy; "
                f"add the paths to environments.{section}.exclude_paths in the policy file instead"
            )
        document = copy.deepcopy(self.document)
        merged = [*document["environments"][section].get("exclude_paths", []), *paths]
        document["environments"][section]["exclude_paths"] = merged
        environments = dict(self.environments)
        environments[section] = dataclasses.replace(environments[section], exclude_paths=tuple(merged))
        return Policy(
            source=f"{self.source} + --exclude {' '.join(paths)}",
            digest="sha256:" + hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest(),
            document=document,
            environments=environments,
        )

    def for_environment(self, name: str) -> EnvironmentPolicy:
        """The section for `name` (an alias such as local resolves to its environment); UsageError if unknown."""
        return self.environments[canonical_environment(name)]


def find_policy(root: Path) -> Path | None:
    """The policy file kept at the target's root, if any."""
    return next((root / name for name in POLICY_FILES if (root / name).is_file()), None)


def _embedded_document() -> dict[str, Any]:
    text = resources.files("gate").joinpath("defaults/policy.yml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = parse_yaml_text(text, EMBEDDED)
    return loaded


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge the user's policy over the defaults: environment sections key by key, everything else replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if key == "environments" and isinstance(value, dict):
            for env_name, section in value.items():
                if isinstance(section, dict) and isinstance(merged["environments"].get(env_name), dict):
                    merged["environments"][env_name].update(section)
                else:
                    merged["environments"][env_name] = section
        else:
            merged[key] = value
    return merged


def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def _read_user_policy(path: Path) -> dict[str, Any]:
    _, document = load_yaml(path, "policy")
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping with 'version' and 'environments'")
    return document


def _environment(name: str, section: dict[str, Any]) -> EnvironmentPolicy:
    advisories = section.get("advisories") or {}
    return EnvironmentPolicy(
        name=name,
        block_on=Severity.parse(section["block_on"]),
        fail_on_scanner_error=bool(section["fail_on_scanner_error"]),
        unknown_severity=Severity.parse(section["unknown_severity"]),
        max_counts={Severity.parse(k): int(v) for k, v in (section.get("max_counts") or {}).items()},
        block_fixable_dependencies=bool(section.get("block_fixable_dependencies", False)),
        inline_suppressions=str(section.get("inline_suppressions", "finding")),
        inline_suppression_severity=Severity.parse(section.get("inline_suppression_severity", "medium")),
        exclude_paths=tuple(section.get("exclude_paths") or ()),
        rules={
            rule_id: RuleOverride(
                severity=Severity.parse(override["severity"]) if "severity" in override else None,
                block=override.get("block"),
            )
            for rule_id, override in (section.get("rules") or {}).items()
        },
        timeout_s=section.get("timeout_s"),
        advisories_store=advisories.get("store"),
        osv_url=advisories.get("osv_url"),
        max_age_days=advisories.get("max_age_days"),
        on_stale=str(advisories.get("on_stale", "fail")),
        advisory_evidence=frozenset(Evidence(value) for value in section.get("advisory_evidence") or ()),
    )


def load_policy(path: Path | None = None) -> Policy:
    """The embedded defaults, with the file at `path` merged over them; validated and strictness-checked."""
    document = _embedded_document()
    source = EMBEDDED
    if path is not None:
        document = _merge(document, _read_user_policy(path))
        source = str(path)
    validator = jsonschema.Draft202012Validator(bundled_schema("policy.schema.json"))
    errors = sorted(validator.iter_errors(document), key=lambda e: e.path)
    if errors:
        error = errors[0]
        raise ConfigError(f"{source}: {_key_path(error)}: {error.message}")
    environments = {name: _environment(name, document["environments"][name]) for name in ENVIRONMENTS}
    problems = strictness_problems(environments)
    if problems:
        raise ConfigError(f"{source}: {problems[0]}")
    digest = "sha256:" + hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    return Policy(source=source, digest=digest, document=document, environments=environments)


def _at_most(limit: int | None, looser_limit: int | None) -> bool:
    """Whether a count limit is at least as strict as a looser environment's (None = unlimited)."""
    return looser_limit is None or (limit is not None and limit <= looser_limit)


def strictness_problems(environments: dict[str, EnvironmentPolicy]) -> list[str]:
    """Every place where a later environment is looser than an earlier one, plus the fail-closed rule."""
    problems: list[str] = []
    for name in ("staging", "prod"):
        if not environments[name].fail_on_scanner_error:
            problems.append(f"environments.{name}.fail_on_scanner_error: must be true ({name} always fails closed)")
        if environments[name].on_stale != "fail":
            problems.append(f"environments.{name}.advisories.on_stale: must be 'fail' (stale advisories block {name})")
        if Evidence.FLOW in environments[name].advisory_evidence:
            problems.append(
                f"environments.{name}.advisory_evidence: must not list 'flow' (a traced flow blocks in {name})"
            )
        if environments[name].inline_suppressions != "finding":
            problems.append(
                f"environments.{name}.inline_suppressions: must be 'finding' (inline suppressions need review)"
            )
    for looser_name, stricter_name in (("dev", "staging"), ("staging", "prod")):
        looser, stricter = environments[looser_name], environments[stricter_name]
        where = f"environments.{stricter_name}"

        def report(key: str, detail: str, where: str = where, looser_name: str = looser_name) -> None:
            problems.append(f"{where}.{key}: looser than {looser_name} ({detail}); strictness must not decrease")

        if stricter.block_on > looser.block_on:
            report("block_on", f"{stricter.block_on.label} vs {looser.block_on.label}")
        if stricter.unknown_severity < looser.unknown_severity:
            report("unknown_severity", f"{stricter.unknown_severity.label} vs {looser.unknown_severity.label}")
        if stricter.inline_suppression_severity < looser.inline_suppression_severity:
            report("inline_suppression_severity", "a lower severity")
        if looser.fail_on_scanner_error and not stricter.fail_on_scanner_error:
            report("fail_on_scanner_error", "false where the earlier environment is true")
        if looser.block_fixable_dependencies and not stricter.block_fixable_dependencies:
            report("block_fixable_dependencies", "false where the earlier environment is true")
        for severity in Severity:
            if not _at_most(stricter.max_counts.get(severity), looser.max_counts.get(severity)):
                report(f"max_counts.{severity.label}", "allows more findings")
        extra_advisory = sorted(e.value for e in stricter.advisory_evidence - looser.advisory_evidence)
        if extra_advisory:
            report("advisory_evidence", f"also reports {extra_advisory[0]!r} findings as advisory")
        extra_excludes = sorted(set(stricter.exclude_paths) - set(looser.exclude_paths))
        if extra_excludes:
            report("exclude_paths", f"also excludes {extra_excludes[0]!r}")
        if not _at_most(stricter.max_age_days, looser.max_age_days):
            report("advisories.max_age_days", "accepts older advisories")
        for rule_id, override in stricter.rules.items():
            earlier = looser.rules.get(rule_id, RuleOverride())
            if override.severity is not None and earlier.severity is not None and override.severity < earlier.severity:
                report(f"rules.{rule_id}.severity", "a lower severity")
            if override.block is False and earlier.block is not False:
                report(f"rules.{rule_id}.block", "never blocks")
    return problems


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...]
    reasons: tuple[str, ...]


def apply_rule_overrides(findings: Sequence[Finding], policy: EnvironmentPolicy) -> list[Finding]:
    result = []
    for finding in findings:
        override = policy.rules.get(finding.rule_id)
        if override is not None and override.severity is not None and override.severity != finding.severity:
            finding = finding.replace(
                severity=override.severity,
                extra=(*finding.extra, ("severity_overridden_from", finding.severity.label)),
            )
        result.append(finding)
    return result


def is_advisory(finding: Finding, policy: EnvironmentPolicy) -> bool:
    """An open code finding whose evidence the environment only reports; a rule's `block` override outranks it.

    Dependency advisories and the gate's own findings (not scanned, inline suppressions) are facts,
    never advisory, whatever the list says.
    """
    if finding.state is not FindingState.OPEN or finding.is_dependency or finding.tool == "hardgate":
        return False
    override = policy.rules.get(finding.rule_id)
    if override is not None and override.block is not None:
        return False
    return finding.evidence in policy.advisory_evidence


def _blocks(finding: Finding, policy: EnvironmentPolicy) -> bool:
    if finding.state is not FindingState.OPEN:
        return False
    override = policy.rules.get(finding.rule_id)
    if override is not None and override.block is not None:
        return override.block
    if is_advisory(finding, policy):
        return False
    if finding.severity >= policy.block_on:
        return True
    return policy.block_fixable_dependencies and finding.is_dependency and bool(finding.fix_versions)


def evaluate(findings: Sequence[Finding], policy: EnvironmentPolicy) -> Evaluation:
    """Mark each finding blocking or not, and say why the release is blocked (no reasons: it passes)."""
    marked = [f.replace(blocking=_blocks(f, policy), advisory=is_advisory(f, policy)) for f in findings]
    reasons: list[str] = []
    blocking_count = sum(1 for f in marked if f.blocking)
    if blocking_count:
        reasons.append(
            f"{blocking_count} finding(s) at or above {policy.block_on.label}"
            + (" or with a dependency fix available" if policy.block_fixable_dependencies else "")
        )
    for severity, limit in sorted(policy.max_counts.items(), reverse=True):
        open_at = [f for f in marked if f.state is FindingState.OPEN and not f.advisory and f.severity == severity]
        if len(open_at) > limit:
            reasons.append(f"{len(open_at)} open {severity.label} finding(s), more than the maximum of {limit}")
            marked = [f.replace(blocking=True) if f in open_at else f for f in marked]
    return Evaluation(findings=tuple(marked), reasons=tuple(reasons))
