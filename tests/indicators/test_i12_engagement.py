"""Indicator 12: persons, not enrolments; follow-up traces (notes) judged, the dropout rate only reported;
no completion tracking, no dropout by course end; measures defined as evidence."""

from dataclasses import replace

from mappings.indicators import i12_engagement
from mappings.indicators.base import EvalInput
from mappings.model import DAY, Evidence, LearnerSnap, NoteSnap, Outcome
from mappings.status import Status, assess
from tests.indicators.builders import NOW, good_course, inp

MEASURES = Evidence("Procédure de suivi de l’assiduité", timestamp=NOW - 30 * DAY, source="register", indicators=(12,))


def with_measures(i: EvalInput) -> EvalInput:
    return replace(i, evidence=(MEASURES,))


def test_pass_all_active_with_measures_defined():
    v = i12_engagement.evaluate(with_measures(inp(good_course(notes=()))))
    assert v.outcome == Outcome.PASSED and not v.findings
    assert v.figures["termines"] == 5 and v.figures["en_cours"] == 5 and v.figures["taux_achevement"] == 0.5
    assert v.figures["apprenants"] == 10 and v.figures["apprenants_a_risque"] == 0
    assert "Abandon" in v.figures["definition"] and "brouillons" in v.figures["traces"]


def test_without_measures_defined_it_is_a_warning_for_quality_staff():
    v = i12_engagement.evaluate(inp(good_course(notes=())))
    assert v.outcome == Outcome.WARN
    (f,) = v.findings
    assert f.audience == "quality" and f.where.course_id is None and "indicateur 12" in f.fix
    assert assess(v, "mineure_ou_majeure", 0.8) == (Status.A_CONSOLIDER, assess(v, "mineure_ou_majeure", 0.8)[1])


LEARNERS = (
    LearnerSnap(1, "Jamais Vu", None, "active", 0),
    LearnerSnap(2, "Inactif", None, "active", NOW - 45 * DAY, activities_done=1, activities_tracked=3),
    LearnerSnap(3, "Décroché", None, "active", NOW - 62 * DAY),
    LearnerSnap(4, "Suspendu", None, "suspended", NOW - 6 * DAY),
    LearnerSnap(5, "Fini", None, "active", NOW - DAY, completed=True),
    LearnerSnap(6, "Fini inactif", None, "active", NOW - 90 * DAY, completed=True),
)


def test_counts_and_at_risk_learners_without_trace_fail():
    v = i12_engagement.evaluate(with_measures(inp(good_course(learners=LEARNERS, notes=()))))
    f = v.figures
    assert (f["inscrits_actifs"], f["suspendus"], f["jamais_connectes"], f["inactifs"]) == (5, 1, 1, 3)
    assert (f["termines"], f["en_cours"], f["non_commences"], f["abandons"]) == (2, 1, 2, 2)
    assert f["taux_abandon"] == 0.4 and f["apprenants_a_risque"] == 3 and f["relances_tracees"] == 0
    assert v.outcome == Outcome.FAILED  # learners at risk and no trace: measures partly implemented
    assert {x.where.learner for x in v.findings} == {"Jamais Vu", "Inactif", "Décroché"}  # not the completed
    assert all(x.severity == Outcome.FAILED and x.where.course_id == 2 for x in v.findings)
    assert "35 %" not in v.summary and "40\u00a0%" in v.summary and "indicatif" in v.summary


