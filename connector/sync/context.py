"""What every resource gets: the client, the store, the clock and the run's options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from connector.moodle import MoodleClient
from connector.store.models import FetchState, SyncCursor


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
    changed: dict[str, set] = field(default_factory=dict)  # resource → keys changed in this run

    def cursor(self, resource: str) -> int | None:
        with self.sessions() as s:
            return s.scalar(select(SyncCursor.value).where(SyncCursor.resource == resource))

    def markers(self, resource: str) -> dict[str, str]:
        with self.sessions() as s:
            rows = s.execute(select(FetchState.key, FetchState.marker).where(FetchState.resource == resource))
            return dict(rows.all())


def save_cursor(session: Session, resource: str, value: int, run_id: int | None) -> None:
    session.merge(SyncCursor(resource=resource, value=value, run_id=run_id))


def save_markers(session: Session, resource: str, markers: dict[str, str]) -> None:
    """Fetch markers are bookkeeping: written, but not counted as data rows."""
    if not markers:
        return
    existing = dict(
        session.execute(
            select(FetchState.key, FetchState.marker).where(FetchState.resource == resource)
        ).all()
    )
    for key, marker in markers.items():
        if existing.get(key) != marker:
            session.merge(FetchState(resource=resource, key=key, marker=marker))
