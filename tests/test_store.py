"""Alembic up and down on SQLite and PostgreSQL; the référentiel seed is idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from connector.store import db
from connector.store.models import Base, Criterion, Indicator
from connector.store.seed import seed_referentiel

SPEC_INDICATOR = {"id", "number", "name", "requirement", "level_expected", "proof", "non_conformity", "glossary",
                  "criterion_id", "created_at", "updated_at"}
SPEC_CRITERION = {"id", "number", "name", "description", "created_at", "updated_at"}


def test_upgrade_from_empty_then_downgrade(engine):
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    db.ensure_current(engine)
    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade(engine)  # and back up again
    assert db.current_revision(engine) == db.head_revision()


def test_schema_has_the_specified_columns(engine):
    db.upgrade(engine)
    insp = inspect(engine)
    assert SPEC_CRITERION <= {c["name"] for c in insp.get_columns("criterion")}
    assert SPEC_INDICATOR <= {c["name"] for c in insp.get_columns("indicator")}
    assert any(ix["column_names"] == ["criterion_id"] for ix in insp.get_indexes("indicator"))
    # a programme's history (trends) is read by programme, newest evaluation first
    assert any(ix["column_names"] == ["programme", "evaluation_id"] for ix in insp.get_indexes("verdict"))
    fks = insp.get_foreign_keys("indicator")
    assert fks[0]["referred_table"] == "criterion"


def test_seed_is_idempotent(engine):
    db.upgrade(engine)
    factory = db.sessions(engine)
    with db.transaction(factory) as s:
        first = seed_referentiel(s)
    with factory() as s:
        stamps = dict(s.execute(select(Indicator.number, Indicator.updated_at)).all())
    with db.transaction(factory) as s:
        second = seed_referentiel(s)
    assert first == {"inserted": 39, "updated": 0}
    assert second == {"inserted": 0, "updated": 0}
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Criterion)) == 7
        assert s.scalar(select(func.count()).select_from(Indicator)) == 32
        assert dict(s.execute(select(Indicator.number, Indicator.updated_at)).all()) == stamps
        i13 = s.scalar(select(Indicator).where(Indicator.number == 13))
        assert i13.name == "Coordination des apprentis"  # name = short title
        assert i13.requirement.startswith("Pour les formations en alternance")  # requirement = statement
        assert i13.non_conformity_grading == "mineure_ou_majeure"
        assert "apprentissage" in i13.applies_to
        crit = s.get(Criterion, i13.criterion_id)
        assert crit.number == 3


def test_store_older_than_code_is_refused(engine):
    from connector.errors import StoreError

    with pytest.raises(StoreError, match=r"^the store has no tables yet: run `qualiopi-sync migrate`"):
        db.ensure_current(engine)


def test_postgresql_lock_is_per_database_and_schema():
    """Two stores in two schemas of one database (two test sessions, two providers) never block each other;
    two runs on the same schema do."""
    from sqlalchemy import text

    from connector.errors import LockedError
    from connector.store.lock import run_lock
    from tests.conftest import PG_SCHEMA, PG_URL

    base = db.make_engine(PG_URL)
    schemas = [f"{PG_SCHEMA}_a", f"{PG_SCHEMA}_b"]
    with base.begin() as conn:
        for s in schemas:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}"))
    a, b, a2 = (db.make_engine(f"{PG_URL}?options=-csearch_path%3D{s}") for s in (*schemas, schemas[0]))
    try:
        with run_lock(a):
            with run_lock(b):
                pass  # another schema: free
            with pytest.raises(LockedError), run_lock(a2):
                pass
    finally:
        for e in (a, b, a2):
            e.dispose()
        with base.begin() as conn:
            for s in schemas:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {s} CASCADE"))
        base.dispose()


def test_upsert_inserts_rows_that_give_different_columns_each_with_its_defaults(engine):
    """Rows are inserted in groups by the columns they give: a row without a column gets the column's
    default, never another row's value, and a rerun writes nothing."""
    from connector.store.models import Category, Enrolment, User
    from connector.store.upsert import upsert_rows

    db.upgrade(engine)
    factory = db.sessions(engine)
    with db.transaction(factory) as s:
        upsert_rows(s, Category, [dict(id=1, name="Cat", idnumber=None, parent=0, path="/1", depth=1, visible=True)])
        upsert_rows(s, User, [dict(id=7, username="a", fullname="A", idnumber=None),
                              dict(id=8, username="b", fullname="B", idnumber=None)])
    from connector.store.models import Course

    with db.transaction(factory) as s:
        upsert_rows(s, Course, [dict(id=3, shortname="C", fullname="C", idnumber=None, category_id=1, summary="",
                                     summaryformat=1, format="topics", startdate=0, enddate=0, visible=True,
                                     enablecompletion=True, timemodified=0, contacts=[], record_hash="h")])
    rows = [dict(course_id=3, user_id=7, roles=["student"], status="active", timestart=None, timeend=None,
                 lastcourseaccess=1700000000, groups=["G1"], progress=50.0),
            dict(course_id=3, user_id=8, roles=["editingteacher"], status="suspended", timestart=None, timeend=None)]
    with db.transaction(factory) as s:
        assert upsert_rows(s, Enrolment, rows, scope=Enrolment.course_id == 3)["inserted"] == 2
    with factory() as s:
        got = {e.user_id: (e.roles, e.status, e.lastcourseaccess, e.groups, e.progress)
               for e in s.scalars(select(Enrolment))}
    assert got == {7: (["student"], "active", 1700000000, ["G1"], 50.0),
                   8: (["editingteacher"], "suspended", 0, [], None)}
    with db.transaction(factory) as s:
        assert not upsert_rows(s, Enrolment, rows[:1], scope=Enrolment.course_id == 3, delete_missing=False)


