"""No two runs at once: a PostgreSQL advisory lock, or a file lock beside the SQLite file."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from connector.errors import LockedError

ADVISORY_KEY = 0x5175616C  # "Qual"
# The lock is per database *and* schema: two stores in two schemas of one database never block each other.
_TRY = "SELECT pg_try_advisory_lock(:k, hashtext(current_database() || '.' || current_schema()))"
_UNLOCK = "SELECT pg_advisory_unlock(:k, hashtext(current_database() || '.' || current_schema()))"


def default_lock_path(engine: Engine) -> Path:
    db = engine.url.database
    if not db or db == ":memory:":
        return Path(os.environ.get("TMPDIR", "/tmp")) / "qualiopi-sync.lock"
    return Path(db + ".lock")


@contextmanager
def run_lock(engine: Engine, lock_file: Path | None = None) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text(_TRY), {"k": ADVISORY_KEY}).scalar()
            conn.commit()
            if not got:
                raise LockedError("another qualiopi-sync run holds the lock on this store: try again later")
            try:
                yield
            finally:
                conn.execute(text(_UNLOCK), {"k": ADVISORY_KEY})
                conn.commit()
        return
    path = lock_file or default_lock_path(engine)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"another qualiopi-sync run holds {path}: try again later") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