def test_the_relance_note_is_found_and_shown_and_the_learner_counts_as_followed_up():
    """The recorded relance note (set 2: "Relance téléphonique le 30/11/2026 …", a course note written after
    the learner's last access) makes that learner followed up; a note older than the last access does not."""
    relance = NoteSnap(1, 2, NOW - 2 * DAY, "course", "Relance téléphonique le 30/11/2026 : absente depuis 40 "
                                                      "jours, difficultés avec l'entreprise d'accueil.")
    stale = NoteSnap(7, 3, NOW - 70 * DAY, "course", "Point d’étape")  # before Décroché's last access
    site = NoteSnap(2, 1, NOW - DAY, "site", "Apprenante en situation de décrochage : suivi renforcé.")
    c = good_course(learners=LEARNERS, notes=(relance, stale, site))
    v = i12_engagement.evaluate(with_measures(inp(c)))
    by = {x.where.learner: x for x in v.findings}
    assert by["Inactif"].severity == Outcome.PASSED and "relance tracée le" in by["Inactif"].why
    assert "note de cours" in by["Inactif"].why and "Relance téléphonique" in by["Inactif"].why
    assert by["Jamais Vu"].severity == Outcome.PASSED and "note de site" in by["Jamais Vu"].why
    assert by["Décroché"].severity == Outcome.FAILED  # the only note predates the absence
    assert v.figures["relances_tracees"] == 2 and v.outcome == Outcome.FAILED
    traced = replace(c, learners=LEARNERS[:2] + LEARNERS[3:])  # without Décroché: everyone followed up
    v = i12_engagement.evaluate(with_measures(inp(traced)))
    assert v.outcome == Outcome.PASSED and v.figures["relances_tracees"] == 2


def test_a_learner_in_three_courses_is_one_person_at_risk_listed_once():
    x = LearnerSnap(9, "Trois Cours", None, "active", NOW - 50 * DAY)
    courses = [good_course(id=i, shortname=f"C{i}", learners=(x,), notes=()) for i in (2, 3, 4)]
    v = i12_engagement.evaluate(with_measures(inp(*courses)))
    assert v.figures["apprenants"] == 1 and v.figures["inscrits_actifs"] == 3
    assert v.figures["apprenants_a_risque"] == 1 and len(v.findings) == 1
    assert all(f"C{i}" in v.findings[0].why for i in (2, 3, 4))
    assert "1 apprenant (0 a terminé)" in v.summary


def test_a_course_without_completion_tracking_does_not_count_everyone_as_dropped_out():
    ended = dict(enddate=NOW - DAY, notes=())
    tracked = i12_engagement.evaluate(with_measures(inp(good_course(**ended))))
    assert tracked.figures["abandons"] == 5 and not tracked.findings  # nobody "at risk" once the course is over
    untracked = i12_engagement.evaluate(with_measures(inp(good_course(enablecompletion=False, **ended))))
    assert untracked.figures["abandons"] == 0  # nobody is known to have finished or not
    no_criteria = i12_engagement.evaluate(with_measures(inp(good_course(has_completion_criteria=False, **ended))))
    assert no_criteria.figures["abandons"] == 0


def test_inactivity_boundaries():
    """At exactly `inactive_days` a learner is not inactive; one day more, they are at risk."""
    at = LearnerSnap(1, "Pile", None, "active", NOW - 30 * DAY)
    over = LearnerSnap(2, "Plus", None, "active", NOW - 31 * DAY)
    v = i12_engagement.evaluate(with_measures(inp(good_course(learners=(at, over), notes=()))))
    assert v.figures["inactifs"] == 1 and {f.where.learner for f in v.findings} == {"Plus"}
    drop_at = LearnerSnap(3, "Soixante", None, "active", NOW - 60 * DAY)
    drop_over = LearnerSnap(4, "Soixante et un", None, "active", NOW - 61 * DAY)
    v = i12_engagement.evaluate(with_measures(inp(good_course(learners=(drop_at, drop_over), notes=()))))
    assert v.figures["abandons"] == 1


def test_notes_not_read_are_said_and_the_fix_does_not_point_to_them():
    v = i12_engagement.evaluate(with_measures(inp(good_course(learners=LEARNERS))))  # notes None: not read
    assert "non lues" in v.figures["traces"]
    assert all("n’ont pas pu être lues" in f.fix for f in v.findings)


def test_no_learner_not_evaluated_and_trend():
    assert i12_engagement.evaluate(inp(good_course(learners=()))).outcome == Outcome.NOT_EVALUATED
    base = inp(good_course())
    with_history = EvalInput(**{**base.__dict__, "history": {12: ({"taux_abandon": 0.3},)}})
    assert i12_engagement.evaluate(with_history).figures["taux_abandon_precedent"] == 0.3


