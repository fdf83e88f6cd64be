"""The gate pipeline: discover → scanners in parallel → normalise → dedup → policy → Report. Never prints."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from gate import __version__
from gate.advisories.service import advisory_service, choose_store, enrich_result, stale_reason
from gate.baseline import Baseline, apply_baseline
from gate.cache import ScanCache, file_hashes, with_cache
from gate.decision import target_digest
from gate.dedup import deduplicate
from gate.findings import (
    Finding,
    Location,
    ScanResult,
    ScanStatus,
    ScanTarget,
    Severity,
    assign_code_fingerprints,
    code_fingerprint,
)
from gate.policy import EnvironmentPolicy, Policy, apply_rule_overrides, evaluate
from gate.report import Report, Verdict
from gate.scanners.base import PROBE_TIMEOUT_S, ScanConfig, Scanner, kill_live_groups
from gate.scanners.registry import default_scanners
from gate.scanners.source import read_lines
from gate.targets import NOT_REGULAR, TOO_LARGE, discover, max_file_bytes
from gate.waivers import WaiverSet, apply_waivers

#: Called as (scanner name, state, seconds since the scan started); states: running, ok, failed, skipped.
ProgressCallback = Callable[[str, str, float], None]
INLINE_SUPPRESSION_RULE = "hardgate-inline-suppression"
NOT_SCANNED_RULE = "hardgate-not-scanned"
#: Slack on top of the computed scanner-stage bound: process start-up, parsing, the cache.
WATCHDOG_GRACE_S = 30.0


def rules_dir() -> Path:
    """The bundled semgrep rules shipped inside the package."""
    return Path(str(resources.files("gate").joinpath("rules")))


@dataclass(frozen=True)
class ScanRequest:
    """One scan: the target, the environment and policy deciding it, and what the caller overrides."""

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
    max_file_bytes: int | None = None  # None: $HARDGATE_MAX_FILE_BYTES, else gate.targets' default
    watchdog_s: float | None = None  # None: watchdog_bound() of the scanners, jobs and timeout


def watchdog_bound(scanners: int, jobs: int, timeout_s: float) -> float:
    """The longest the scanner stage may take before the watchdog kills it.

    Each scanner may use its --timeout for its run plus a `--version` probe before (cache) and after
    it, each bounded by min(timeout, 60 s); scanners beyond --jobs wait for a free slot.
    """
    waves = math.ceil(max(1, scanners) / max(1, jobs))
    return waves * (timeout_s + 2 * min(timeout_s, PROBE_TIMEOUT_S)) + WATCHDOG_GRACE_S


def run_scanners(
    scanners: Sequence[Scanner],
    target: ScanTarget,
    config: ScanConfig,
    jobs: int,
    on_progress: ProgressCallback | None = None,
    watchdog_s: float | None = None,
) -> list[ScanResult]:
    """Run every scanner concurrently (mostly subprocesses, so threads suffice); results keep scanner order.

    A watchdog bounds the whole stage: a scanner still running at the bound is killed (its process
    group) and `failed`. Worker threads are daemons, so an adapter stuck in Python cannot keep the
    gate alive after the verdict.
    """
    started = time.monotonic()
    bound = watchdog_s if watchdog_s is not None else watchdog_bound(len(scanners), jobs, config.timeout_s)
    results: list[ScanResult | None] = [None] * len(scanners)
    slots = threading.BoundedSemaphore(max(1, jobs))
    done = threading.Condition()
    stopped = threading.Event()

    def notify(name: str, state: str) -> None:
        if on_progress is not None:
            on_progress(name, state, time.monotonic() - started)

    def one(index: int, scanner: Scanner) -> None:
        with slots:
            if stopped.is_set():
                return  # the watchdog fired while this scanner waited for a slot: never start it late
            notify(scanner.name, "running")
            try:
                result = scanner.run(target, config)
            except Exception as exc:  # an adapter bug must fail closed, never crash the gate
                result = ScanResult(
                    scanner.name, ScanStatus.FAILED, reason=f"adapter error: {type(exc).__name__}: {exc}"
                )
            with done:
                if results[index] is not None:
                    return  # the watchdog already gave up on it
                results[index] = result
                done.notify_all()
            notify(scanner.name, result.status.value)

    for index, scanner in enumerate(scanners):
        threading.Thread(target=one, args=(index, scanner), name=f"scanner-{scanner.name}", daemon=True).start()
    deadline = started + bound
    with done:
        while any(r is None for r in results) and time.monotonic() < deadline:
            done.wait(timeout=max(0.0, deadline - time.monotonic()))
        late = [i for i, r in enumerate(results) if r is None]
        if late:
            stopped.set()
        for index in late:
            results[index] = ScanResult(
                scanners[index].name,
                ScanStatus.FAILED,
                reason=f"stopped by the watchdog after {bound:g}s (the whole scanner stage's bound)",
                duration_s=time.monotonic() - started,
            )
    if late:
        kill_live_groups()
        for index in late:
            notify(scanners[index].name, ScanStatus.FAILED.value)
    return [r for r in results if r is not None]


def unscanned_findings(target: ScanTarget) -> list[Finding]:
    """Each file no scanner was given (too large, not a regular file) is a finding: never a silent skip."""
    findings = []
    for path, why in target.unscanned:
        kind = TOO_LARGE if why.startswith(TOO_LARGE) else NOT_REGULAR
        remedy = (
            "exclude it in the policy (exclude_paths) if it is generated, raise the limit, or waive this finding"
            if kind == TOO_LARGE
            else "replace it with a regular file, or exclude it in the policy (exclude_paths)"
        )
        findings.append(
            Finding(
                tool="hardgate",
                rule_id=NOT_SCANNED_RULE,
                title=f"Not scanned: {kind}",
                message=f"{path} was not scanned: {why}. No scanner checked it; {remedy}.",
                severity=Severity.HIGH,
                confidence="high",
                location=Location(path=path),
                sources=("hardgate",),
                # Stable across edits of the file: its size is not part of the identity.
                fingerprint=code_fingerprint("hardgate", NOT_SCANNED_RULE, path, kind, 0),
                extra=(("not_scanned", kind),),
            )
        )
    return findings


def coverage_gaps(
    scanners: Sequence[Scanner], target: ScanTarget, root: Path, policy: EnvironmentPolicy, request: ScanRequest
) -> list[str]:
    """Why nothing was checked, if so: no scanner had a single file to read. A diff scan may be empty."""
    if request.only_files is not None or any(scanner.applies(target) for scanner in scanners):
        return []
    if target.unscanned:
        return [f"nothing was checked: every scannable file was left out ({len(target.unscanned)} not scanned)"]
    if policy.exclude_paths:
        unfiltered = discover(root, (), None, max_bytes=1 << 62)
        if any(scanner.applies(unfiltered) for scanner in scanners):
            return [
                f"nothing was checked: the {policy.name} policy's exclude_paths "
                f"({', '.join(policy.exclude_paths)}) leave no file any scanner reads"
            ]
    return [f"nothing was checked: {root} holds no file any scanner reads (Python, YAML, dependency manifests)"]


def inline_suppression_findings(suppressed: Sequence[Finding], policy: EnvironmentPolicy) -> list[Finding]:
    """Outside dev, each inline suppression (a scanner's declared marker, `# nosec`) becomes a finding of its
    own that a waiver can accept."""
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


def normalise(
    results: Sequence[ScanResult], root: Path, policy: EnvironmentPolicy, own: Sequence[Finding] = ()
) -> list[Finding]:
    """Fingerprint, apply rule overrides and merge duplicates across tools; `own` are the gate's own findings."""
    collected: list[Finding] = list(own)
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
    results: Sequence[ScanResult],
    findings: Sequence[Finding],
    policy: EnvironmentPolicy,
    gaps: Sequence[str] = (),
) -> tuple[Verdict, tuple[Finding, ...], tuple[str, ...], tuple[str, ...]]:
    """(verdict, findings marked blocking, reasons, warnings). A failed scanner or a coverage gap
    ("nothing was checked") outranks a policy block."""
    evaluation = evaluate(findings, policy)
    failures = [f"scanner {r.tool} failed: {r.reason}" for r in results if r.status is ScanStatus.FAILED]
    failures.extend(gaps)
    warnings: list[str] = []
    if failures and policy.fail_on_scanner_error:
        return Verdict.ERROR, evaluation.findings, tuple(failures + list(evaluation.reasons)), ()
    warnings.extend(f"{failure} (policy for {policy.name} warns instead of failing)" for failure in failures)
    if evaluation.reasons:
        return Verdict.BLOCK, evaluation.findings, evaluation.reasons, tuple(warnings)
    return Verdict.PASS, evaluation.findings, (), tuple(warnings)