def test_upsert_leaves_sql_defaults_to_an_insert(engine):
    """A column whose default is SQL (evaluated by the database on INSERT) is not written by COPY as text."""
    from sqlalchemy import Column, Integer, String, func
    from sqlalchemy.orm import DeclarativeBase

    from connector.store.upsert import upsert_rows

    class Other(DeclarativeBase):
        pass

    class Tagged(Other):
        __tablename__ = "upsert_sql_default"
        id = Column(Integer, primary_key=True)
        tag = Column(String(20), default=func.lower("ABC"))

    Other.metadata.create_all(engine)
    try:
        with db.transaction(db.sessions(engine)) as s:
            upsert_rows(s, Tagged, [dict(id=1), dict(id=2, tag="given")])
        with db.sessions(engine)() as s:
            assert dict(s.execute(select(Tagged.id, Tagged.tag)).all()) == {1: "abc", 2: "given"}
    finally:
        Other.metadata.drop_all(engine)


def test_upsert_gives_each_inserted_row_its_own_python_default_through_the_column_types(engine):
    """Defaults a row leaves out are made per row (two rows never share a generated id) and every value goes
    through its column type (dates, JSON, booleans, UUIDs read back as written), on both stores' fast inserts."""
    import uuid
    from datetime import datetime

    from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, Uuid
    from sqlalchemy.orm import DeclarativeBase

    from connector.store.upsert import upsert_rows

    class Other(DeclarativeBase):
        pass

    class Typed(Other):
        __tablename__ = "upsert_typed_defaults"
        id = Column(Integer, primary_key=True)
        token = Column(Uuid, default=uuid.uuid4)
        stamp = Column(DateTime, default=lambda: datetime(2026, 12, 4, 10, 30, 15, 123456))
        flags = Column(JSON, default=list)
        on = Column(Boolean, default=False)

    Other.metadata.create_all(engine)
    try:
        with db.transaction(db.sessions(engine)) as s:
            upsert_rows(s, Typed, [dict(id=1, on=True), dict(id=2, on=False), dict(id=3, on=False, flags=["a", "é"])])
        with db.sessions(engine)() as s:
            got = {t.id: t for t in s.scalars(select(Typed))}
        assert isinstance(got[1].token, uuid.UUID) and got[1].token != got[2].token
        assert got[1].stamp == got[2].stamp == datetime(2026, 12, 4, 10, 30, 15, 123456)
        assert (got[1].flags, got[3].flags) == ([], ["a", "é"])
        assert (got[1].on, got[2].on) == (True, False)
    finally:
        Other.metadata.drop_all(engine)


