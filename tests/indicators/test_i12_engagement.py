from mappings.indicators import i12_engagement
from mappings.indicators.base import EvalInput
from mappings.model import DAY, LearnerSnap, Outcome
from tests.indicators.builders import NOW, good_course, inp


def test_pass_all_active():
    v = i12_engagement.evaluate(inp(good_course()))
    assert v.outcome == Outcome.PASSED
    assert v.figures["termines"] == 5 and v.figures["en_cours"] == 5 and v.figures["taux_achevement"] == 0.5
    assert "Abandon" in v.figures["definition"]


def test_counts_and_at_risk_learners():
    learners = (
        LearnerSnap(1, "Jamais Vu", None, "active", 0),
        LearnerSnap(2, "Inactif", None, "active", NOW - 45 * DAY, activities_done=1, activities_tracked=3),
        LearnerSnap(3, "Décroché", None, "active", NOW - 62 * DAY),
        LearnerSnap(4, "Suspendu", None, "suspended", NOW - 6 * DAY),
        LearnerSnap(5, "Fini", None, "active", NOW - DAY, completed=True),
    )
    v = i12_engagement.evaluate(inp(good_course(learners=learners)))
    f = v.figures
    assert (f["inscrits_actifs"], f["suspendus"], f["jamais_connectes"], f["inactifs"]) == (4, 1, 1, 2)
    assert (f["termines"], f["en_cours"], f["non_commences"], f["abandons"]) == (1, 1, 2, 2)
    assert f["taux_abandon"] == 0.5 and v.outcome == Outcome.FAILED
    assert {x.where.learner for x in v.findings} == {"Jamais Vu", "Inactif", "Décroché"}


def test_ended_course_counts_non_completers_as_dropouts():
    c = good_course(enddate=NOW - DAY)
    v = i12_engagement.evaluate(inp(c))
    assert v.figures["abandons"] == 5 and not v.findings  # nobody "at risk" once the course is over


def test_no_learner_not_evaluated_and_trend():
    assert i12_engagement.evaluate(inp(good_course(learners=()))).outcome == Outcome.NOT_EVALUATED
    base = inp(good_course())
    with_history = EvalInput(**{**base.__dict__, "history": {12: ({"taux_abandon": 0.3},)}})
    assert i12_engagement.evaluate(with_history).figures["taux_abandon_precedent"] == 0.3
