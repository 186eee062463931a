"""Evidence status and risk: one test per status, one per grading kind, coverage over courses."""

from __future__ import annotations

from mappings.model import CourseVerdict, Finding, Outcome, Risk, Status, Verdict, Where
from mappings.referentiel import load_referentiel
from mappings.status import assess, coverage

GRADED, MAJOR_ONLY = "mineure_ou_majeure", "majeure_uniquement"


def v(outcome: Outcome, *, missing=False, courses=(), findings=()) -> Verdict:
    return Verdict(6, "P", outcome, "…", missing=missing, courses=tuple(courses), findings=tuple(findings))


def cv(i: int, o: Outcome) -> CourseVerdict:
    return CourseVerdict(i, f"C{i}", o)


def course_finding(i: int, sev: Outcome) -> Finding:
    return Finding("x", Where(course=f"C{i}", course_id=i), "y", "z", sev)


def test_the_grading_kinds_are_those_of_the_referentiel():
    gradings = {i.non_conformity_grading for i in load_referentiel().indicators}
    assert gradings == {GRADED, MAJOR_ONLY}
    graded = {i.number for i in load_referentiel().indicators if i.non_conformity_grading == GRADED}
    assert graded == set(load_referentiel().rules["graded_indicators"])


def test_couvert_without_warnings_has_no_risk():
    assert assess(v(Outcome.PASSED), GRADED, 0.8) == (Status.COUVERT, Risk.AUCUN)
    assert assess(v(Outcome.PASSED), MAJOR_ONLY, 0.8) == (Status.COUVERT, Risk.AUCUN)


def test_couvert_with_warnings_is_a_point_of_attention():
    warned = v(Outcome.PASSED, findings=[course_finding(1, Outcome.WARN)])
    assert assess(warned, MAJOR_ONLY, 0.8) == (Status.COUVERT, Risk.ATTENTION)


def test_a_fournir_is_a_major_risk_for_both_gradings():
    """The guide grades "attendu pas du tout respecté" as major, also for a graded indicator."""
    assert assess(v(Outcome.FAILED, missing=True), GRADED, 0.8) == (Status.A_FOURNIR, Risk.MAJEURE)
    assert assess(v(Outcome.FAILED, missing=True), MAJOR_ONLY, 0.8) == (Status.A_FOURNIR, Risk.MAJEURE)


def test_a_consolider_is_minor_when_graded_major_when_major_only():
    partial = v(Outcome.WARN)
    assert assess(partial, GRADED, 0.8) == (Status.A_CONSOLIDER, Risk.MINEURE)
    assert assess(partial, MAJOR_ONLY, 0.8) == (Status.A_CONSOLIDER, Risk.MAJEURE)
    failed_but_found = v(Outcome.FAILED)  # evidence found, checks fail: partial, not missing
    assert assess(failed_but_found, GRADED, 0.8) == (Status.A_CONSOLIDER, Risk.MINEURE)


def test_non_applicable_and_non_evalue_carry_no_risk():
    assert assess(v(Outcome.NOT_APPLICABLE), GRADED, 0.8) == (Status.NON_APPLICABLE, Risk.AUCUN)
    assert assess(v(Outcome.NOT_EVALUATED), MAJOR_ONLY, 0.8) == (Status.NON_EVALUE, Risk.AUCUN)


def test_programme_status_is_by_coverage_not_by_the_worst_course():
    four_of_five = [cv(1, Outcome.PASSED), cv(2, Outcome.PASSED), cv(3, Outcome.WARN), cv(4, Outcome.PASSED),
                    cv(5, Outcome.FAILED)]
    f = [course_finding(5, Outcome.FAILED)]
    assert coverage(tuple(four_of_five)) == 0.8
    assert assess(v(Outcome.FAILED, courses=four_of_five, findings=f), MAJOR_ONLY, 0.8) == \
        (Status.COUVERT, Risk.ATTENTION)
    # just below the threshold: partial
    assert assess(v(Outcome.FAILED, courses=four_of_five, findings=f), MAJOR_ONLY, 0.81) == \
        (Status.A_CONSOLIDER, Risk.MAJEURE)
    two_of_three = four_of_five[:2] + [cv(5, Outcome.FAILED)]
    assert assess(v(Outcome.FAILED, courses=two_of_three, findings=f), GRADED, 0.8) == \
        (Status.A_CONSOLIDER, Risk.MINEURE)


def test_a_programme_level_gap_is_not_diluted_by_coverage():
    gap = Finding("Aucun canal de réclamation", Where(), "y", "z", Outcome.FAILED)
    all_pass = [cv(1, Outcome.PASSED), cv(2, Outcome.PASSED)]
    assert assess(v(Outcome.FAILED, courses=all_pass, findings=[gap]), MAJOR_ONLY, 0.8)[0] == Status.A_CONSOLIDER


def test_not_judged_courses_do_not_count_in_coverage():
    assert coverage((cv(1, Outcome.NOT_EVALUATED),)) is None
    assert coverage((cv(1, Outcome.NOT_APPLICABLE), cv(2, Outcome.PASSED))) == 1.0
