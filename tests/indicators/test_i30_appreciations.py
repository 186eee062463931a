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
