"""The payload models accept every recorded answer of the functions they cover."""

from __future__ import annotations

import json

import pytest

from connector import errors
from connector.moodle import models
from tests.conftest import all_fixtures, load_fixture


def _covered() -> list[str]:
    out = []
    for f in all_fixtures():
        d = json.loads(f.read_text())
        r = d.get("response")
        if d.get("wsfunction") in models.PARSERS and not (isinstance(r, dict) and "exception" in r) and r is not None:
            out.append(f.name)
    return out


COVERED = _covered()


def test_every_parsed_function_has_recordings():
    functions = {load_fixture(n)["wsfunction"] for n in COVERED}
    assert functions == set(models.PARSERS)
    assert len(COVERED) >= 35


@pytest.mark.parametrize("name", COVERED)
def test_model_accepts_recording(name):
    d = load_fixture(name)
    parsed = models.PARSERS[d["wsfunction"]](d["response"])
    assert parsed is not None


def test_extra_fields_are_kept():
    d = load_fixture("core_course_get_courses_by_field__all.json")
    course = models.parse_courses(d["response"])[0]
    assert course.model_extra  # e.g. enrollmentmethods, courseimage …


def test_wrong_shape_names_the_place():
    with pytest.raises(errors.UnexpectedPayloadError, match=r"courses\.0\.id"):
        models.parse_courses({"courses": [{"id": "abc"}], "warnings": []})
    with pytest.raises(errors.UnexpectedPayloadError):
        models.parse_enrolled_users({"users": []})


def test_anonymous_and_named_attempts():
    named = models.parse_responses_analysis(load_fixture("mod_feedback_get_responses_analysis__C1_nonanon.json")["response"])
    anon = models.parse_responses_analysis(load_fixture("mod_feedback_get_responses_analysis__C2_anon.json")["response"])
    assert len(named.attempts) == 8 and not named.anonattempts
    assert len(anon.anonattempts) == 5 and not anon.attempts
    assert all(not hasattr(a, "userid") or a.model_extra.get("userid") is None for a in anon.anonattempts)
