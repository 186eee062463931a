"""The generated Moodle answers in the recorded shapes: every recorded key exists, the same models accept it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.moodle_sim import unflatten
from bench.sitegen import REPORT_ID, GeneratedSite, SimError
from connector.moodle import models as m
from connector.moodle import report as rb
from tests.conftest import ROOT, all_fixtures, set2_fixtures

README = " ".join((ROOT / "README.md").read_text("utf-8").split())

SITE = GeneratedSite(seed=3, size="tiny")
ALT = next(c for c in SITE.courses() if c.alternance and c.first_of_programme and c.feedback)  # every module kind
NAMED = next(c for c in SITE.courses() if c.feedback and c.programme % 2 == 1  # a non-anonymous survey, answered
             and SITE.answer("mod_feedback_get_responses_analysis", {"feedbackid": c.id})["attempts"])
CRIT = next(c for c in SITE.courses() if c.completion and c.criteria and not c.big)  # has completion criteria
LEARNER = next(u for u in SITE.learners(CRIT) if 0 < SITE.enrolment(CRIT, u).done < len(SITE.tracked(CRIT)))


def requests_for(fn: str) -> list[dict[str, Any]]:
    """The generated answers compared with the recordings of ``fn`` (their union of keys)."""
    return {
        "core_webservice_get_site_info": [{}],
        "core_course_get_categories": [{}],
        "core_course_get_courses_by_field": [{}],
        "core_course_get_contents": [{"courseid": ALT.id}],
        "core_enrol_get_enrolled_users": [{"courseid": ALT.id}, {"courseid": ALT.id, "options": [
            {"name": "onlyactive", "value": "1"}, {"name": "userfields", "value": "id,fullname,email,idnumber"}]}],
        "core_completion_get_activities_completion_status": [{"courseid": CRIT.id, "userid": LEARNER}],
        "core_completion_get_course_completion_status": [{"courseid": CRIT.id, "userid": LEARNER}],
        "mod_feedback_get_feedbacks_by_courses": [{"courseids": [ALT.id, NAMED.id]}],
        "mod_feedback_get_items": [{"feedbackid": ALT.id}],
        "mod_feedback_get_responses_analysis": [{"feedbackid": ALT.id}, {"feedbackid": NAMED.id}],
        "mod_feedback_get_non_respondents": [{"feedbackid": NAMED.id}],
        "core_enrol_get_users_courses": [{"userid": LEARNER, "returnusercount": 1}],
        "mod_forum_get_forums_by_courses": [{"courseids": [ALT.id]}],
        "mod_forum_get_forum_discussions": [{"forumid": SITE.cmid(ALT, 28)}],
        "mod_page_get_pages_by_courses": [{"courseids": [ALT.id]}],
    }.get(fn, [])


# the generated site has no quality course: the registers are tested on the second set's recordings
# (tests/test_registers.py), not simulated
NOT_SIMULATED = {"mod_data_get_databases_by_courses", "mod_data_get_fields", "mod_data_get_entries"}


def key_paths(obj: Any, path: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(f"{path}.{k}")
            out |= key_paths(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for v in obj:
            out |= key_paths(v, f"{path}[]")
    return out


def recorded() -> list[tuple[str, Any]]:
    out = []
    for f in (*all_fixtures(), *(f for f in set2_fixtures() if f.name.startswith("mod_page_"))):
        rec = json.loads(f.read_text("utf-8"))
        body = rec.get("response")
        if requests_for(rec.get("wsfunction", "")) and rec.get("http_status") == 200 and body is not None \
                and not (isinstance(body, dict) and "exception" in body):
            out.append((f.stem, rec))
    return out


RECORDED = recorded()


def test_the_generated_site_covers_the_functions_the_sync_uses():
    served = {rec["wsfunction"] for _, rec in RECORDED}
    assert set(m.PARSERS) - NOT_SIMULATED <= served
    assert "the 54 recorded successful answers" in README and len(RECORDED) == 54  # the README says so


@pytest.mark.parametrize("name, rec", RECORDED, ids=[n for n, _ in RECORDED])
def test_every_recorded_key_exists_in_the_generated_answer(name, rec):
    fn = rec["wsfunction"]
    generated = [SITE.answer(fn, p) for p in requests_for(fn)]
    missing = key_paths(rec["response"]) - set().union(*(key_paths(g) for g in generated))
    if fn == "core_enrol_get_enrolled_users":  # recorded options the sync never sends (custom profile fields)
        missing = {k for k in missing if "customfields" not in k and "preferences" not in k}
    assert not missing, f"{name}: generated answers lack {sorted(missing)[:10]}"
    for g in generated:  # and the connector's models accept the generated answer
        m.PARSERS[fn](g)


def test_report_pages_follow_the_report_recipe_and_add_up():
    rows, total = [], None
    for page in range(10):
        p = rb.parse_report_page(SITE.answer(rb.WSFUNCTION, {"reportid": REPORT_ID, "page": page, "perpage": 25}))
        total = p.data.totalrowcount
        rows += [r["columns"] for r in p.data.rows]
        if (page + 1) * 25 >= total:
            break
    assert len(rows) == total == SITE.total_rows
    people: dict = {}
    rb.merge_rows(rows, SITE._tzinfo, people)
    assert sum(len(v) for v in people.values()) == SITE.total_enrolments
    course_order = [rb.course_of(r) for r in rows]
    assert course_order == sorted(course_order, key=lambda cid: SITE.by_id[cid].shortname)  # grouped by course


def test_generation_is_deterministic_and_change_moves_only_a_fraction():
    a, b = GeneratedSite(seed=9, size="small"), GeneratedSite(seed=9, size="small")
    page = {"reportid": REPORT_ID, "page": 0, "perpage": 100000}
    assert a.answer(rb.WSFUNCTION, page) == b.answer(rb.WSFUNCTION, page)
    before = a.answer(rb.WSFUNCTION, page)["data"]["rows"]
    done = a.change(0.02)
    after = a.answer(rb.WSFUNCTION, page)["data"]["rows"]
    assert done["new_enrolments"] == len(after) - len(before)
    moved = len({json.dumps(r) for r in after} - {json.dumps(r) for r in before})
    assert 0 < moved <= 0.03 * len(before)
    assert GeneratedSite(seed=10, size="small").answer(rb.WSFUNCTION, page) != b.answer(rb.WSFUNCTION, page)


def test_moodle_errors_and_flattened_parameters():
    with pytest.raises(SimError) as exc:
        SITE.answer("core_course_get_contents", {"courseid": 99999})
    assert exc.value.body["errorcode"] == "invalidrecord"
    no_criteria = next(c for c in SITE.courses() if c.completion and not c.criteria)
    with pytest.raises(SimError) as exc:
        SITE.answer("core_completion_get_course_completion_status",
                    {"courseid": no_criteria.id, "userid": SITE.learners(no_criteria)[0]})
    assert exc.value.body["errorcode"] == "nocriteriaset"
    assert unflatten([("courseids[0]", "2"), ("courseids[1]", "5"), ("options[0][name]", "onlyactive"),
                      ("options[0][value]", "1"), ("courseid", "3")]) == \
        {"courseids": ["2", "5"], "options": [{"name": "onlyactive", "value": "1"}], "courseid": "3"}
