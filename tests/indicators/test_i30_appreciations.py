from mappings.indicators import i30_appreciations
from mappings.model import DAY, Outcome
from tests.indicators.builders import NOW, feedback, good_course, inp


def test_pass_rate_and_score():
    v = i30_appreciations.evaluate(inp(good_course()))
    assert v.outcome == Outcome.PASSED
    assert v.figures["taux_reponse"] == 1.0 and v.figures["satisfaction_sur_5"] == 4.0
    assert v.figures["a_chaud"] == 1 and v.figures["publics"] == "apprenants"


def test_fail_ended_course_without_survey():
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(), enddate=NOW - DAY)))
    assert v.outcome == Outcome.FAILED


def test_warn_low_rate_and_low_score():
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(feedback(2, score=2),))))
    assert v.outcome == Outcome.WARN
    assert {f.what for f in v.findings} == {"Taux de réponse faible", "Satisfaction insuffisante"}


def test_audiences_by_configured_pattern_and_numeric_items_on_the_1_to_5_scale():
    from dataclasses import replace

    from mappings.model import FeedbackItemSnap, ResponseSnap

    company = replace(feedback(3), id=2, cmid=13, name="Questionnaire OPCO Atlas")
    learners = feedback(10)
    marks = replace(learners, items=(*learners.items, FeedbackItemSnap(2, "q_note", "Note", "numeric", "0|10")),
                    responses=tuple(ResponseSnap(r.id, {**r.values, 2: "10"}) for r in learners.responses))
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(marks, company)),
                                       satisfaction_items=["q_global", "q_note"]))
    assert v.figures["publics"] == "apprenants, financeurs"
    assert v.figures["satisfaction_sur_5"] == round((10 * 4 + 10 * 5 + 3 * 4) / 23, 2)
    own = i30_appreciations.evaluate(inp(good_course(feedbacks=(company,)), audience_funders_pattern="^$"))
    assert own.figures["publics"] == "apprenants"
