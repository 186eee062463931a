"""Engine, sessions and Alembic migrations. SQLite by default, PostgreSQL through a URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from connector.errors import ConfigError, QualiopiSyncError, StoreError, StoreUnreachableError
from connector.store.lock import verify_lock

if TYPE_CHECKING:
    from alembic.config import Config

ALEMBIC_DIR = Path(__file__).with_name("alembic")
# The newest migration (a test checks it is Alembic's head): a store already there is opened without importing
# Alembic nor reading its scripts, ≈ 0.15 s of every command's start-up.
HEAD_REVISION = "0018"


def normalise_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            _private_sqlite_file(url)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ConfigError(f"[store] url: cannot use {url.split('://')[0]!r}: {exc}") from None
    return engine


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite store's URL (None: another database, in memory, or a ``file:`` URI)."""
    from sqlalchemy.engine import make_url

    if not url.startswith("sqlite"):
        return None
    path = make_url(url).database
    return None if not path or path == ":memory:" or path.startswith("file:") else path


def _private_sqlite_file(url: str) -> None:
    """The store names people: its file (and so SQLite's -wal/-shm, which copy its mode) is 0600 whatever
    the umask, created before SQLite creates it with the umask's mode; its folder is made (0700) when missing,
    as the reports' folders are."""
    import os

    path = sqlite_file(url)
    if path is None:
        return
    folder = Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"[store] url: cannot make the folder {folder}: {exc.strerror or exc}") from None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise ConfigError(f"[store] url: cannot use {path}: {exc.strerror}") from None


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], *, verify: bool = True) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error.

    ``verify=False`` only for a run's own bookkeeping (its ``sync_run`` row ending as failed): a run that lost
    its lock still records that it failed, and writes nothing else."""
    session = factory()
    try:
        yield session
        if verify:
            verify_lock()  # a run that lost its lock writes nothing
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# what the driver says when the URL names a server, database or role that is not there, or refuses who asks
_SETTING_SIGNS = ("does not exist", "authentication failed", "no password supplied", "could not translate host name",
                  "failed to resolve host", "unable to open database file", "readonly database", "permission denied")
# what it says when the server does not answer: the next run may find it up
_DOWN_SIGNS = ("connection refused", "timeout expired", "timed out", "server closed the connection", "no route to host")


def store_error(exc: SQLAlchemyError, doing: str) -> QualiopiSyncError:
    """A driver's error as one typed line: a wrong URL, database or role is the configuration (exit 2), a server
    that does not answer is transient (exit 4), anything else a store failure (exit 1)."""
    lines = [line.strip() for line in str(getattr(exc, "orig", None) or exc).splitlines() if line.strip()]
    line = (" ".join(lines[:2]) if lines and lines[0].endswith(":") else lines[0] if lines else type(exc).__name__)[:300]
    said = " ".join(lines).lower()
    if isinstance(exc, OperationalError):
        if any(sign in said for sign in _SETTING_SIGNS):
            return ConfigError(f"[store] url: {doing}: {line}")
        if any(sign in said for sign in _DOWN_SIGNS):
            return StoreUnreachableError(f"{doing}: {line} (the database server did not answer: try again later)")
    return StoreError(f"{doing}: {line}")


def _alembic_config(connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    try:
        if revision == "head" and current_revision(engine) == HEAD_REVISION:
            return  # nothing to do: what Alembic would find, without its import and its scripts
        from alembic import command

        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    except OperationalError as exc:
        raise store_error(exc, "cannot migrate the store") from None


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The store's revision, as Alembic keeps it (its ``alembic_version`` table, one row); None: never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:  # branches: this project has none, let Alembic say what it is
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return rows[0] if rows else None


def head_revision() -> str:
    """Alembic's head, read from the scripts (tests check ``HEAD_REVISION`` against it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def ensure_current(engine: Engine, *, empty_ok: bool = False) -> bool:
    """Refuse to work on a store whose schema is older than the code; ``empty_ok``: a database without the
    store's tables is no error but False (a command that only reads: nothing synced yet)."""
    try:
        rev = current_revision(engine)
    except OperationalError as exc:
        raise store_error(exc, "cannot open the store") from None
    if rev is None and empty_ok:
        return False
    if rev is None:
        raise StoreError("the store has no tables yet: run `qualiopi-sync migrate` (or `sync`, which creates them)")
    if rev != HEAD_REVISION:
        raise StoreError(f"the store schema is at {rev}, the code needs {HEAD_REVISION}: run `qualiopi-sync migrate`")
    return True
