"""No two runs at once: a PostgreSQL advisory lock, or a file lock beside the SQLite file."""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from connector.errors import ConfigError, LockedError, LockLostError

ADVISORY_KEY = 0x5175616C  # "Qual"
# The lock is per database *and* schema: two stores in two schemas of one database never block each other.
_TRY = "SELECT pg_try_advisory_lock(:k, hashtext(current_database() || '.' || current_schema()))"
_UNLOCK = "SELECT pg_advisory_unlock(:k, hashtext(current_database() || '.' || current_schema()))"


def default_lock_path(engine: Engine) -> Path:
    db = engine.url.database
    if not db or db == ":memory:":
        return Path(os.environ.get("TMPDIR", "/tmp")) / "qualiopi-sync.lock"
    return Path(db + ".lock")


_HELD: list = []  # the connections holding this process's PostgreSQL advisory lock
_STILL_HELD = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
               "AND classid = :k AND objid = hashtext(current_database() || '.' || current_schema())::oid")


def verify_lock() -> None:
    """Before a write phase or a send: the run still holds its lock. A PostgreSQL advisory lock lives on a
    connection; when that backend is terminated (pg_terminate_backend, idle-session timeout, network cut)
    the lock is gone and another run may start: this run must stop before writing or sending anything."""
    for conn in _HELD:
        try:
            held = conn.execute(text(_STILL_HELD), {"k": ADVISORY_KEY}).scalar()
            conn.commit()
        except Exception:  # noqa: BLE001 - the connection itself is gone: so is the lock
            held = 0
        if not held:
            raise LockLostError("this run lost its lock on the store (its PostgreSQL connection was closed): "
                                "stopped before writing or sending; the next run starts over")


@contextmanager
def run_lock(engine: Engine, lock_file: Path | None = None) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text(_TRY), {"k": ADVISORY_KEY}).scalar()
            conn.commit()
            if not got:
                raise LockedError("another qualiopi-sync run holds the lock on this store: try again later")
            _HELD.append(conn)
            try:
                yield
            finally:
                _HELD.remove(conn)
                try:
                    conn.execute(text(_UNLOCK), {"k": ADVISORY_KEY})
                    conn.commit()
                except Exception:  # noqa: BLE001, S110 - a lost connection released the lock already
                    pass
        return
    path = lock_file or default_lock_path(engine)
    try:  # never through a planted symbolic link (O_NOFOLLOW), owner-only whatever the umask; its folder made
        Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        # not « busy »: no later run can open it either (a folder it cannot write, a planted link)
        why = "it is a symbolic link, which is refused" if exc.errno == errno.ELOOP else exc.strerror
        raise ConfigError(f"[store] lock_file: cannot open {path}: {why}; give a file the user running "
                          "qualiopi-sync may write") from None
    os.fchmod(fd, 0o600)
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
