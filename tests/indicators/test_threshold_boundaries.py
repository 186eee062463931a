"""Every numeric threshold at, just below and just above its value, where its own indicator's tests do not.

Already at their boundaries elsewhere: inactive_days (test_i12_engagement), complaint_answer_days,
complaint_ack_days and difficulty_max_score (test_i31_complaints), positioning_min and
positioning_grace_days (test_i08_positioning), trainer_training_months (test_i22_trainers_skills),
evidence_max_age_days (test_evidence), coverage_min (test_status). Here: summary_min_chars (6),
teacher_recent_days (10), dropout_inactive_days (12), response_rate_warn and satisfaction_min (30).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from mappings.indicators import i06_contents, i10_followup, i12_engagement, i30_appreciations
from mappings.model import DAY, Outcome, ResponseSnap, StaffSnap
from tests.indicators.builders import NOW, feedback, good_course, inp


def whats(v) -> set[str]:
    return {f.what for f in v.findings}


@pytest.mark.parametrize(("chars", "short"), [(199, True), (200, False), (201, False)])
def test_summary_of_exactly_the_minimum_visible_characters_is_long_enough(chars, short):
    summary = "<p>Objectifs " + "x" * (chars - 10) + "</p>"  # tags are not visible characters
    v = i06_contents.evaluate(inp(good_course(summary=summary)))
    assert ("Résumé du cours absent ou trop court" in whats(v)) is short
    too_short = [f for f in v.findings if f.what == "Résumé du cours absent ou trop court"]
    assert not too_short or too_short[0].why == f"{chars} caractères visibles, 200 attendus au minimum"


@pytest.mark.parametrize(("ago", "idle"), [(30 * DAY - 1, False), (30 * DAY, False), (30 * DAY + 1, True)])
def test_a_teacher_seen_exactly_teacher_recent_days_ago_is_still_active(ago, idle):
    c = good_course(staff=(StaffSnap(43, "Sophie Martin", "editingteacher", NOW - ago),))
    v = i10_followup.evaluate(inp(c))
    assert ("Aucun formateur actif récemment" in whats(v)) is idle
    assert ("Aucun formateur actif récemment" in whats(i10_followup.evaluate(inp(c, teacher_recent_days=31)))) is False


@pytest.mark.parametrize(("days", "dropped"), [(59, False), (60, False), (61, True)])
def test_a_learner_idle_exactly_dropout_inactive_days_has_not_dropped_out(days, dropped):
    """Figures of a course still running: one learner idle `days` whole days, nine active recently."""
    c = good_course()
    learners = (replace(c.learners[9], lastcourseaccess=NOW - days * DAY), *c.learners[:9])
    v = i12_engagement.evaluate(inp(replace(c, learners=learners)))
    assert v.courses[0].figures["abandons"] == int(dropped)
    assert v.courses[0].figures["inactifs"] == 1  # idle past inactive_days (30) whatever the dropout


def _rated(*scores: int):
    base = feedback(len(scores))
    return replace(base, responses=tuple(ResponseSnap(i, {1: str(s)}) for i, s in enumerate(scores)))


@pytest.mark.parametrize(("answers", "low"), [(4, True), (5, False), (6, False)])
def test_a_response_rate_of_exactly_the_warning_share_is_not_low(answers, low):
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(feedback(answers),))))  # 10 active learners
    assert ("Taux de réponse faible" in whats(v)) is low


@pytest.mark.parametrize(("scores", "low"), [((3, 4, 3, 4, 3, 4, 3, 3), True),  # 3.375
                                             ((3, 4), False),  # exactly 3.5
                                             ((4, 3, 4, 4), False)])  # 3.75
def test_a_satisfaction_of_exactly_the_minimum_is_enough(scores, low):
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(_rated(*scores),))))
    assert v.figures["satisfaction_sur_5"] == round(sum(scores) / len(scores), 2)
    assert ("Satisfaction insuffisante" in whats(v)) is low


def test_a_course_without_a_start_date_has_incomplete_dates():
    v = i06_contents.evaluate(inp(good_course(startdate=0)))
    dates = [f for f in v.findings if f.what == "Dates du cours incomplètes"]
    assert [f.why for f in dates] == ["date de début non renseignée"]


def test_follow_up_of_a_programme_without_a_visible_course_is_not_judged_on_nothing():
    v = i10_followup.evaluate(inp(good_course(visible=False)))
    assert (v.indicator, v.outcome, v.summary) == (10, Outcome.NOT_EVALUATED, "Aucun cours visible dans le programme.")


@pytest.mark.parametrize(("start", "current"), [(NOW, True), (NOW + 1, False)])
def test_a_contract_starting_right_now_is_current_and_two_apprentices_are_plural(start, current):
    from mappings.indicators import i13_apprenticeship
    from mappings.indicators.base import EvalInput
    from mappings.model import ContractSnap

    c = good_course()
    c = replace(c, learners=c.learners[:2])
    contracts = {x.user_id: (ContractSnap(x.user_id, start, NOW + 300 * DAY, "Carrefour", "M. Dupont"),)
                 for x in c.learners}
    v = i13_apprenticeship.evaluate(EvalInput(**{**inp(c).__dict__, "contracts": contracts}))
    missing = [f for f in v.findings if f.what == "Alternant sans contrat en cours"]
    assert (missing == []) is current
    if current:
        assert v.summary.startswith("2 alternants sur 2")


@pytest.mark.parametrize(("enddate", "outcome"), [(NOW, Outcome.WARN), (NOW - 1, Outcome.FAILED)])
def test_a_course_ending_right_now_without_survey_has_not_ended_yet(enddate, outcome):
    v = i30_appreciations.evaluate(inp(good_course(enddate=enddate, feedbacks=()), good_course(id=3)))
    none = [f for f in v.findings if f.what == "Aucun questionnaire de satisfaction"]
    assert [f.severity for f in none] == [outcome]


def test_survey_kinds_are_counted_from_zero_and_a_numeric_item_without_range_is_no_score():
    from mappings.model import FeedbackItemSnap

    v = i30_appreciations.evaluate(inp(good_course()))
    assert (v.figures["a_chaud"], v.figures["a_froid"]) == (1, 0)
    flat = FeedbackItemSnap(2, "q_note", "Note", "numeric", "5|5")  # min = max: no scale to read
    fb = feedback(4)
    fb = replace(fb, items=(*fb.items, flat), responses=tuple(replace(r, values={**r.values, 2: "5"})
                                                            for r in fb.responses))
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(fb,)), satisfaction_items=["q_global", "q_note"]))
    assert v.figures["satisfaction_sur_5"] == 4.0  # the rated item only


def test_the_core_inputs_and_verdicts_are_frozen():
    """Plain frozen inputs, verdicts out (the house rule): every dataclass of the core's model is frozen."""
    import dataclasses

    from mappings import model, programmes, referentiel

    classes = [c for mod in (model, programmes, referentiel) for c in vars(mod).values()
               if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == mod.__name__]
    assert len(classes) > 10 and [c.__name__ for c in classes if not c.__dataclass_params__.frozen] == []
