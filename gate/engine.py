"""The gate pipeline: discover → scanners in parallel → normalise → dedup → policy → Report. Never prints."""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from gate import __version__
from gate.advisories.service import advisory_service, choose_store, enrich_result, stale_reason
from gate.baseline import Baseline, apply_baseline
from gate.cache import ScanCache, file_hashes, with_cache
from gate.decision import target_digest
from gate.dedup import deduplicate
from gate.findings import Finding, assign_code_fingerprints
from gate.policy import EnvironmentPolicy, Policy, apply_rule_overrides, evaluate
from gate.report import Report, Verdict
from gate.scanners.bandit import BanditScanner
from gate.scanners.base import ScanConfig, Scanner, ScanResult, ScanStatus, ScanTarget
from gate.scanners.envcheck import EnvcheckScanner
from gate.scanners.pip_audit import PipAuditScanner
from gate.scanners.semgrep import SemgrepScanner
from gate.scanners.source import read_lines
from gate.targets import discover
from gate.waivers import WaiverSet, apply_waivers

#: Called as (scanner name, state, seconds since the scan started); states: running, ok, failed, skipped.
ProgressCallback = Callable[[str, str, float], None]
INLINE_SUPPRESSION_RULE = "hardgate-inline-suppression"


def rules_dir() -> Path:
    """The bundled semgrep rules shipped inside the package."""
    return Path(str(resources.files("gate").joinpath("rules")))


def default_scanners() -> list[Scanner]:
    return [BanditScanner(), SemgrepScanner(), PipAuditScanner(), EnvcheckScanner()]


@dataclass(frozen=True)
class ScanRequest:
    root: Path
    environment: str
    policy: Policy
    timeout_s: float = 300.0
    jobs: int = 3
    osv_url: str | None = None
    only_files: tuple[str, ...] | None = None
    scanners: Sequence[Scanner] | None = None
    on_progress: ProgressCallback | None = None
    today: dt.date = field(default_factory=dt.date.today)
    waivers: WaiverSet | None = None
    baseline: Baseline | None = None
    cache: ScanCache | None = None
    advisories_store: Path | None = None


def run_scanners(
    scanners: Sequence[Scanner],
    target: ScanTarget,
    config: ScanConfig,
    jobs: int,
    on_progress: ProgressCallback | None = None,
) -> list[ScanResult]:
    """Run every scanner concurrently (each is a subprocess, so threads suffice); results keep scanner order."""
    started = time.monotonic()

    def notify(name: str, state: str) -> None:
        if on_progress is not None:
            on_progress(name, state, time.monotonic() - started)

    def one(scanner: Scanner) -> ScanResult:
        notify(scanner.name, "running")
        try:
            result = scanner.run(target, config)
        except Exception as exc:  # an adapter bug must fail closed, never crash the gate
            result = ScanResult(scanner.name, ScanStatus.FAILED, reason=f"adapter error: {type(exc).__name__}: {exc}")
        notify(scanner.name, result.status.value)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="scanner") as pool:
        return list(pool.map(one, scanners))


def inline_suppression_findings(suppressed: Sequence[Finding], policy: EnvironmentPolicy) -> list[Finding]:
    """Outside dev, each `# nosec` / `# nosemgrep` becomes a finding of its own that a waiver can accept."""
    if policy.inline_suppressions == "allow":
        return []
    return [
        Finding(
            tool="hardgate",
            rule_id=INLINE_SUPPRESSION_RULE,
            title=f"Unreviewed inline suppression of {finding.tool} {finding.rule_id}",
            message=(
                f"An inline suppression hides {finding.tool} {finding.rule_id} ({finding.message}). "
                "Review it and record a waiver, or fix the code."
            ),
            severity=policy.inline_suppression_severity,
            confidence="high",
            cwe=finding.cwe,
            owasp=finding.owasp,
            location=finding.location,
            snippet=finding.snippet,
            sources=finding.sources,
            extra=(("suppressed_rule", f"{finding.tool}:{finding.rule_id}"),),
        )
        for finding in suppressed
    ]


def normalise(results: Sequence[ScanResult], root: Path, policy: EnvironmentPolicy) -> list[Finding]:
    """Fingerprint, apply rule overrides and merge duplicates across tools."""
    collected: list[Finding] = []
    suppressed: list[Finding] = []
    for result in results:
        if result.status is ScanStatus.OK:
            collected.extend(result.findings)
            suppressed.extend(result.suppressed_inline)
    collected.extend(inline_suppression_findings(suppressed, policy))
    fingerprinted = assign_code_fingerprints(collected, lambda path: read_lines(root, path))
    overridden = apply_rule_overrides(fingerprinted, policy)
    return deduplicate(overridden)