def test_upsert_writes_every_json_value_as_given_however_often_it_repeats_and_diffs_on_composite_keys(engine):
    """JSON lists repeated over many rows are converted once (a remembered text): each row still reads back its
    own value (lists past the remembered ones, dicts, nested lists, None included), on both stores' fast
    inserts; rows keyed by two columns are diffed and deleted by both."""
    from sqlalchemy import JSON, Column, Integer
    from sqlalchemy.orm import DeclarativeBase

    from connector.store.upsert import upsert_rows

    class Other(DeclarativeBase):
        pass

    class Pair(Other):
        __tablename__ = "upsert_json_pairs"
        a = Column(Integer, primary_key=True)
        b = Column(Integer, primary_key=True)
        value = Column(JSON)

    values = [["student"], ["student", "teacher"], [], None, {"k": ["v"]}, [["nested"]], ["é", "\"q\""], [1, 2]]
    rows = [dict(a=i % 7, b=i, value=values[i % len(values)]) for i in range(3000)]
    rows += [dict(a=9, b=i, value=[f"distinct {i}"]) for i in range(5000)]  # more than are remembered
    Other.metadata.create_all(engine)
    try:
        factory = db.sessions(engine)
        with db.transaction(factory) as s:
            assert upsert_rows(s, Pair, rows)["inserted"] == len(rows)
        with factory() as s:
            got = {(p.a, p.b): p.value for p in s.scalars(select(Pair))}
        assert got == {(r["a"], r["b"]): r["value"] for r in rows}
        with db.transaction(factory) as s:  # unchanged: nothing written; one changed, one gone
            assert not +upsert_rows(s, Pair, rows)  # (zero counts dropped)
            counts = upsert_rows(s, Pair, [*rows[:-2], dict(rows[-2], value=["changed"])])
        assert counts == {"updated": 1, "deleted": 1}
        with factory() as s:
            assert s.get(Pair, (9, 4998)).value == ["changed"] and s.get(Pair, (9, 4999)) is None
    finally:
        Other.metadata.drop_all(engine)


def test_head_revision_constant_is_alembics_head():
    """A new migration must move ``HEAD_REVISION`` too: a store at the old head would otherwise be taken as current."""
    assert db.HEAD_REVISION == db.head_revision()


def test_a_current_store_is_opened_without_alembic_and_an_old_one_is_migrated(engine, store_url):
    """Opening a store that is already at the head imports no Alembic (start-up of every command); one that is
    behind (or new) is still migrated by Alembic, and ``ensure_current`` still refuses an old one."""
    import subprocess
    import sys

    from connector.errors import StoreError
    from tests.conftest import checkout_env

    db.upgrade(engine, "0017")
    assert db.current_revision(engine) == "0017"
    with pytest.raises(StoreError, match=f"0017.*{db.HEAD_REVISION}"):
        db.ensure_current(engine)
    db.upgrade(engine)
    assert db.current_revision(engine) == db.HEAD_REVISION
    db.ensure_current(engine)
    probe = ("import sys; from connector.app import open_store; s = open_store(sys.argv[1]); "
             "from connector.store.db import current_revision; print(current_revision(s.engine)); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    done = subprocess.run([sys.executable, "-c", probe, store_url], capture_output=True, text=True, timeout=120,
                          env=checkout_env())
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == [db.HEAD_REVISION, "[]"]


def test_the_readmes_local_socket_url_reaches_psycopg_without_a_host():
    """``postgresql:///qualiopi`` (README: Debian's peer authentication) keeps no host, so libpq uses the socket."""
    from sqlalchemy.engine import make_url

    engine = db.make_engine("postgresql:///qualiopi")
    assert engine.dialect.driver == "psycopg"
    args = engine.dialect.create_connect_args(make_url(db.normalise_url("postgresql:///qualiopi")))[1]
    assert args.get("dbname") == "qualiopi" and not args.get("host")
    engine.dispose()


@pytest.mark.parametrize("command", ["migrate", "seed"])
def test_a_store_behind_the_code_is_migrated_under_the_run_lock_only(store_url, tmp_path, command):
    """``migrate`` (the README's upgrade step) and any command that opens a store behind the code migrate it under
    the run lock, as ``sync`` does: while a run holds it, exit 5 and the store left as it was; once free, the store
    is brought to the head. A store already there is opened without the lock (a run may hold it meanwhile)."""
    from click.testing import CliRunner

    from connector.cli import cli
    from connector.errors import EXIT_LOCKED
    from connector.store.lock import run_lock
    from tests.conftest import TOKEN

    engine = db.make_engine(store_url)
    db.upgrade(engine, "0017")
    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "https://moodle.example.fr"\ntoken = "{TOKEN}"\n'
                   f'[store]\nurl = "{store_url}"\nlock_file = "{tmp_path}/run.lock"\n')
    with run_lock(engine, tmp_path / "run.lock"):
        busy = CliRunner().invoke(cli, ["--config", str(cfg), command])
    assert busy.exit_code == EXIT_LOCKED and "lock" in busy.output
    assert db.current_revision(engine) == "0017"
    done = CliRunner().invoke(cli, ["--config", str(cfg), command])
    assert done.exit_code == 0, done.output
    assert db.current_revision(engine) == db.HEAD_REVISION
    with run_lock(engine, tmp_path / "run.lock"):  # at the head: no lock needed
        assert CliRunner().invoke(cli, ["--config", str(cfg), command]).exit_code == 0
    engine.dispose()


