"""Bracket flattening: a property test (round trip through a PHP-style parser) and recorded bodies."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.moodle.params import flatten_params, options
from tests.conftest import load_fixture

_SEG = re.compile(r"\[([^\]]*)\]")


def php_parse(fields: list[tuple[str, str]]) -> dict:
    """What PHP's $_POST makes of the fields (lists come back as dicts keyed by index)."""
    out: dict = {}
    for name, value in fields:
        head = name.split("[", 1)[0]
        path = [head] + _SEG.findall(name[len(head):])
        node = out
        for seg in path[:-1]:
            node = node.setdefault(seg, {})
        node[path[-1]] = value
    return out


def as_php(value):
    """The PHP view of a Python value: lists become index-keyed dicts, scalars strings."""
    if isinstance(value, dict):
        return {str(k): as_php(v) for k, v in value.items() if as_php(v) != {}}
    if isinstance(value, list):
        return {str(i): as_php(v) for i, v in enumerate(value) if as_php(v) != {}}
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
scalars = st.one_of(st.integers(-10**9, 10**9), st.booleans(), st.text(max_size=20))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(keys, inner, max_size=4)), max_leaves=20)


@given(st.dictionaries(keys, values, max_size=5))
def test_flatten_round_trips_through_php_parsing(params):
    assert php_parse(flatten_params(params)) == as_php(params)


@given(st.booleans())
def test_booleans_are_sent_as_0_or_1(flag):
    assert flatten_params({"addsubcategories": flag}) == [("addsubcategories", "1" if flag else "0")]


def test_empty_lists_are_omitted_and_none_is_refused():
    assert flatten_params({"courseids": [], "x": 1}) == [("x", "1")]
    with pytest.raises(ValueError):
        flatten_params({"x": None})


def _recorded(name: str) -> list[tuple[str, str]]:
    params = load_fixture(name)["params"]
    return [(k, str(v)) for k, v in params.items() if k not in {"wstoken", "wsfunction", "moodlewsrestformat"}]


@pytest.mark.parametrize(
    "fixture, params",
    [
        ("mod_feedback_get_feedbacks_by_courses__4courses.json", {"courseids": [2, 3, 5, 8]}),
        ("core_enrol_get_enrolled_users__C1_userfields_onlyactive.json", {"courseid": 2, "options": [
            {"name": "onlyactive", "value": 1},
            {"name": "userfields", "value": "id,fullname,email,idnumber,firstaccess,lastaccess,lastcourseaccess,"
                                            "roles,groups,enrolledcourses"}]}),
        ("core_enrol_get_enrolled_users__C1_page1.json", None),
        ("core_calendar_get_calendar_events__C1.json", None),
        ("core_completion_get_course_completion_status__C1_student01_complete.json", {"courseid": 2, "userid": 3}),
        ("mod_forum_add_discussion__C1_news_with_attachment.json", None),
        ("core_message_send_instant_messages__to_teacher1.json", None),
        ("error__enrolled_users_with_capability_needs_role_review.json", None),
    ],
)
def test_recorded_request_bodies(fixture, params):
    recorded = _recorded(fixture)
    if params is None:  # rebuild the nested structure from the recording, then flatten it again
        params = php_parse(recorded)
    assert sorted(flatten_params(params)) == sorted(recorded)


def test_options_helper():
    assert options(onlyactive=True, limitnumber=5) == [
        {"name": "onlyactive", "value": "1"}, {"name": "limitnumber", "value": "5"}]