def decide(
    results: Sequence[ScanResult], findings: Sequence[Finding], policy: EnvironmentPolicy
) -> tuple[Verdict, tuple[Finding, ...], tuple[str, ...], tuple[str, ...]]:
    """(verdict, findings marked blocking, reasons, warnings). A failed scanner outranks a policy block."""
    evaluation = evaluate(findings, policy)
    failures = [f"scanner {r.tool} failed: {r.reason}" for r in results if r.status is ScanStatus.FAILED]
    warnings: list[str] = []
    if failures and policy.fail_on_scanner_error:
        return Verdict.ERROR, evaluation.findings, tuple(failures + list(evaluation.reasons)), ()
    warnings.extend(f"{failure} (policy for {policy.name} warns instead of failing)" for failure in failures)
    if evaluation.reasons:
        return Verdict.BLOCK, evaluation.findings, evaluation.reasons, tuple(warnings)
    return Verdict.PASS, evaluation.findings, (), tuple(warnings)


@contextlib.contextmanager
def _work_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hardgate-") as name:
        yield Path(name)


def run_scan(request: ScanRequest) -> Report:
    """Run the whole gate once and return its Report; raises HardgateError for bad input only."""
    started_at = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    policy = request.policy.for_environment(request.environment)
    root = request.root.resolve()
    target = discover(root, policy.exclude_paths, request.only_files)
    scanners = with_cache(request.scanners if request.scanners is not None else default_scanners(), request.cache)
    osv_url = request.osv_url or policy.osv_url
    store_path = choose_store(request.advisories_store, policy.advisories_store, osv_url)
    with _work_dir() as work_dir, advisory_service(store_path, osv_url) as (service_url, store):
        config = ScanConfig(
            rules_dir=rules_dir(),
            timeout_s=policy.timeout_s or request.timeout_s,
            osv_url=service_url,
            unknown_severity=policy.unknown_severity,
            work_dir=work_dir,
        )
        results = run_scanners(scanners, target, config, request.jobs, request.on_progress)
        results = [enrich_result(result, store) for result in results]
        stale = stale_reason(store, policy.max_age_days, started_at)
    stale_warnings: tuple[str, ...] = ()
    if stale and policy.on_stale == "fail":
        results.append(ScanResult("advisories", ScanStatus.FAILED, reason=stale))
    elif stale:
        stale_warnings = (stale,)
    scanned = time.monotonic()
    findings = normalise(results, root, policy)
    findings, suppression_warnings, resolved = suppress(findings, request)
    verdict, marked, reasons, warnings = decide(results, findings, policy)
    finished = time.monotonic()
    return Report(
        target=str(request.root),
        environment=request.environment,
        verdict=verdict,
        reasons=reasons,
        scanners=tuple(results),
        findings=_ordered(marked),
        warnings=(*stale_warnings, *suppression_warnings, *warnings),
        resolved=resolved,
        started_at=started_at.isoformat(timespec="seconds"),
        duration_s=finished - started,
        hardgate_version=__version__,
        policy_source=request.policy.source,
        extra={
            "scan_s": f"{scanned - started:.3f}",
            "normalise_s": f"{finished - scanned:.3f}",
            "target_digest": target_digest(file_hashes(root, target.files)),
        },
    )


def suppress(
    findings: Sequence[Finding], request: ScanRequest
) -> tuple[list[Finding], tuple[str, ...], tuple[str, ...]]:
    """Waivers first, then the baseline: (findings with states set, warnings, resolved baseline fingerprints)."""
    warnings: tuple[str, ...] = ()
    result = list(findings)
    if request.waivers is not None:
        outcome = apply_waivers(result, request.waivers, request.environment, request.today)
        result, warnings = list(outcome.findings), outcome.warnings
    if request.baseline is None:
        return result, warnings, ()
    baselined = apply_baseline(result, request.baseline)
    return list(baselined.findings), warnings, baselined.resolved


def _ordered(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Worst first, then by place, so every report lists findings in the same order."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                -int(f.blocking),
                -f.severity,
                f.location.path if f.location else "",
                f.location.start_line if f.location else 0,
                f.rule_id,
            ),
        )
    )
