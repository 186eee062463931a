"""Indicator 31: complaints channel, answers, delays, difficulties from the surveys."""

from __future__ import annotations

from dataclasses import replace

from mappings.indicators import i31_complaints
from mappings.model import (
    DAY,
    ComplaintSnap,
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
    fix = v.findings[0].fix
    assert v.findings[0].what == "Aucun canal de réclamation" and "registre des réclamations" in fix
    assert "n’est pas confidentiel" in fix  # a forum open to all participants is not advised


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
    assert i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(overdue),)))).outcome == \
        Outcome.FAILED  # 20 days: past the default 15
    assert v2.outcome == Outcome.WARN


def test_a_complaint_answered_after_the_configured_delay_is_answered_late_not_in_time():
    """Answered after 9 days with a 7-day delay: reported (à consolider), not counted as in time; at exactly
    the delay, and with a longer configured delay (the default, 15), it is in time."""
    v = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(answered(1, 12, 9)),)),
                                    complaint_answer_days=7))
    assert v.outcome == Outcome.WARN
    assert v.figures["reclamations_repondues"] == 1 and v.figures["reclamations_hors_delai"] == 1
    late = next(f for f in v.findings if "hors délai" in f.what)
    assert "9 jours" in late.why and "délai fixé à 7 jours" in late.why and late.audience == "quality"
    at_limit = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(answered(1, 12, 7)),)),
                                           complaint_answer_days=7))
    assert at_limit.outcome == Outcome.PASSED and at_limit.figures["reclamations_hors_delai"] == 0
    longer = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(answered(1, 12, 9)),))))
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
    assert v.figures["reclamations"] == 1  # candidates for the register, not complaints
    assert all("l’inscrire au registre des réclamations" in f.fix for f in difficulties)
    assert any("3 notes ≤ 2/5" in f.why for f in difficulties)
    assert any("salle était trop froide" in f.why for f in difficulties)
    assert not any("Très bien" in f.why for f in difficulties)


def test_a_feedback_named_as_the_channel_counts_and_news_forums_do_not():
    news = ForumSnap(8, 80, "Réclamations (annonces)", "news", ())
    channel = FeedbackSnap(5, 50, "Formulaire de réclamation", True, None, None, None, (), ())
    assert i31_complaints.evaluate(inp(good_course(forums=(news,)))).outcome == Outcome.FAILED
    v = i31_complaints.evaluate(inp(good_course(forums=(news,), feedbacks=(feedback(5), channel))))
    assert v.outcome == Outcome.PASSED and v.figures["canaux"] == 1


# ---------------------------------------------------------------- the complaints register
def complaint(ref: str, received_days_ago: int | None, status: str, **kw) -> ComplaintSnap:
    got = NOW - received_days_ago * DAY if received_days_ago is not None else None
    rel = {k: (got + v * DAY if isinstance(v, int) and got is not None else v) for k, v in kw.items()}
    return ComplaintSnap(f"Registre des réclamations, fiche {ref}", f"Objet {ref}", got, status, **rel)


def with_register(*entries: ComplaintSnap, **thresholds):
    return replace(inp(good_course(), **thresholds), complaints=entries)


def test_a_register_kept_is_a_channel_and_complaints_handled_in_time_pass():
    v = i31_complaints.evaluate(with_register(complaint("6", 30, "close", acknowledged=1, answered=4)))
    assert v.outcome == Outcome.PASSED, v.findings
    assert v.figures["reclamations_registre"] == 1 and v.figures["registre_repondues"] == 1
    assert "registre des réclamations" in v.summary and "1 réclamation," in v.summary
    empty = i31_complaints.evaluate(with_register())
    assert empty.outcome == Outcome.PASSED and not empty.missing  # kept, nothing received


