"""What every resource gets: the client, the store, the clock and the run's options."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from connector.moodle import MoodleClient
from connector.store.models import FetchState, SyncCursor

if TYPE_CHECKING:
    from connector.sync.resources.participants import ReportPrefetch


@dataclass
class SyncContext:
    client: MoodleClient
    sessions: sessionmaker[Session]
    now: int
    full: bool = False
    lookback: int = 86400  # seconds
    course_ids: frozenset[int] = frozenset()
    complaints_pattern: str = r"r[ée]clamation|plainte|QUALIOPI-I31"
    progress: Callable[[str], None] = lambda _msg: None
    report_id: int | None = None  # the participants custom report (fast path), else per-course calls
    report_page_size: int = 10000
    report_timezone: str = "Europe/Paris"
    checkpoint_pattern: str = "ALT-"  # coordination activities (13): their completion is fetched per learner
    chunk_rows: int = 5000  # rows written per statement batch (streaming upserts)
    evidence_tag: re.Pattern[str] = field(default_factory=lambda: evidence_tag_regex("QUALIOPI-I{n:02d}"))
    quality_course_ids: tuple[int, ...] = ()  # where the registers live
    register_names: dict[str, str] = field(default_factory=dict)  # kind → Database activity name
    snapshot_dir: Path | None = None  # where documents are copied for the dossier (None: not copied)
    max_file_bytes: int = 20 * 1024 * 1024
    retired_before: int | None = None  # retention cut-off: people of what ended before it are not synced
    dated_category: int | None = None  # the trainers' training category (22): completion dates read there
    report_pages: ReportPrefetch | None = None  # the participants report's first pages, asked for when the run starts

    def cursor(self, resource: str) -> int | None:
        with self.sessions() as s:
            return s.scalar(select(SyncCursor.value).where(SyncCursor.resource == resource))

    def markers(self, resource: str) -> dict[str, str]:
        with self.sessions() as s:
            rows = s.execute(select(FetchState.key, FetchState.marker).where(FetchState.resource == resource))
            return dict(rows.all())


def evidence_tag_regex(pattern: str) -> re.Pattern[str]:
    """Any indicator's tag, from the configured evidence pattern (``QUALIOPI-I{n:02d}`` → QUALIOPI-I\\d+)."""
    head, _, tail = pattern.partition("{n")
    tail = tail.split("}", 1)[1] if "}" in tail else ""
    return re.compile(re.escape(head) + r"\d{1,2}" + re.escape(tail), re.IGNORECASE)


def save_cursor(session: Session, resource: str, value: int, run_id: int | None) -> None:
    session.merge(SyncCursor(resource=resource, value=value, run_id=run_id))


def save_markers(session: Session, resource: str, markers: dict[str, str]) -> None:
    """Fetch markers are bookkeeping: written (in bulk, only those that changed), but not counted as data rows."""
    if not markers:
        return
    existing = dict(
        session.execute(
            select(FetchState.key, FetchState.marker).where(FetchState.resource == resource)
        ).all()
    )
    new = [dict(resource=resource, key=k, marker=v) for k, v in markers.items() if k not in existing]
    changed = [dict(resource=resource, key=k, marker=v) for k, v in markers.items()
               if k in existing and existing[k] != v]
    if new:
        session.execute(insert(FetchState), new)
    if changed:
        session.execute(update(FetchState), changed)


T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
