"""Run the stages in order, stop at the first failure, and always write the run summary (the record stage)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from hardgate_pipeline.model import GUARD_STAGES, STAGES, RunConfig, StageResult, Status
from hardgate_pipeline.stages import ORDER, head_commit

SUMMARY_SCHEMA = "hardgate-pipeline-run/1"


@dataclass(frozen=True)
class RunOutcome:
    results: tuple[StageResult, ...]
    failed: StageResult | None
    commit: str | None

    @property
    def refused(self) -> bool:
        """A failure before deploy: there is no signed passing decision for this commit."""
        return self.failed is not None and self.failed.name in GUARD_STAGES

    def failure_line(self, env: str) -> str | None:
        if self.failed is None:
            return None
        if self.refused:
            return (
                f"refusing to deploy to {env}: no signed passing decision for commit {self.commit or 'unknown'} "
                f"({self.failed.name}: {self.failed.detail})"
            )
        return f"stage {self.failed.name} failed: {self.failed.detail}"


def execute(
    cfg: RunConfig,
    on_start: Callable[[str], None] = lambda _: None,
    on_done: Callable[[StageResult], None] = lambda _: None,
) -> RunOutcome:
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    results: list[StageResult] = []
    failed: StageResult | None = None
    stopped = False
    for name, stage in ORDER:
        if failed is not None or stopped:
            why = f"after {failed.name} failed" if failed else f"--stop-after {cfg.stop_after}"
            result = StageResult(name, Status.SKIPPED, why)
        else:
            on_start(name)
            began = time.monotonic()
            result = stage(cfg)
            result = StageResult(
                result.name, result.status, result.detail, round(time.monotonic() - began, 2), result.artifacts
            )
            if result.status is Status.FAILED:
                failed = result
            stopped = name == cfg.stop_after
        results.append(result)
        on_done(result)
    commit = head_commit(cfg.target)
    outcome = RunOutcome(tuple(results), failed, commit)
    on_start("record")
    record = write_summary(cfg, outcome, started)
    on_done(record)
    if failed is None and record.status is Status.FAILED:
        failed = record  # a run whose summary could not be written did not finish
    return RunOutcome((*outcome.results, record), failed, commit)


def write_summary(cfg: RunConfig, outcome: RunOutcome, started: dt.datetime) -> StageResult:
    """Write summary.json; the summary lists this record stage too, so it names all six stages."""
    path = cfg.out_dir / "summary.json"
    record = StageResult("record", Status.OK, str(path), artifacts=("summary.json",))
    document = {
        "schema": SUMMARY_SCHEMA,
        "environment": cfg.env,
        "commit": outcome.commit,
        "target": str(cfg.target),
        "policy": str(cfg.policy) if cfg.policy else None,
        "waivers": str(cfg.waivers) if cfg.waivers else None,
        "decision_record": str(cfg.record_path),
        "attestation": str(cfg.attestation_path),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "result": "pass" if outcome.failed is None else ("refused" if outcome.refused else "failed"),
        "failed_stage": outcome.failed.name if outcome.failed else None,
        "reason": outcome.failure_line(cfg.env),
        "stages": [
            {**asdict(r), "status": str(r.status), "artifacts": list(r.artifacts)} for r in (*outcome.results, record)
        ],
    }
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        return StageResult("record", Status.FAILED, f"cannot write {path}: {exc.strerror or exc}")
    return record


assert (*(name for name, _ in ORDER), "record") == STAGES
