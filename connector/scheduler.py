"""`serve`: the pipeline on a schedule (APScheduler 3), one run at a time, graceful stop on SIGTERM.

Jobs come from ``[schedule]``: crontab expressions (weekdays by name, ``mon-fri``) in the
configured timezone (default Europe/Paris); a run that fires while another holds the
lock is skipped with a log line; missed runs are coalesced into one within the grace time.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from connector.config import JobConfig, Settings
from connector.errors import ConfigError, LockedError, QualiopiSyncError

log = logging.getLogger("qualiopi_sync.scheduler")


def timezone(settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"[schedule] timezone: unknown timezone {settings.schedule.timezone!r} "
                          "(e.g. Europe/Paris)") from None


def cron_trigger(job: JobConfig, tz: ZoneInfo) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(job.cron, timezone=tz)
    except ValueError as exc:
        raise ConfigError(f"[[schedule.jobs]] ({job.name}) cron: {exc} (got {job.cron!r}; "
                          "expected 'min hour day month weekday', e.g. '30 5 * * mon-fri')") from None


def run_job(settings: Settings, job: JobConfig, **pipeline_kwargs: Any) -> str:
    """One scheduled run; logs one line and never raises (the scheduler keeps going)."""
    from connector import app
    from connector.pipeline import run_pipeline

    started = time.monotonic()
    try:
        if job.command == "sync":
            result = app.sync(settings, **{k: v for k, v in pipeline_kwargs.items() if k in ("transport", "now")})
            if result.error:
                raise result.error
            outcome = f"ok, {sum(result.calls.values())} calls"
        elif job.command == "purge":
            purged = app.purge(settings, **{k: v for k, v in pipeline_kwargs.items() if k == "now"})
            outcome = f"ok, {purged.total} item(s) purged"
        else:
            r = run_pipeline(settings, **pipeline_kwargs)
            outcome = (f"ok, {len(r.render.rendered)} programme(s) rendered, "
                       f"{len(r.push.sent) if r.push else 0} push(es) sent")
    except LockedError as exc:
        outcome = f"skipped: {exc}"
    except QualiopiSyncError as exc:
        outcome = f"failed: {exc}"
    except Exception as exc:  # a bug must not stop the daemon: log it with its traceback, keep scheduling
        log.exception("job %s crashed", job.name)
        outcome = f"crashed: {type(exc).__name__}"
    log.info("job %s (%s): %s in %.1f s", job.name, job.command, outcome, time.monotonic() - started)
    return outcome


def build_scheduler(settings: Settings, scheduler_cls: Callable[..., BaseScheduler] = BlockingScheduler,
                    **pipeline_kwargs: Any) -> BaseScheduler:
    tz = timezone(settings)
    sched = scheduler_cls(timezone=tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": settings.schedule.misfire_grace_seconds})
    if not settings.schedule.jobs:
        raise ConfigError("[schedule] jobs: no job configured")
    for job in settings.schedule.jobs:
        sched.add_job(run_job, cron_trigger(job, tz), args=[settings, job], kwargs=pipeline_kwargs, id=job.name,
                      name=job.name)
    return sched


def serve(settings: Settings) -> None:
    """Run the jobs until SIGTERM/SIGINT. The scheduler runs in the background; the signal handler only
    records the signal and the main thread does the stopping (a shutdown called from inside a handler can
    wait on a lock the interrupted thread holds: it hung now and then)."""
    sched = build_scheduler(settings, BackgroundScheduler)
    received: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tz = timezone(settings)
    now = datetime.now(tz)
    for job in settings.schedule.jobs:
        log.info("job %s (%s, '%s'): next run %s", job.name, job.command, job.cron,
                 cron_trigger(job, tz).get_next_fire_time(None, now).isoformat())
    sched.start()
    log.info("scheduler started (%s), pid %d", settings.schedule.timezone, os.getpid())
    while not received:
        time.sleep(0.2)  # a signal interrupts the sleep; the handler only appends
    log.info("signal %s: finishing the running job, then stopping", signal.Signals(received[0]).name)
    sched.shutdown(wait=True)
    log.info("scheduler stopped")
