"""The whole pipeline once — sync → evaluate → render → push — under the run lock (`run`, cron, `serve`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from connector import app
from connector.config import Settings
from connector.dossier import DossierOptions
from connector.errors import ConfigError
from connector.evaluate import EvaluationResult, run_evaluation
from connector.moodle.client import Transport
from connector.push import PushResult, push_all
from connector.render import RenderResult, render_reports
from connector.sync import SyncResult

log = logging.getLogger(__name__)


def dossier_options(settings) -> DossierOptions:
    d = settings.dossier
    return DossierOptions(d.snapshot_dir, int(d.max_dossier_mb * 1048576), d.sample_size, d.sample_seed)


@dataclass
class PipelineResult:
    sync: SyncResult | None
    evaluation: EvaluationResult
    render: RenderResult
    push: PushResult | None


def run_pipeline(settings: Settings, *, transport: Transport | None = None, now: int | None = None,
                 do_sync: bool = True, push: bool = True, force: bool = False, dry_run: bool = False,
                 out_dir: Path | None = None, lock_file: Path | None = None) -> PipelineResult:
    """Raise the sync's error (after rendering nothing) when the sync fails: the last good reports stay."""
    if not settings.programmes:
        raise ConfigError("programmes: none configured (add [[programmes]] to the TOML)")
    client = app.make_client(settings, transport)
    started = time.monotonic()
    with app.locked_store(settings, lock_file) as store:
        synced = None
        if do_sync:
            synced = app.sync_locked(settings, store, client, now=now)
            if synced.error:
                raise synced.error
        data_time = now or int(time.time())
        ev = run_evaluation(settings, store.sessions, data_time, synced.run_id if synced else None)
        rendered = render_reports(ev, store.sessions, out_dir or settings.reports.out_dir, settings.provider.name,
                                  settings.moodle.url, force=force, dossier=dossier_options(settings),
                                  tolerance=settings.reports.figure_tolerance, group=settings.reports.group,
                                  workers=settings.reports.workers)
        pushed = None
        if push:
            pushed = push_all(client, store.sessions, settings.push, settings.smtp, rendered, dry_run=dry_run)
    log.info("pipeline done in %.1f s: %d programme(s) rendered, %d unchanged", time.monotonic() - started,
             len(rendered.rendered), len(rendered.unchanged))
    return PipelineResult(synced, ev, rendered, pushed)
