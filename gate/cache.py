"""An on-disk cache of successful scanner results, keyed by everything that could change them.

The key covers the scanner, its tool version, the bundled rules, the scan options and the content
hash of every file that scanner reads, so editing a `.py` file re-runs bandit and semgrep but not
pip-audit. Failed results are never cached: a failure must be retried, never replayed.

The default location is outside the target (`$HARDGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/hardgate`,
else `~/.cache/hardgate`): a cache inside the scanned tree could be committed by the very change
under review, pre-filled with clean results whose keys anyone can compute.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gate.findings import (
    Evidence,
    Finding,
    FindingState,
    Location,
    ScanResult,
    ScanStatus,
    ScanTarget,
    Severity,
    TraceStep,
)
from gate.scanners.base import PROBE_TIMEOUT_S, ScanConfig, Scanner, SubprocessScanner, probe_version
from gate.scanners.capabilities import CacheMode

CACHE_FORMAT = 2  # 2: findings carry a data-flow trace and their evidence
CACHE_DIR_ENV = "HARDGATE_CACHE_DIR"
_TUPLE_FIELDS = ("cwe", "owasp", "fix_versions", "aliases", "sources")


# --- locations and hashes ---------------------------------------------------------------------------


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "hardgate"
    return Path.home() / ".cache" / "hardgate"


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(root: Path, files: Iterable[str]) -> dict[str, str]:
    """sha256 of each root-relative file; an unreadable file hashes as `unreadable` so it never matches a good one."""
    hashes: dict[str, str] = {}
    for relative in sorted(set(files)):
        try:
            hashes[relative] = hash_file(root / relative)
        except OSError:
            hashes[relative] = "unreadable"
    return hashes


def directory_digest(directory: Path) -> str:
    """One digest over every file below a directory (the bundled rules), by relative path and content."""
    if not directory.is_dir():
        return "missing"
    files = [p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()]
    return hashlib.sha256(_canonical(file_hashes(directory, files))).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def cache_key(
    scanner: str, tool_version: str, rules_digest: str, options: Mapping[str, str], hashes: Mapping[str, str]
) -> str:
    return hashlib.sha256(
        _canonical(
            {
                "format": CACHE_FORMAT,
                "scanner": scanner,
                "tool_version": tool_version,
                "rules": rules_digest,
                "options": dict(options),
                "files": dict(hashes),
            }
        )
    ).hexdigest()


# --- (de)serialising results ------------------------------------------------------------------------


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    data = {f.name: getattr(finding, f.name) for f in dataclasses.fields(finding)}
    data["severity"] = finding.severity.label
    data["state"] = finding.state.value
    data["location"] = dataclasses.asdict(finding.location) if finding.location else None
    for name in _TUPLE_FIELDS:
        data[name] = list(data[name])
    data["extra"] = [list(pair) for pair in finding.extra]
    data["trace"] = [step.to_dict() for step in finding.trace]
    data["evidence"] = finding.evidence.value
    return data


def finding_from_dict(data: Mapping[str, Any]) -> Finding:
    values = dict(data)
    values["severity"] = Severity.parse(values["severity"])
    values["state"] = FindingState(values["state"])
    values["location"] = Location(**values["location"]) if values.get("location") else None
    for name in _TUPLE_FIELDS:
        values[name] = tuple(values.get(name, ()))
    values["extra"] = tuple((str(k), str(v)) for k, v in values.get("extra", ()))
    values["trace"] = tuple(
        TraceStep(kind=step["kind"], location=Location(**step["location"]), snippet=step["snippet"])
        for step in values.get("trace", ())
    )
    values["evidence"] = Evidence(values.get("evidence", Evidence.EXACT.value))
    return Finding(**values)


def result_to_dict(result: ScanResult) -> dict[str, Any]:
    return {
        "tool": result.tool,
        "status": result.status.value,
        "reason": result.reason,
        "findings": [finding_to_dict(f) for f in result.findings],
        "tool_version": result.tool_version,
        "duration_s": result.duration_s,
        "cached": result.cached,
        "suppressed_inline": [finding_to_dict(f) for f in result.suppressed_inline],
    }


def result_from_dict(data: Mapping[str, Any]) -> ScanResult:
    return ScanResult(
        tool=data["tool"],
        status=ScanStatus(data["status"]),
        reason=data["reason"],
        findings=tuple(finding_from_dict(f) for f in data["findings"]),
        tool_version=data["tool_version"],
        duration_s=float(data["duration_s"]),
        cached=bool(data["cached"]),
        suppressed_inline=tuple(finding_from_dict(f) for f in data["suppressed_inline"]),
    )


# --- the store --------------------------------------------------------------------------------------


class ScanCache:
    """Entries are JSON files under `<dir>/v<format>/<scanner>/`; a corrupt or stale entry is a miss."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str, scanner: str | None = None) -> Path:
        return self.directory / f"v{CACHE_FORMAT}" / (scanner or "any") / key[:2] / f"{key}.json"

    def trusted(self) -> bool:
        """Whether only this user can have written the cache: anyone who can write it can forge clean results."""
        for directory in (self.directory, self.directory / f"v{CACHE_FORMAT}"):
            try:
                info = directory.stat()
            except FileNotFoundError:
                continue
            except OSError:
                return False
            if info.st_uid != os.getuid() or info.st_mode & 0o022:
                return False
        return True

    def get(self, key: str, scanner: str | None = None, max_age: dt.timedelta | None = None) -> ScanResult | None:
        if not self.trusted():
            return None
        path = self._path(key, scanner)
        try:
            if max_age is not None and time.time() - path.stat().st_mtime > max_age.total_seconds():
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") != key:
                return None
            result = result_from_dict(data["result"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        if result.status is not ScanStatus.OK:
            return None
        return dataclasses.replace(result, cached=True)

    def _versions_path(self) -> Path:
        return self.directory / f"v{CACHE_FORMAT}" / "tool-versions.json"

    def tool_version(self, identity: str) -> str | None:
        """The version string recorded for an executable identity (path, size, mtime), if any."""
        try:
            known = json.loads(self._versions_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        value = known.get(identity) if isinstance(known, dict) else None
        return value if isinstance(value, str) and value else None

    def remember_tool_version(self, identity: str, version: str) -> None:
        path = self._versions_path()
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        if not isinstance(known, dict):
            known = {}
        known[identity] = version
        self._write(path, json.dumps(known, sort_keys=True))

    def _write(self, path: Path, payload: str) -> bool:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as f:
                f.write(payload)
            os.replace(f.name, path)
        except OSError:
            return False  # a cache that cannot be written only costs speed
        return True

    def put(self, key: str, result: ScanResult, scanner: str | None = None) -> bool:
        """Store an OK result atomically; anything else is refused. Returns whether it was stored."""
        if result.status is not ScanStatus.OK or not self.trusted():
            return False
        payload = json.dumps({"key": key, "result": result_to_dict(dataclasses.replace(result, cached=False))})
        return self._write(self._path(key, scanner), payload)


# --- a scanner wrapper the engine can use unchanged -------------------------------------------------


def scanner_inputs(scanner: Scanner, target: ScanTarget) -> tuple[str, ...]:
    """The files a scanner reads (`Scanner.inputs`: those its capabilities declare, unless the adapter narrows them)."""
    return tuple(scanner.inputs(target))


class CachingScanner(Scanner):
    """Wraps a scanner: answers from the cache when every input is unchanged, stores fresh OK results.

    How is the wrapped scanner's declared `capabilities.cache`: never, one entry per scan, or per file.
    """

    def __init__(self, inner: Scanner, cache: ScanCache, max_age: dt.timedelta | None = None) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.capabilities = inner.capabilities  # the wrapper declares what the scanner it wraps declares
        self.max_age = max_age if max_age is not None else inner.capabilities.cache.max_age

    def applies(self, target: ScanTarget) -> bool:
        return self.inner.applies(target)

    def inputs(self, target: ScanTarget) -> tuple[str, ...]:
        return self.inner.inputs(target)

    def version(self) -> str:
        return self.inner.version()

    def tool_version(self, timeout_s: float = PROBE_TIMEOUT_S) -> str:
        """The tool's version, asked once per installed executable (a probe can take seconds) and remembered.

        The executable is identified by its resolved path, size and mtime, so an upgrade asks again.
        """
        if not isinstance(self.inner, SubprocessScanner) or not self.inner.asks_version():
            return self.inner.version()
        exe = self.inner.executable()
        if exe is None:
            return ""
        try:
            stat = os.stat(exe)
        except OSError:
            return ""
        identity = f"{os.path.realpath(exe)}:{stat.st_size}:{stat.st_mtime_ns}"
        known = self.cache.tool_version(identity)
        if known:
            return known
        # e.g. the adapter's environment keeps semgrep from a network version check
        version = probe_version(exe, self.inner.environment(), min(timeout_s, PROBE_TIMEOUT_S))
        if version:
            self.cache.remember_tool_version(identity, version)
        return version

    def options(self, config: ScanConfig) -> dict[str, str]:
        exe = self.inner.executable() if isinstance(self.inner, SubprocessScanner) else None
        return {
            "adapter": f"{type(self.inner).__module__}.{type(self.inner).__qualname__}",
            "executable": os.path.realpath(exe) if exe else "",
            "osv_url": config.osv_url or "",
            "unknown_severity": config.unknown_severity.label,
        }

    def key(self, target: ScanTarget, config: ScanConfig, tool_version: str) -> str:
        hashes = file_hashes(target.root, scanner_inputs(self.inner, target))
        return cache_key(self.name, tool_version, directory_digest(config.rules_dir), self.options(config), hashes)

    def run(self, target: ScanTarget, config: ScanConfig) -> ScanResult:
        mode = self.inner.capabilities.cache.mode
        if mode is CacheMode.NEVER or not self.inner.applies(target):
            return self.inner.run(target, config)
        started = time.monotonic()
        tool_version = self.tool_version(config.timeout_s)
        if not tool_version:  # cannot tell which tool would run: never answer from the cache
            return self.inner.run(target, config)
        if mode is CacheMode.PER_FILE:
            return self._run_per_file(target, config, tool_version, started)
        key = self.key(target, config, tool_version)
        hit = self.cache.get(key, self.name, self.max_age)
        if hit is not None:
            return dataclasses.replace(hit, duration_s=time.monotonic() - started)
        result = self.inner.run(target, config)
        self.cache.put(key, result, self.name)
        return result

    def _run_per_file(self, target: ScanTarget, config: ScanConfig, tool_version: str, started: float) -> ScanResult:
        """For tools whose findings depend on one file at a time: re-run only on the files that changed."""
        inputs = scanner_inputs(self.inner, target)
        hashes = file_hashes(target.root, inputs)
        rules, options = directory_digest(config.rules_dir), self.options(config)
        keys = {
            f: cache_key(self.name, tool_version, rules, {**options, "per_file": f}, {f: hashes[f]}) for f in inputs
        }
        per_file: dict[str, ScanResult | None] = {f: self.cache.get(keys[f], self.name, self.max_age) for f in inputs}
        missing = [f for f in inputs if per_file[f] is None]
        version = tool_version
        if missing:
            fresh = self.inner.run(narrowed(target, missing), config)
            if fresh.status is not ScanStatus.OK:
                return fresh
            split = split_by_file(fresh, missing)
            if split is None:  # a finding outside the files it was given: don't trust a per-file split
                return self.inner.run(target, config)
            for path, part in split.items():
                self.cache.put(keys[path], part, self.name)
                per_file[path] = part
            version = fresh.tool_version or tool_version
        parts = [part for part in (per_file[f] for f in inputs) if part is not None]
        if not missing:
            version = next((part.tool_version for part in parts if part.tool_version), tool_version)
        return ScanResult(
            tool=self.name,
            status=ScanStatus.OK,
            findings=tuple(f for part in parts for f in part.findings),
            tool_version=version,
            duration_s=time.monotonic() - started,
            cached=not missing,
            suppressed_inline=tuple(f for part in parts for f in part.suppressed_inline),
        )


def narrowed(target: ScanTarget, files: Sequence[str]) -> ScanTarget:
    """The same target, limited to some of its files."""
    wanted = set(files)
    return ScanTarget(
        root=target.root,
        files=tuple(f for f in target.files if f in wanted),
        python_files=tuple(f for f in target.python_files if f in wanted),
        manifests=tuple(f for f in target.manifests if f in wanted),
    )


def split_by_file(result: ScanResult, files: Sequence[str]) -> dict[str, ScanResult] | None:
    """One OK result per file, keeping each file's findings in the tool's order; None if any finding is elsewhere."""
    findings: dict[str, list[Finding]] = {f: [] for f in files}
    suppressed: dict[str, list[Finding]] = {f: [] for f in files}
    for bucket, items in ((findings, result.findings), (suppressed, result.suppressed_inline)):
        for finding in items:
            path = finding.location.path if finding.location else None
            if path not in bucket:
                return None
            bucket[path].append(finding)
    return {
        f: ScanResult(
            result.tool,
            ScanStatus.OK,
            findings=tuple(findings[f]),
            tool_version=result.tool_version,
            suppressed_inline=tuple(suppressed[f]),
        )
        for f in files
    }


def with_cache(scanners: Sequence[Scanner], cache: ScanCache | None) -> list[Scanner]:
    """The scanners, each answering from the cache when it can (unchanged when cache is None)."""
    if cache is None:
        return list(scanners)
    return [CachingScanner(scanner, cache) for scanner in scanners]
