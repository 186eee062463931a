"""Sync of the recorded data set on SQLite and PostgreSQL, reruns, failures, deletions, the lock."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest
from sqlalchemy import func, inspect, select, text

from connector import app, errors
from connector.config import MoodleConfig, QualityConfig, Settings, StoreConfig
from connector.demo import TRAINERS_CATEGORY
from connector.moodle.replay import ReplayTransport, bundle_clock
from connector.store.lock import run_lock
from connector.store.models import (
    ActivityCompletion,
    Category,
    Course,
    CourseCompletion,
    CourseCompletionInfo,
    Enrolment,
    Feedback,
    FeedbackResponse,
    Forum,
    ForumDiscussion,
    SyncCursor,
    SyncRun,
    User,
)
from connector.store.queries import load_course_facts
from tests.conftest import NOW, TOKEN

DAY = 86400
CLOCK = bundle_clock()

BUNDLE = json.loads(resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8"))["entries"]
FILES = ReplayTransport.from_bundle().files  # the recorded (and derived) file downloads

# Ground truth of ../shared/moodle/README.md, per course shortname:
# (students incl. suspended, suspended, never accessed, inactive > 30 d, completed, in progress, not started)
# Run on the demo bundle: only C1's four first columns, the completion of student01, 08 and 12, the survey
# answers and the course list come from recorded answers (and are checked on recordings alone in
# test_ground_truth_recorded.py). The learners of C2–C8 and every other completion are *derived* answers,
# built from this same ground truth (test_ground_truth_recorded.DERIVED lists them): here they check the sync
# against the derivation, not against Moodle.
GROUND_TRUTH = {
    # not started: the README's learners less the suspended one (Moodle tracks completion of active enrolments
    # only: completion_info::is_tracked_user; its WS functions answer usernotenroled for a suspended learner)
    "BTSMCO-DRC": (15, 1, 1, 2, 5, 5, 4),  # C1: 14 suspended, 15 never, 12/13 inactive
    "BTSMCO-GOPS": (15, 0, 1, 2, 0, 0, 0),  # C2: no course criteria → no course completion
    "BTSMCO-CEJM": (10, 0, 0, 0, 0, 0, 0),  # C3: completion disabled
    "DWWM-FRONT": (15, 1, 1, 2, 4, 6, 4),  # C4: 29 suspended, 30 never, 27/28 inactive
    "DWWM-BACK": (15, 0, 1, 2, 0, 1, 14),  # C5: only student16 viewed the page
    "DWWM-PROJET": (0, 0, 0, 0, 0, 0, 0),  # C6: hidden, nobody
    "EXCEL-FOND": (13, 1, 0, 1, 6, 2, 4),  # C7: 40 suspended (and never), 39 inactive
    "EXCEL-TCD": (10, 0, 1, 1, 0, 0, 0),  # C8: completion disabled
    "QUALITE": (0, 0, 0, 0, 0, 0, 0),  # derived from the second set: the quality course, no learner
    "FORMATEURS-PEDA": (3, 0, 0, 2, 2, 0, 1),  # derived (bench/demo_trainers.py): teachers 43–45 as learners
}


def settings_for(url: str) -> Settings:
    return Settings(moodle=MoodleConfig(url="http://127.0.0.1:8080", token=TOKEN, backoff=0),
                    store=StoreConfig(url=url))


def with_trainers(settings: Settings) -> Settings:
    """The demo's trainers' training category set (22): completion dates are read in its course."""
    return settings.model_copy(update={"quality": QualityConfig(trainers_category=TRAINERS_CATEGORY)})


def dump(engine) -> dict[str, list]:
    """Every row of every Moodle-snapshot table, for exact before/after comparisons."""
    out = {}
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            if table in {"sync_run", "alembic_version"}:
                continue
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            out[table] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def transport(mutate=None, fail=None) -> ReplayTransport:
    entries = copy.deepcopy(BUNDLE)
    if mutate:
        mutate(entries)
    t = ReplayTransport(entries, FILES)
    if fail:
        original, state = t.send, {"n": 0}

        def send(url, fields, timeout):
            fn = dict(fields)["wsfunction"]
            if fn == fail[0]:
                state["n"] += 1
                if state["n"] > fail[1]:
                    raise errors.TransportError(f"connection reset during {fn}", wsfunction=fn)
            return original(url, fields, timeout)

        t.send = send
    return t


def entry(entries, wsfunction, **params):
    want = {k: str(v) for k, v in params.items()}
    return next(e for e in entries if e["wsfunction"] == wsfunction and e["params"] == want)


def set_access(entries, user_id: int, at: int, course: str = "2", site: bool = False) -> None:
    """A learner's (or teacher's) last access to a course in every recorded list of its users."""
    for e in entries:
        if e["wsfunction"] == "core_enrol_get_enrolled_users" and e["params"].get("courseid") == course \
                and isinstance(e["response"], list):
            for u in e["response"]:
                if u["id"] == user_id:
                    u["lastcourseaccess"] = at
                    if site:
                        u["lastaccess"] = at


def test_sync_matches_ground_truth(store_url, engine):
    replay = transport()
    result = app.sync(with_trainers(settings_for(store_url)), transport=replay, now=NOW)
    assert result.status == "ok", result.error
    # one course list per active learner (40 students, the three trainers); a course completion probe only for
    # the completion dates of the trainers' course (22): Sophie Martin (43) and Karim Benali (44) completed it
    asked = [dict(p) for fn, p in replay.requests if fn == "core_completion_get_course_completion_status"]
    assert asked == [{"courseid": "11", "userid": "43"}, {"courseid": "11", "userid": "44"}]
    lists = [dict(p)["userid"] for fn, p in replay.requests if fn == "core_enrol_get_users_courses"]
    assert sorted(map(int, lists)) == [*range(3, 42), 43, 44, 45]  # student40 (42): suspended where completion is on
    # activity completion: of the courses holding a positioning activity (C2, C4) only
    assert {dict(p)["courseid"] for fn, p in replay.requests
            if fn == "core_completion_get_activities_completion_status"} == {"3", "5"}
    with engine.connect() as conn:
        info = {r.course_id: r for r in conn.execute(select(CourseCompletionInfo))}
        written = sum(conn.execute(select(func.count()).select_from(t)).scalar_one()
                      for t in (ActivityCompletion, CourseCompletion, CourseCompletionInfo))
    assert (info[3].has_criteria, info[3].error) == (False, None)  # C2: no criteria, as the course lists say
    assert info[2].has_criteria is True and info[11].has_criteria is True
    assert result.rows["completion"]["inserted"] == written  # the run reports what it wrote
    with app.open_store(store_url, migrate=False).sessions() as s:
        facts = {f.shortname: f for f in load_course_facts(s, NOW)}
        assert set(facts) == set(GROUND_TRUTH)  # the site course (id 1) is skipped
        for shortname, expected in GROUND_TRUTH.items():
            f = facts[shortname]
            got = (f.students, f.suspended, f.never_accessed, f.inactive_30, f.completed, f.in_progress,
                   f.not_started)
            assert got == expected, shortname
        dates = {c.user_id: c.timecompleted for c in s.scalars(select(CourseCompletion).where(
            CourseCompletion.course_id == 11))}
        assert dates == {43: CLOCK - 90 * DAY, 44: CLOCK - 790 * DAY, 45: None}  # read where 22 needs them only
        assert s.scalars(select(CourseCompletion).where(CourseCompletion.course_id != 11,
                                                        CourseCompletion.timecompleted.is_not(None))).all() == []
        assert s.get(Course, 1) is None
        assert s.get(Course, 7).visible is False  # C6 hidden course is kept, marked hidden
        fb = {f.id: f for f in s.scalars(select(Feedback))}
        assert {i: f.anonymous for i, f in fb.items()} == {1: False, 2: True, 3: True, 4: True}
        named = s.scalars(select(FeedbackResponse.user_id).where(FeedbackResponse.feedback_id == 1)).all()
        assert sorted(named) == list(range(3, 11))  # student01–08
        anon = s.scalars(select(FeedbackResponse).where(FeedbackResponse.feedback_id != 1)).all()
        assert len(anon) == 5 + 9 + 8 and all(r.user_id is None for r in anon)
        assert s.get(Enrolment, (2, 16)).status == "suspended"  # student14 in C1
        assert s.get(User, 43).fullname == "Sophie Martin"
    assert "email" not in {c["name"] for c in inspect(engine).get_columns("moodle_user")}


def test_second_run_writes_nothing_and_calls_far_less(store_url, engine):
    first = app.sync(settings_for(store_url), transport=transport(), now=NOW)
    before = dump(engine)
    second = app.sync(settings_for(store_url), transport=transport(), now=NOW + 3600)
    assert second.status == "ok"
    assert second.rows_written == 0
    bookkeeping = {"sync_cursor", "fetch_state"}
    assert {k: v for k, v in dump(engine).items() if k not in bookkeeping} == \
        {k: v for k, v in before.items() if k not in bookkeeping}
    assert sum(second.calls.values()) * 4 < sum(first.calls.values())
    # exactly: the two lists, every course's learners, and the course lists of the 2 learners seen within
    # lookback_hours (3 enrolments); no survey, forum or contents list asked again (their courses' records did
    # not change), no answers (nobody came), no activity completion (no checkpoint learner's access moved)
    assert dict(second.calls) == {"core_course_get_categories": 1, "core_course_get_courses_by_field": 1,
                                  "core_enrol_get_enrolled_users": 20, "core_enrol_get_users_courses": 2}
    full = app.sync(settings_for(store_url), transport=transport(), full=True, now=NOW + 7200)
    assert sum(full.calls.values()) == sum(first.calls.values()) and full.rows_written == 0


def test_failure_in_one_resource_keeps_earlier_and_last_good_data(store_url, engine):
    app.sync(settings_for(store_url), transport=transport(), now=NOW)
    before = dump(engine)

    def change(entries):  # student01 gets a newer access in C1: enrolments and completion change
        set_access(entries, 3, NOW - 60, site=True)

    broken = transport(change, fail=("core_enrol_get_users_courses", 0))
    result = app.sync(settings_for(store_url), transport=broken, now=NOW + 3600)
    assert result.status == "failed" and isinstance(result.error, errors.TransportError)
    after = dump(engine)
    assert after["enrolment"] != before["enrolment"]  # the enrolments resource committed
    for table in ("activity_completion", "course_completion", "course_completion_info", "feedback",
                  "feedback_response", "feedback_value", "section", "module", "course"):
        assert after[table] == before[table], table
    with app.open_store(store_url, migrate=False).sessions() as s:
        run = s.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
        assert run.status == "failed" and "connection reset" in run.error
        cur = s.get(SyncCursor, "completion")
        assert cur.value == NOW  # the failed resource's cursor did not move
    recovered = app.sync(settings_for(store_url), transport=transport(change), now=NOW + 7200)
    assert recovered.status == "ok" and recovered.calls["core_enrol_get_users_courses"] >= 1


def test_deleted_course_and_enrolment_are_marked(store_url, engine):
    app.sync(settings_for(store_url), transport=transport(), now=NOW)

    def remove(entries):
        courses = entry(entries, "core_course_get_courses_by_field")["response"]["courses"]
        courses[:] = [c for c in courses if c["id"] != 9]  # C8 deleted in Moodle
        for e in entries:  # student02 (id 4) unenrolled from C1
            if e["wsfunction"] == "core_enrol_get_enrolled_users" and e["params"].get("courseid") == "2" \
                    and isinstance(e["response"], list):
                e["response"][:] = [u for u in e["response"] if u["id"] != 4]

    result = app.sync(settings_for(store_url), transport=transport(remove), now=NOW + 3600)
    assert result.status == "ok"
    assert result.rows["courses"]["deleted"] == 1 and result.rows["enrolments"]["deleted"] >= 1
    with app.open_store(store_url, migrate=False).sessions() as s:
        assert s.get(Course, 9).deleted_at == NOW + 3600
        assert s.get(Enrolment, (2, 4)).deleted_at == NOW + 3600
        assert s.get(Enrolment, (3, 4)).deleted_at is None
        assert "EXCEL-TCD" not in {f.shortname for f in load_course_facts(s, NOW)}
    bookkeeping = {"sync_cursor", "fetch_state"}

    def data():
        return {k: v for k, v in dump(engine).items() if k not in bookkeeping}

    before = data()
    still = app.sync(settings_for(store_url), transport=transport(remove), now=NOW + 5400)  # still gone
    assert still.status == "ok" and still.rows_written == 0
    assert all(c["deleted"] == 0 for c in still.rows.values())
    assert data() == before  # not deleted again: deleted_at stays at the first run's time
    again = app.sync(settings_for(store_url), transport=transport(), now=NOW + 7200)  # C8 comes back
    assert again.rows["courses"]["updated"] >= 1
    with app.open_store(store_url, migrate=False).sessions() as s:
        assert s.get(Course, 9).deleted_at is None
        assert s.get(Enrolment, (2, 4)).deleted_at is None  # re-enrolled: live again
    before = data()
    assert app.sync(settings_for(store_url), transport=transport(), now=NOW + 9000).rows_written == 0
    assert data() == before


def test_second_run_is_refused_while_the_lock_is_held(store_url, tmp_path):
    store = app.open_store(store_url)
    with run_lock(store.engine), pytest.raises(errors.LockedError) as info:
        app.sync(settings_for(store_url), transport=transport(), now=NOW)
    assert info.value.exit_code == errors.EXIT_LOCKED
    assert app.sync(settings_for(store_url), transport=transport(), now=NOW).status == "ok"  # released


def test_forums_and_discussions_of_the_complaints_forum(store_url):
    """Recorded forums of C1/C4; discussions are read only for forums matching the complaints pattern."""
    first = app.sync(settings_for(store_url), transport=transport(), now=NOW)
    assert first.calls["mod_forum_get_forums_by_courses"] == 1
    assert "mod_forum_get_forum_discussions" not in first.calls  # no forum is named like a complaints forum
    settings = settings_for(store_url).model_copy(update={"thresholds": {"complaints_pattern": "échanges"}})
    second = app.sync(settings, transport=transport(), full=True, now=NOW + 60)
    assert second.calls["mod_forum_get_forum_discussions"] == 1  # "Forum d'échanges entre alternants" only
    with app.open_store(store_url, migrate=False).sessions() as s:
        forums = {f.id: (f.course_id, f.type, f.name) for f in s.scalars(select(Forum))}
        assert forums == {1: (2, "general", "Forum d'échanges entre alternants"), 2: (5, "general",
                          "Questions techniques"), 3: (2, "news", "Announcements"), 4: (5, "news", "Announcements")}
        d = s.get(ForumDiscussion, 1)
        assert (d.forum_id, d.user_id, d.usermodified, d.numreplies) == (1, 4, 7, 2)
        assert d.name == "Mon premier mois en magasin"
        # who replied when (derived posts answer): the replies only, oldest first, no text
        assert d.posts == [[3, d.created + 86400], [7, d.timemodified]]
    assert second.calls["mod_forum_get_discussion_posts"] == 1
    third = app.sync(settings, transport=transport(), now=NOW + 120)  # nothing moved: not read again
    assert "mod_forum_get_discussion_posts" not in third.calls


def test_a_sync_that_loses_its_postgresql_lock_midway_stops_writes_nothing_more_and_ends_failed():
    """The lock's backend is terminated while the completion resource is fetching (what an idle-session
    timeout or a network cut does): that resource and the ones after it write nothing, the run ends as
    failed with the lock-lost error (exit 5), never left "running"."""
    from connector.store.db import make_engine
    from tests.conftest import PG_SCHEMA, PG_URL

    schema = f"{PG_SCHEMA}_synclost"
    base = make_engine(PG_URL)
    with base.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    import threading

    t = transport()
    original, killed, once = t.send, [], threading.Lock()

    def send(url_, fields, timeout):
        # calls run on several threads: only the first one to get here terminates the lock's backend
        if dict(fields)["wsfunction"] == "core_completion_get_activities_completion_status" and once.acquire(False):
            with base.begin() as conn:  # each backend once (pg_locks may list one backend's lock twice)
                killed.extend(conn.execute(text(
                    "SELECT pid, pg_terminate_backend(pid) FROM (SELECT DISTINCT pid FROM pg_locks WHERE "
                    "locktype = 'advisory' AND granted AND classid = 1366647148 AND pid <> pg_backend_pid() AND "
                    f"objid = hashtext(current_database() || '.{schema}')::oid) AS holders")).all())
        return original(url_, fields, timeout)

    t.send = send
    try:
        result = app.sync(settings_for(url), transport=t, now=NOW)
        assert [ok for _, ok in killed] == [True], killed  # one backend held the run's lock, and it is gone
        assert result.status == "failed" and isinstance(result.error, errors.LockLostError)
        assert result.error.exit_code == errors.EXIT_LOCK_LOST  # not « busy » (5): a failure to look at
        store = app.open_store(url, migrate=False)
        with store.sessions() as s:
            run = s.scalars(select(SyncRun)).one()
            assert run.status == "failed" and run.finished_at is not None and "lost its lock" in run.error
            assert s.scalars(select(Course)).first() is not None  # written before the lock was lost
            for model in (ActivityCompletion, CourseCompletion, Feedback):  # the lost run's and the later ones
                assert s.scalars(select(model)).first() is None, model.__tablename__
            assert s.get(SyncCursor, "completion") is None
        store.engine.dispose()
    finally:
        with base.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        base.dispose()


def test_activities_removed_in_moodle_leave_the_store_and_only_they(store_url, engine):
    """Modules have no deleted_at: they are deleted for good, all of them, whatever their position (the mutation
    run left alive a batch loop that skipped the first row to delete)."""
    from connector.store.models import Module

    app.sync(settings_for(store_url), transport=transport(), now=NOW)
    with app.open_store(store_url, migrate=False).sessions() as s:
        before = set(s.scalars(select(Module.id).where(Module.course_id == 5)))
    contents = entry(BUNDLE, "core_course_get_contents", courseid=5)["response"]
    removed = {m["id"] for sec in contents for m in sec["modules"]}
    removed = set(sorted(removed)[:3])  # the first three activities of DWWM-FRONT, the lowest ids first

    def drop(entries):
        for sec in entry(entries, "core_course_get_contents", courseid=5)["response"]:
            sec["modules"] = [m for m in sec["modules"] if m["id"] not in removed]

    result = app.sync(settings_for(store_url), transport=transport(drop), full=True, now=NOW + 3600)
    assert result.status == "ok" and result.rows["contents"]["deleted"] >= len(removed)
    with app.open_store(store_url, migrate=False).sessions() as s:
        after = set(s.scalars(select(Module.id).where(Module.course_id == 5)))
    assert len(removed) == 3 and removed <= before and after == before - removed


def test_idnumbers_and_visibility_are_kept_where_moodle_gives_them(store_url):
    """Moodle 4.5 gives the sync user no category idnumber or visibility and no course idnumber (recorded);
    a role that sees them (or a later Moodle) gets them stored, an empty idnumber as none."""
    def reveal(entries):
        cats = entry(entries, "core_course_get_categories")["response"]
        for c in cats:
            c["idnumber"], c["visible"] = {2: ("PROG-BTS-MCO", 1), 4: ("", 0)}.get(c["id"], ("", 1))
        for c in entry(entries, "core_course_get_courses_by_field")["response"]["courses"]:
            c["idnumber"] = "BTS-DRC" if c["id"] == 2 else ""

    assert app.sync(settings_for(store_url), transport=transport(reveal), now=NOW).status == "ok"
    with app.open_store(store_url, migrate=False).sessions() as s:
        cats = {c.id: c for c in s.scalars(select(Category))}
        assert (cats[2].idnumber, cats[2].visible) == ("PROG-BTS-MCO", True)
        assert (cats[4].idnumber, cats[4].visible) == (None, False) and cats[3].visible
        assert s.get(Course, 2).idnumber == "BTS-DRC" and s.get(Course, 3).idnumber is None


@pytest.mark.parametrize("answer", [[], {"courses": "oops"}, {"warnings": []}])
def test_a_course_list_of_the_wrong_shape_is_a_typed_error_and_keeps_the_store(store_url, engine, answer):
    assert app.sync(settings_for(store_url), transport=transport(), now=NOW).status == "ok"
    before = dump(engine)

    def broken(entries):
        entry(entries, "core_course_get_courses_by_field")["response"] = answer

    result = app.sync(settings_for(store_url), transport=transport(broken), now=NOW + 3600)
    assert result.status == "failed" and isinstance(result.error, errors.UnexpectedPayloadError)
    assert "core_course_get_courses_by_field" in str(result.error)
    bookkeeping = {"sync_cursor", "fetch_state"}
    assert {k: v for k, v in dump(engine).items() if k not in bookkeeping} == \
        {k: v for k, v in before.items() if k not in bookkeeping}


@pytest.mark.parametrize(("before_cursor", "asked"), [(86400, True), (86401, False)])
def test_a_learner_seen_within_lookback_of_the_last_run_is_read_again_one_second_older_is_not(
        store_url, before_cursor, asked):
    """Completion is read again for learners whose access moved, and for those seen within lookback_hours
    (24 h) before the previous run, even when their access did not move (a completion recorded later)."""
    first_run = NOW

    def seen(entries):  # student05 (id 7) last came to C1 exactly `before_cursor` seconds before the first run
        set_access(entries, 7, first_run - before_cursor)

    assert app.sync(settings_for(store_url), transport=transport(seen), now=first_run).status == "ok"
    again = transport(seen)
    assert app.sync(settings_for(store_url), transport=again, now=first_run + 3600).status == "ok"
    read = {dict(params).get("userid") for fn, params in again.requests if fn == "core_enrol_get_users_courses"}
    assert ("7" in read) is asked


def _completion_answer(fixture: str, course: str, user: str | None = None):
    from tests.conftest import load_fixture

    body = load_fixture(fixture)["response"]

    def change(entries):
        for e in entries:
            if e["wsfunction"] == "core_completion_get_course_completion_status" and e["params"]["courseid"] == course \
                    and (user is None or e["params"]["userid"] == user):
                e["response"] = body
    return change


def _course_lists(change):
    """Every learner's course list changed by ``change(course)``, each course as Moodle answers it."""
    def mutate(entries):
        for e in entries:
            if e["wsfunction"] == "core_enrol_get_users_courses":
                e["response"] = [c for c in e["response"] if change(c) is not False]
    return mutate


