"""Small builders of frozen snapshots for the indicator tests."""

from __future__ import annotations

from dataclasses import replace

from mappings.indicators.base import EvalInput
from mappings.model import (
    DAY,
    CourseSnap,
    FeedbackItemSnap,
    FeedbackSnap,
    LearnerSnap,
    ModuleSnap,
    ResponseSnap,
    SectionSnap,
    StaffSnap,
)
from mappings.programmes import Programme
from mappings.thresholds import merged

NOW = 1795502500
SUMMARY = ("<p><strong>Objectifs</strong> : maîtriser la relation client omnicanale, conduire un entretien de "
           "vente conseil et analyser les résultats commerciaux. Public : apprentis en BTS MCO. Prérequis : "
           "baccalauréat. Évaluation : études de cas et quiz. Accessibilité : contacter le référent handicap.</p>")


def good_course(**kw) -> CourseSnap:
    mods = (ModuleSnap(10, "page", "Cours", None, True, 2), ModuleSnap(11, "quiz", "Quiz", None, True, 2),
            ModuleSnap(12, "feedback", "Questionnaire à chaud", None, True, 2))
    base = CourseSnap(
        id=2, shortname="GOOD", fullname="Good", category_id=2, summary=SUMMARY, summaryformat=1,
        startdate=NOW - 100 * DAY, enddate=NOW + 100 * DAY, visible=True, enablecompletion=True,
        customfields={"modalite": "3", "rncp": "RNCP38362"},
        sections=(SectionSnap(0, "General", "", True, ()),
                  SectionSnap(1, "Séquence 1", "<p>La vente conseil</p>", True, mods)),
        learners=tuple(LearnerSnap(100 + i, f"Apprenant {i}", None, "active", NOW - 2 * DAY, ("A",), i < 5,
                                   3 if i < 8 else 1, 3) for i in range(10)),
        staff=(StaffSnap(43, "Sophie Martin", "editingteacher", NOW - DAY),),
        has_completion_criteria=True,
        feedbacks=(feedback(10),),
    )
    return replace(base, **kw)


def feedback(n: int, score: int = 4) -> FeedbackSnap:
    items = (FeedbackItemSnap(1, "q_global", "Satisfaction", "multichoicerated",
                              "r>>>>>1####Très insatisfait|2####Insatisfait|3####Neutre|4####Satisfait|5####Très"),)
    return FeedbackSnap(1, 12, "Questionnaire à chaud", True, None, None, None, items,
                        tuple(ResponseSnap(i, {1: str(score)}) for i in range(n)))


def inp(*courses: CourseSnap, programme: Programme | None = None, **thresholds) -> EvalInput:
    prog = programme or Programme("P", "Programme", rncp="RNCP38362")
    return EvalInput(prog, tuple(courses), NOW, merged(thresholds))
