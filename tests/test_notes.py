"""Follow-up traces (12): course and site notes read from Moodle as recorded (second recording set, its own
world), incrementally, with the learner's notes kept as plain text."""

from __future__ import annotations

from sqlalchemy import delete, select

from connector import app
from connector.moodle import MoodleClient
from connector.moodle import models as m
from connector.store.evidence import load_courses
from connector.store.models import Course, CourseNote, Enrolment, FetchState
from connector.sync.context import SyncContext
from connector.sync.resources.notes import plain, sync_notes
from tests.conftest import NOW, load_fixture
from tests.test_sync import entry, set_access, settings_for, transport


def test_the_recorded_notes_parse_field_by_field():
    d = load_fixture("core_notes_get_course_notes__BTSMCO-DRC.json")["response"]
    notes = m.parse_course_notes(d)
    assert [(n.id, n.userid, n.usermodified, n.publishstate) for n in notes.shared] == \
        [(x["id"], x["userid"], x["usermodified"], x["publishstate"]) for x in d["sitenotes"] + d["coursenotes"]]
    assert [n.id for n in notes.shared] == [2, 3, 1] and notes.personalnotes == []  # the draft (4) is not returned
    relance = next(n for n in notes.shared if n.id == 1)
    assert (relance.created, relance.lastmodified) == (1796018119, 1796018119)
    assert plain(relance.content).startswith("Relance téléphonique le 30/11/2026")
    assert "l'entreprise d'accueil" in plain(relance.content) and "&#039;" not in plain(relance.content)
    assert plain("<p>Appel&nbsp;<b>fait</b></p>") == "Appel fait"


def test_notes_are_synced_once_then_only_when_a_staff_member_accessed_the_course(store_url):
    first = app.sync(settings_for(store_url), transport=transport(), now=NOW)
    assert first.status == "ok" and first.calls["core_notes_get_course_notes"] >= 1
    with app.open_store(store_url, migrate=False).sessions() as s:
        rows = {(n.id, n.course_id): n for n in s.scalars(select(CourseNote))}
    assert set(rows) == {(1, 2), (2, 2), (3, 2)}  # the demo's derived notes of C1 (course 2)
    assert rows[(2, 2)].state == "site" and rows[(1, 2)].state == "course"
    assert "l'entreprise d'accueil" in rows[(1, 2)].content
    second = app.sync(settings_for(store_url), transport=transport(), now=NOW + 3600)
    assert "core_notes_get_course_notes" not in second.calls and second.rows["notes"] == \
        {"inserted": 0, "updated": 0, "deleted": 0}

    def came_in(user_id):
        def mutate(entries):
            set_access(entries, user_id, NOW + 3000)
            notes = entry(entries, "core_notes_get_course_notes", courseid=2)["response"]
            notes["coursenotes"] = [n for n in notes["coursenotes"] if n["id"] != 3]  # one deleted in Moodle
        return mutate

    # a learner opening C1 writes no note: not read again
    third = app.sync(settings_for(store_url), transport=transport(came_in(3)), now=NOW + 7200)
    assert third.status == "ok" and "core_notes_get_course_notes" not in third.calls
    with app.open_store(store_url, migrate=False).sessions() as s:  # the access itself was synced
        assert s.get(Enrolment, (2, 3)).lastcourseaccess == NOW + 3000
    # a teacher came into C1 (to write a note): its notes are read again
    fourth = app.sync(settings_for(store_url), transport=transport(came_in(43)), now=NOW + 10800)
    assert fourth.calls["core_notes_get_course_notes"] == 1 and fourth.rows["notes"]["deleted"] == 1
    fifth = app.sync(settings_for(store_url), transport=transport(came_in(43)), now=NOW + 14400)
    assert "core_notes_get_course_notes" not in fifth.calls


def test_notes_disabled_on_the_site_is_no_failure_and_stores_nothing(store_url):
    def disabled(entries):
        for e in entries:
            if e["wsfunction"] == "core_notes_get_course_notes":
                e["response"] = {"exception": "moodle_exception", "errorcode": "notesdisabled",
                                 "message": "Notes are disabled."}

    result = app.sync(settings_for(store_url), transport=transport(disabled), now=NOW)
    assert result.status == "ok", result.error
    store = app.open_store(store_url, migrate=False)
    with store.sessions() as s:
        assert s.scalars(select(CourseNote)).all() == []
        # not "read, none found": indicator 12 says the notes could not be read
        assert all(c.notes is None for c in load_courses(s, [2, 3, 4]))
    again = app.sync(settings_for(store_url), transport=transport(disabled), now=NOW + 3600)
    assert "core_notes_get_course_notes" not in again.calls  # no access since: not asked again


def test_notes_are_read_in_courses_running_or_ending_right_now_not_in_ended_ones(store_url):
    """A course ending exactly now still runs; one second earlier it has ended and its notes are not asked."""
    assert app.sync(settings_for(store_url), transport=transport(), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    for enddate, asked in ((0, True), (NOW, True), (NOW - 1, False)):
        with store.sessions.begin() as s:
            s.get(Course, 2).enddate = enddate
            s.execute(delete(FetchState).where(FetchState.resource == "notes"))  # never read: asked if running
        replay = transport()
        ctx = SyncContext(client=MoodleClient("http://127.0.0.1:8080", "t", transport=replay, backoff=0),
                          sessions=store.sessions, now=NOW, course_ids=frozenset({2}))
        sync_notes(ctx, 1)
        got = [dict(p) for fn, p in replay.requests if fn == "core_notes_get_course_notes"]
        assert (got == [{"courseid": "2"}]) is asked, (enddate, got)
    store.engine.dispose()