def _blind(course: dict) -> None:
    """What Moodle answers where the sync user may not view completion (completion_can_view_data false)."""
    if course["id"] == 2:
        course.update(completed=None, progress=None, completionhascriteria=False, completionusertracked=False)


def test_without_report_completion_view_the_sync_stops_instead_of_losing_every_completion(store_url, engine):
    """Without report/completion:view Moodle's course lists give no completion (null) and the probe answers
    cannotviewreport (recorded: the C3 answer, completion on in C1): a missing capability, not a fact about
    the course. The run fails naming it; what earlier resources wrote stays."""
    refused = _completion_answer("core_completion_get_course_completion_status__C3_completion_disabled.json", "2")

    def mutate(entries):
        refused(entries)
        _course_lists(_blind)(entries)

    result = app.sync(settings_for(store_url), transport=transport(mutate), now=NOW)
    assert result.status == "failed" and isinstance(result.error, errors.AccessDeniedError)
    assert "report/completion:view" in str(result.error)
    with app.open_store(store_url, migrate=False).sessions() as s:
        assert s.scalars(select(CourseCompletion)).all() == [] and s.get(Enrolment, (2, 3)) is not None


def test_a_learner_unenrolled_between_the_two_reads_is_no_failure(store_url, engine):
    """Recorded usernotenroled (student05 left C1 after the enrolments were read): no completion for them."""
    left = _completion_answer("core_completion_get_course_completion_status__C1_not_enrolled_user.json", "2", "7")

    def mutate(entries):  # student05's course list, read after the enrolments, no longer holds C1
        left(entries)
        entry(entries, "core_enrol_get_users_courses", userid=7, returnusercount=0)["response"][:] = [
            c for c in entry(entries, "core_enrol_get_users_courses", userid=7, returnusercount=0)["response"]
            if c["id"] != 2]

    replay = transport(mutate)
    result = app.sync(settings_for(store_url), transport=replay, now=NOW)
    assert result.status == "ok", result.error
    with app.open_store(store_url, migrate=False).sessions() as s:
        done = {c.user_id for c in s.scalars(select(CourseCompletion).where(CourseCompletion.course_id == 2))}
    assert 7 not in done and {3, 4, 5, 6} <= done
    assert ("core_completion_get_course_completion_status", (("courseid", "2"), ("userid", "7"))) in replay.requests
    again = transport(mutate)  # their course list is read again next run (last seen six days ago: not by lookback)
    assert app.sync(settings_for(store_url), transport=again, now=NOW + 3600).status == "ok"
    assert {dict(p)["userid"] for fn, p in again.requests if fn == "core_enrol_get_users_courses"} >= {"7"}
    assert "8" not in {dict(p)["userid"] for fn, p in again.requests if fn == "core_enrol_get_users_courses"}


