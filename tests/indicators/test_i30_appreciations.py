from dataclasses import replace

from mappings.indicators import i30_appreciations
from mappings.model import DAY, Evidence, FeedbackItemSnap, Outcome, ResponseSnap
from mappings.programmes import Programme
from tests.indicators.builders import NOW, feedback, good_course, inp

OPEN_QUESTION = FeedbackItemSnap(9, "q_libre", "Qu’améliorer ?", "textarea", "")


def everyone_asked(**kw):
    """Learners (with a free-text question), funders and the teaching team asked: the grid is full."""
    learners = feedback(10)
    learners = replace(learners, items=(*learners.items, OPEN_QUESTION))
    funders = replace(feedback(2), id=2, cmid=13, name="Questionnaire financeur (OPCO)")
    team = replace(feedback(2), id=3, cmid=14, name="Bilan de l’équipe formateurs")
    return good_course(**{"feedbacks": (learners, funders, team), **kw})


def test_pass_rate_and_score():
    v = i30_appreciations.evaluate(inp(everyone_asked()))
    assert v.outcome == Outcome.PASSED, v.findings
    assert v.figures["satisfaction_sur_5"] == 4.0 and v.figures["publics"] == "apprenants, financeurs, formateurs"
    assert v.figures["parties_prenantes"] == ("apprenants : 1 source ; financeurs : 1 source ; équipe pédagogique : "
                                              "1 source")


def test_a_stakeholder_never_asked_and_no_free_text_are_to_consolidate():
    v = i30_appreciations.evaluate(inp(good_course()))  # learners only, rated questions only
    assert v.outcome == Outcome.WARN
    assert {f.what for f in v.findings} == {"Partie prenante jamais interrogée : financeurs",
                                             "Partie prenante jamais interrogée : équipe pédagogique",
                                             "Aucune question ouverte"}
    alternance = Programme("BTS", "BTS", alternance=True)
    v = i30_appreciations.evaluate(inp(everyone_asked(), programme=alternance))
    assert [f.what for f in v.findings] == ["Partie prenante jamais interrogée : entreprises"]
    assert "entreprises : jamais interrogées" in v.figures["parties_prenantes"]
    by_mail = Evidence("Enquête employeurs 2026 (courriel)", source="register", indicators=(30,), scope="organisme")
    asked = i30_appreciations.evaluate(replace(inp(everyone_asked(), programme=alternance), evidence=(by_mail,)))
    assert asked.outcome == Outcome.PASSED
    # the entry names employers only: nobody else is counted asked by it
    assert asked.figures["parties_prenantes"] == ("apprenants : 1 source ; entreprises : 1 source ; financeurs : "
                                                  "1 source ; équipe pédagogique : 1 source")
    bilan = Programme("BC", "Bilan", action_category="bilan_de_competences")
    learners_and_team = everyone_asked(feedbacks=everyone_asked().feedbacks[::2])
    assert i30_appreciations.evaluate(inp(learners_and_team, programme=bilan)).outcome == Outcome.PASSED


def test_positioning_and_assessment_surveys_are_not_appreciations():
    course = everyone_asked()
    quiz = replace(feedback(5, score=1), id=4, cmid=15, name="Évaluation des acquis — module 1")
    entry = replace(feedback(5, score=1), id=5, cmid=16, name="Questionnaire de positionnement")
    v = i30_appreciations.evaluate(inp(replace(course, feedbacks=(*course.feedbacks, quiz, entry))))
    assert v.figures["questionnaires"] == 3 and v.figures["satisfaction_sur_5"] == 4.0


def test_learners_who_have_not_answered_a_named_survey_are_listed_to_be_reminded():
    course = everyone_asked()
    named = replace(course.feedbacks[0], anonymous=False,
                    responses=tuple(replace(r, user_id=100 + r.id) for r in course.feedbacks[0].responses[:7]))
    v = i30_appreciations.evaluate(inp(replace(course, feedbacks=(named, *course.feedbacks[1:]))))
    reminders = [f for f in v.findings if f.where.learner]
    assert [f.where.learner for f in reminders] == ["Apprenant 7", "Apprenant 8", "Apprenant 9"]
    assert all(f.severity == Outcome.PASSED for f in reminders) and v.outcome == Outcome.PASSED
    assert v.figures["sans_reponse_a_relancer"] == 3
    anonymous = replace(named, anonymous=True)  # Moodle answers « anonymous »: nobody can be named
    v = i30_appreciations.evaluate(inp(replace(course, feedbacks=(anonymous, *course.feedbacks[1:]))))
    assert not [f for f in v.findings if f.where.learner]
    ended = replace(course, feedbacks=(named, *course.feedbacks[1:]), enddate=NOW - DAY)
    assert not [f for f in i30_appreciations.evaluate(inp(ended)).findings if f.where.learner]


