"""Property tests (hypothesis) of the rate computations: bounds, empty courses, suspended-only courses."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mappings.indicators import i12_engagement, i30_appreciations
from mappings.indicators.base import rate
from mappings.indicators.results import result_figures
from mappings.model import DAY, LearnerSnap, Outcome, ResponseSnap
from tests.indicators.builders import NOW, feedback, good_course, inp

learner = st.builds(
    LearnerSnap,
    user_id=st.integers(1, 10_000),
    fullname=st.just("Apprenant"),
    idnumber=st.none(),
    status=st.sampled_from(["active", "suspended"]),
    lastcourseaccess=st.one_of(st.just(0), st.integers(NOW - 400 * DAY, NOW)),
    completed=st.one_of(st.none(), st.booleans()),
    activities_done=st.integers(0, 5),
    activities_tracked=st.just(5),
)
learners = st.lists(learner, max_size=40, unique_by=lambda x: x.user_id)
course_end = st.one_of(st.just(0), st.integers(NOW - 200 * DAY, NOW + 200 * DAY))


def unit(x: float) -> bool:
    return 0.0 <= x <= 1.0


@settings(deadline=None)
@given(st.integers(-5, 1000), st.integers(-5, 1000))
@example(0, 1000).via("nothing of many: exactly 0")  # the edges a random draw may miss (mutation run)
@example(1, 1).via("one of one: 100 %")
@example(-3, 5).via("a negative count: 0")
def test_rate_is_always_within_0_and_1(part, whole):
    r = rate(part, whole)
    assert unit(r)
    if whole <= 0:
        assert r == 0.0
    elif 0 <= part <= whole:
        assert abs(r - part / whole) <= 0.0005 + 1e-12  # rounded to 0.1 % (half to even: 1/16 → 0.062)


@settings(max_examples=150, deadline=None)
@given(learners, course_end)
def test_engagement_counts_add_up_and_rates_are_bounded(people, end):
    c = good_course(learners=tuple(people), enddate=end)
    at_risk: dict = {}
    fig = i12_engagement.course_figures(c, inp(c), at_risk)
    risks = list(at_risk)
    active = [x for x in people if x.status == "active"]
    assert fig["inscrits_actifs"] == len(active) and fig["suspendus"] == len(people) - len(active)
    assert fig["termines"] + fig["en_cours"] + fig["non_commences"] == len(active)
    for k in ("jamais_connectes", "inactifs", "abandons"):
        assert 0 <= fig[k] <= len(active)
    assert unit(fig["taux_achevement"]) and unit(fig["taux_abandon"])
    assert len(risks) <= len(active)
    if not active:  # empty or suspended-only course
        assert fig["taux_achevement"] == fig["taux_abandon"] == 0.0 and not risks
    v = i12_engagement.evaluate(inp(c))
    if not people:
        assert v.outcome == Outcome.NOT_EVALUATED
    else:
        assert unit(v.figures["taux_achevement"]) and unit(v.figures["taux_abandon"])


@settings(max_examples=100, deadline=None)
@given(st.lists(learner, min_size=1, max_size=20, unique_by=lambda x: x.user_id),
       st.integers(0, 60), st.integers(1, 3))
def test_response_rate_is_bounded_even_with_more_answers_than_learners(people, answers, surveys):
    fb = tuple(replace(feedback(answers), id=i, cmid=100 + i,
                       responses=tuple(ResponseSnap(i * 1000 + k, {1: "4"}) for k in range(answers)))
               for i in range(surveys))
    v = i30_appreciations.evaluate(inp(good_course(learners=tuple(people), feedbacks=fb)))
    if any(x.status == "active" for x in people):
        assert unit(v.figures["taux_reponse"])
    assert v.outcome in {Outcome.PASSED, Outcome.WARN, Outcome.FAILED}


@settings(max_examples=100, deadline=None)
@given(st.lists(learners, max_size=4))
def test_result_figures_are_bounded(per_course):
    courses = [replace(good_course(learners=tuple(p)), id=i + 1, shortname=f"C{i}") for i, p in enumerate(per_course)]
    fig = result_figures(inp(*courses))
    if not courses:
        assert "taux_achevement" not in fig  # nothing to count: no figure, rather than 0 %
        return
    assert unit(fig["taux_achevement"]) and unit(fig["taux_reussite_parcours"])


def test_exact_rates_and_durations():
    from mappings.indicators.base import programme_duration_days
    from mappings.programmes import Programme

    assert (rate(0, 1000), rate(1, 1), rate(1, 3), rate(-3, 5), rate(5, 3), rate(2, 0)) == (0.0, 1.0, 0.333, 0.0,
                                                                                            1.0, 0.0)
    ten_hours = inp(good_course(), programme=Programme("P", "P", duration_hours=10))
    assert programme_duration_days(ten_hours) == 1.4  # 10 h at 7 h a day, one decimal


def test_eval_input_is_frozen_and_course_lines_count_their_findings():
    import dataclasses

    import pytest

    from mappings.indicators import i06_contents

    i = inp(good_course())
    with pytest.raises(dataclasses.FrozenInstanceError):
        i.now = 0  # type: ignore[misc]
    bare = good_course(summary="", sections=())
    v = i06_contents.evaluate(inp(bare))
    (line,) = v.courses
    fails = sum(f.severity == Outcome.FAILED for f in v.findings)
    warns = sum(f.severity == Outcome.WARN for f in v.findings)
    assert fails and line.figures["manques"] == fails and line.figures["avertissements"] == warns
