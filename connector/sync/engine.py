"""Run the resources in order; each commits alone; the first failure stops the run.

A failed resource rolls back only its own transaction: what earlier resources wrote
and the last good data of the failed one stay. The run is recorded in ``sync_run``
with the calls per WS function and the rows written per resource.
"""

from __future__ import annotations

import logging
import resource
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import update

from connector.errors import QualiopiSyncError
from connector.safe_text import redact_text
from connector.store.db import transaction
from connector.store.models import SyncRun, utcnow
from connector.sync.context import SyncContext
from connector.sync.resources import RESOURCES
from connector.sync.resources.participants import ReportPrefetch, drop_report_pages

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    run_id: int
    status: str
    calls: Counter[str] = field(default_factory=Counter)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    error: QualiopiSyncError | None = None

    @property
    def rows_written(self) -> int:
        return sum(sum(c.values()) for c in self.rows.values())


def peak_rss_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def run_sync(ctx: SyncContext, only: list[str] | None = None) -> SyncResult:
    """Sync every resource (or ``only`` those named); never raises a QualiopiSyncError."""
    ctx.client.reset_counts()
    with transaction(ctx.sessions) as s:
        # the caller holds the run lock: a run still "running" was killed (kill -9, power cut) — it failed
        s.execute(update(SyncRun).where(SyncRun.status == "running").values(
            status="failed", finished_at=utcnow(), error="interrupted (the process stopped before the run ended)"))
        run = SyncRun(started_at=utcnow(), status="running", full=ctx.full, calls={}, rows={})
        s.add(run)
        s.flush()
        run_id = run.id
    result = SyncResult(run_id=run_id, status="ok")
    if ctx.report_id and (not only or "enrolments" in only):
        ctx.report_pages = ReportPrefetch(ctx)  # Moodle builds them while the catalog is read
    try:
        _run_resources(ctx, run_id, only, result)
    except BaseException as exc:  # a bug or an interruption: the run still ends, as failed, then it propagates
        result.status = "failed"
        _finish(ctx, run_id, result, f"internal error: {type(exc).__name__}" if isinstance(exc, Exception)
                else "interrupted")
        raise
    finally:
        drop_report_pages(ctx)
    _finish(ctx, run_id, result)
    return result


def _run_resources(ctx: SyncContext, run_id: int, only: list[str] | None, result: SyncResult) -> None:
    for res in RESOURCES:
        if only and res.name not in only:
            continue
        ctx.progress(f"{res.name}: fetching")
        try:
            counts = res.run(ctx, run_id)
        except QualiopiSyncError as exc:
            result.status, result.error = "failed", exc
            log.error("resource %s failed: %s", res.name, exc)
            break
        result.rows[res.name] = {k: counts[k] for k in ("inserted", "updated", "deleted")}
        log.info(
            "resource %s: %d inserted, %d updated, %d deleted (peak RSS so far %d MiB)",
            res.name, counts["inserted"], counts["updated"], counts["deleted"], peak_rss_mib(),
        )
        ctx.progress(f"{res.name}: done")


def _finish(ctx: SyncContext, run_id: int, result: SyncResult, error: str | None = None) -> None:
    result.calls = ctx.client.reset_counts()
    # only this run's own row, even when the run lost its lock: a run never stays "running"
    with transaction(ctx.sessions, verify=False) as s:
        run = s.get(SyncRun, run_id)
        run.finished_at = utcnow()
        run.status = result.status
        run.error = redact_text(error or result.error) if (error or result.error) else None
        run.calls = dict(result.calls)
        run.rows = result.rows


__all__ = ["SyncResult", "run_sync"]
