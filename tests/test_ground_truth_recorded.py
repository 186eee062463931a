"""The first data set's ground truth (../shared/moodle/README.md), checked on recorded answers only.

``test_sync.py`` and ``test_evaluation.py`` check the same ground truth on the demo bundle, where most
answers are *derived* from that very ground truth (built by ``bench/demo_bundle.py`` in the recorded
shapes): there a bug in the derivation and the same bug in the sync could agree. Here the transport holds
nothing but the first set's recorded answers to the sync user's token (no derived answer at all), the real
sync resources run on them, and each fact is read back from the store.

Facts checked here on recorded answers:
- the course list: eight courses, the hidden C6, completion on or off, the custom fields;
- C1 (course 2): its contents, its learners (15, student14 suspended, student15 never came, student12 and
  student13 inactive for more than 30 days), groups and teachers;
- C1's completion: student15's recorded course list (not started), and the course and activity completion
  of the three learners whose answers were recorded: student01 complete, student08 in progress, student12 not
  started;
- the surveys of C1, C2, C4 and C7 (named or anonymous, who answered, how many) and C1's non-respondents;
- the forums of C1 and C4.

Facts with no recording, checked only on derived answers (``test_sync.py``, ``test_evaluation.py``): the
learners of C2–C8 and the completion of everyone but those three (``DERIVED`` below, kept equal to the
bundle's own marks by a test). One thing is given to the store by hand, from ``dataset.json``: the survey
and forum modules of C2, C4 and C7, whose course contents were not recorded (the survey and forum
resources only ask about courses holding such a module).
"""

from __future__ import annotations

import json
from importlib import resources

import pytest
from sqlalchemy import delete, select

from connector import app
from connector.moodle import MoodleClient
from connector.moodle.replay import ReplayTransport
from connector.store.db import transaction
from connector.store.models import (
    ActivityCompletion,
    Course,
    CourseCompletion,
    CourseCompletionInfo,
    CourseCustomField,
    Enrolment,
    Feedback,
    FeedbackNonRespondent,
    FeedbackResponse,
    Forum,
    Module,
    Section,
    User,
)
from connector.store.queries import load_course_facts
from connector.sync.context import SyncContext
from connector.sync.engine import run_sync
from connector.sync.resources.completion import course_completion_row, probe_criteria, sync_checkpoints
from tests.conftest import NOW, SHARED, TOKEN, all_fixtures, set2_fixtures

DATASET = json.loads((SHARED / "moodle" / "dataset.json").read_text("utf-8"))
GENERATED = DATASET["generated_at"]  # the recording's clock
DAY = 86400
C1, C2, C3, C4, C5, C6, C7, C8 = (DATASET["courses"][f"C{n}"]["id"] for n in range(1, 9))


def student(n: int) -> int:
    return n + 2  # README: studentNN has user id NN + 2


# Answers the bundle derives for the sync's own calls, by (function, course): what is checked on derived
# data only. C6's unfiltered learner list is recorded, its onlyactive list is not.
DERIVED = {
    "core_enrol_get_enrolled_users": {C2, C3, C4, C5, C6, C7, C8},
    "core_course_get_contents": {C2, C4, C5, C6, C7},
}


def recorded_answers() -> list[dict]:
    """The first set's REST answers to the sync user, exactly as recorded."""
    out = []
    for path in all_fixtures():
        d = json.loads(path.read_text("utf-8"))
        if d.get("token_user") == "qualiopisync" and d.get("endpoint") == "/webservice/rest/server.php" \
                and d.get("http_method") == "POST" and "response_raw" not in d:
            out.append(d)
    return out


@pytest.fixture
def store(store_url):
    s = app.open_store(store_url)
    app.seed(s)
    yield s
    s.engine.dispose()


def run(store, only: list[str], courses: set[int] | None = None, now: int = NOW):
    client = MoodleClient("http://127.0.0.1:8080", TOKEN, transport=ReplayTransport(recorded_answers()), backoff=0)
    ctx = SyncContext(client=client, sessions=store.sessions, now=now, course_ids=frozenset(courses or ()))
    result = run_sync(ctx, only)
    assert result.status == "ok", result.error
    return result