def test_complaints_forum_discussions_are_read_again_only_when_their_course_was_accessed(store_url):
    """C1's general forum taken as the complaints channel: its discussions are read again when somebody
    accessed C1 since (posting means accessing), from the stored forum list when C1's record did not change;
    a discussion's posts only when its last post moved."""
    settings = settings_for(store_url).model_copy(update={"thresholds": {"complaints_pattern": "échanges"}})

    def calls(replay, fn):
        return [dict(p) for f, p in replay.requests if f == fn]

    def accessed(entries, at=NOW + 1000):  # student01 came back to C1
        set_access(entries, 3, at, site=True)

    def replied(entries):  # came again, and a reply moved the discussion
        accessed(entries, NOW + 1700)
        entry(entries, "mod_forum_get_forum_discussions", forumid=1)["response"]["discussions"][0]["timemodified"] += 5

    first = transport()
    assert app.sync(settings, transport=first, now=NOW).status == "ok"
    assert calls(first, "mod_forum_get_forum_discussions") == [{"forumid": "1"}]
    assert len(calls(first, "mod_forum_get_discussion_posts")) == 1
    same = transport()
    assert app.sync(settings, transport=same, now=NOW + 600).status == "ok"
    assert calls(same, "mod_forum_get_forum_discussions") == []  # nobody came: not asked
    came = transport(accessed)
    assert app.sync(settings, transport=came, now=NOW + 1200).status == "ok"
    assert calls(came, "mod_forum_get_forums_by_courses") == []  # the list, from the store
    assert calls(came, "mod_forum_get_forum_discussions") == [{"forumid": "1"}]
    assert calls(came, "mod_forum_get_discussion_posts") == []  # the discussion did not move
    with app.open_store(settings.store.url, migrate=False).sessions() as s:
        assert len(s.get(ForumDiscussion, 1).posts) == 2  # the stored replies are kept
    moved = transport(replied)
    assert app.sync(settings, transport=moved, now=NOW + 1800).status == "ok"
    assert len(calls(moved, "mod_forum_get_discussion_posts")) == 1


