"""Indicator 32 from the continuous-improvement plan: actions followed, complaints and recurring difficulties
each with their action; a pass and a fail case per rule."""

from __future__ import annotations

from dataclasses import replace

from mappings.indicators import i32_improvement
from mappings.model import DAY, ActionSnap, ComplaintSnap, Evidence, Outcome, Risk, Status
from mappings.status import assess
from tests.indicators.builders import NOW, feedback, good_course, inp

MAJOR_ONLY = "majeure_uniquement"  # 32's grading in the référentiel


def action(ref: str, text: str = "Contrôle mensuel du chauffage des salles", status: str = "en cours", **kw) -> ActionSnap:
    base = dict(origin="réclamation", owner="Services généraux", due=NOW + 30 * DAY)
    return ActionSnap(f"Plan d'amélioration continue, fiche {ref}", text, status, **{**base, **kw})


def complaint(ref: str, status: str = "close", action_text: str = "", programme: str | None = None) -> ComplaintSnap:
    return ComplaintSnap(f"Registre des réclamations, fiche {ref}", f"Objet {ref}", NOW - 30 * DAY, status,
                         programme=programme, answered=NOW - 20 * DAY, action=action_text)


def judge(actions, complaints=None, *courses, evidence=()):
    base = inp(*(courses or (good_course(),)))
    return i32_improvement.evaluate(replace(base, actions=actions, complaints=complaints, evidence=evidence))


def status(v):
    return assess(v, MAJOR_ONLY, 0.8)


def test_a_followed_plan_is_covered_and_no_plan_is_to_provide():
    v = judge((action("1"), action("2", "Refondre le questionnaire", "réalisée", effectiveness="Taux de réponse +20 %",
                                      done=NOW - DAY)))
    assert v.outcome == Outcome.PASSED and v.findings == () and status(v) == (Status.COUVERT, Risk.AUCUN)
    assert v.figures["actions"] == 2 and v.figures["actions_realisees"] == 1 and v.figures["efficacite_evaluee"] == 1
    planned = judge((action("1"), action("3", status="prévue"), action("2", "Refondre le questionnaire", "réalisée",
                                                                  effectiveness="+20 %", done=NOW - DAY)))
    assert (planned.figures["actions_en_cours"], planned.figures["actions_realisees"]) == (2, 1)  # planned is open
    assert {e.label for e in v.evidence} >= {"Refondre le questionnaire"}  # the plan's lines go to the dossier
    none = judge(None)
    assert none.outcome == Outcome.FAILED and none.missing and status(none)[0] == Status.A_FOURNIR
    assert "Plan d’amélioration continue non trouvé" in none.summary
    # without a plan, a document declared for 32 in the evidence register still counts
    doc = Evidence("Plan d'amélioration 2026 (PDF)", source="register", indicators=(32,), scope="organisme")
    assert judge(None, evidence=(doc,)).outcome == Outcome.PASSED


def test_a_plan_without_any_action_is_to_provide():
    v = judge(())
    assert v.outcome == Outcome.FAILED and v.missing and status(v) == (Status.A_FOURNIR, Risk.MAJEURE)


def test_an_action_late_from_the_day_after_its_due_date_is_a_point_of_attention():
    on_time = judge((action("1", due=NOW - DAY + 1),))  # due today (00:00 UTC of a day): not late yet
    assert on_time.findings == ()
    late = judge((action("1", due=NOW - DAY),))
    assert [f.what for f in late.findings] == ["Action en retard : « Contrôle mensuel du chauffage des salles »"]
    assert "dépassée de 1 jour" in late.findings[0].why and late.figures["actions_en_retard"] == 1
    assert status(late) == (Status.COUVERT, Risk.ATTENTION)  # the plan is followed: not a measure missing
    done = judge((action("1", status="réalisée", due=NOW - 90 * DAY, effectiveness="ok"),))
    assert done.findings == ()  # a completed action is never late


def test_completed_without_effectiveness_abandoned_without_reason_and_incomplete_lines_are_listed():
    v = judge((action("1", status="réalisée", done=NOW - DAY), action("2", status="abandonnée"),
               action("3", owner="", origin=None), action("4", status="prévue", due=None), action("5", status="")))
    whats = [f.what.split(" : ")[0] for f in v.findings]
    assert whats == ["Efficacité non évaluée", "Action abandonnée sans justification", "Action incomplète",
                     "Action incomplète", "Action sans statut"], whats
    assert "non renseigné : origine, responsable" in v.findings[2].why
    assert "échéance" in v.findings[3].why
    assert v.outcome == Outcome.PASSED and status(v)[1] == Risk.ATTENTION
    fine = judge((action("1", status="réalisée", effectiveness="Plus aucune réclamation"),
                  action("2", status="abandonnée", effectiveness="Sans objet : réforme reportée")))
    assert fine.findings == ()


def test_each_answered_complaint_has_its_action_in_the_plan():
    plan = (action("10"),)
    followed = judge(plan, (complaint("6", action_text="Contrôle mensuel du chauffage"),))
    assert followed.outcome == Outcome.PASSED and followed.figures["reclamations_suivies"] == 1
    assert "suivies d’une action : 1 sur 1" in followed.summary
    not_in_plan = judge(plan, (complaint("7", "répondue", "Envoi automatique mensuel des attestations"),))
    assert not_in_plan.outcome == Outcome.WARN and status(not_in_plan) == (Status.A_CONSOLIDER, Risk.MAJEURE)
    assert not_in_plan.findings[0].what == "Action corrective absente du plan : « Envoi automatique mensuel des " \
        "attestations »"
    none = judge(plan, (complaint("8", "close"),))
    assert none.findings[0].what == "Réclamation sans action d’amélioration : « Objet 8 »"
    decided = judge(plan, (complaint("9", "close", "Aucune : réclamation non fondée"),))
    assert decided.outcome == Outcome.PASSED
    still_open = judge(plan, (complaint("11", "en analyse"),))
    assert still_open.outcome == Outcome.PASSED and still_open.figures["reclamations_repondues"] == 0
    abandoned = judge((action("10", status="abandonnée", effectiveness="reportée"),),
                      (complaint("6", action_text="Contrôle mensuel du chauffage"),))
    assert abandoned.outcome == Outcome.WARN  # an abandoned action does not follow a complaint up
    elsewhere = judge(plan, (complaint("12", "close", programme="AUTRE-PROG"),))
    assert elsewhere.figures["reclamations_repondues"] == 0  # another programme's complaint


def test_a_recurring_difficulty_needs_an_action_from_the_surveys():
    low = good_course(feedbacks=(feedback(3, score=1), replace(feedback(2, score=2), id=2)))
    v = judge((action("1"),), None, low)
    assert v.outcome == Outcome.WARN and v.figures["difficultes_recurrentes"] == 1
    assert v.findings[0].what == "Difficulté récurrente sans action : question « q_global »"
    assert "2 questionnaires" in v.findings[0].why
    with_action = judge((action("1"), action("2", "Refondre le questionnaire", origin="enquête de satisfaction")),
                        None, low)
    assert with_action.outcome == Outcome.PASSED
    once = good_course(feedbacks=(feedback(3, score=1), replace(feedback(2, score=4), id=2)))
    assert judge((action("1"),), None, once).outcome == Outcome.PASSED  # low in one survey only: not recurring