def catalog(store) -> None:
    """Categories and every course (recorded list), contents of the courses whose contents were recorded."""
    run(store, ["categories", "courses"])
    run(store, ["contents"], {C1, C3, C8})


def test_the_recorded_course_list_and_contents_give_the_data_set(store):
    catalog(store)
    with store.sessions() as s:
        courses = {c.id: c for c in s.scalars(select(Course))}
        assert set(courses) == {C1, C2, C3, C4, C5, C6, C7, C8}  # the site course (id 1) is skipped
        assert [i for i, c in courses.items() if not c.visible] == [C6]
        assert {i for i, c in courses.items() if c.enablecompletion} == {C1, C2, C4, C5, C7}
        fields = {(f.course_id, f.shortname): f.value for f in s.scalars(select(CourseCustomField))}
        assert fields[(C1, "rncp")] == "RNCP38362" and fields[(C4, "rncp")] == "RNCP37674"
        assert fields[(C1, "programme_code")] == "BTS-MCO-2025" and fields[(C7, "programme_code")] == "EXCEL-01"
        assert fields.get((C7, "rncp")) in (None, "")  # README: C7's rncp is empty
        mods = {m.id: m for m in s.scalars(select(Module))}
        by_course = {c: sorted(m.modname for m in mods.values() if m.course_id == c) for c in (C1, C3, C8)}
        # C1: label, 2 pages, resource, url, general forum, quiz, assign, feedback, news forum
        assert by_course[C1] == ["assign", "feedback", "forum", "forum", "label", "page", "page", "quiz",
                                 "resource", "url"]
        assert by_course[C3] == [] and by_course[C8] == ["url"]
        cm = DATASET["modules"]["C1"]
        assert {k: mods[v["cmid"]].modname for k, v in cm.items()} == \
            {k: k.rstrip("2") for k in cm}  # each recorded module is the dataset's cmid of its kind
        sections = s.scalars(select(Section).where(Section.course_id == C1)).all()
        assert len(sections) == 7 and all(sec.visible for sec in sections)
        # what the modules hold: a page's index.html is no document; the resource's file and the URL's target are
        assert mods[cm["page"]["cmid"]].files == [] and mods[cm["page2"]["cmid"]].files == []
        assert [f["name"] for f in mods[cm["resource"]["cmid"]].files] == ["veille_commerciale.txt"]
        assert mods[cm["url"]["cmid"]].target and mods[cm["url"]["cmid"]].target.startswith("http")
        assert mods[cm["resource"]["cmid"]].content_time == 1795502319


def test_c1_learners_from_the_recorded_lists_match_the_ground_truth(store):
    catalog(store)
    run(store, ["enrolments"], {C1})
    with store.sessions() as s:
        facts = {f.id: f for f in load_course_facts(s, GENERATED)}[C1]
        assert (facts.students, facts.suspended, facts.never_accessed, facts.inactive_30) == (15, 1, 1, 2)
        enrol = {e.user_id: e for e in s.scalars(select(Enrolment).where(Enrolment.course_id == C1))}
    learners = {u for u, e in enrol.items() if "student" in e.roles}
    assert learners == {student(n) for n in range(1, 16)}
    assert [u for u in learners if enrol[u].status == "suspended"] == [student(14)]
    assert [u for u in learners if enrol[u].lastcourseaccess == 0] == [student(15)]
    idle = {u for u in learners if 0 < enrol[u].lastcourseaccess < GENERATED - 30 * DAY}
    assert idle == {student(12), student(13)}
    assert all(GENERATED - 10 * DAY < enrol[u].lastcourseaccess for u in learners - idle - {student(15)})
    # groups A (01–08 + tutor1) and B (09–15); teacher1 edits, tutor1 is a non-editing teacher
    group_a = {u for u, e in enrol.items() if "Groupe A" in " ".join(e.groups)}
    assert group_a == {student(n) for n in range(1, 9)} | {47}
    assert {u for u, e in enrol.items() if "Groupe B" in " ".join(e.groups)} == {student(n) for n in range(9, 16)}
    assert enrol[43].roles == ["editingteacher"] and enrol[47].roles == ["teacher"]
    with store.sessions() as s:  # how contracts and results name a learner: username and idnumber
        people = {u.id: (u.username, u.idnumber) for u in s.scalars(select(User))}
    assert all(people[student(n)] == (f"student{n:02d}", f"STU{n:03d}") for n in range(1, 16))


