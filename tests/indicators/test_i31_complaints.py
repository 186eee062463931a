"""Indicator 31: complaints channel, answers, delays, difficulties from the surveys."""

from __future__ import annotations

from dataclasses import replace

from mappings.indicators import i31_complaints
from mappings.model import (
    DAY,
    DiscussionSnap,
    FeedbackItemSnap,
    FeedbackSnap,
    ForumSnap,
    Outcome,
    ResponseSnap,
)
from tests.indicators.builders import NOW, feedback, good_course, inp

LEARNER, TEACHER = 100, 43


def complaints_forum(*discussions: DiscussionSnap) -> ForumSnap:
    return ForumSnap(7, 70, "Réclamations et suggestions", "general", discussions)


def answered(n: int, created_days_ago: int = 10, delay_days: int = 2) -> DiscussionSnap:
    created = NOW - created_days_ago * DAY
    return DiscussionSnap(n, f"Plainte {n}", LEARNER, created, created + delay_days * DAY, TEACHER, 1)


def test_passes_with_a_channel_and_every_complaint_answered():
    course = good_course(forums=(complaints_forum(answered(1), answered(2, delay_days=4)),))
    v = i31_complaints.evaluate(inp(course))
    assert v.outcome == Outcome.PASSED, v.findings
    assert v.figures["reclamations"] == 2 and v.figures["reclamations_repondues"] == 2
    assert v.figures["delai_reponse_median_jours"] == 3.0


def test_fails_without_a_channel():
    v = i31_complaints.evaluate(inp(good_course()))
    assert v.outcome == Outcome.FAILED
    assert v.findings[0].what == "Aucun canal de réclamation" and "Réclamations" in v.findings[0].fix


def test_overdue_complaint_fails_pending_one_warns_staff_posts_are_not_complaints():
    overdue = DiscussionSnap(3, "Salle trop froide", LEARNER, NOW - 20 * DAY, NOW - 20 * DAY, LEARNER, 0)
    pending = DiscussionSnap(4, "Support de cours manquant", LEARNER, NOW - 2 * DAY, NOW - DAY, LEARNER, 1)
    staff_post = DiscussionSnap(5, "Comment déposer une réclamation", TEACHER, NOW - 90 * DAY, NOW - 90 * DAY,
                                TEACHER, 0)
    v = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(overdue, pending, staff_post),))))
    assert v.outcome == Outcome.FAILED
    assert v.figures["reclamations"] == 2 and v.figures["reclamations_en_retard"] == 1
    late = next(f for f in v.findings if "Salle trop froide" in f.what)
    assert late.severity == Outcome.FAILED and late.audience == "quality" and "20 jours" in late.why
    assert next(f for f in v.findings if "Support" in f.what).severity == Outcome.WARN
    v2 = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(overdue),)), complaint_answer_days=30))
    assert v2.outcome == Outcome.WARN


def test_a_complaint_answered_after_the_configured_delay_is_answered_late_not_in_time():
    """Answered after 9 days with a 7-day delay: reported (à consolider), not counted as in time; at exactly
    the delay, and with a longer configured delay, it is in time."""
    v = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(answered(1, 12, 9)),))))
    assert v.outcome == Outcome.WARN
    assert v.figures["reclamations_repondues"] == 1 and v.figures["reclamations_hors_delai"] == 1
    late = next(f for f in v.findings if "hors délai" in f.what)
    assert "9 jours" in late.why and "délai fixé à 7 jours" in late.why and late.audience == "quality"
    at_limit = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(answered(1, 12, 7)),))))
    assert at_limit.outcome == Outcome.PASSED and at_limit.figures["reclamations_hors_delai"] == 0
    longer = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(answered(1, 12, 9)),)),
                                         complaint_answer_days=10))
    assert longer.outcome == Outcome.PASSED and longer.figures["reclamations_hors_delai"] == 0


def test_low_scores_and_complaint_words_in_surveys_are_difficulties():
    text_item = FeedbackItemSnap(2, "q_suggestions", "Suggestions", "textarea", "")
    base = feedback(3, score=1)
    survey = replace(base, items=(*base.items, text_item),
                     responses=(*base.responses, ResponseSnap(9, {2: "Réclamation : la salle était trop froide"}),
                                ResponseSnap(10, {2: "Très bien"})))
    course = good_course(feedbacks=(survey,), forums=(complaints_forum(answered(1)),))
    v = i31_complaints.evaluate(inp(course))
    assert v.outcome == Outcome.WARN
    difficulties = [f for f in v.findings if f.what.startswith("Difficulté")]
    assert len(difficulties) == 2 and v.figures["difficultes"] == 2
    assert any("3 note(s) ≤ 2/5" in f.why for f in difficulties)
    assert any("salle était trop froide" in f.why for f in difficulties)
    assert not any("Très bien" in f.why for f in difficulties)


def test_a_feedback_named_as_the_channel_counts_and_news_forums_do_not():
    news = ForumSnap(8, 80, "Réclamations (annonces)", "news", ())
    channel = FeedbackSnap(5, 50, "Formulaire de réclamation", True, None, None, None, (), ())
    assert i31_complaints.evaluate(inp(good_course(forums=(news,)))).outcome == Outcome.FAILED
    v = i31_complaints.evaluate(inp(good_course(forums=(news,), feedbacks=(feedback(5), channel))))
    assert v.outcome == Outcome.PASSED and v.figures["canaux"] == 1
