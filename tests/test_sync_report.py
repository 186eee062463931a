"""The participants-report fast path against a generated Moodle (a real HTTP server on 127.0.0.1).

The report path must give the store what the per-course path gives (to the minute), cost a handful
of calls when nothing changed, and after a change leave the store exactly as a full sync from
scratch would; a failure leaves the store as it was.
"""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bench.moodle_sim import SimMoodle
from bench.sitegen import REPORT_ID, GeneratedSite
from connector import app, errors
from connector.cli import cli
from connector.config import MoodleConfig, Settings, StoreConfig
from connector.store.db import make_engine
from connector.store.models import CourseCompletion, Enrolment, User
from connector.sync.resources.participants import PREFETCH_PAGES
from tests.conftest import TOKEN
from tests.test_faults import data, fresh_store, synced

CLOCK = GeneratedSite.clock


def settings(url: str, store_url: str, report: bool = True, page_size: int = 25, **moodle) -> Settings:
    return Settings(moodle=MoodleConfig(url=url, token=TOKEN, backoff=0, retries=1, timeout=5,
                                        participants_report_id=REPORT_ID if report else None,
                                        report_page_size=page_size, **moodle),
                    store=StoreConfig(url=store_url))


def enrolments(store_url: str) -> set[tuple]:
    """Enrolments as both paths know them: last access to the minute."""
    engine = make_engine(store_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Enrolment.course_id, Enrolment.user_id, Enrolment.roles, Enrolment.status,
                                   Enrolment.lastcourseaccess, Enrolment.groups, User.username, User.fullname,
                                   User.idnumber).join(User, User.id == Enrolment.user_id)
                            .where(Enrolment.deleted_at.is_(None))).all()
        done = conn.execute(select(CourseCompletion.course_id, CourseCompletion.user_id, CourseCompletion.completed,
                                   Enrolment.progress).join(Enrolment, (Enrolment.course_id == CourseCompletion.course_id)
                                                            & (Enrolment.user_id == CourseCompletion.user_id))).all()
    engine.dispose()
    return ({(c, u, tuple(r), s, a // 60, tuple(g), un, fn, idn) for c, u, r, s, a, g, un, fn, idn in rows},
            {(c, u, d, None if p is None else f"{p:.1f}") for c, u, d, p in done})  # the report shows 1 decimal


def test_report_path_gives_what_the_per_course_path_gives_for_fewer_calls(tmp_path, store_url):
    site = GeneratedSite(seed=5, size="tiny")
    with SimMoodle(site=site) as sim:
        slow = app.sync(settings(sim.url, f"sqlite:///{tmp_path}/slow.db", report=False), now=CLOCK)
        fast = app.sync(settings(sim.url, store_url), now=CLOCK)
    assert slow.status == fast.status == "ok", (slow.error, fast.error)
    slow_enrol, slow_done = enrolments(f"sqlite:///{tmp_path}/slow.db")
    fast_enrol, fast_done = enrolments(store_url)
    assert fast_enrol == slow_enrol and len(fast_enrol) == site.total_enrolments
    # completion and progress alike; the report also gives suspended learners' (Moodle's WS functions do not)
    assert slow_done <= fast_done and len(slow_done) > len(fast_done) * 0.9
    suspended = {(c, u) for c, u, _, status, *_ in fast_enrol if status == "suspended"}
    assert suspended and {(c, u) for c, u, *_ in fast_done - slow_done} <= suspended
    assert "core_enrol_get_enrolled_users" not in fast.calls
    assert fast.calls["core_reportbuilder_retrieve_report"] == -(-site.total_rows // 25)
    assert sum(fast.calls.values()) < sum(slow.calls.values())
    # without the report: two calls per course, one course list per active learner of a course with completion
    assert slow.calls["core_enrol_get_enrolled_users"] == 2 * len(site.courses())
    assert slow.calls["core_enrol_get_users_courses"] == len({
        u for c in site.courses() if c.completion for u in site.learners(c) if site.enrolment(c, u).status == "active"})


def test_no_change_costs_a_handful_and_a_change_ends_as_a_full_sync_would(tmp_path, store_url):
    site = GeneratedSite(seed=6, size="tiny")
    with SimMoodle(site=site) as sim:
        first = app.sync(settings(sim.url, store_url), now=CLOCK)
        same = app.sync(settings(sim.url, store_url), now=CLOCK + 60)
        assert first.status == same.status == "ok" and same.rows_written == 0
        assert set(same.calls) == {"core_course_get_categories", "core_course_get_courses_by_field",
                                   "core_reportbuilder_retrieve_report"}
        changed = site.change(0.05, now=CLOCK + 3600)
        inc = app.sync(settings(sim.url, store_url), now=CLOCK + 3600)
        assert inc.status == "ok" and inc.rows_written > 0 and changed["new_enrolments"] and changed["edited_modules"]
        assert sum(inc.calls.values()) < sum(first.calls.values()) / 3
        engine = make_engine(store_url)
        after_incremental = synced(engine)
        engine.dispose()
        (tmp_path / "clean").mkdir()
        clean_url = fresh_store(store_url, tmp_path / "clean")
        again = app.sync(settings(sim.url, clean_url), now=CLOCK + 3600)
        assert again.status == "ok"
        engine = make_engine(clean_url)
        assert synced(engine) == after_incremental
        engine.dispose()


@pytest.mark.parametrize("mode, code", [("html502", errors.EXIT_TRANSIENT), ("truncated", errors.EXIT_TRANSIENT),
                                        ("invalidtoken", errors.EXIT_AUTH), ("reset", errors.EXIT_TRANSIENT),
                                        ("shift", errors.EXIT_TRANSIENT)])
def test_a_report_page_failing_midway_leaves_the_store_as_it_was(tmp_path, store_url, mode, code):
    site = GeneratedSite(seed=7, size="tiny")
    with SimMoodle(site=site) as sim:
        cfg = tmp_path / "q.toml"
        cfg.write_text(f'[moodle]\nurl = "{sim.url}"\ntoken = "{TOKEN}"\ntimeout = 5\nretries = 1\nbackoff = 0\n'
                       f'participants_report_id = {REPORT_ID}\nreport_page_size = 25\n'
                       f'[store]\nurl = "{store_url}"\nlock_file = "{tmp_path}/run.lock"\n')
        run = lambda: CliRunner().invoke(cli, ["--config", str(cfg), "sync"])
        assert run().exit_code == 0
        engine = make_engine(store_url)
        before = data(engine)
        c = site.courses()[0]  # enrolment data to write (and only that), so that a half-written store would show
        site.enrol_new_learner(c)
        site.access_over[(c.id, site.learners(c)[0])] = CLOCK + 3000
        sim.fail("core_reportbuilder_retrieve_report", mode, after=1)  # page 0 fine, then the fault
        result = run()
        sim.heal()
        after = data(engine)
        engine.dispose()
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert result.exit_code == code, result.output
    assert len(lines) == 1 and lines[0].startswith("error: ") and TOKEN not in result.output, lines
    if mode == "shift":
        assert "changed while it was read" in lines[0]
    assert after == before


def test_an_emptied_course_or_a_misbuilt_report_is_refused(tmp_path, store_url):
    site = GeneratedSite(seed=8, size="tiny")
    with SimMoodle(site=site) as sim:
        assert app.sync(settings(sim.url, store_url), now=CLOCK).status == "ok"
        engine = make_engine(store_url)
        before = data(engine)
        victim = site.courses()[1]
        site.empty_course(victim.id)
        glitch = app.sync(settings(sim.url, store_url), now=CLOCK + 60)
        assert glitch.status == "failed" and f"lists course {victim.id} without anybody" in str(glitch.error)
        assert data(engine) == before
        accepted = app.sync(settings(sim.url, store_url), full=True, now=CLOCK + 120)  # --full: really emptied
        assert accepted.status == "ok"
        with engine.connect() as conn:
            left = conn.execute(select(Enrolment).where(Enrolment.course_id == victim.id,
                                                        Enrolment.deleted_at.is_(None))).all()
        assert left == []
        site.emptied.clear()
        site.shuffled = True
        unsorted = app.sync(settings(sim.url, store_url), now=CLOCK + 180)
        assert unsorted.status == "failed" and unsorted.error.exit_code == errors.EXIT_CONFIG
        assert "sort it by 'Course short name with link'" in str(unsorted.error)
        site.shuffled = False
        wrong_id = app.sync(settings(sim.url, store_url).model_copy(update={"moodle": MoodleConfig(
            url=sim.url, token=TOKEN, backoff=0, participants_report_id=99)}), now=CLOCK + 240)
        assert wrong_id.error.exit_code == errors.EXIT_CONFIG and "participants_report_id = 99" in str(wrong_id.error)
        engine.dispose()


def test_doctor_checks_the_report_and_explains_how_to_build_it(tmp_path):
    site = GeneratedSite(seed=2, size="tiny")
    with SimMoodle(site=site) as sim:
        cfg = tmp_path / "q.toml"
        base = f'[moodle]\nurl = "{sim.url}"\ntoken = "{TOKEN}"\nbackoff = 0\n'
        cfg.write_text(base + f"participants_report_id = {REPORT_ID}\n")
        ok = CliRunner().invoke(cli, ["--config", str(cfg), "doctor"])
        assert ok.exit_code == 0, ok.output
        assert "✔ core_reportbuilder_retrieve_report" in ok.output and "Fast path not configured" not in ok.output
        cfg.write_text(base)
        plain = CliRunner().invoke(cli, ["--config", str(cfg), "doctor"])
        assert plain.exit_code == 0 and "Fast path not configured" in plain.output
        assert "Course participants" in plain.output and "Course short name with link" in plain.output
        site.shuffled = False
        cfg.write_text(base + "participants_report_id = 99\n")
        bad = CliRunner().invoke(cli, ["--config", str(cfg), "doctor"])
        assert bad.exit_code == errors.EXIT_AUTH and "✘ core_reportbuilder_retrieve_report" in bad.output
        last = bad.output.rstrip().splitlines()[-1]  # the fix comes last, not buried under the recipe
        assert last.startswith(" ✘ core_reportbuilder_retrieve_report:") and "no such custom report" in last


def test_kill_9_during_a_report_sync_then_rerun_equals_uninterrupted(tmp_path, store_url):
    from tests.test_faults import kill_and_rerun

    def cfg_for(folder, url, store):
        cfg = folder / "q.toml"
        cfg.write_text(f'[moodle]\nurl = "{url}"\ntoken = "{TOKEN}"\nbackoff = 0\nparticipants_report_id = {REPORT_ID}\n'
                       f'report_page_size = 40\n[store]\nurl = "{store}"\nlock_file = "{folder}/run.lock"\n')
        return cfg

    clean = tmp_path / "clean"
    clean.mkdir()
    with SimMoodle(site=GeneratedSite(seed=12, size="tiny"), latency=0.1) as sim:
        assert CliRunner().invoke(cli, ["--config", str(cfg_for(clean, sim.url, store_url)), "sync"]).exit_code == 0
        engine = make_engine(store_url)
        expected = synced(engine)
        engine.dispose()
        kill_and_rerun(tmp_path, store_url, sim, cfg_for, expected, seed=3, max_delay=1.2)


def test_a_course_edited_during_a_failed_run_gets_its_survey_list_read_on_the_next_run(tmp_path, store_url):
    site = GeneratedSite(seed=13, size="tiny")
    with SimMoodle(site=site) as sim:
        assert app.sync(settings(sim.url, store_url), now=CLOCK).status == "ok"
        edited = next(c for c in site.courses() if c.feedback and not c.big)
        site.edits[edited.id] = 1  # its record changes: contents and its survey list are read again
        sim.fail("mod_feedback_get_feedbacks_by_courses", "html502")
        failed = app.sync(settings(sim.url, store_url), now=CLOCK + 60)
        assert failed.status == "failed" and failed.calls["core_course_get_contents"] == 1  # contents committed
        sim.heal()
        rerun = app.sync(settings(sim.url, store_url), now=CLOCK + 120)
        assert rerun.status == "ok" and "core_course_get_contents" not in rerun.calls
        assert rerun.calls["mod_feedback_get_feedbacks_by_courses"] == 1  # remembered, not lost with the failure
        again = app.sync(settings(sim.url, store_url), now=CLOCK + 180)
        assert "mod_feedback_get_feedbacks_by_courses" not in again.calls


def _store_rows(store_url: str) -> tuple[list, list]:
    from connector.store.models import Course

    engine = make_engine(store_url)
    with engine.connect() as conn:
        enrol = conn.execute(select(Enrolment.course_id, Enrolment.user_id, Enrolment.roles, Enrolment.status,
                                    Enrolment.timestart, Enrolment.timeend, Enrolment.lastcourseaccess,
                                    Enrolment.groups, Enrolment.progress, Course.enablecompletion)
                             .join(Course, Course.id == Enrolment.course_id)
                             .order_by(Enrolment.course_id, Enrolment.user_id)).all()
        users = conn.execute(select(User.id, User.username, User.fullname, User.idnumber, User.lastaccess)
                             .order_by(User.id)).all()
    engine.dispose()
    return [tuple(r) for r in enrol], [tuple(u) for u in users]


def test_a_french_report_gives_the_same_store_as_the_english_one_with_null_where_moodle_says_nothing(
        tmp_path, store_url):
    """The sync user's language set to French (headers, "Suspendu", "Jamais", "Oui", "50,0 %", "dimanche 17
    mai 2026, 07:33") changes nothing in the store. Moodle writes 0.0 % for teachers and where completion is
    off, and the report has no site-wide last access: those are NULL, not 0."""
    with SimMoodle(site=GeneratedSite(seed=5, size="tiny")) as sim:
        en = app.sync(settings(sim.url, f"sqlite:///{tmp_path}/en.db"), now=CLOCK)
    with SimMoodle(site=GeneratedSite(seed=5, size="tiny", lang="fr")) as sim:
        fr = app.sync(settings(sim.url, store_url, page_size=10000), now=CLOCK)
    assert en.status == fr.status == "ok", (en.error, fr.error)
    assert fr.calls["core_reportbuilder_retrieve_report"] == 1  # the whole report on one page: one call
    en_rows, fr_rows = _store_rows(f"sqlite:///{tmp_path}/en.db"), _store_rows(store_url)
    assert en_rows == fr_rows
    enrol, users = en_rows
    assert {e[3] for e in enrol} == {"active", "suspended"}
    teachers = [e for e in enrol if "student" not in e[2]]
    off = [e for e in enrol if not e[9]]
    assert teachers and off and all(e[8] is None for e in teachers + off)
    assert any(e[8] == 0.0 for e in enrol if "student" in e[2] and e[9])  # a learner at 0 % is 0, not NULL
    assert users and all(u[4] is None for u in users)  # site-wide last access: not in the report


def _module_names(store_url: str, course_id: int) -> set[str]:
    from connector.store.models import Module

    engine = make_engine(store_url)
    with engine.connect() as conn:
        names = set(conn.scalars(select(Module.name).where(Module.course_id == course_id)))
    engine.dispose()
    return names


@pytest.mark.parametrize("course_update", [True, False])
def test_a_module_only_edit_is_seen_without_full_when_the_record_carries_cacherev(tmp_path, store_url,
                                                                                 course_update):
    """An activity renamed without touching the course settings: Moodle changes only the course's cacherev,
    which the course record shows to a sync role holding moodle/course:update — then the next ordinary run
    re-reads that course's contents, and only that one (no extra call). Without the capability it waits for
    `sync --full`, and doctor says so."""
    site = GeneratedSite(seed=6, size="tiny", course_update=course_update)
    with SimMoodle(site=site) as sim:
        assert app.sync(settings(sim.url, store_url), now=CLOCK).status == "ok"
        course = next(c for c in site._courses if c.running and not c.big and c.visible)
        before = _module_names(store_url, course.id)
        site.edit_module(course.id)
        inc = app.sync(settings(sim.url, store_url), now=CLOCK + 60)
        after = _module_names(store_url, course.id)
        if course_update:
            assert inc.calls["core_course_get_contents"] == 1 and after != before
            assert any(n.endswith("(v2)") for n in after)
        else:
            assert "core_course_get_contents" not in inc.calls and after == before
            full = app.sync(settings(sim.url, store_url), full=True, now=CLOCK + 120)
            assert full.status == "ok" and any(n.endswith("(v2)") for n in _module_names(store_url, course.id))


def test_positioning_activities_get_their_completion_read_per_learner(tmp_path, store_url):
    """On the report path, activity completion is read per learner only where a rule needs it: coordination
    checkpoints (13) and, here, the positioning activities (8) — the simulated site's « Quiz 1.4 » taken as
    the positioning test by its pattern."""
    from connector.store.models import ActivityCompletion, Module

    site = GeneratedSite(seed=6, size="tiny")
    with SimMoodle(site=site) as sim:
        plain = app.sync(settings(sim.url, store_url), now=CLOCK)
        engine = make_engine(store_url)
        with engine.connect() as conn:
            before = set(conn.execute(select(ActivityCompletion.course_id).distinct()).scalars())
        engine.dispose()
        cfg = settings(sim.url, store_url).model_copy(update={"thresholds": {"positioning_pattern": "quiz 1.4"}})
        positioned = app.sync(cfg, now=CLOCK + 60)
    assert plain.status == positioned.status == "ok"
    assert positioned.calls["core_completion_get_activities_completion_status"] > 0
    engine = make_engine(store_url)
    with engine.connect() as conn:
        after = set(conn.execute(select(ActivityCompletion.course_id).distinct()).scalars())
        quiz = set(conn.execute(select(Module.course_id).where(Module.name == "Quiz 1.4")).scalars())
        tracked = set(conn.execute(select(ActivityCompletion.course_id).where(
            ActivityCompletion.cmid.in_(select(Module.id).where(Module.name == "Quiz 1.4")))).scalars())
    engine.dispose()
    assert after > before and tracked and tracked <= quiz


def test_a_course_whose_report_rows_did_not_change_is_neither_parsed_nor_rewritten(tmp_path, store_url, monkeypatch):
    """Each course's report rows leave a digest: the next run parses and diffs only the courses whose rows (or
    completion setting) changed, and the per-course path, rewriting every course, clears the digests."""
    from dataclasses import replace

    from connector.moodle import report as rb

    parsed: list[int] = []
    real = rb.merge_row
    monkeypatch.setattr(rb, "merge_row", lambda cells, tz, people: (parsed.append(rb.course_of(cells)),
                                                                   real(cells, tz, people))[1])
    site = GeneratedSite(seed=9, size="tiny")
    with SimMoodle(site=site) as sim:
        assert app.sync(settings(sim.url, store_url), now=CLOCK).status == "ok"
        everyone = set(parsed)
        assert len(everyone) > 3
        parsed.clear()
        assert app.sync(settings(sim.url, store_url), now=CLOCK + 60).status == "ok"
        assert parsed == []
        c = site.courses()[0]
        site.access_over[(c.id, site.learners(c)[0])] = CLOCK + 100
        inc = app.sync(settings(sim.url, store_url), now=CLOCK + 120)
        assert inc.status == "ok" and set(parsed) == {c.id}
        parsed.clear()
        off = next(x for x in site.courses() if x.completion and x.id != c.id and site.learners(x))
        site._courses[site._courses.index(off)] = site.by_id[off.id] = replace(off, completion=False)
        site.edits[off.id] = site.edits.get(off.id, 0) + 1  # a settings edit: the course record changes
        assert app.sync(settings(sim.url, store_url), now=CLOCK + 180).status == "ok"
        assert set(parsed) == {off.id}  # same rows, another completion setting: written again
        parsed.clear()
        assert app.sync(settings(sim.url, store_url, report=False), now=CLOCK + 240).status == "ok"
        assert app.sync(settings(sim.url, store_url), now=CLOCK + 300).status == "ok"
        assert set(parsed) == everyone


def test_completion_criteria_come_from_a_few_learners_course_lists_as_the_probes_would_say(tmp_path, store_url):
    """With the report, whether a course has completion criteria comes from core_enrol_get_users_courses of a
    few learners covering every course (one call per cohort, not one probe per course), and says what the
    per-course probes say; a course answered without completion data (the sync user may not view it) is
    probed instead."""
    from connector.store.models import CourseCompletionInfo

    def criteria(url: str) -> dict[int, bool | None]:
        engine = make_engine(url)
        with engine.connect() as conn:
            got = dict(conn.execute(select(CourseCompletionInfo.course_id, CourseCompletionInfo.has_criteria)).all())
        engine.dispose()
        return got

    site = GeneratedSite(seed=10, size="tiny")
    with SimMoodle(site=site) as sim:
        slow = app.sync(settings(sim.url, f"sqlite:///{tmp_path}/slow.db", report=False), now=CLOCK)
        fast = app.sync(settings(sim.url, store_url), now=CLOCK)
        assert slow.status == fast.status == "ok", (slow.error, fast.error)
        assert criteria(store_url) == criteria(f"sqlite:///{tmp_path}/slow.db")
        assert {False, True} <= set(criteria(store_url).values())
        with_completion = [c for c in site.courses() if c.completion and site.learners(c)]
        assert "core_completion_get_course_completion_status" not in fast.calls
        assert fast.calls["core_enrol_get_users_courses"] * 2 < len(with_completion)

        real = site.ws_core_enrol_get_users_courses
        hidden = with_completion[0].id
        site.ws_core_enrol_get_users_courses = lambda p: [
            {**c, "completed": None, "completionhascriteria": False} if c["id"] == hidden else c for c in real(p)]
        (tmp_path / "again").mkdir()
        again_url = fresh_store(store_url, tmp_path / "again")
        again = app.sync(settings(sim.url, again_url), now=CLOCK)
        assert again.status == "ok" and again.calls["core_completion_get_course_completion_status"] == 1
        assert criteria(again_url) == criteria(store_url)


def test_survey_answers_are_read_again_when_a_learners_progress_moved_not_when_they_merely_came(tmp_path,
                                                                                                 store_url):
    """A survey complete once answered, answered once per person (the generated site's, as recorded for C1): an
    answer completes the activity, so the learner's progress moves. A learner who only opened the course does
    not make its answers be read again; one who answered, or a teacher who came, does. A survey that may be
    answered again keeps the access signal."""
    from sqlalchemy import update

    from connector.store.models import Feedback, FeedbackResponse

    site = GeneratedSite(seed=9, size="tiny")  # its surveys are anonymous: answers are counted, not named
    c = next(x for x in site.courses() if x.feedback and x.completion and x.running and x.visible
             and any(site.enrolment(x, u).done < len(site.tracked(x)) for u in site.learners(x)))
    learner = next(u for u in site.learners(c) if site.enrolment(c, u).done < len(site.tracked(c))
                   and site.enrolment(c, u).status == "active")

    def answers_read(result) -> int:
        return result.calls.get("mod_feedback_get_responses_analysis", 0)

    with SimMoodle(site=site) as sim:
        assert app.sync(settings(sim.url, store_url), now=CLOCK).status == "ok"
        engine = make_engine(store_url)
        with engine.connect() as conn:
            row = conn.execute(select(Feedback.completionsubmit, Feedback.multiple_submit)
                               .where(Feedback.id == c.id)).one()
        assert tuple(row) == (True, False)

        def answers() -> int:
            with engine.connect() as conn:
                return conn.scalar(select(func.count()).select_from(FeedbackResponse)
                                   .where(FeedbackResponse.feedback_id == c.id))
        before = answers()
        site.access_over[(c.id, learner)] = CLOCK + 100  # came, answered nothing
        came = app.sync(settings(sim.url, store_url), now=CLOCK + 120)
        assert came.status == "ok" and answers_read(came) == 0
        site.done_over[(c.id, learner)] = len(site.tracked(c))  # completed the survey: answered it
        site.access_over[(c.id, learner)] = CLOCK + 200
        answered = app.sync(settings(sim.url, store_url), now=CLOCK + 220)
        assert answered.status == "ok" and answers_read(answered) == 1
        assert answers() == before + 1
        teacher = site.teachers(c)[0][0]
        site.access_over[(c.id, teacher)] = CLOCK + 300  # a teacher (no progress) came: may have answered
        assert answers_read(app.sync(settings(sim.url, store_url), now=CLOCK + 320)) == 1
        with engine.begin() as conn:  # the survey allows a second answer: any access counts again
            conn.execute(update(Feedback).where(Feedback.id == c.id).values(multiple_submit=True))
        other = next(u for u in site.learners(c) if u != learner)
        site.access_over[(c.id, other)] = CLOCK + 400
        assert answers_read(app.sync(settings(sim.url, store_url), now=CLOCK + 420)) == 1
        engine.dispose()


def test_the_reports_first_pages_are_asked_for_while_the_catalog_is_read_and_none_twice(tmp_path, store_url):
    site = GeneratedSite(seed=6, size="tiny")
    pages = -(-site.total_rows // 25)
    assert pages > PREFETCH_PAGES
    with SimMoodle(site=site) as sim:
        first = app.sync(settings(sim.url, store_url), now=CLOCK)
        same = app.sync(settings(sim.url, store_url), now=CLOCK + 60)
        one_page = app.sync(settings(sim.url, store_url, page_size=site.total_rows + 5), now=CLOCK + 120)
        # the courses resource fails: the run stops there, with the pages asked for at its start dropped
        sim.calls.clear()
        sim.fail("core_course_get_courses_by_field", "html502")
        failed = app.sync(settings(sim.url, store_url), now=CLOCK + 180)
        sim.heal()
        give_up = time.monotonic() + 10  # the run does not wait for a page under way: it may land just after
        while not sim.calls["core_reportbuilder_retrieve_report"] and time.monotonic() < give_up:
            time.sleep(0.01)
        asked_while_failing = sim.calls["core_reportbuilder_retrieve_report"]
    assert first.status == same.status == one_page.status == "ok", (first.error, same.error, one_page.error)
    # every page read once: the prefetched ones are not asked for again, a one-page report costs one call
    assert first.calls["core_reportbuilder_retrieve_report"] == same.calls["core_reportbuilder_retrieve_report"] == pages
    assert one_page.calls["core_reportbuilder_retrieve_report"] == 1 and one_page.rows_written == 0
    assert failed.status == "failed" and "core_course_get_courses_by_field" in str(failed.error)
    assert 1 <= asked_while_failing <= PREFETCH_PAGES  # asked for before the enrolments resource, never read
    assert failed.rows == {"categories": {"inserted": 0, "updated": 0, "deleted": 0}}