def test_moodles_list_of_non_respondents_wins_over_the_synced_answers_less_who_is_not_active():
    """Once Moodle's list is read, it says who is to remind: not the learners without a synced answer (the
    answers may be older than the list), never a suspended learner Moodle includes; who began without
    sending is told so."""
    course = everyone_asked()
    learners = tuple(replace(x, status="suspended") if x.user_id == 109 else x for x in course.learners)
    named = replace(course.feedbacks[0], anonymous=False, responses=(),  # no answer synced yet
                    non_respondents=((108, True), (109, False), (103, False), (999, False)))
    v = i30_appreciations.evaluate(inp(replace(course, learners=learners, feedbacks=(named, *course.feedbacks[1:]))))
    reminders = {f.where.learner: f.why for f in v.findings if f.where.learner}
    assert reminders == {"Apprenant 3": "n’a pas encore répondu", "Apprenant 8": "a commencé sans envoyer ses réponses"}
    everyone_answered = replace(named, non_respondents=())
    v = i30_appreciations.evaluate(inp(replace(course, feedbacks=(everyone_answered, *course.feedbacks[1:]))))
    assert not [f for f in v.findings if f.where.learner]


def test_fail_ended_course_without_survey():
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(), enddate=NOW - DAY)))
    assert v.outcome == Outcome.FAILED


def test_warn_low_rate_and_low_score():
    course = everyone_asked()
    low = replace(course.feedbacks[0], responses=tuple(ResponseSnap(i, {1: "2"}) for i in range(2)))
    v = i30_appreciations.evaluate(inp(replace(course, feedbacks=(low, *course.feedbacks[1:]))))
    assert v.outcome == Outcome.WARN
    assert {f.what for f in v.findings} == {"Taux de réponse faible", "Satisfaction insuffisante"}


def test_audiences_by_configured_pattern_and_numeric_items_on_the_1_to_5_scale():
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


def test_two_sources_are_plural_and_rated_values_follow_the_presentation_not_the_position():
    course = everyone_asked()
    cold = replace(course.feedbacks[0], id=6, cmid=17, name="Questionnaire à froid",
                   items=(FeedbackItemSnap(1, "q_global", "Satisfaction", "multichoicerated",
                                           "r>>>>>5####Très satisfait|4####Satisfait|1####Pas du tout"),),
                   responses=(ResponseSnap(1, {1: "1"}), ResponseSnap(2, {1: "3"})))  # choices 1 and 3: 5 and 1
    v = i30_appreciations.evaluate(inp(replace(course, feedbacks=(*course.feedbacks, cold))))
    assert v.figures["parties_prenantes"].startswith("apprenants : 2 sources ; financeurs : 1 source")
    assert v.figures["satisfaction_sur_5"] == round((14 * 4 + 5 + 1) / 16, 2)
    unnumbered = replace(cold, items=(replace(cold.items[0], presentation="r>>>>>Pas du tout|Peu|Assez|Très"),))
    v = i30_appreciations.evaluate(inp(replace(course, feedbacks=(*course.feedbacks, unnumbered))))
    assert v.figures["satisfaction_sur_5"] == round((14 * 4 + 1 + 3) / 16, 2)  # choices without values: 1, 2, 3…


def test_answers_of_a_course_without_active_learners_do_not_count_in_the_response_rate():
    learners_gone = good_course(id=3, shortname="OLD", learners=tuple(
        replace(x, status="suspended") for x in good_course().learners))  # 10 answers, nobody active now
    v = i30_appreciations.evaluate(inp(good_course(feedbacks=(feedback(5),)), learners_gone))
    assert (v.figures["reponses"], v.figures["taux_reponse"]) == (5, 0.5)
