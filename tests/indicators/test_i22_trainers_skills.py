"""Indicator 22: trainers' training traced in Moodle (the trainers' category) and declared evidence; a pass and
a fail case per rule."""

from __future__ import annotations

from dataclasses import replace

from mappings.indicators import i22_trainers_skills
from mappings.model import DAY, Evidence, Outcome, StaffSnap, Status, TrainingSnap
from mappings.status import assess
from tests.indicators.builders import NOW, good_course, inp

MONTHS_24 = 24 * 30 * DAY
STAFF = (StaffSnap(43, "Sophie Martin", "editingteacher", NOW), StaffSnap(44, "Karim Benali", "teacher", NOW),
         StaffSnap(9, "Gestionnaire", "manager", NOW))
DECLARED = Evidence("Plan de développement des compétences 2026", source="register", indicators=(22,),
                    scope="organisme")


def trained(days_ago: int, completed: bool = True) -> TrainingSnap:
    return TrainingSnap("FDF-ACCESS", "Accessibilité numérique", completed, NOW - days_ago * DAY if completed else None)


def judge(trainings, evidence=(), courses=None, **thresholds):
    base = inp(*(courses or (good_course(staff=STAFF), replace(good_course(staff=STAFF[:1]), id=3))), **thresholds)
    return i22_trainers_skills.evaluate(replace(base, trainings=trainings, evidence=evidence))


def test_every_trainer_trained_recently_is_covered_and_each_person_counts_once():
    v = judge({43: (trained(100),), 44: (trained(700),)})
    assert v.outcome == Outcome.PASSED and v.findings == ()
    assert v.figures["formateurs"] == 2 and v.figures["formateurs_formes"] == 2  # the manager is no trainer


def test_the_window_is_trainer_training_months_and_older_or_unfinished_trainings_are_listed():
    limit = NOW - MONTHS_24
    at = judge({43: (replace(trained(0), timecompleted=limit),), 44: (trained(10),)})
    assert at.outcome == Outcome.PASSED
    older = judge({43: (replace(trained(0), timecompleted=limit - 1),), 44: (trained(0, completed=False),)})
    assert older.outcome == Outcome.FAILED and older.missing  # nothing traced, nothing declared: à fournir
    whys = {f.what: f.why for f in older.findings}
    assert "dernière formation achevée le" in whys["Formateur sans formation récente tracée : Sophie Martin"]
    assert "non achevée" in whys["Formateur sans formation récente tracée : Karim Benali"]
    longer = judge({43: (replace(trained(0), timecompleted=limit - 1),), 44: (trained(10),)},
                   trainer_training_months=36)
    assert longer.outcome == Outcome.PASSED


def test_some_trainers_without_trace_is_to_consolidate_unless_evidence_is_declared():
    some = judge({43: (trained(10),)})
    assert some.outcome == Outcome.WARN and assess(some, "majeure_uniquement", 0.8)[0] == Status.A_CONSOLIDER
    assert [f.what for f in some.findings] == ["Formateur sans formation récente tracée : Karim Benali"]
    assert "aucune formation suivie" in some.findings[0].why
    declared = judge({43: (trained(10),)}, evidence=(DECLARED,))
    assert declared.outcome == Outcome.PASSED and len(declared.findings) == 1  # a point of attention
    assert assess(declared, "majeure_uniquement", 0.8)[0] == Status.COUVERT
    only_declared = judge({}, evidence=(DECLARED,))
    assert only_declared.outcome == Outcome.PASSED and not only_declared.missing
    stale = judge({43: (trained(10),)}, evidence=(replace(DECLARED, state="stale"),))
    assert stale.outcome == Outcome.WARN  # a plan past its review date does not cover the untraced trainer


def test_without_a_trainers_category_22_is_judged_on_evidence_and_says_so():
    v = judge(None)
    assert v.outcome == Outcome.FAILED and v.missing and "non configurée" in v.summary
    assert judge(None, evidence=(DECLARED,)).outcome == Outcome.PASSED
    no_teacher = judge({}, courses=(good_course(staff=()),))
    assert no_teacher.outcome == Outcome.NOT_EVALUATED


def test_the_latest_completed_training_is_the_one_judged_whatever_the_order():
    old, recent = replace(trained(0), timecompleted=NOW - MONTHS_24 - DAY), trained(30)
    for order in ((old, recent), (recent, old)):
        assert judge({43: order, 44: (trained(10),)}).outcome == Outcome.PASSED
