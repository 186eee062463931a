"""`serve`: schedule parsing, a job run end to end, overlapping runs refused, graceful stop on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from connector import app, errors
from connector.config import JobConfig, ReportsConfig, ScheduleConfig
from connector.demo import DEMO_PROGRAMMES
from connector.errors import ConfigError
from connector.scheduler import build_scheduler, run_job
from connector.store.lock import run_lock
from connector.sync.engine import SyncResult
from tests.conftest import NOW
from tests.test_sync import settings_for, transport


def settings(url, tmp_path, **schedule):
    return settings_for(url).model_copy(update={
        "programmes": DEMO_PROGRAMMES, "schedule": ScheduleConfig(**schedule),
        "reports": ReportsConfig(out_dir=tmp_path / "out")})


def test_schedule_parsing_timezone_and_weekday_names(tmp_path):
    s = settings("sqlite://", tmp_path, jobs=[JobConfig(name="weekdays", cron="30 5 * * mon-fri")])
    sched = build_scheduler(s, BackgroundScheduler)
    job = sched.get_job("weekdays")
    assert str(job.trigger.timezone) == "Europe/Paris"
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("mon-fri", "5", "30")
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=job.trigger.timezone)
    nxt = job.trigger.get_next_fire_time(None, saturday)
    assert (nxt.weekday(), nxt.hour, nxt.minute, nxt.utcoffset().total_seconds()) == (0, 5, 30, 3600)  # Monday, CET
    assert sched._job_defaults["coalesce"] is True and sched._job_defaults["max_instances"] == 1
    with pytest.raises(ConfigError, match=r"\[schedule\] timezone"):
        build_scheduler(settings("sqlite://", tmp_path, timezone="Europe/Nowhere"), BackgroundScheduler)
    with pytest.raises(ConfigError, match=r"\[\[schedule.jobs\]\] \(bad\) cron"):
        build_scheduler(settings("sqlite://", tmp_path, jobs=[JobConfig(name="bad", cron="99 * * * xyz")]),
                        BackgroundScheduler)


def test_a_job_runs_the_pipeline_end_to_end(tmp_path, store_url, caplog):
    s = settings(store_url, tmp_path, jobs=[JobConfig(name="nightly", cron="0 3 * * *")])
    # the replayed recordings hold no answer to writes: this run stops after rendering (push is tested apart)
    sched = build_scheduler(s, BackgroundScheduler, transport=transport(), now=NOW, push=False)
    done, errors = threading.Event(), []
    sched.add_listener(lambda e: (errors.append(e.exception) if e.exception else None, done.set()),
                       EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    caplog.set_level(logging.INFO, logger="qualiopi_sync.scheduler")
    sched.start()
    try:
        sched.modify_job("nightly", next_run_time=datetime.now(sched.timezone))  # a short trigger: now
        assert done.wait(120), "the job did not run"
    finally:
        sched.shutdown(wait=True)
    assert errors == []
    assert (tmp_path / "out" / "index.html").exists() and (tmp_path / "out" / "pdf" / "qualiopi-EXCEL.pdf").exists()
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("job nightly"))
    assert line.startswith("job nightly (run): ok, 3 programme(s) rendered, 0 push(es) sent in ")


def test_overlapping_run_is_refused(tmp_path, store_url, caplog):
    s = settings(store_url, tmp_path)
    store = app.open_store(store_url)
    caplog.set_level(logging.INFO, logger="qualiopi_sync.scheduler")
    with run_lock(store.engine):
        outcome = run_job(s, JobConfig(name="nightly", cron="0 3 * * *"), transport=transport(), now=NOW,
                          push=False)
    assert outcome.startswith("skipped: another qualiopi-sync run holds")
    assert not (tmp_path / "out" / "index.html").exists()
    assert any("job nightly (run): skipped" in r.getMessage() for r in caplog.records)


def test_serve_stops_gracefully_on_sigterm(tmp_path):
    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "http://127.0.0.1:9"\ntoken = "x"\n[store]\nurl = "sqlite:///{tmp_path}/s.db"\n'
                   '[schedule]\ntimezone = "Europe/Paris"\n[[schedule.jobs]]\nname = "nightly"\n'
                   'cron = "30 5 * * mon-sat"\n')
    proc = subprocess.Popen([sys.executable, "-m", "connector.cli", "--config", str(cfg), "serve"],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if "scheduler started" in line:
            break
    assert any("job nightly (run, '30 5 * * mon-sat'): next run" in x and "+01:00" in x for x in lines), lines
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0, rest
    assert "SIGTERM" in rest and "scheduler stopped" in rest


def test_a_lock_file_no_run_can_open_fails_the_job_instead_of_skipping_it(tmp_path):
    link = tmp_path / "planted.lock"  # a lock file is SQLite's; PostgreSQL's lock is an advisory lock
    link.symlink_to(tmp_path / "victim")
    s = settings(f"sqlite:///{tmp_path}/store.db", tmp_path)
    s = s.model_copy(update={"store": s.store.model_copy(update={"lock_file": link})})
    outcome = run_job(s, JobConfig(name="nightly", cron="0 3 * * *", command="sync"), transport=transport(), now=NOW)
    # « skipped » would hide it night after night: no later run can open that file either
    assert outcome.startswith("failed: [store] lock_file: cannot open") and "symbolic link" in outcome
    assert not (tmp_path / "victim").exists()


def test_a_run_that_lost_its_lock_is_a_failed_job_not_a_skipped_one(tmp_path, monkeypatch):
    # how a sync loses its lock for real is in test_sync (PostgreSQL backend terminated); here, how serve logs it
    lost = errors.LockLostError("this run lost its lock on the store (its PostgreSQL connection was closed)")
    monkeypatch.setattr(app, "sync", lambda *a, **k: SyncResult(run_id=1, status="failed", error=lost))
    outcome = run_job(settings(f"sqlite:///{tmp_path}/store.db", tmp_path),
                      JobConfig(name="nightly", cron="0 3 * * *", command="sync"))
    assert outcome == f"failed: {lost}"
    assert lost.exit_code == errors.EXIT_LOCK_LOST != errors.EXIT_LOCKED
