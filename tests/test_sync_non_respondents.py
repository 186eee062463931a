"""Moodle's list of who has not answered a named survey (mod_feedback_get_non_respondents), on the recorded
answers: asked for named surveys of running courses only, again only when the course moved, dropped when the
survey leaves the scope; an anonymous answer names nobody. SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from connector import app
from connector.config import QualityConfig
from connector.demo import DEMO_PROGRAMMES
from connector.evaluate import run_evaluation
from connector.render import build_digests
from connector.store.models import Feedback, FeedbackNonRespondent, FetchState
from tests.conftest import FIXTURES, NOW
from tests.test_sync import settings_for, transport

FUNCTION = "mod_feedback_get_non_respondents"
RECORDED = json.loads((FIXTURES / f"{FUNCTION}__C1.json").read_text("utf-8"))["response"]


def held(store_url) -> tuple[dict[int, bool], bool]:
    with app.open_store(store_url, migrate=False).sessions() as s:
        rows = {r.user_id: r.started for r in s.scalars(select(FeedbackNonRespondent)
                                                         .where(FeedbackNonRespondent.feedback_id == 1))}
        return rows, s.get(Feedback, 1).non_respondents_read


def test_the_named_survey_of_a_running_course_is_asked_once_then_only_when_its_answers_moved(store_url):
    first = app.sync(settings_for(store_url), transport=transport(), now=NOW)
    assert first.status == "ok", first.error
    assert first.calls[FUNCTION] == 1  # feedback 1 (C1) only: surveys 2–4 are anonymous
    rows, read = held(store_url)
    assert rows == {u["userid"]: u["started"] for u in RECORDED["users"]} and read is True
    again = app.sync(settings_for(store_url), transport=transport(), now=NOW + 3600)
    assert FUNCTION not in again.calls

    def opened(entries):  # Zoé Girard (17) opens C1
        for e in entries:
            if e["wsfunction"] == "core_enrol_get_enrolled_users" and e["params"].get("courseid") == "2":
                for u in e["response"] if isinstance(e["response"], list) else ():  # errors are dicts
                    if u["id"] == 17:
                        u["lastcourseaccess"] = NOW + 7000

    # the survey is complete once answered: a visit that leaves her progress where it was reads no answer
    looked = app.sync(settings_for(store_url), transport=transport(opened), now=NOW + 7200)
    assert looked.calls["core_enrol_get_users_courses"]  # hers (and those seen within lookback_hours)
    assert "mod_feedback_get_responses_analysis" not in looked.calls and FUNCTION not in looked.calls

    def answered(entries):  # … then answers: her progress moves, Moodle no longer lists her
        opened(entries)
        for e in entries:
            if e["wsfunction"] == "core_enrol_get_enrolled_users" and e["params"].get("courseid") == "2":
                for u in e["response"] if isinstance(e["response"], list) else ():
                    if u["id"] == 17:
                        u["lastcourseaccess"] = NOW + 7500
            if e["wsfunction"] == "core_enrol_get_users_courses" and e["params"]["userid"] == "17":
                next(c for c in e["response"] if c["id"] == 2)["progress"] = 100 / 7  # the survey, of 7
            if e["wsfunction"] == "mod_feedback_get_responses_analysis" and e["params"] == {"feedbackid": "1"}:
                attempts = e["response"]["attempts"]
                attempts.append({**attempts[0], "id": 999, "userid": 17, "fullname": "Zoé Girard"})
                e["response"]["totalattempts"] += 1
            if e["wsfunction"] == FUNCTION and e["params"] == {"feedbackid": "1"}:
                e["response"]["users"] = [u for u in e["response"]["users"] if u["userid"] != 17]
                e["response"]["total"] -= 1

    third = app.sync(settings_for(store_url), transport=transport(answered), now=NOW + 9000)
    assert third.calls["mod_feedback_get_responses_analysis"] == 1 and third.calls[FUNCTION] == 1
    rows, read = held(store_url)
    assert 17 not in rows and len(rows) == 6 and read is True


def test_a_survey_moodle_calls_anonymous_names_nobody(store_url):
    def anonymous(entries):
        for e in entries:
            if e["wsfunction"] == FUNCTION and e["params"] == {"feedbackid": "1"}:
                e["response"] = {"exception": "core\\exception\\moodle_exception", "errorcode": "anonymous",
                                 "message": "Anonymous"}

    settings = settings_for(store_url).model_copy(update={"programmes": DEMO_PROGRAMMES,
                                                          "quality": QualityConfig(course_ids=[10])})
    result = app.sync(settings, transport=transport(anonymous), now=NOW)
    assert result.status == "ok", result.error
    with app.open_store(store_url, migrate=False).sessions() as s:
        assert s.get(Feedback, 1).anonymous is True
        assert not s.scalars(select(FeedbackNonRespondent)).all()
    ev = run_evaluation(settings, app.open_store(store_url, migrate=False).sessions, NOW)
    digests = build_digests(ev)
    assert any(dc.course.shortname == "BTSMCO-DRC" for d in digests for dc in d.courses)
    assert not any(dc.to_remind for d in digests for dc in d.courses)


def test_a_closed_survey_leaves_the_scope_its_list_and_marker_dropped(store_url):
    app.sync(settings_for(store_url), transport=transport(), now=NOW)
    assert held(store_url)[0]

    def closed(entries):
        for e in entries:
            if e["wsfunction"] == "mod_feedback_get_feedbacks_by_courses":
                for f in e["response"].get("feedbacks", []):
                    if f["id"] == 1:
                        f["timeclose"] = NOW - 60
    result = app.sync(settings_for(store_url), transport=transport(closed), full=True, now=NOW + 3600)
    assert result.status == "ok" and FUNCTION not in result.calls
    assert held(store_url) == ({}, False)
    with app.open_store(store_url, migrate=False).sessions() as s:
        assert not s.scalars(select(FetchState).where(FetchState.resource == "non_respondents")).all()
    reopened = app.sync(settings_for(store_url), transport=transport(), full=True, now=NOW + 7200)
    assert reopened.calls[FUNCTION] == 1 and len(held(store_url)[0]) == 7