def test_register_deadlines_at_below_and_above_their_value():
    """Acknowledgement due within 2 days, answer within 15 (defaults): at the value in time, one day more
    late; an open complaint past 15 days is overdue (manque)."""
    ack_at = complaint("1", 30, "close", acknowledged=2, answered=15)
    ack_over = complaint("2", 30, "close", acknowledged=3, answered=16)
    v = i31_complaints.evaluate(with_register(ack_at))
    assert v.outcome == Outcome.PASSED and v.figures["registre_hors_delai"] == 0
    v = i31_complaints.evaluate(with_register(ack_over))
    whats = {f.what.split(" :")[0] for f in v.findings}
    assert whats == {"Accusé de réception tardif", "Réclamation traitée hors délai"} and v.outcome == Outcome.WARN
    assert v.figures["accuses_hors_delai"] == 1 and v.figures["registre_hors_delai"] == 1
    assert any("16 jours après la réception, délai fixé à 15 jours" in f.why for f in v.findings)
    open_at = complaint("3", 15, "en analyse", acknowledged=1)
    open_over = complaint("4", 16, "reçue", acknowledged=1)
    assert i31_complaints.evaluate(with_register(open_at)).outcome == Outcome.PASSED
    v = i31_complaints.evaluate(with_register(open_over))
    assert v.outcome == Outcome.FAILED and v.figures["registre_en_retard"] == 1
    (f,) = v.findings
    assert f.severity == Outcome.FAILED and "16 jours" in f.why and "« reçue »" in f.why
    assert f.where.course == "Registre des réclamations, fiche 4" and f.audience == "quality"
    longer = i31_complaints.evaluate(with_register(open_over, complaint_answer_days=20))
    assert longer.outcome == Outcome.PASSED


def test_undated_acknowledgement_and_answer_are_to_consolidate():
    no_ack = complaint("5", 5, "en analyse")
    no_answer_date = complaint("6", 10, "répondue", acknowledged=1)
    v = i31_complaints.evaluate(with_register(no_ack, no_answer_date))
    assert {f.what.split(" :")[0] for f in v.findings} == {"Accusé de réception non daté",
                                                           "Date de réponse non renseignée"}
    assert v.outcome == Outcome.WARN
    fresh = complaint("7", 1, "reçue")  # received yesterday: the acknowledgement is not due yet
    assert i31_complaints.evaluate(with_register(fresh)).outcome == Outcome.PASSED


def test_register_complaints_count_for_their_programme_by_code_or_custom_field_value():
    from mappings.programmes import Programme, Rule

    prog = Programme("BTS-MCO", "BTS", rules=(Rule("customfield", "BTS-MCO-2025", field="programme_code"),))
    mine = replace(complaint("8", 40, "reçue"), programme="bts-mco-2025")
    other = replace(complaint("9", 40, "reçue"), programme="EXCEL-01")
    everyone = complaint("10", 40, "reçue")  # no programme: provider-wide
    v = i31_complaints.evaluate(replace(inp(good_course(), programme=prog), complaints=(mine, other, everyone)))
    assert v.figures["reclamations_registre"] == 2 and v.figures["registre_en_retard"] == 2
    assert not any("fiche 9" in (f.where.course or "") for f in v.findings)


# ---------------------------------------------------------------- the forum's replies
def test_a_complaint_is_answered_at_the_first_staff_reply_and_a_later_merci_does_not_reopen_it():
    created = NOW - 20 * DAY
    merci = DiscussionSnap(11, "Convocation non reçue", LEARNER, created, created + 6 * DAY, LEARNER, 2,
                           posts=((TEACHER, created + 3 * DAY), (LEARNER, created + 6 * DAY)))
    v = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(merci),))))
    assert v.outcome == Outcome.PASSED and v.figures["reclamations_repondues"] == 1
    assert v.figures["delai_reponse_median_jours"] == 3.0  # to the first staff reply, not the "merci"
    unread = replace(merci, posts=None)  # without the replies' detail: the last post is the learner's
    assert i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(unread),)))).outcome == Outcome.FAILED
    only_learner = replace(merci, posts=((LEARNER, created + DAY), (LEARNER, created + 2 * DAY)))
    v = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(only_learner),))))
    assert v.outcome == Outcome.FAILED and v.figures["reclamations_en_retard"] == 1
    slow = replace(merci, posts=((LEARNER, created + DAY), (TEACHER, created + 16 * DAY), (TEACHER, created + 17 * DAY)))
    v = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(slow),))))
    late = next(f for f in v.findings if "hors délai" in f.what)
    assert "première réponse de l’équipe 16 jours" in late.why and v.outcome == Outcome.WARN


