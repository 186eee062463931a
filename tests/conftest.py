"""Shared fixtures: the recorded Moodle data, a store on SQLite *and* PostgreSQL, a frozen clock."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from connector.moodle.replay import bundle_clock
from connector.store import db

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QUALIOPI_SHARED", ROOT.parent / "shared"))
FIXTURES = SHARED / "moodle" / "fixtures"
PG_URL = os.environ.get("QUALIOPI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_SCHEMA = f"qualiopi_sync_test_{os.getpid()}"  # one schema (and so one lock key) per test session
NOW = bundle_clock() + 180  # the data set's clock: 2026-11-24
TOKEN = "s3cr3t-token-0123456789abcdef"
# documents copied by the tests' syncs: never into the checkout (the default snapshot_dir is ./snapshots, relative to
# where the command runs). The environment sets it for every Settings a test makes (child processes inherit it); a
# Settings built with its own DossierConfig keeps it, but the environment overrides a TOML file (as for users): a test
# that gives [dossier] snapshot_dir in a TOML removes the variable first (monkeypatch.delenv).
SNAPSHOTS = Path(tempfile.mkdtemp(prefix="qualiopi-sync-test-snapshots-"))
os.environ.setdefault("QUALIOPI_DOSSIER__SNAPSHOT_DIR", str(SNAPSHOTS))
# what a command writes by default, relative to where it runs: a test that runs it from the checkout leaks it
LEAKS = ("snapshots", "qualiopi-demo", "out", "qualiopi-sync.db", "store.db")


@pytest.fixture(autouse=True)
def _nothing_written_into_the_checkout():
    """A test that leaves a default output in the checkout (documents, reports, a store) fails: it would be
    committed by accident (a snapshot was, once) and tests would share it."""
    before = {name for name in LEAKS if (ROOT / name).exists()}
    yield
    made = sorted(name for name in LEAKS if (ROOT / name).exists() and name not in before)
    assert not made, f"the test wrote {made} into the checkout: give it a temporary folder"


def checkout_env() -> dict[str, str]:
    """The environment of a child process that must run this checkout's code, whatever is installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text("utf-8"))


def _index() -> list[dict]:
    return json.loads((SHARED / "moodle" / "fixtures_index.json").read_text("utf-8"))


def all_fixtures() -> list[Path]:
    """The first recording set (the demo's world): 143 answers."""
    files = [FIXTURES / e["file"] for e in _index() if not (e.get("note") or "").startswith("set 2")]
    assert len(files) == 143 and all(f.exists() for f in files), f"expected the 143 recorded fixtures in {FIXTURES}"
    return sorted(files)


def set2_fixtures() -> list[Path]:
    """The second recording set (its own world: quality course, registers, notes, grades…): 52 answers."""
    files = [FIXTURES / e["file"] for e in _index() if (e.get("note") or "").startswith("set 2")]
    assert len(files) == 52 and all(f.exists() for f in files), f"expected the 52 set-2 fixtures in {FIXTURES}"
    return sorted(files)


def pg_url(schema: str = PG_SCHEMA) -> str:
    """The test database, searching only ``schema``."""
    return f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"


def drop_pg_schema(schema: str = PG_SCHEMA, *, create: bool = False) -> None:
    base = db.make_engine(PG_URL)
    with base.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if create:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    base.dispose()


def _pg_engine(schema: str = PG_SCHEMA):
    drop_pg_schema(schema, create=True)
    return db.make_engine(pg_url(schema))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """An empty database of each kind; PostgreSQL must be reachable (never skipped)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    _pg_engine().dispose()
    return pg_url()


@pytest.fixture
def engine(store_url):
    e = db.make_engine(store_url)
    yield e
    e.dispose()


def pytest_sessionfinish(session, exitstatus):
    """Drop this session's PostgreSQL schema (each session has its own: two sessions never collide)."""
    try:
        drop_pg_schema()
    except Exception:  # noqa: BLE001, S110 - cleanup only; the next session uses its own schema anyway
        pass
    import shutil

    shutil.rmtree(SNAPSHOTS, ignore_errors=True)
