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

from connector.errors import QualiopiSyncError
from connector.store.db import transaction
from connector.store.models import SyncRun, utcnow
from connector.sync.context import SyncContext
from connector.sync.resources import RESOURCES

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
        run = SyncRun(started_at=utcnow(), status="running", full=ctx.full, calls={}, rows={})
        s.add(run)
        s.flush()
        run_id = run.id
    result = SyncResult(run_id=run_id, status="ok")
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
    result.calls = ctx.client.reset_counts()
    with transaction(ctx.sessions) as s:
        run = s.get(SyncRun, run_id)
        run.finished_at = utcnow()
        run.status = result.status
        run.error = str(result.error) if result.error else None
        run.calls = dict(result.calls)
        run.rows = result.rows
    return result


__all__ = ["SyncResult", "run_sync"]