def test_c1_completion_from_a_recorded_course_list_matches_the_ground_truth(store):
    """Without the report, completion comes from each learner's course list. Only student15's was recorded as
    the sync asks for it (returnusercount=0): the store keeps C1's other learners out of this run."""
    catalog(store)
    run(store, ["enrolments"], {C1})
    with store.sessions.begin() as s:
        s.execute(delete(Enrolment).where(Enrolment.course_id == C1,
                                          Enrolment.user_id.notin_({student(15), 43, 47})))
    run(store, ["completion"], {C1})
    with store.sessions() as s:
        done = {c.user_id: c for c in s.scalars(select(CourseCompletion))}
        info = s.get(CourseCompletionInfo, C1)
        progress = s.get(Enrolment, (C1, student(15))).progress
        facts = {f.id: f for f in load_course_facts(s, GENERATED)}[C1]
    assert set(done) == {student(15)} and done[student(15)].completed is False
    assert done[student(15)].timecompleted is None and progress == 0  # never came: nothing done
    assert info.has_criteria is True  # README: C1 has course criteria
    assert (facts.completed, facts.in_progress, facts.not_started) == (0, 0, 1)


def test_c1_course_and_activity_completion_of_the_three_recorded_learners(store):
    """Where a course list does not decide, course completion is probed per enrolment; activity completion is
    read in checkpoint and positioning courses. Both on the recorded answers of student01, 08 and 12, C1 taken
    as a checkpoint course (its quiz's name as the pattern)."""
    catalog(store)
    run(store, ["enrolments"], {C1})
    kept = {student(1), student(8), student(12)}
    with store.sessions.begin() as s:
        s.execute(delete(Enrolment).where(Enrolment.course_id == C1, Enrolment.user_id.notin_(kept | {43, 47})))
        cm = {k: v["cmid"] for k, v in DATASET["modules"]["C1"].items()}
        quiz = s.get(Module, cm["quiz"]).name
    client = MoodleClient("http://127.0.0.1:8080", TOKEN, transport=ReplayTransport(recorded_answers()), backoff=0)
    ctx = SyncContext(client=client, sessions=store.sessions, now=NOW, checkpoint_pattern=quiz)
    done = {u: course_completion_row(C1, u, probe_criteria(ctx, C1, u)) for u in kept}
    assert done[student(1)]["completed"] and abs(done[student(1)]["timecompleted"] - (GENERATED - 14 * DAY)) < DAY
    assert not done[student(8)]["completed"] and 0 < done[student(8)]["criteria_done"] < done[student(8)]["criteria_total"]
    assert done[student(8)]["timecompleted"] is None  # criteria done, the course not: no completion time
    assert not done[student(12)]["completed"] and done[student(12)]["criteria_done"] == 0
    assert done[student(1)]["criteria_total"] == 4  # course criteria: page + quiz + assign + feedback
    with transaction(store.sessions) as s:
        sync_checkpoints(ctx, s, [C1])
    with store.sessions() as s:
        acts = {(a.user_id, a.cmid): a.state for a in s.scalars(select(ActivityCompletion))}
    assert {u for u, _ in acts} == kept
    # student08: page, resource and the survey done; quiz and url not (README: 06–07 also quiz + url)
    assert [k for k in ("page", "resource", "feedback") if acts[(student(8), cm[k])] == 0] == []
    assert acts[(student(8), cm["quiz"])] == 0 and acts[(student(8), cm["url"])] == 0
    assert not any(state for (u, _), state in acts.items() if u == student(12))
    assert all(acts[(student(1), cm[k])] for k in ("page", "quiz", "assign", "feedback"))


def _given_modules(store, kinds: tuple[str, ...], courses: tuple[str, ...]) -> None:
    """The survey/forum modules of courses whose contents were not recorded, from dataset.json."""
    with store.sessions.begin() as s:
        for key in courses:
            for kind, m in DATASET["modules"][key].items():
                if kind in kinds:
                    s.add(Module(id=m["cmid"], course_id=DATASET["courses"][key]["id"], section_id=0, modname=kind,
                                 instance=m["instance"], name=kind, dates=[], files=[]))