@contextlib.contextmanager
def _terminated_cleanly() -> Iterator[None]:
    """While scanners run, SIGTERM (a cancelled CI job) unwinds the scan so its `finally` kills every
    scanner process group: they run in sessions of their own and would not receive the signal."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; an embedding caller keeps its own
        return

    def terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
    cap = request.max_file_bytes if request.max_file_bytes is not None else max_file_bytes()
    target = discover(root, policy.exclude_paths, request.only_files, max_bytes=cap)
    scanners = with_cache(request.scanners if request.scanners is not None else default_scanners(), request.cache)
    gaps = coverage_gaps(scanners, target, root, policy, request)
    osv_url = request.osv_url or policy.osv_url
    store_path = choose_store(request.advisories_store, policy.advisories_store, osv_url)
    try:
        with (
            _terminated_cleanly(),
            _work_dir() as work_dir,
            advisory_service(store_path, osv_url) as (
                service_url,
                store,
            ),
        ):
            config = ScanConfig(
                rules_dir=rules_dir(),
                timeout_s=policy.timeout_s or request.timeout_s,
                osv_url=service_url,
                unknown_severity=policy.unknown_severity,
                work_dir=work_dir,
                max_file_bytes=cap,
            )
            results = run_scanners(scanners, target, config, request.jobs, request.on_progress, request.watchdog_s)
            results = [enrich_result(result, store) for result in results]
            stale = stale_reason(store, policy.max_age_days, started_at)
    finally:
        kill_live_groups()  # no scanner process outlives the scan, however it ended
    stale_warnings: tuple[str, ...] = ()
    if stale and policy.on_stale == "fail":
        results.append(ScanResult("advisories", ScanStatus.FAILED, reason=stale))
    elif stale:
        stale_warnings = (stale,)
    scanned = time.monotonic()
    findings = normalise(results, root, policy, unscanned_findings(target))
    findings, suppression_warnings, resolved = suppress(findings, request)
    verdict, marked, reasons, warnings = decide(results, findings, policy, gaps)
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
            # Files too large to scan still count: the record must change when they do (hashing streams).
            "target_digest": target_digest(file_hashes(root, [*target.files, *_too_large(target)])),
        },
    )


def _too_large(target: ScanTarget) -> list[str]:
    return [path for path, why in target.unscanned if why.startswith(TOO_LARGE)]


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
