"""Time redaction: every registered format rendered with and without secrets masked.

Usage: .venv/bin/python bench/redact_speed.py [FINDINGS]

The report holds FINDINGS (default 2,000) code findings with three-line snippets, a tenth of them
quoting a credential. Each figure is printed with a reference measured in the same process, so the
ratio carries over to another machine (CPU time, so other load on the machine does not skew it):
- `human_report` (detect-secrets' plugins, the extra shapes, report-wide value masking, control
  character escaping) vs copying the report with no masking at all;
- rendering every registered format (each masks its own copy) vs the same renderers with masking
  replaced by the identity;
- a second render of the same report (the per-line detection cache is warm) vs the first.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from unittest import mock

from gate.findings import Finding, Location, ScanResult, ScanStatus, Severity
from gate.report import Report, Verdict
from gate.reporters import REPORTERS, common


def report(count: int) -> Report:
    findings = []
    for index in range(count):
        secret = f'    db_password = "S3cr3t-{index:05d}-value"\n' if index % 10 == 0 else ""
        query = f"    cur.execute(f\"SELECT * FROM t{index} WHERE n = '{{name}}'\")"
        snippet = f"def handler_{index}(cur, name):\n{secret}{query}"
        findings.append(
            Finding(
                tool="semgrep",
                rule_id="psycopg-sql-string-built",
                title="psycopg-sql-string-built",
                message="SQL built with an f-string reaches execute(); pass values as query parameters.",
                severity=Severity.HIGH,
                location=Location(f"app/module_{index // 50}.py", index % 50 + 1, index % 50 + 2),
                snippet=snippet,
                fingerprint=f"v1:{index:064x}",
                sources=("semgrep",),
            )
        )
    return Report(
        findings=tuple(findings),  # what is timed; the rest only makes a valid report
        target="bench",
        environment="prod",
        verdict=Verdict.BLOCK,
        reasons=("findings at or above medium",),
        scanners=(ScanResult("semgrep", ScanStatus.OK, tool_version="bench"),),
        hardgate_version="bench",
    )


def timed(action: Callable[[], object]) -> float:
    """CPU seconds: rendering is single-threaded, and CPU time stays meaningful on a busy machine."""
    started = time.process_time()
    action()
    return time.process_time() - started


def render_all(subject: Report) -> None:
    for cls in REPORTERS.values():
        cls().render(subject)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    subject = report(count)
    plain = timed(lambda: dataclasses.replace(subject, findings=tuple(f.replace() for f in subject.findings)))
    first = timed(lambda: common.human_report(subject))
    warm = timed(lambda: common.human_report(subject))
    print(f"{count} findings, {len(REPORTERS)} formats")
    print(f"human_report, first: {first:.2f} s vs an unmasked copy {plain:.3f} s")
    print(f"human_report, warm line cache: {warm:.2f} s ({warm / first:.2f}x the first)")
    with_masking = timed(lambda: render_all(subject))
    with (
        mock.patch.object(common, "redact", lambda text, *_a, **_k: text),
        mock.patch.object(common, "secret_values", lambda *_a, **_k: frozenset()),
    ):
        without = timed(lambda: render_all(subject))
    print(f"all formats: {with_masking:.2f} s masked vs {without:.2f} s unmasked ({with_masking / without:.1f}x)")


if __name__ == "__main__":
    main()