def test_forum_complaint_at_exactly_its_deadline_is_pending_one_day_more_is_overdue():
    """Found by the mutation run (bench/mutation.py): ``age > deadline`` had no boundary test."""
    at = DiscussionSnap(8, "Convocation reçue tard", LEARNER, NOW - 15 * DAY, NOW - 15 * DAY, LEARNER, 0)
    over = replace(at, id=9, created=NOW - 16 * DAY, last_post=NOW - 16 * DAY)
    v_at = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(at),))))
    assert v_at.figures["reclamations_en_retard"] == 0 and v_at.outcome == Outcome.WARN
    assert "ouverte depuis 15 jours" in v_at.findings[0].why
    v_over = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(over),))))
    assert v_over.figures["reclamations_en_retard"] == 1 and v_over.outcome == Outcome.FAILED


def test_register_and_forum_complaints_add_up_in_the_summary_and_the_verdict_is_31s():
    course = good_course(forums=(complaints_forum(answered(1, 30, 1), answered(2, 30, 20)),))
    v = i31_complaints.evaluate(replace(inp(course), complaints=(complaint("6", 30, "close", acknowledged=1,
                                                                             answered=4),)))
    assert v.indicator == 31
    assert "3 réclamations, 3 répondues dont 1 hors délai, 0 sans réponse" in v.summary
    assert v.figures["delai_reponse_median_jours"] == 10.5  # one decimal: (1 + 20) / 2
    late = next(f for f in v.findings if "hors délai" in f.what)
    assert "20 jours après l’ouverture" in late.why
    one_day = i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(answered(1, 30, 16)),)),
                                          complaint_answer_days=0))
    assert "16 jours" in next(f for f in one_day.findings if "hors délai" in f.what).why
    assert i31_complaints._days(1) == "1 jour" and i31_complaints._days(2) == "2 jours"


def test_missing_only_without_any_channel_and_any_difficulty():
    assert i31_complaints.evaluate(inp(good_course())).missing
    assert not i31_complaints.evaluate(inp(good_course(forums=(complaints_forum(),)))).missing
    assert not i31_complaints.evaluate(with_register()).missing


def test_an_undated_acknowledgement_is_due_after_exactly_the_configured_days():
    at = complaint("7", 2, "reçue")  # received 2 days ago, acknowledgement due within 2: not late yet
    over = complaint("8", 3, "reçue")
    assert i31_complaints.evaluate(with_register(at)).outcome == Outcome.PASSED
    assert {f.what.split(" :")[0] for f in i31_complaints.evaluate(with_register(over)).findings} == {
        "Accusé de réception non daté"}


def test_a_score_at_exactly_the_difficulty_threshold_is_a_difficulty_one_above_is_not():
    at = i31_complaints.evaluate(inp(good_course(feedbacks=(feedback(2, score=2),),
                                                 forums=(complaints_forum(),))))
    assert at.figures["difficultes"] == 1 and "2 notes ≤ 2/5" in at.findings[0].why
    above = i31_complaints.evaluate(inp(good_course(feedbacks=(feedback(2, score=3),),
                                                    forums=(complaints_forum(),))))
    assert above.figures["difficultes"] == 0


def test_channels_and_overdue_complaints_of_the_forum_and_the_register_add_up():
    overdue = DiscussionSnap(3, "Salle trop froide", LEARNER, NOW - 20 * DAY, NOW - 20 * DAY, LEARNER, 0)
    channel = FeedbackSnap(5, 50, "Formulaire de réclamation", True, None, None, None, (), ())
    course = good_course(forums=(complaints_forum(overdue),), feedbacks=(channel,))
    v = i31_complaints.evaluate(replace(inp(course), complaints=(complaint("4", 16, "reçue", acknowledged=1),)))
    assert v.figures["canaux"] == 3  # the forum, the survey, the register
    assert "2 réclamations, 0 répondue dont 0 hors délai, 2 sans réponse au-delà du délai" in v.summary
