"""Retention (RGPD): `purge` removes the personal data past `[retention] months`, exactly at the cut-off's
boundary, keeps the evaluations' figures, is safe to rerun, and the sync does not bring back what it removed.

World: the demo bundle (recorded and derived answers) in which courses 2 and 3 (C1, C2) ended one second
before the 36-month cut-off and course 6 (C5) ended exactly at it. Students 11–15 (user ids 13–17) are
enrolled in C1 and C2 only; students 1–10 also in C3; teacher 43 in C1, C2, C3.
"""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import select

from connector import app
from connector.config import RetentionConfig
from connector.store.models import (
    ActivityCompletion,
    Contract,
    CourseCompletion,
    Enrolment,
    Evaluation,
    FeedbackNonRespondent,
    FeedbackResponse,
    ForumDiscussion,
    Module,
    User,
    VerdictRow,
)
from connector.store.retention import cutoff, enrolment_retired
from tests.conftest import NOW
from tests.test_sync import dump, entry, settings_for, transport

CUT = cutoff(NOW, 36)
RETIRED, BOUNDARY = (2, 3), 6
ONLY_RETIRED = {13, 14, 15, 16, 17}


def retired_world(entries):
    for c in entry(entries, "core_course_get_courses_by_field")["response"]["courses"]:
        if c["id"] in RETIRED:
            c["enddate"] = CUT - 1
        elif c["id"] == BOUNDARY:
            c["enddate"] = CUT
    # a full run lists the surveys and forums of the courses still synced only: recorded answers, filtered
    four = entry(entries, "mod_feedback_get_feedbacks_by_courses", **{"courseids[0]": 2, "courseids[1]": 3,
                                                                      "courseids[2]": 5, "courseids[3]": 8})
    kept = [f for f in four["response"]["feedbacks"] if f["course"] not in RETIRED]
    entries.append({**four, "params": {"courseids[0]": "5", "courseids[1]": "8"},
                    "response": {**four["response"], "feedbacks": kept}})
    two = entry(entries, "mod_forum_get_forums_by_courses", **{"courseids[0]": 2, "courseids[1]": 5})
    entries.append({**two, "params": {"courseids[0]": "5"}, "response": [f for f in two["response"]
                                                                        if f["course"] not in RETIRED]})


def settings(url: str, months: int):
    return settings_for(url).model_copy(update={"retention": RetentionConfig(months=months)})


def test_cutoff_counts_calendar_months():
    assert dt.datetime.fromtimestamp(cutoff(int(dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC).timestamp()), 36),
                                     dt.UTC) == dt.datetime(2023, 11, 24, 12, tzinfo=dt.UTC)
    may31 = int(dt.datetime(2026, 5, 31, tzinfo=dt.UTC).timestamp())
    assert dt.datetime.fromtimestamp(cutoff(may31, 3), dt.UTC) == dt.datetime(2026, 2, 28, tzinfo=dt.UTC)
    assert dt.datetime.fromtimestamp(cutoff(may31, 17), dt.UTC) == dt.datetime(2024, 12, 31, tzinfo=dt.UTC)
    assert enrolment_retired(CUT - 1, CUT) and not enrolment_retired(CUT, CUT)
    assert not enrolment_retired(None, CUT) and not enrolment_retired(0, CUT) and not enrolment_retired(5, None)


def _extras(store):
    """What the sync alone does not give: contracts, an old discussion, evaluations, old or ended rows."""
    with app.db.transaction(store.sessions) as s:
        s.add_all([Contract(user_id=13, start=CUT - 900, end=CUT - 1, company="A", tutor="T", source_line=2),
                   Contract(user_id=14, start=CUT - 900, end=CUT, company="B", tutor="T", source_line=3),
                   ForumDiscussion(id=901, forum_id=1, name="ancienne", user_id=3, created=CUT - 9,
                                   timemodified=CUT - 1, usermodified=43),
                   ForumDiscussion(id=902, forum_id=1, name="limite", user_id=3, created=CUT - 9,
                                   timemodified=CUT, usermodified=43)])
        for eid, when in ((901, CUT - 1), (902, CUT)):
            s.add(Evaluation(id=eid, data_time=when))
            s.flush()
            s.add(VerdictRow(evaluation_id=eid, programme="P", indicator=12, outcome="fail", status="a_fournir",
                             risk="mineure", summary="2 apprenants", figures={"at_risk": 2},
                             findings=[{"text": "Alice Martin"}]))
        s.add_all([FeedbackNonRespondent(feedback_id=f, user_id=u, started=False)  # Moodle's lists to remind
                   for f, u in ((1, 3), (3, 13), (3, 3))])  # C1 retired; 13 leaves the store; 3 stays
        s.get(Enrolment, (4, 3)).timeend = CUT - 1  # student01's C3 enrolment ended before the cut-off
        s.get(Enrolment, (4, 4)).timeend = CUT  # student02's exactly at it
        s.get(Enrolment, (4, 5)).deleted_at = CUT - 1  # student03 unenrolled from C3 before the cut-off
        s.get(Enrolment, (4, 6)).deleted_at = CUT  # student04 exactly at it