def test_a_learner_file_says_when_a_completion_date_is_not_known(store_url):
    """Without the report, a course completed outside the trainers' category has no date: the learner's
    file (dossier sample) shows the completion undated and says why; the trainers' course keeps its date."""
    from connector.store.learners import load_learner_file

    assert app.sync(with_trainers(settings_for(store_url)), transport=transport(), now=NOW).status == "ok"
    with app.open_store(store_url, migrate=False).sessions() as s:
        student01 = load_learner_file(s, 3, [2])
        trainer = load_learner_file(s, 43, [11])
    assert [(e.time, e.course) for e in student01.events if e.what == "Cours achevé"] == [(None, "BTSMCO-DRC")]
    assert "BTSMCO-DRC : date d’achèvement du cours non disponible via Moodle sans le rapport des participants." \
        in student01.not_available
    assert [e.time for e in trainer.events if e.what == "Cours achevé"] == [CLOCK - 90 * DAY]
    assert not any("achèvement" in line for line in trainer.not_available)


def test_a_full_rerun_with_the_trainers_course_writes_nothing(store_url):
    """Whether a course has criteria is told by course lists and by the trainers' dated probes alike: the same
    row whichever told it, so a rerun on unchanged data writes nothing."""
    settings = with_trainers(settings_for(store_url))
    assert app.sync(settings, transport=transport(), now=NOW).status == "ok"
    again = app.sync(settings, transport=transport(), full=True, now=NOW + 3600)
    assert again.status == "ok" and again.rows_written == 0
    assert again.calls["core_completion_get_course_completion_status"] == 2  # 43 and 44's dates, again


def test_activity_completion_is_kept_in_checkpoint_and_positioning_courses_only(store_url):
    """A store written when every learner's activity completion was read (C1 has neither checkpoint nor
    positioning activity) keeps none of it after the next run; C2's positioning quiz keeps its own."""
    assert app.sync(settings_for(store_url), transport=transport(), now=NOW).status == "ok"
    with app.open_store(store_url, migrate=False).sessions.begin() as s:
        s.add(ActivityCompletion(course_id=2, user_id=3, cmid=5, state=1, timecompleted=NOW - DAY, tracking=1))
    again = app.sync(settings_for(store_url), transport=transport(), now=NOW + 3600)
    assert again.status == "ok" and again.rows["completion"]["deleted"] == 1
    with app.open_store(store_url, migrate=False).sessions() as s:
        assert set(s.scalars(select(ActivityCompletion.course_id).distinct())) == {3, 5}