def test_more_than_two_days_uses_the_declared_duration_not_the_calendar_span():
    """12 applies past 2 days (14 h at 7 h a day): from duration_days, else duration_hours, else the sum of
    the courses' `duree_heures` field (recorded values 7 and 3.5 on EXCEL-FOND and EXCEL-TCD); a course spread
    over months but declared 7 h is short, and nothing declared means nothing assumed."""
    from mappings.indicators import evaluate_programme, programme_duration_days
    from mappings.programmes import Programme

    spread = dict(startdate=NOW - 100 * DAY, enddate=NOW + 100 * DAY)
    fond = good_course(id=8, customfields={"duree_heures": "7"}, **spread)
    tcd = good_course(id=9, customfields={"duree_heures": "3.5"}, **spread)
    assert programme_duration_days(inp(fond, tcd)) == 1.5
    v12 = {v.indicator: v for v in evaluate_programme(inp(fond, tcd))}[12]
    assert v12.outcome == Outcome.NOT_APPLICABLE and "Formation de 1,5 jour déclaré :" in v12.summary
    assert programme_duration_days(inp(good_course(**spread))) is None  # nothing declared: 200 days of span ignored
    assert {v.indicator: v for v in evaluate_programme(inp(good_course(**spread)))}[12].outcome != \
        Outcome.NOT_APPLICABLE
    long = Programme("P", "Programme", duration_hours=21)
    assert programme_duration_days(inp(fond, programme=long)) == 3.0
    assert programme_duration_days(inp(fond, programme=Programme("P", "P", duration_days=2))) == 2
    assert {v.indicator: v for v in evaluate_programme(inp(fond, programme=Programme("P", "P", duration_days=2)))
            }[12].outcome == Outcome.NOT_APPLICABLE  # exactly 2 days: not "more than 2"
    odd = good_course(customfields={"duree_heures": "beaucoup"})
    assert programme_duration_days(inp(odd)) is None


def test_boundaries_found_by_the_mutation_run():
    """bench/mutation.py left these alive: no progress known is not started; a course ending right now is
    still running; a note written at the very moment of the last access answers it; the course of a learner
    without trace fails, the others pass; one person, one who finished, in the singular."""
    x = LearnerSnap(1, "Sans progression", None, "active", NOW - DAY)
    assert i12_engagement.state(x) == "non_commence"  # progress unknown (None): not "en cours"
    assert i12_engagement.state(replace(x, progress=0.2)) == "en_cours"
    idle = LearnerSnap(2, "Inactif", None, "active", NOW - 40 * DAY)
    ends_now = i12_engagement.evaluate(with_measures(inp(good_course(learners=(idle,), enddate=NOW, notes=()))))
    assert ends_now.figures["apprenants_a_risque"] == 1 and ends_now.figures["abandons"] == 0
    note = NoteSnap(1, 2, NOW - 40 * DAY, "course", "Relance le jour même")
    same_time = i12_engagement.evaluate(with_measures(inp(good_course(learners=(idle,), notes=(note,)))))
    assert same_time.figures["relances_tracees"] == 1
    traced, untraced = (good_course(id=i, shortname=f"C{i}", learners=(y,), notes=n) for i, y, n in (
        (3, idle, (note,)), (4, LearnerSnap(5, "Autre", None, "active", NOW - 50 * DAY), ())))
    v = i12_engagement.evaluate(with_measures(inp(traced, untraced)))
    assert {c.shortname: c.outcome for c in v.courses} == {"C3": Outcome.PASSED, "C4": Outcome.FAILED}
    done = LearnerSnap(6, "Fini", None, "active", NOW - DAY, completed=True)
    one = i12_engagement.evaluate(with_measures(inp(good_course(learners=(done,), notes=()))))
    assert one.summary.startswith("1 apprenant (1 a terminé)")
    two = i12_engagement.evaluate(with_measures(inp(good_course(learners=(done, replace(done, user_id=7)),
                                                                notes=()))))
    assert two.summary.startswith("2 apprenants (2 ont terminé)")
