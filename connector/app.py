"""Use cases the CLI calls: each opens what it needs and raises typed errors only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connector.config import Settings
from connector.moodle import MoodleClient
from connector.moodle.client import Transport
from connector.store import db, retention
from connector.store.lock import run_lock
from connector.store.seed import seed_referentiel
from connector.sync import SyncResult, run_sync
from connector.sync.context import SyncContext, evidence_tag_regex
from mappings.thresholds import merged


@dataclass
class Store:
    engine: Engine
    sessions: sessionmaker[Session]


def open_store(url: str, *, migrate: bool | None = True, lock_file: Path | None = None) -> Store:
    """``migrate``: True upgrade now if the store is behind the code (under the run lock, ``lock_file`` as
    configured: never under a running sync, exit 5 then), False require the current revision, None neither (the
    caller migrates under the run lock it holds)."""
    engine = db.make_engine(url)
    if migrate and db.current_revision(engine) != db.HEAD_REVISION:
        with run_lock(engine, lock_file):
            db.upgrade(engine)
    elif migrate is False:
        db.ensure_current(engine)
    return Store(engine, db.sessions(engine))


def open_store_to_read(url: str) -> Store | None:
    """The store for a command that only reads it (``status``), or None when there is none yet: a SQLite file
    that does not exist (not created: reading makes nothing) or a database without the store's tables. A store
    behind the code is refused as ``open_store(migrate=False)`` refuses it."""
    path = db.sqlite_file(url)
    if path is not None and not Path(path).exists():
        return None
    store = open_store(url, migrate=None)
    if not db.ensure_current(store.engine, empty_ok=True):
        store.engine.dispose()
        return None
    return store


def make_client(settings: Settings, transport: Transport | None = None) -> MoodleClient:
    m = settings.moodle
    return MoodleClient(m.url, m.resolved_token(), transport=transport, timeout=m.timeout,
                        retries=m.retries, backoff=m.backoff, concurrency=m.concurrency)


def seed(store: Store) -> dict[str, int]:
    with db.transaction(store.sessions) as s:
        return seed_referentiel(s)


def _layers(settings: Settings) -> list[dict]:
    return [merged(settings.thresholds, p.thresholds) for p in settings.programmes] or [merged(settings.thresholds)]


def complaints_pattern(settings: Settings) -> str:
    """One regex covering every programme's complaints pattern (which forums to read discussions of)."""
    return "|".join(sorted({f"(?:{layer['complaints_pattern']})" for layer in _layers(settings)}))


def checkpoint_pattern(settings: Settings) -> str:
    """The activities whose completion is read per learner: every programme's coordination checkpoints (13,
    e.g. ALT-) and positioning activities (8), substrings joined by |."""
    return "|".join(sorted({p for layer in _layers(settings)
                            for key in ("checkpoint_pattern", "positioning_pattern")
                            for p in str(layer[key]).split("|") if p}))


def sync(
    settings: Settings,
    *,
    full: bool = False,
    transport: Transport | None = None,
    now: int | None = None,
    progress: Callable[[str], None] = lambda _m: None,
    lock_file: Path | None = None,
) -> SyncResult:
    """Migrate, seed, then sync every resource under the run lock."""
    client = make_client(settings, transport)
    with locked_store(settings, lock_file) as store:
        return sync_locked(settings, store, client, full=full, now=now, progress=progress)


@contextmanager
def locked_store(settings: Settings, lock_file: Path | None = None) -> Iterator[Store]:
    """The store under the run lock, migrated once the lock is held (two processes never migrate at once)."""
    store = open_store(settings.store.url, migrate=None)
    with run_lock(store.engine, lock_file or settings.store.lock_file):
        db.upgrade(store.engine)
        yield store


def sync_locked(settings: Settings, store: Store, client: MoodleClient, *, full: bool = False,
                now: int | None = None, progress: Callable[[str], None] = lambda _m: None) -> SyncResult:
    """The sync itself; the caller holds the run lock."""
    seed(store)
    ctx = SyncContext(
        client=client, sessions=store.sessions, now=now or int(time.time()), full=full,
        lookback=settings.sync.lookback_hours * 3600, course_ids=frozenset(settings.sync.course_ids),
        progress=progress, complaints_pattern=complaints_pattern(settings),
        report_id=settings.moodle.participants_report_id, report_page_size=settings.moodle.report_page_size,
        report_timezone=settings.moodle.report_timezone, checkpoint_pattern=checkpoint_pattern(settings),
        evidence_tag=evidence_tag_regex(str(merged(settings.thresholds)["evidence_pattern"])),
        quality_course_ids=tuple(settings.quality_courses), register_names=settings.quality.register_names(),
        snapshot_dir=settings.dossier.snapshot_dir, max_file_bytes=int(settings.dossier.max_file_mb * 1048576),
        retired_before=retention.cutoff(now or int(time.time()), settings.retention.months),
        dated_category=settings.quality.trainers_category,
    )
    return run_sync(ctx)


def purge(settings: Settings, *, now: int | None = None, dry_run: bool = False,
          lock_file: Path | None = None) -> retention.PurgeResult:
    """Remove the personal data past ``[retention] months`` (under the run lock; ``dry_run`` counts only)."""
    before = retention.cutoff(now or int(time.time()), settings.retention.months)
    with locked_store(settings, lock_file) as store:
        if dry_run:
            with store.sessions() as s:
                result = retention.purge(s, before)
                s.rollback()
            return result
        with db.transaction(store.sessions) as s:
            return retention.purge(s, before)