def test_purge_removes_exactly_what_is_past_the_cut_off_and_reruns_remove_nothing(store_url, engine):
    assert app.sync(settings(store_url, 240), transport=transport(retired_world), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    _extras(store)
    with store.sessions() as s:
        named_c1 = len(s.scalars(select(FeedbackResponse).where(FeedbackResponse.feedback_id == 1)).all())
        in_retired = len(s.scalars(select(Enrolment).where(Enrolment.course_id.in_(RETIRED))).all())
        assert named_c1 == 8 and in_retired > 30
        assert {u for u in ONLY_RETIRED if s.get(User, u)} == ONLY_RETIRED
    before = dump(engine)
    dry = app.purge(settings(store_url, 36), now=NOW, dry_run=True)
    assert dump(engine) == before  # a dry run changes nothing
    done = app.purge(settings(store_url, 36), now=NOW)
    assert done == dry and done.cutoff == CUT
    assert (done.enrolments, done.users, done.contracts, done.discussions, done.evaluations_stripped) == \
        (in_retired + 2, len(ONLY_RETIRED) - 1, 1, 1, 1)  # 14 keeps a contract ending at the cut-off
    assert done.survey_answers_unlinked == named_c1 and done.completions > 0
    with store.sessions() as s:
        assert s.scalars(select(Enrolment).where(Enrolment.course_id.in_(RETIRED))).all() == []
        for model in (ActivityCompletion, CourseCompletion):
            assert s.scalars(select(model).where(model.course_id.in_(RETIRED))).all() == []
        assert s.scalars(select(Enrolment).where(Enrolment.course_id == BOUNDARY)).all()  # ended at the cut-off
        assert {u for u in ONLY_RETIRED if s.get(User, u)} == {14}  # 14: a contract ending at the cut-off
        assert s.get(User, 43) is not None and s.get(User, 3) is not None  # still enrolled elsewhere
        assert s.get(Enrolment, (4, 3)) is None and s.get(Enrolment, (4, 4)) is not None
        assert s.get(Enrolment, (4, 5)) is None and s.get(Enrolment, (4, 6)) is not None
        assert [c.user_id for c in s.scalars(select(Contract))] == [14]
        assert [d.id for d in s.scalars(select(ForumDiscussion).where(ForumDiscussion.id > 900))] == [902]
        assert all(r.user_id is None for r in s.scalars(select(FeedbackResponse)))
        assert [(r.feedback_id, r.user_id) for r in s.scalars(select(FeedbackNonRespondent))] == [(3, 3)]
        old, kept = s.get(VerdictRow, (901, "P", 12)), s.get(VerdictRow, (902, "P", 12))
        assert old.findings == [] and kept.findings == [{"text": "Alice Martin"}]
        assert (old.status, old.risk, old.summary, old.figures) == ("a_fournir", "mineure", "2 apprenants",
                                                                    {"at_risk": 2})
    assert app.purge(settings(store_url, 36), now=NOW).total == 0  # safe to rerun


def test_the_sync_does_not_bring_back_what_the_retention_removed(store_url, engine):
    app.sync(settings(store_url, 240), transport=transport(retired_world), now=NOW)
    app.purge(settings(store_url, 36), now=NOW)
    again = app.sync(settings(store_url, 36), transport=transport(retired_world), now=NOW + 3600, )
    assert again.status == "ok"
    store = app.open_store(store_url, migrate=False)
    with store.sessions() as s:
        assert s.scalars(select(Enrolment).where(Enrolment.course_id.in_(RETIRED))).all() == []
        assert {u for u in ONLY_RETIRED if s.get(User, u)} == set()
        assert all(r.user_id is None for r in s.scalars(select(FeedbackResponse).where(
            FeedbackResponse.feedback_id == 1)))
    full = app.sync(settings(store_url, 36), transport=transport(retired_world), full=True, now=NOW + 7200)
    assert full.status == "ok"
    with store.sessions() as s:
        assert s.scalars(select(Enrolment).where(Enrolment.course_id.in_(RETIRED))).all() == []
        assert all(r.user_id is None for r in s.scalars(select(FeedbackResponse).where(
            FeedbackResponse.feedback_id == 1)))
    # the control: a longer retention brings them back (so the checks above can fail)
    app.sync(settings(store_url, 240), transport=transport(retired_world), full=True, now=NOW + 9000)
    with store.sessions() as s:
        assert s.scalars(select(Enrolment).where(Enrolment.course_id.in_(RETIRED))).all()
        assert {u for u in ONLY_RETIRED if s.get(User, u)} == ONLY_RETIRED


def test_purge_command_and_scheduled_job(store_url, tmp_path, monkeypatch):
    from connector.cli import cli
    from connector.config import JobConfig
    from connector.scheduler import run_job

    app.sync(settings(store_url, 240), transport=transport(retired_world), now=NOW)
    cfg = tmp_path / "q.toml"
    cfg.write_text(f'[moodle]\nurl = "http://127.0.0.1:8080"\ntoken = "x"\n[store]\nurl = "{store_url}"\n'
                   "[retention]\nmonths = 36\n", encoding="utf-8")
    monkeypatch.setattr("time.time", lambda: NOW)
    out = CliRunner().invoke(cli, ["--config", str(cfg), "purge", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert f"data that ended before {dt.datetime.fromtimestamp(CUT, dt.UTC).date().isoformat()}" in out.output
    assert "would remove" in out.output and " 5 person(s)" in out.output
    job = JobConfig(name="retention", cron="0 4 1 * *", command="purge")
    assert run_job(settings(store_url, 36), job, now=NOW).startswith("ok, ")
    with app.open_store(store_url, migrate=False).sessions() as s:
        assert {u for u in ONLY_RETIRED if s.get(User, u)} == set()
    assert run_job(settings(store_url, 36), job, now=NOW) == "ok, 0 item(s) purged"
    bad = tmp_path / "bad.toml"
    bad.write_text(cfg.read_text().replace("months = 36", "months = 2"), encoding="utf-8")
    out = CliRunner().invoke(cli, ["--config", str(bad), "purge"])
    assert out.exit_code == 2 and "[retention] months: " in out.output and "Traceback" not in out.output


def test_an_enrolment_that_ended_before_the_cut_off_is_not_synced_from_the_participants_report(tmp_path, store_url):
    """The report gives each enrolment's end date (to the minute): one ended the minute before the cut-off is
    not stored, one ended at the cut-off's minute is; with a longer retention both are (the control)."""
    from bench.moodle_sim import SimMoodle
    from bench.sitegen import GeneratedSite
    from tests.test_sync_report import CLOCK
    from tests.test_sync_report import settings as report_settings

    cut = cutoff(CLOCK, 36)
    site = GeneratedSite(seed=5, size="tiny")
    course = next(c for c in site._courses if c.running and site.learners(c))
    old, edge = site.learners(course)[:2]
    at = cut + (-cut) % 60  # the report writes minutes
    site.dates_over[(course.id, old)] = (at - 86400, at - 60)
    site.dates_over[(course.id, edge)] = (at - 86400, at)
    import dataclasses
    i, ended = next((i, c) for i, c in enumerate(site._courses) if c is not course and site.learners(c))
    ended = site._courses[i] = site.by_id[ended.id] = dataclasses.replace(  # a course ended before the cut-off
        ended, start=cut - 200 * 86400, end=cut - 3600, running=False)

    def stored(url: str) -> set[int]:
        with app.open_store(url, migrate=False).sessions() as s:
            return set(s.scalars(select(Enrolment.user_id).where(Enrolment.course_id == course.id,
                                                                 Enrolment.user_id.in_([old, edge]))))

    def ended_enrolments(url: str) -> int:
        with app.open_store(url, migrate=False).sessions() as s:
            return len(s.scalars(select(Enrolment.user_id).where(Enrolment.course_id == ended.id)).all())

    with SimMoodle(site=site) as sim:
        short = report_settings(sim.url, store_url).model_copy(update={"retention": RetentionConfig(months=36)})
        assert app.sync(short, now=CLOCK).status == "ok"
        assert stored(store_url) == {edge} and ended_enrolments(store_url) == 0
        long_url = f"sqlite:///{tmp_path}/long.db"
        long = report_settings(sim.url, long_url).model_copy(update={"retention": RetentionConfig(months=240)})
        assert app.sync(long, now=CLOCK).status == "ok"
        assert stored(long_url) == {old, edge} and ended_enrolments(long_url) > 0


def test_a_survey_answer_exactly_at_the_cut_off_keeps_its_learner_in_the_sync_and_in_the_purge(store_url):
    """The sync and the purge draw the same line: an answer last changed one second before the cut-off is
    stored without its learner, one changed exactly at it keeps them."""
    def old_answers(entries):
        for e in entries:
            if e["wsfunction"] == "mod_feedback_get_responses_analysis" and e["params"]["feedbackid"] == "1":
                for a in e["response"]["attempts"]:
                    a["timemodified"] = {1: CUT - 1, 2: CUT}.get(a["id"], a["timemodified"])

    def learners(store):
        with store.sessions() as s:
            return {r.id: r.user_id for r in s.scalars(select(FeedbackResponse).where(
                FeedbackResponse.feedback_id == 1, FeedbackResponse.id.in_((1, 2, 3))))}

    assert app.sync(settings(store_url, 36), transport=transport(old_answers), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    assert learners(store) == {1: None, 2: 4, 3: 5}
    app.sync(settings(store_url, 240), transport=transport(old_answers), full=True, now=NOW + 60)
    assert learners(store) == {1: 3, 2: 4, 3: 5}  # a longer retention: every learner
    app.purge(settings(store_url, 36), now=NOW)
    assert learners(store) == {1: None, 2: 4, 3: 5}
    store.engine.dispose()


def _stored_under_36_then_240_months(store_url, world, ids, **update) -> list[list]:
    """What the query ``ids`` finds after a sync under a 36-month retention, then after a ``--full`` one under
    240 months (the control: what the shorter retention left out comes back)."""
    out = []
    for i, months in enumerate((36, 240)):
        s = settings(store_url, months).model_copy(update=update)
        assert app.sync(s, transport=transport(world), full=i > 0, now=NOW + 60 * i).status == "ok"
        store = app.open_store(store_url, migrate=False)
        with store.sessions() as session:
            out.append(sorted(session.scalars(ids)))
        store.engine.dispose()
    return out


def test_a_complaint_discussion_exactly_at_the_cut_off_is_synced_one_second_older_is_not(store_url):
    import copy

    def two_old_discussions(entries):
        listed = entry(entries, "mod_forum_get_forum_discussions", forumid=1)["response"]["discussions"]
        second = copy.deepcopy(listed[0])
        second.update(id=2, discussion=2, name="Réclamation limite")
        listed[0]["timemodified"], second["timemodified"] = CUT - 1, CUT
        listed.append(second)
        posts = entry(entries, "mod_forum_get_discussion_posts", discussionid=1, sortby="created",
                      sortdirection="ASC")
        entries.append({**copy.deepcopy(posts), "params": {**posts["params"], "discussionid": "2"}})

    ids = select(ForumDiscussion.id).where(ForumDiscussion.forum_id == 1)
    # C1's general forum taken as the complaints channel
    assert _stored_under_36_then_240_months(store_url, two_old_discussions, ids,
                                            thresholds={"complaints_pattern": "échanges"}) == [[2], [1, 2]]


def test_a_note_exactly_at_the_cut_off_is_synced_one_second_older_is_not(store_url):
    from connector.store.models import CourseNote

    def old_notes(entries):
        notes = entry(entries, "core_notes_get_course_notes", courseid=2)["response"]
        notes["coursenotes"][0]["lastmodified"], notes["coursenotes"][1]["lastmodified"] = CUT, CUT - 1  # 3, 1

    ids = select(CourseNote.id).where(CourseNote.course_id == 2)
    assert _stored_under_36_then_240_months(store_url, old_notes, ids) == [[2, 3], [1, 2, 3]]


def test_the_retention_leaves_out_people_not_courses(store_url):
    """A first sync under a 36-month retention: the retired courses' contents are read (nothing personal), their
    enrolments are not."""
    assert app.sync(settings(store_url, 36), transport=transport(retired_world), now=NOW).status == "ok"
    store = app.open_store(store_url, migrate=False)
    with store.sessions() as s:
        assert set(s.scalars(select(Module.course_id).where(Module.course_id.in_(RETIRED)))) == set(RETIRED)
        assert s.scalars(select(Enrolment).where(Enrolment.course_id.in_(RETIRED))).all() == []
    store.engine.dispose()