def test_surveys_and_non_respondents_from_the_recorded_answers(store):
    catalog(store)
    run(store, ["enrolments"], {C1})
    _given_modules(store, ("feedback",), ("C2", "C4", "C7"))
    run(store, ["feedback", "non_respondents"], {C1, C2, C4, C7})
    with store.sessions() as s:
        surveys = {f.id: f for f in s.scalars(select(Feedback))}
        answers = s.execute(select(FeedbackResponse.feedback_id, FeedbackResponse.user_id)).all()
        absent = set(s.scalars(select(FeedbackNonRespondent.user_id).where(FeedbackNonRespondent.feedback_id == 1)))
    assert {i: (f.course_id, f.anonymous) for i, f in surveys.items()} == \
        {1: (C1, False), 2: (C2, True), 3: (C4, True), 4: (C7, True)}
    per_survey = {i: sorted((u for f, u in answers if f == i), key=lambda u: u or 0) for i in surveys}
    assert per_survey[1] == [student(n) for n in range(1, 9)]  # named: student01–08
    assert {i: len(us) for i, us in per_survey.items()} == {1: 8, 2: 5, 3: 9, 4: 8}
    assert all(u is None for i in (2, 3, 4) for u in per_survey[i])  # anonymous: nobody named
    assert absent == {student(n) for n in range(9, 16)}  # Moodle's list, the suspended student14 included


def test_forums_from_the_recorded_answers(store):
    catalog(store)
    _given_modules(store, ("forum",), ("C4",))
    run(store, ["forums"], {C1, C4})
    with store.sessions() as s:
        forums = {(f.course_id, f.type, f.name) for f in s.scalars(select(Forum))}
    assert forums == {(C1, "news", "Announcements"), (C1, "general", "Forum d'échanges entre alternants"),
                      (C4, "general", "Questions techniques"), (C4, "news", "Announcements")}


def test_what_is_checked_only_on_derived_answers_is_what_the_bundle_derives():
    """DERIVED above says which ground truth rests on derived answers only; it must stay the bundle's truth."""
    bundle = json.loads(resources.files("connector").joinpath("demo/bundle.json").read_text("utf-8"))
    got: dict[str, set[int]] = {fn: set() for fn in DERIVED}
    for e in bundle["entries"]:
        course = e["params"].get("courseid")
        if e["wsfunction"] in DERIVED and e["source"].startswith("derived") and course and int(course) <= C8:
            got[e["wsfunction"]].add(int(course))
    assert got == DERIVED
    recorded = {e["source"].removeprefix("recorded:") for e in bundle["entries"] if e["source"].startswith("recorded")}
    assert recorded <= {p.name for p in all_fixtures() + set2_fixtures()}  # what it calls recorded is a recording


def test_a_run_limited_to_some_courses_stores_those_courses_only(store):
    """[sync] course_ids: the recorded list of every course, kept to C1 and C8 (found by the mutation run:
    ``in`` → ``not in`` in the course filter went unnoticed)."""
    run(store, ["categories", "courses", "contents"], {C1, C8})
    with store.sessions() as s:
        assert set(s.scalars(select(Course.id))) == {C1, C8}
        assert set(s.scalars(select(Module.course_id).distinct())) == {C1, C8}


@pytest.mark.parametrize(("enddate", "timeclose", "open_"), [
    (0, None, True), (NOW, None, True), (NOW - 1, None, False),  # a course with no end date, ending right now
    (0, NOW, True), (0, NOW - 1, False)])  # a survey closing right now is still open
def test_non_respondents_are_asked_of_named_surveys_still_open_in_running_courses(store, enddate, timeclose, open_):
    from connector.sync.resources.non_respondents import open_named_surveys

    catalog(store)
    _given_modules(store, ("feedback",), ("C2", "C4", "C7"))
    run(store, ["feedback"], {C1, C2, C4, C7})  # the recorded list of the four courses' surveys
    with store.sessions.begin() as s:
        s.get(Course, C1).enddate = enddate
        s.get(Feedback, 1).timeclose = timeclose
    ctx = SyncContext(client=None, sessions=store.sessions, now=NOW)
    assert (open_named_surveys(ctx) == [(1, C1)]) is open_