def test_a_database_that_is_not_there_is_the_configuration_and_a_server_that_does_not_answer_is_transient(tmp_path):
    """Real PostgreSQL: a URL naming a database that does not exist stops with one line naming [store] url, exit 2;
    a port where no server answers, exit 4 (the next run may find it up); neither as a driver's class name."""
    from click.testing import CliRunner
    from sqlalchemy.engine import make_url

    from connector.cli import cli
    from connector.errors import EXIT_CONFIG, EXIT_TRANSIENT
    from tests.conftest import PG_URL, TOKEN

    def run(store_url: str, command: str):
        cfg = tmp_path / "q.toml"
        cfg.write_text(f'[moodle]\nurl = "http://127.0.0.1:9"\ntoken = "{TOKEN}"\nretries = 1\nbackoff = 0\n'
                       f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
        return CliRunner().invoke(cli, ["--config", str(cfg), command])

    missing = make_url(PG_URL).set(database="qualiopi_no_such_database").render_as_string(hide_password=False)
    down = make_url(PG_URL).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
    for command in ("status", "sync", "migrate"):
        result = run(missing, command)
        assert result.exit_code == EXIT_CONFIG, (command, result.output)
        assert result.output.startswith("error: [store] url: ") and "does not exist" in result.output, result.output
        result = run(down, command)
        assert result.exit_code == EXIT_TRANSIENT, (command, result.output)
        assert "did not answer: try again later" in result.output and "Error:" not in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("said, code, line", [
    ("attempt to write a readonly database", 2, "[store] url: cannot use the store: attempt to write a readonly database"),
    (("connection failed: Multiple connection attempts failed. All failures were:\n- host: 'localhost', port: '5433': "
     "connection failed: Connection refused\n- host: 'localhost', hostaddr: '127.0.0.1': Connection refused"), 4,
     ("cannot use the store: connection failed: Multiple connection attempts failed. All failures were: - host: "
     "'localhost', port: '5433': connection failed: Connection refused (the database server did not answer: try "
     "again later)")),
    ("server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally", 4,
     ("cannot use the store: server closed the connection unexpectedly (the database server did not answer: try "
     "again later)")),
    ("database is locked", 1, "cannot use the store: database is locked"),
])
def test_a_driver_error_becomes_one_typed_line(said, code, line):
    """What the drivers say (shapes as psycopg and sqlite3 word them) → one line and its exit code; the rest of a
    multi-line message (details that may quote values) is not shown."""
    from sqlalchemy.exc import OperationalError

    typed = db.store_error(OperationalError("SELECT secret_value", {}, Exception(said)), "cannot use the store")
    assert (typed.exit_code, str(typed)) == (code, line)
    assert "secret_value" not in str(typed)


@pytest.mark.parametrize("url, file", [
    ("sqlite:///var/q.db", "var/q.db"), ("sqlite:////srv/q/q.db", "/srv/q/q.db"), ("sqlite://", None),
    ("sqlite:///:memory:", None), ("sqlite:///file:q.db?mode=memory&uri=true", None),
    ("postgresql://postgres@127.0.0.1:5432/test", None),
])
@pytest.mark.filterwarnings("ignore:Selection of the SingletonThreadPool")  # SQLAlchemy's, on the memory URI
def test_only_a_sqlite_store_on_disk_gets_a_file_and_a_folder(tmp_path, monkeypatch, url, file):
    assert db.sqlite_file(url) == file
    monkeypatch.chdir(tmp_path)
    if file is None:  # in memory: nothing is made where the command runs
        db.make_engine(url).dispose()
        assert list(tmp_path.iterdir()) == []


def test_a_store_url_of_an_unknown_kind_names_the_kind_and_never_the_rest(monkeypatch):
    with pytest.raises(db.ConfigError) as info:
        db.make_engine("oracle+nope://user:s3cret@host/db")
    assert str(info.value).startswith("[store] url: cannot use 'oracle+nope': ") and "s3cret" not in str(info.value)


def test_a_sqlite_store_is_locked_beside_its_file_and_one_in_memory_in_tmpdir(tmp_path, monkeypatch):
    from connector.store.lock import default_lock_path

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert default_lock_path(db.make_engine(f"sqlite:///{tmp_path}/q.db")) == tmp_path / "q.db.lock"
    assert default_lock_path(db.make_engine("sqlite://")) == tmp_path / "qualiopi-sync.lock"
    assert default_lock_path(db.make_engine("sqlite:///:memory:")) == tmp_path / "qualiopi-sync.lock"
